"""Importing the shipped CMS, PBS, market-report and EPD files: values equal the source rows (read here
independently with the csv module and openpyxl), re-imports change nothing, bad input names file, line
and field and leaves the knowledge base as it was."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from immunograde.errors import InputError
from immunograde.kb.build import build_kb
from immunograde.market import store
from immunograde.market.importer import SHIPPED, ImportReport, import_paths
from immunograde.settings import data_dir

from .conftest import CMS, SHARED


def _figures(db: Path, sql: str, params: list[object]) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def _totals(db: Path) -> list[tuple[object, ...]]:
    """Figures per dataset and their exact sum (decimal: independent of the order rows are added in)."""
    return _figures(db, f"SELECT dataset, count(*), sum(value::DECIMAL(38, 6)) FROM {store.FIGURES} "
                    "GROUP BY 1 ORDER BY 1", [])  # fmt: skip


def _csv_row(path: Path, **match: str) -> tuple[int, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            if all(row[k] == v for k, v in match.items()):
                return reader.line_num, row
    raise LookupError(match)


def test_every_shipped_file_is_imported(market_import: tuple[Path, ImportReport]) -> None:
    db, report = market_import
    assert [f.source_file for f in report.files] == list(SHIPPED)
    assert {f.status for f in report.files} == {"inserted"}
    counts = dict(_figures(db, f"SELECT dataset, count(*) FROM {store.FIGURES} GROUP BY 1", []))
    with (SHARED / "prescribing/au_pbs/pbs_atc2_monthly_immunology_subset.csv").open() as fh:
        pbs_rows = sum(1 for _ in fh) - 1
    assert pbs_rows == 4848 and counts["au_pbs"] == 2 * pbs_rows  # scripts and cost per row
    with (SHARED / "market/market_points_ru_ua.csv").open() as fh:
        assert counts["market_points"] == sum(1 for _ in fh) - 1 == 32


def test_actemra_2017_part_d_is_the_csv_row(market_db: Path) -> None:
    line, row = _csv_row(CMS / "partd_brandlvl.csv", **{"Brand Name": "Actemra*", "Year": "2017"})
    got = dict(_figures(market_db, f"SELECT metric, value FROM {store.FIGURES} WHERE dataset = "
                        "'cms_partd_usafacts' AND name = 'Actemra*' AND year = 2017", []))  # fmt: skip
    assert got["spending"] == float(row["Total Spending"]) == 86_400_039.01  # the example
    assert got["claims"] == float(row["Total Claims"]) == 27_279
    assert got["beneficiaries"] == float(row["Total Beneficiaries"]) == 4_701
    lines = _figures(market_db, f"SELECT DISTINCT source_line FROM {store.FIGURES} WHERE name = "
                     "'Actemra*' AND year = 2017 AND dataset = 'cms_partd_usafacts'", [])  # fmt: skip
    assert lines == [(line,)]


def test_several_manufacturers_keep_the_double_counting_caveat(market_db: Path) -> None:
    line, row = _csv_row(
        CMS / "partd_brandlvl.csv", **{"Brand Name": "Acetic Acid*", "Year": "2017"}
    )
    assert int(row["num_manufac"]) == 6
    caveats = dict(_figures(market_db, f"SELECT metric, caveat FROM {store.FIGURES} WHERE dataset = "
                            "'cms_partd_usafacts' AND source_line = ?", [line]))  # fmt: skip
    assert caveats["beneficiaries"] == (
        "beneficiaries summed across 6 manufacturers can be double-counted: an upper bound (CMS)"
    )
    assert caveats["spending"] == "summed across 6 manufacturers"


def test_medicaid_cms_original_agrees_with_the_usafacts_cut(market_db: Path) -> None:
    """Two files, one set of figures: every figure of the CSV cut is in the CMS workbook.  Claims are
    equal; the cut prints money and dosage units to ten significant digits (measured: at most a
    relative 5e-10 apart), which is why the CMS original is the one counted."""
    sql = (f"SELECT rtrim(name), generic_name, year, metric, value FROM {store.FIGURES} WHERE dataset = ? "
           "ORDER BY 1, 2, 3, 4")  # fmt: skip
    cut = _figures(market_db, sql, ["cms_medicaid_usafacts"])
    original = _figures(market_db, sql, ["cms_medicaid"])
    assert len(cut) == len(original) == 46_533
    assert [c[:4] for c in cut] == [o[:4] for o in original]
    rel = {m: 0.0 for m in ("spending", "dosage_units", "claims")}
    for c, o in zip(cut, original, strict=True):
        rel[c[3]] = max(rel[c[3]], abs(c[4] - o[4]) / abs(o[4]) if o[4] else abs(c[4]))
    assert rel["claims"] == 0.0
    assert 0.0 < rel["spending"] <= 5e-10 and 0.0 < rel["dosage_units"] <= 5e-10


def test_part_b_reads_the_workbook_row_and_its_route(market_db: Path) -> None:
    book = openpyxl.load_workbook(
        CMS / "medicare_partb_drug_spending_ytd_2017.xlsx", read_only=True
    )
    sheet = book["Spending & Utilization YTD 2017"]
    excel_row, values = next(
        (i, r) for i, r in enumerate(sheet.iter_rows(values_only=True), 1) if r[0] == "J3262"
    )
    book.close()
    assert values[1] == "Injection, tocilizumab, 1 mg"
    got = _figures(market_db, f"SELECT year, value, route, source_line FROM {store.FIGURES} WHERE "
                   "dataset = 'cms_partb' AND code = 'J3262' AND metric = 'spending' ORDER BY year", [])  # fmt: skip
    # yearly groups of seven columns from the fifth: Total Spending first (2013 ... 2017)
    assert [g[1] for g in got] == [values[4 + 7 * i] for i in range(5)]
    assert [g[0] for g in got] == [2013, 2014, 2015, 2016, 2017]
    assert {g[2] for g in got} == {"parenteral"} and {g[3] for g in got} == {excel_row}


def test_market_points_keep_their_source(market_db: Path) -> None:
    line, row = _csv_row(SHARED / "market/market_points_ru_ua.csv", point_id="M01")
    got = _figures(market_db, f"SELECT name, value, unit, value_as_printed, source_ref, verified, country, "
                   f"geography FROM {store.FIGURES} WHERE dataset = 'market_points' AND source_line = ?", [line])  # fmt: skip
    assert got == [(row["product_or_segment"], 47_200_000.0, "RUB", "47.2 mln RUB", row["source_url"], False,
                    "RU", "Republic of Crimea")]  # fmt: skip


def test_reimport_changes_nothing_and_a_new_version_replaces(
    market_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "kb.duckdb"
    shutil.copy(market_db, db)
    again = import_paths(db, [SHARED / p for p in SHIPPED])
    assert {f.status for f in again.files} == {"unchanged"}
    before = _totals(db)
    # the same bytes under another name: recognised, replaces itself (no double counting)
    copy = tmp_path / "partd_copy.csv"
    shutil.copy(CMS / "partd_brandlvl.csv", copy)
    result = import_paths(db, [copy]).files[0]
    assert result.status == "replaced" and result.replaced == result.figures == 47_716
    assert _totals(db) == before


def test_import_while_a_reader_holds_the_knowledge_base(market_db: Path, tmp_path: Path) -> None:
    """README: writers take turns and never block a reader.  `market import` opened the file for
    writing in place: with `serve` (or any reader) holding it, DuckDB's lock error was a traceback
    (exit 1).  Now it writes a private copy and moves it over the file; the reader keeps its version."""
    from immunograde.kb.dbfile import open_readonly

    db = tmp_path / "kb.duckdb"
    shutil.copy(market_db, db)
    from immunograde.market.importer import label_for

    copy = tmp_path / "partd_copy.csv"
    shutil.copy(CMS / "partd_brandlvl.csv", copy)
    where = label_for(copy).replace("'", "''")
    count = f"SELECT count(*) FROM reg_market_figures WHERE source_file = '{where}'"
    reader = open_readonly(db)
    try:
        (result,) = import_paths(db, [copy]).files
        assert result.status == "replaced" and result.figures == 47_716
        assert reader.execute(count).fetchone() == (0,)  # the version it opened
    finally:
        reader.close()
    again = open_readonly(db)
    try:
        assert again.execute(count).fetchone() == (47_716,)  # the new version, whole
    finally:
        again.close()


def test_bad_number_names_file_line_and_field_and_writes_nothing(
    market_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "kb.duckdb"
    shutil.copy(market_db, db)
    lines = (CMS / "partd_brandlvl.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[120] = lines[120].replace(",27279,", ",27x79,")  # line 121: Actemra* 2017
    bad = tmp_path / "partd_bad.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    before = _totals(db)
    with pytest.raises(InputError) as info:
        import_paths(db, [bad])
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.field) == (str(bad.resolve()), 121, "Total Claims")
    assert _totals(db) == before


def test_unknown_layout_is_a_clear_error(tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_paths(tmp_path / "kb.duckdb", [odd])
    assert info.value.problems[0].line == 1 and "not a known prescribing or sales layout" in str(
        info.value
    )


def test_kb_build_keeps_the_market_tables(market_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "kb.duckdb"
    shutil.copy(market_db, db)
    before = _totals(db)
    result = build_kb(data_dir(), db, SHARED)
    assert {store.FIGURES, store.NAMES, store.IMPORTS} <= set(result.preserved_tables)
    assert _totals(db) == before

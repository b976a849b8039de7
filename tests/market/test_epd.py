"""English Prescribing Data: the import keeps the layout's numbers exactly, and OpenPrescribing's measure
mechanics (ratios, percent ranks, deciles, Tukey outliers) give a hand-derived case's values — on DuckDB
and, identically, on Spark local[2]."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from immunograde.errors import InputError
from immunograde.kb.queries import KnowledgeBase
from immunograde.market import store
from immunograde.market.epd_definitions import filter_sql, load_measure, load_measures
from immunograde.market.epd_measures import run_measures, synthetic_epd
from immunograde.market.epd_run import stored
from immunograde.market.epd_store import epd_dir, epd_files
from immunograde.market.importer import import_paths
from immunograde.safety.engines import DuckDBEngine, SparkEngine

from .conftest import SHARED

FIXTURE = SHARED / "prescribing" / "epd_sample_201601.csv"
MTX_25, MTX_10, OTHER = "1001030U0AAABAB", "1001030U0AAACAC", "0202010B0AAABAB"
#: practice -> (PCO, items of methotrexate 2.5 mg, items of 10 mg); P7 prescribes none
PRACTICES = {"P1": ("A", 9, 1), "P2": ("A", 9, 1), "P3": ("A", 8, 2), "P4": ("B", 8, 2), "P5": ("B", 10, 0),
             "P6": ("B", 0, 5), "P7": ("B", 0, 0)}  # fmt: skip


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pyspark_sql = pytest.importorskip("pyspark.sql")
    session = (pyspark_sql.SparkSession.builder.master("local[2]").appName("immunograde-market-tests")
               .config("spark.sql.shuffle.partitions", "4").config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false").getOrCreate())  # fmt: skip
    yield session


def _hand_epd(path: Path) -> Path:
    """The shared fixture's 26-column layout with the rows of PRACTICES (one CSV row per presentation)."""
    with FIXTURE.open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    rows = []
    for practice, (pco, low, high) in PRACTICES.items():
        for code, items in ((MTX_25, low), (MTX_10, high), (OTHER, 3)):
            if items:
                row = dict.fromkeys(header, "")
                row.update(YEAR_MONTH="2016_01", REGIONAL_OFFICE_CODE="Y54", AREA_TEAM_CODE="Q46",
                           PCO_CODE=pco, PCO_NAME=f"PCO {pco}", PRACTICE_CODE=practice, BNF_CODE=code,
                           BNF_DESCRIPTION="Methotrexate_Tab" if code != OTHER else "Bendroflumethiazide_Tab 2.5mg",
                           QUANTITY="28.0", ITEMS=str(items), TOTAL_QUANTITY=str(28 * items), NIC="1.00",
                           ACTUAL_COST="0.93", UNIDENTIFIED="N")  # fmt: skip
                rows.append(row)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def hand_db(tmp_path_factory: pytest.TempPathFactory, market_db: Path) -> Path:
    folder = tmp_path_factory.mktemp("epd")
    db = folder / "kb.duckdb"
    shutil.copy(market_db, db)
    shutil.copytree(epd_dir(market_db), epd_dir(db))
    import_paths(
        db, [_hand_epd(folder / "epd_hand.csv")]
    )  # imports, then runs the measures (DuckDB)
    return db


def test_fixture_import_keeps_the_numbers(market_db: Path) -> None:
    (month,) = epd_files(epd_dir(market_db))
    assert month.name == "2016-01.parquet"
    with duckdb.connect(str(market_db), read_only=True) as con:
        got = dict(con.execute(f"SELECT metric, value FROM {store.FIGURES} WHERE dataset = 'nhs_epd' "
                               "AND code = '0906040G0BXAAAN'").fetchall())  # fmt: skip
    with FIXTURE.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["BNF_CODE"] == "0906040G0BXAAAN"]
    assert got["items"] == sum(int(r["ITEMS"]) for r in rows) == 26
    assert got["actual_cost"] == pytest.approx(sum(float(r["ACTUAL_COST"]) for r in rows), abs=1e-9)


def test_bad_items_names_line_and_field(tmp_path: Path) -> None:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace(",2,2.0,", ",two,2.0,")  # line 4: Fluticasone/Salmeterol, ITEMS
    bad = tmp_path / "epd_bad.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_paths(tmp_path / "kb.duckdb", [bad])
    (problem,) = info.value.problems
    assert (problem.line, problem.field) == (4, "ITEMS") and "two" in problem.message
    assert not epd_files(epd_dir(tmp_path / "kb.duckdb"))  # nothing published


def test_filters_follow_openprescribing() -> None:
    assert filter_sql(["1001030U0%AC # 10 mg"]) == "(bnf_code LIKE '1001030U0%AC')"
    assert filter_sql(["0802020G0", "~0802020G0AA", MTX_25]) == (
        f"(bnf_code LIKE '0802020G0%' OR bnf_code = '{MTX_25}') AND NOT (bnf_code LIKE '0802020G0AA%')"
    )


def test_shipped_definitions_are_the_openprescribing_files() -> None:
    import json

    for m in load_measures():
        original = json.loads((SHARED / m.definition.source.file).read_text(encoding="utf-8"))
        ours = json.loads(Path(m.file).read_text(encoding="utf-8"))
        assert {k: ours[k] for k in original} == original  # every OpenPrescribing key, unchanged
        assert ours["source"]["file"] and ours["extracted_by"] and "next_review" in ours


def test_view_measures_are_refused_with_their_field() -> None:
    with pytest.raises(InputError) as info:
        load_measure(SHARED / "prescribing" / "openprescribing_measure_lpzomnibus.json")
    assert {p.field for p in info.value.problems} == {"numerator_from", "denominator_from"}
    assert all(p.line for p in info.value.problems)


def test_hand_derived_methotrexate(hand_db: Path) -> None:
    kb = KnowledgeBase(hand_db)
    try:
        (mtx,) = stored(kb, "methotrexate")
        values = {r[0]: r[1:] for r in kb.con.execute(
            f"SELECT org_id, numerator, denominator, ratio, percentile, outlier FROM {store.EPD_VALUES} "
            "WHERE measure_id = 'methotrexate' AND org_type IN ('practice', 'pco')").fetchall()}  # fmt: skip
    finally:
        kb.close()
    (month,) = [m for m in mtx["months"] if m["month"] == "2016-01"]
    # ratios 1/10, 1/10, 2/10, 2/10, 0/10, 5/5 and none (P7): sorted 0, .1, .1, .2, .2, 1 (n = 6)
    assert values["P6"] == (5, 5, 1.0, 100.0, "high")  # above Q3 + 1.5 IQR = 0.2 + 0.15
    assert values["P5"] == (0, 10, 0.0, 0.0, None)
    assert values["P1"][2:4] == (0.1, 20.0) and values["P3"][2:4] == (0.2, 60.0)
    assert values["P7"] == (0, 0, None, None, None)
    assert values["A"][:3] == (4, 30, 4 / 30) and values["B"][:3] == (7, 25, 7 / 25)
    deciles = month["levels"]["practice"]["deciles"]
    assert deciles[10] == pytest.approx(0.05, abs=1e-15)  # h = 0.5: 0 + 0.5 (0.1 - 0)
    assert deciles[50] == pytest.approx(0.15, abs=1e-15)  # h = 2.5: 0.1 + 0.5 (0.2 - 0.1)
    assert deciles[90] == pytest.approx(0.6, abs=1e-15)  # h = 4.5: 0.2 + 0.5 (1 - 0.2)
    assert month["levels"]["practice"]["outliers"] == 1
    assert month["national_ratio"] == 11 / 55


@pytest.mark.spark
def test_spark_equals_duckdb_and_numpy(spark: Any, tmp_path: Path) -> None:
    path = synthetic_epd(tmp_path / "epd.parquet", 30_000, practices=150, months=2)
    measures = load_measures()
    duck = run_measures(DuckDBEngine(), [path], measures)
    spk = run_measures(SparkEngine(session=spark), [path], measures)
    assert duck.values.num_rows == spk.values.num_rows > 300
    assert duck.values.equals(spk.values), "values differ between DuckDB and Spark"
    assert duck.deciles.equals(spk.deciles), "deciles differ between DuckDB and Spark"
    ratios: dict[tuple[str, str, str], list[float]] = {}
    for r in duck.values.to_pylist():
        if r["ratio"] is not None:
            ratios.setdefault((r["measure_id"], r["month"], r["org_type"]), []).append(r["ratio"])
    for d in duck.deciles.to_pylist():  # PERCENTILE_CONT is numpy's default (linear) percentile
        assert d["value"] == pytest.approx(np.percentile(ratios[(d["measure_id"], d["month"], d["org_type"])], d["p"]),
                                           rel=1e-14, abs=1e-15)  # fmt: skip

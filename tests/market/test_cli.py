"""``immunograde market``: JSON rows in the issue's vocabulary, import errors with file, line and field."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from immunograde.cli.market_text import print_rows
from immunograde.kb.queries import KnowledgeBase
from immunograde.market.query import Filters, market_rows

from .conftest import CMS

FIELDS = {"substance", "product", "country", "programme", "year", "metric", "value", "unit", "source",
          "verdict", "certainty"}  # fmt: skip


def test_json_rows_name_the_issue_fields(
    run: Callable[..., tuple[int, str, str]], market_db: Path
) -> None:
    code, out, _ = run(market_db, "market", "--country", "US", "--year", "2017", "--substance", "Actemra",
                        "--format", "json")  # fmt: skip
    assert code == 0
    body = json.loads(out)
    assert body["total"] == len(body["rows"]) > 0
    assert all(set(r) >= FIELDS for r in body["rows"])
    partd = next(
        r for r in body["rows"] if r["programme"] == "Medicare Part D" and r["metric"] == "spending"
    )
    assert (partd["substance"], partd["product"], partd["value"], partd["unit"]) == (
        "tocilizumab",
        "Actemra*",
        86400039.01,
        "USD",
    )


def test_russian_sales_2025(run: Callable[..., tuple[int, str, str]], market_db: Path) -> None:
    code, out, _ = run(market_db, "market", "--country", "RU", "--year", "2025", "--format", "json")
    rows = json.loads(out)["rows"]
    assert code == 0
    products = {r["product"] for r in rows if r["metric"] == "pharmacy_sales_value"}
    assert {"Ингавирин", "Арбидол", "Кагоцел"} <= products
    assert all(r["source"].startswith("https://www.kommersant.ru/doc/") for r in rows)


def test_certainty_command(run: Callable[..., tuple[int, str, str]], market_db: Path) -> None:
    code, out, _ = run(
        market_db, "market", "certainty", "--country", "US", "--year", "2017", "--format", "json"
    )
    body = json.loads(out)
    assert code == 0 and {s["programme"] for s in body["shares"]} == {
        "Medicare Part D",
        "Medicaid",
        "Medicare Part B",
    }
    assert "best-evidenced indication" in body["rule"]


def test_unknown_substance_suggests(
    run: Callable[..., tuple[int, str, str]], market_db: Path
) -> None:
    code, _, err = run(market_db, "market", "--substance", "tocilizumap")
    assert code == 4 and "tocilizumab" in err


def test_import_error_names_file_line_field(
    run: Callable[..., tuple[int, str, str]], market_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "kb.duckdb"
    shutil.copy(market_db, db)
    text = (CMS / "medicaid_brandlvl.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    text[2] = text[2].replace(",2014,", ",20x4,")
    bad = tmp_path / "medicaid.csv"
    bad.write_text("".join(text), encoding="utf-8")
    code, _, err = run(db, "market", "import", str(bad))
    assert code == 3
    assert f"{bad.resolve()}:3: Year: not a number: '20x4'" in err


@pytest.mark.parametrize("dataset", ["market_points", "au_pbs"])
def test_unmapped_lists_volumes(
    run: Callable[..., tuple[int, str, str]], market_db: Path, dataset: str
) -> None:
    code, out, _ = run(market_db, "market", "unmapped", "--dataset", dataset, "--format", "json")
    body = json.loads(out)
    assert code == 0 and body["total"] == len(body["names"]) > 0
    assert all(n["volumes"] and n["dataset"] == dataset for n in body["names"])


def _text(kb: KnowledgeBase, filters: Filters, width: int = 80) -> str:
    from rich.console import Console

    data = market_rows(kb, filters)
    out = Console(file=io.StringIO(), width=width, color_system=None)
    print_rows(data.rows, len(data.rows), data.status, out)
    return out.file.getvalue()  # type: ignore[attr-defined]


def test_text_table_reads_on_80_columns(kb: KnowledgeBase) -> None:
    text = _text(kb, Filters(country="US", year=2017, substance_id="tocilizumab"))
    table = [line for line in text.splitlines() if not line.startswith("[")]
    assert max(len(line) for line in table) <= 80
    assert "Actemra*" in text and "tocilizumab" in text and "high certainty" in text
    assert (
        "86,400,039.01" in text and "proven benefit" in text
    )  # Actemra 2017 Part D, money and verdict
    assert (
        "[3] partd_brandlvl.csv" in text and "l.121" in text
    )  # the source as a footnote and its line


def test_text_names_and_sources_of_2025_sales(kb: KnowledgeBase) -> None:
    text = _text(kb, Filters(country="RU", year=2025))
    for product in ("Ингавирин", "Арбидол", "Кагоцел", "Kagocel", "umifenovir"):
        assert product in text  # never folded into narrow columns
    notes = [line for line in text.splitlines() if line.startswith("[")]
    assert notes and all("https://www.kommersant.ru/doc/" in line for line in notes)


def test_unmapped_text_keeps_the_volumes_whole(kb: KnowledgeBase) -> None:
    from rich.console import Console

    from immunograde.cli.market_text import print_unmapped
    from immunograde.market.query import unmapped_names

    names = unmapped_names(kb, "cms_medicaid")[:3]
    out = Console(file=io.StringIO(), width=80, color_system=None)
    print_unmapped(names, len(names), out)
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert max(len(line) for line in text.splitlines()) <= 80
    for n in names:
        assert n["name"] in text and f"{n['volumes']['spending (USD)']:,.2f}" in text

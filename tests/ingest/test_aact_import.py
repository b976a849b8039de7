"""AACT flat files: the import of tests/fixtures/aact equals the JSON import of the same studies.

The fixture was written by tests/fixtures/aact/make_aact_fixture.py, which reimplements AACT's own
JSON -> table mapping and export format (see its README) independently of immunograde.ingest.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from immunograde import settings
from immunograde.errors import InputError
from immunograde.ingest import schema
from immunograde.ingest.aact import import_aact
from immunograde.ingest.ctgov import import_ctgov

AACT = Path(__file__).resolve().parents[1] / "fixtures" / "aact"
REG = settings.shared_data_dir() / "registries"
#: AACT's export removes doubled quotes (table_exporter.rb), so this title loses its quotes
QUOTED_TITLE = 'Percentage of Participants Achieving an Investigator\'s Global Assessment (IGA) Score of "0" or "1" at Week 16'


def _mem() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    schema.ensure_schema(c)
    return c


def _rows(conn: duckdb.DuckDBPyConnection, table: schema.Table, where: str = "") -> list[tuple]:
    cols = ", ".join(table.names)
    return sorted(conn.execute(f"SELECT {cols} FROM {table.name} {where}").fetchall(), key=repr)


@pytest.fixture(scope="module")
def both() -> tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection]:
    js, aact = _mem(), _mem()
    import_ctgov(REG, js)
    summary = import_aact(AACT, aact)
    assert (summary.records_read, summary.inserted, summary.warnings) == (3, 3, [])
    return js, aact


@pytest.mark.parametrize("table", (schema.STUDIES, *schema.STUDY_CHILDREN), ids=lambda t: t.name)
def test_aact_rows_equal_json_rows(both, table: schema.Table) -> None:  # type: ignore[no-untyped-def]
    js, aact = both
    where = "WHERE mesh_type <> 'browse-leaf'" if table is schema.INTERVENTION_ANCESTORS else ""
    expected = _rows(js, table, where)
    if table is schema.OUTCOMES:
        expected = sorted(
            (tuple(v.replace('"', "") if v == QUOTED_TITLE else v for v in r) for r in expected),
            key=repr,
        )
    assert expected, "the comparison must not be vacuous"
    assert _rows(aact, table) == expected


def test_only_browse_leaves_are_json_only(both) -> None:  # type: ignore[no-untyped-def]
    js, _ = both
    leaves = js.execute(
        "SELECT DISTINCT mesh_type FROM reg_intervention_ancestors EXCEPT "
        "SELECT 'mesh-list' EXCEPT SELECT 'mesh-ancestor'"
    ).fetchall()
    assert leaves == [("browse-leaf",)]


def test_zip_input_and_idempotent_reimport(tmp_path: Path) -> None:
    bundle = tmp_path / "export.zip"
    with zipfile.ZipFile(bundle, "w") as zf:
        for f in sorted(AACT.glob("*.txt")):
            zf.write(f, f.name)
    c = _mem()
    first = import_aact(bundle, c)
    again = import_aact(AACT, c)
    assert (first.inserted, again.unchanged, again.inserted, again.updated) == (3, 3, 0, 0)


def test_bad_enrollment_names_file_study_and_column(tmp_path: Path) -> None:
    folder = tmp_path / "aact"
    shutil.copytree(AACT, folder, ignore=shutil.ignore_patterns("*.py", "*.md"))
    studies = folder / "studies.txt"
    text = studies.read_text(encoding="utf-8").replace("|317|ACTUAL|", "|three hundred|ACTUAL|")
    studies.write_text(text, encoding="utf-8")
    c = _mem()
    with pytest.raises(InputError) as err:
        import_aact(folder, c, batch_size=1)  # NCT02210780 (first in NCT order) is written first
    p = err.value.problems[0]
    assert (p.field, "NCT02552212" in p.message, p.file) == (
        "studies.enrollment",
        True,
        str(studies),
    )
    assert c.execute("SELECT count(*) FROM reg_studies").fetchone() == (0,)


def test_folder_without_studies_txt_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no studies\.txt"):
        import_aact(tmp_path, _mem())

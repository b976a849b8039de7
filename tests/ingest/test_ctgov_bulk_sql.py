"""The bulk zip's SQL engine stores exactly what the Python engine stores.

The input replicates the three real API v2 records in ../shared/data/registries under new NCT ids
(as benchmarks/bench_ctgov_import.py does), pretty-printed and compact, plus a page member, a
non-study member and records edited to hold values the SQL leaves to Python (``"September 2015"``,
``"1,234"``, ``" 12"``): every ``reg_`` table must be equal row for row, column for column
(``imported_at`` aside), including ``source_file`` and ``content_hash``.
"""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pytest

from immunograde import settings
from immunograde.errors import InputError
from immunograde.ingest import ctgov_bulk, schema
from immunograde.ingest.ctgov import import_ctgov

REG = settings.shared_data_dir() / "registries"
FIXTURES = (
    "ctgov_v2_NCT02278341_certolizumab_axspa.json",
    "ctgov_v2_NCT02210780_dupilumab_ad.json",
    "ctgov_v2_NCT03630471_no_results.json",
)
TABLES = (schema.STUDIES, *schema.STUDY_CHILDREN)


def _docs() -> list[dict[str, Any]]:
    return [json.loads((REG / f).read_text(encoding="utf-8")) for f in FIXTURES]


def _replica(doc: dict[str, Any], i: int) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{i:07d}"
    return out


def _odd(doc: dict[str, Any], i: int) -> dict[str, Any]:
    """A replica with values outside the SQL's exact forms (mapped by Python on the SQL path)."""
    out = _replica(doc, i)
    ps = out["protocolSection"]
    ps["statusModule"]["startDateStruct"]["date"] = "September 2015"
    ps["designModule"]["enrollmentInfo"]["count"] = " 12"
    ps["contactsLocationsModule"]["locations"][0]["country"] = "Atlantis"
    return out


def _spaced(doc: dict[str, Any], i: int) -> dict[str, Any]:
    """A replica whose text needs white-space folding (done in SQL) and an unknown country."""
    out = _replica(doc, i)
    ident = out["protocolSection"]["identificationModule"]
    ident["briefTitle"] = "\u00a0 Dupilumab\t\tin\u2003atopic\n dermatitis \u3000"
    ident["acronym"] = " \u2028 "
    out["protocolSection"]["contactsLocationsModule"]["locations"][0]["country"] = "Narnia"
    return out


def write_bulk(path: Path, copies: int = 2) -> None:
    """``copies`` replicas of each fixture plus the edge members described in the module text."""
    docs, n = _docs(), 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for k in range(copies):
            for doc in docs:
                n += 1
                indent = 2 if k % 2 else None  # pretty-printed and compact members
                zf.writestr(f"NCT9{n:07d}.json", json.dumps(_replica(doc, n), indent=indent))
        page = {"studies": [_replica(docs[2], 900), _replica(docs[0], 901)]}
        zf.writestr("page.json", json.dumps(page))
        zf.writestr("meta.json", json.dumps({"version": 2}))
        zf.writestr("odd.json", json.dumps(_odd(docs[0], 902)))
        zf.writestr("spaced.json", json.dumps(_spaced(docs[1], 903), ensure_ascii=False))
        zf.writestr("stored.json", json.dumps(_replica(docs[2], 904)), zipfile.ZIP_STORED)


def _mem() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    schema.ensure_schema(c)
    return c


def _table(conn: duckdb.DuckDBPyConnection, table: schema.Table) -> list[tuple[Any, ...]]:
    cols = "* EXCLUDE (imported_at)" if table.primary else "*"
    return conn.execute(f"SELECT {cols} FROM {table.name} ORDER BY ALL").fetchall()


@pytest.fixture(scope="module")
def bulk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bulk") / "ctg-studies.json.zip"
    write_bulk(path)
    return path


@pytest.fixture(scope="module")
def imported(bulk: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for engine in ("python", "sql"):
        conn = _mem()
        out[engine] = (conn, import_ctgov(bulk, conn, engine=engine))
    return out


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_both_engines_store_the_same_rows(imported: dict[str, Any], table: schema.Table) -> None:
    rows = {engine: _table(conn, table) for engine, (conn, _) in imported.items()}
    assert rows["sql"], "the comparison must not be vacuous"
    assert rows["sql"] == rows["python"]


def test_both_engines_report_the_same_summary(imported: dict[str, Any]) -> None:
    py, sql = imported["python"][1], imported["sql"][1]
    # 6 replicas + 2 page studies + meta (skipped) + odd + spaced + stored
    assert (sql.records_read, sql.inserted, sql.skipped) == (12, 11, 1)
    assert (py.records_read, py.inserted, py.skipped) == (12, 11, 1)
    assert sql.skipped_examples == py.skipped_examples
    assert sql.warnings == py.warnings
    assert any("'Narnia'" in w for w in sql.warnings)  # found in SQL
    assert any("'Atlantis'" in w for w in sql.warnings)  # found by the Python fallback


def test_values_the_sql_leaves_to_python_are_mapped_as_python_does(
    imported: dict[str, Any],
) -> None:
    conn = imported["sql"][0]
    row = conn.execute(
        "SELECT start_date, enrollment FROM reg_studies WHERE nct_id = 'NCT90000902'"
    ).fetchone()
    assert row == ("2015-09", 12)  # "September 2015" and " 12", as written in _odd
    spaced = conn.execute(
        "SELECT brief_title, acronym FROM reg_studies WHERE nct_id = 'NCT90000903'"
    ).fetchone()
    assert spaced == ("Dupilumab in atopic dermatitis", None)  # as written in _spaced


def test_reimport_through_either_engine_is_unchanged(imported: dict[str, Any], bulk: Path) -> None:
    for engine, (conn, first) in imported.items():
        other = "python" if engine == "sql" else "sql"
        for again in (
            import_ctgov(bulk, conn, engine=engine),
            import_ctgov(bulk, conn, engine=other),
        ):
            assert (again.inserted, again.updated, again.unchanged) == (0, 0, first.inserted)


def test_a_changed_study_is_updated_through_the_sql_engine(tmp_path: Path) -> None:
    docs = _docs()
    conn, path = _mem(), tmp_path / "bulk.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.json", json.dumps(docs[1]))
    import_ctgov(path, conn, engine="python")
    before = _table(conn, schema.OUTCOMES)
    docs[1]["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.json", json.dumps(docs[1]))
    s = import_ctgov(path, conn, engine="sql")
    assert (s.inserted, s.updated, s.unchanged) == (0, 1, 0)
    assert _table(conn, schema.OUTCOMES) == before  # child rows replaced, not duplicated
    status = conn.execute("SELECT overall_status FROM reg_studies").fetchall()
    assert status == [("TERMINATED",)]


def _with_bad_member(path: Path, bad: bytes) -> None:
    docs = _docs()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("000.json", json.dumps(_replica(docs[0], 1)))
        zf.writestr("001.json", json.dumps(_replica(docs[1], 2)))
        zf.writestr("002.json", bad)


@pytest.mark.parametrize("chunk", (1, 1000))
def test_a_bad_value_rolls_the_whole_import_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(ctgov_bulk, "CHUNK", chunk)  # 1: earlier chunks are merged before it fails
    bad = _replica(_docs()[2], 3)
    bad["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = "lots"
    path = tmp_path / "bulk.zip"
    _with_bad_member(path, json.dumps(bad).encode())
    conn = _mem()
    import_ctgov(REG / FIXTURES[2], conn)
    before = _table(conn, schema.STUDIES)
    with pytest.raises(InputError) as err:
        import_ctgov(path, conn, engine="sql")
    assert err.value.problems[0].file == f"{path}!002.json"
    assert err.value.problems[0].field == "protocolSection.designModule.enrollmentInfo.count"
    assert _table(conn, schema.STUDIES) == before
    assert conn.execute("SELECT count(*) FROM reg_outcomes").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone() == (0,)


def test_a_corrupt_member_rolls_the_whole_import_back(tmp_path: Path) -> None:
    path = tmp_path / "bulk.zip"
    _with_bad_member(path, b'{\n  "protocolSection": ,\n}')
    conn = _mem()
    with pytest.raises(InputError) as err:
        import_ctgov(path, conn, engine="sql")
    assert (err.value.problems[0].file, err.value.problems[0].line) == (f"{path}!002.json", 2)
    assert conn.execute("SELECT count(*) FROM reg_studies").fetchone() == (0,)


def test_only_the_edge_members_are_left_to_python(
    bulk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The equality above is not vacuous: SQL maps every member but the page, the non-study and
    the record with odd values."""
    left: list[int] = []
    real = ctgov_bulk._bad_records

    def spy(conn: duckdb.DuckDBPyConnection) -> list[int]:
        left.extend(real(conn))
        return left

    monkeypatch.setattr(ctgov_bulk, "_bad_records", spy)
    import_ctgov(bulk, _mem(), engine="sql")
    with zipfile.ZipFile(bulk) as zf:
        names = [i.filename for i in ctgov_bulk.members(zf)]
    assert [names[r >> ctgov_bulk.SHIFT] for r in left] == ["page.json", "meta.json", "odd.json"]

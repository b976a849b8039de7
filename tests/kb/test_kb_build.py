"""``kb build`` is atomic, keeps imported ``reg_*`` tables and records each build with its data version."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from immunograde.errors import InputError
from immunograde.kb import build as build_mod
from immunograde.kb.build import build_kb, data_version

SUBSTANCE = """\
id: tocilizumab
name: tocilizumab
classes: [l04ac]
atc_codes: [L04AC07]
source: {file: atc/atc_immunomodulator_extract.csv, row: 1}
extracted_by: tests
date_reviewed: 2026-11-24
next_review: 2027-11-24
"""
CLASSES = """\
- {id: l04ac, name: Interleukin inhibitors, kind: atc, atc_code: L04AC, source: {url: "https://atcddd.fhi.no/"},
   extracted_by: tests, date_reviewed: 2026-11-24, next_review: 2027-11-24}
"""


def _data(root: Path) -> Path:
    (root / "substances").mkdir(parents=True)
    (root / "classes.yaml").write_text(CLASSES, encoding="utf-8")
    (root / "substances" / "tocilizumab.yaml").write_text(SUBSTANCE, encoding="utf-8")
    return root


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_then_failed_check_leaves_previous_database_byte_identical(tmp_path: Path) -> None:
    data, db = _data(tmp_path / "data"), tmp_path / "var" / "kb.duckdb"
    first = build_kb(data, db)
    assert first.counts["substances"] == 1 and db.exists()
    before = _sha(db)
    (data / "substances" / "tocilizumab.yaml").write_text(SUBSTANCE.replace("[l04ac]", "[nope]"))
    with pytest.raises(InputError) as err:
        build_kb(data, db)
    assert [(p.file, p.line, p.field) for p in err.value.problems] == [
        ("substances/tocilizumab.yaml", 3, "classes.0")
    ]
    assert _sha(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["kb.duckdb"]  # no temp file left


def test_crash_mid_build_leaves_previous_database_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, db = _data(tmp_path / "data"), tmp_path / "kb.duckdb"
    build_kb(data, db)
    before = _sha(db)

    def boom(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(build_mod, "_write_tables", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        build_kb(data, db)
    assert _sha(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "kb.duckdb"]


def test_reg_tables_and_build_history_survive_a_rebuild(tmp_path: Path) -> None:
    data, db = _data(tmp_path / "data"), tmp_path / "kb.duckdb"
    first = build_kb(data, db)
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE reg_studies (nct_id VARCHAR PRIMARY KEY, title VARCHAR)")
    con.execute("CREATE INDEX reg_studies_title ON reg_studies (title)")
    con.execute("INSERT INTO reg_studies VALUES ('NCT04381936', 'RECOVERY')")
    con.execute("CREATE TABLE scratch (x INTEGER)")  # not reg_: not kept
    con.close()
    (data / "substances" / "tocilizumab.yaml").write_text(SUBSTANCE + "notes: changed\n")
    second = build_kb(data, db)
    assert second.preserved_tables == ["reg_studies"]
    assert second.data_version != first.data_version
    con = duckdb.connect(str(db))
    assert con.execute("SELECT * FROM reg_studies").fetchall() == [("NCT04381936", "RECOVERY")]
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert "scratch" not in tables
    with pytest.raises(duckdb.ConstraintException):  # the primary key came along
        con.execute("INSERT INTO reg_studies VALUES ('NCT04381936', 'again')")
    indexes = con.execute(
        "SELECT index_name FROM duckdb_indexes() WHERE table_name = 'reg_studies'"
    )
    assert [r[0] for r in indexes.fetchall()] == ["reg_studies_title"]
    rows = con.execute("SELECT data_version FROM builds ORDER BY built_at").fetchall()
    versions = [r[0] for r in rows]
    assert versions == [first.data_version, second.data_version]
    con.close()


def test_data_version_is_a_hash_of_paths_and_bytes(tmp_path: Path) -> None:
    data = _data(tmp_path / "data")
    files = [data / "classes.yaml", data / "substances" / "tocilizumab.yaml"]
    expected = hashlib.sha256()
    for rel in ("classes.yaml", "substances/tocilizumab.yaml"):
        expected.update(rel.encode() + b"\0" + (data / rel).read_bytes() + b"\0")
    assert data_version(data, files) == expected.hexdigest()
    assert (
        data_version(data, files[::-1]) == expected.hexdigest()
    )  # order of discovery is irrelevant


def test_rows_only_in_the_old_write_ahead_log_are_kept(tmp_path: Path) -> None:
    import subprocess
    import sys

    data, db = _data(tmp_path / "data"), tmp_path / "kb.duckdb"
    build_kb(data, db)
    crash = (  # an importer that dies before DuckDB checkpoints: its rows live only in kb.duckdb.wal
        "import duckdb, os, sys; c = duckdb.connect(sys.argv[1]); "
        "c.execute('CREATE TABLE reg_x (n INTEGER)'); c.execute('INSERT INTO reg_x VALUES (1), (2)'); "
        "os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", crash, str(db)], check=True)
    assert (tmp_path / "kb.duckdb.wal").exists()
    assert build_kb(data, db).preserved_tables == ["reg_x"]
    assert not (tmp_path / "kb.duckdb.wal").exists()  # never replayed onto the new file
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT n FROM reg_x ORDER BY n").fetchall() == [(1,), (2,)]
    con.close()

"""One writer at a time, readers never blocked (kb.dbfile), driven through real ``immunograde import``
processes on the real ClinicalTrials.gov records in ../shared/data/registries.

Before: a second writer died with DuckDB's "Could not set lock on file" traceback, and no import could
run while a reader (``serve``) had the file open (issue 19).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from immunograde.errors import BusyError
from immunograde.ingest.writer import open_db
from immunograde.kb import dbfile
from immunograde.settings import shared_data_dir

REG = shared_data_dir() / "registries"
DUPILUMAB = REG / "ctgov_v2_NCT02210780_dupilumab_ad.json"
CERTOLIZUMAB = REG / "ctgov_v2_NCT02278341_certolizumab_axspa.json"


def _nct(path: Path) -> str:
    return str(json.loads(path.read_text())["protocolSection"]["identificationModule"]["nctId"])


def _import(path: Path, db: Path, wait: float, lang: str = "en") -> subprocess.Popen[str]:
    env = dict(os.environ, IMMUNOGRADE_LOCK_WAIT=str(wait))
    argv = [sys.executable, "-m", "immunograde.cli.main", "import", "ctgov", str(path), "--db", str(db),
            "--format", "json", "--lang", lang]  # fmt: skip
    return subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _studies(db: Path) -> list[str]:
    con = dbfile.open_readonly(db)
    try:
        return [r[0] for r in con.execute("SELECT nct_id FROM reg_studies ORDER BY 1").fetchall()]
    finally:
        con.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "kb.duckdb"
    open_db(path).close()  # an empty knowledge base with the reg_ tables
    return path


def _wait_for(proc: subprocess.Popen[str], text: str) -> str:
    """Read ``proc``'s stderr until ``text`` appears (the waiting message goes there at once)."""
    assert proc.stderr is not None
    seen = ""
    while text not in seen:
        line = proc.stderr.readline()
        assert line, f"process ended without saying {text!r}: {seen}"
        seen += line
    return seen


def test_second_writer_waits_with_a_message_then_proceeds(db: Path) -> None:
    with dbfile.writer_lock(db):
        proc = _import(DUPILUMAB, db, wait=120)
        said = _wait_for(proc, "waiting for")
    _out, err = proc.communicate(timeout=120)
    assert f"waiting for pid {os.getpid()}" in said and str(db) in said
    assert proc.returncode == 0, err
    assert _studies(db) == ["NCT02210780"]


def test_the_waiting_line_in_the_command_lines_language(db: Path) -> None:
    """The progress line was English under --lang ru (issue 18): now through the catalogue."""
    with dbfile.writer_lock(db):
        proc = _import(DUPILUMAB, db, wait=120, lang="ru")
        said = _wait_for(proc, "ждём")
    _out, err = proc.communicate(timeout=120)
    assert (
        f"ждём, пока pid {os.getpid()}" in said
        and f"закончит запись в {db} (не дольше 120 с) ..." in said
    )
    assert "waiting for" not in said
    assert proc.returncode == 0, err


def test_second_writer_gives_up_with_a_clear_message(db: Path) -> None:
    with dbfile.writer_lock(db):
        proc = _import(DUPILUMAB, db, wait=0.5)
        _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 7, err
    assert f"is being written by pid {os.getpid()}" in err and "IMMUNOGRADE_LOCK_WAIT" in err
    assert "Traceback" not in err and "Could not set lock" not in err
    assert _studies(db) == []


def test_two_imports_at_once_both_land(db: Path) -> None:
    procs = [_import(p, db, wait=300) for p in (DUPILUMAB, CERTOLIZUMAB)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert not any("Traceback" in err for _, err in results)
    assert _studies(db) == sorted([_nct(DUPILUMAB), _nct(CERTOLIZUMAB)])  # no lost update


def test_an_open_reader_neither_blocks_an_import_nor_sees_it_half_done(db: Path) -> None:
    reader = dbfile.open_readonly(db)  # as `serve` holds the knowledge base
    try:
        proc = _import(DUPILUMAB, db, wait=5)
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        # the open connection keeps the version it opened; the next one sees the import
        assert reader.execute("SELECT count(*) FROM reg_studies").fetchone() == (0,)
        assert _studies(db) == ["NCT02210780"]
    finally:
        reader.close()


def test_a_failed_rewrite_leaves_the_file_and_no_copy(db: Path) -> None:
    before = db.read_bytes()
    with pytest.raises(RuntimeError, match="boom"), dbfile.rewrite(db) as job:
        con = duckdb.connect(str(job.path))
        con.execute("DROP TABLE reg_studies")
        con.close()
        raise RuntimeError("boom")
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["kb.duckdb"]


def test_the_lock_is_reentrant_in_a_thread_and_exclusive_between_threads(db: Path) -> None:
    got: list[str] = []

    def other() -> None:
        try:
            with dbfile.writer_lock(db, wait=0.3, say=lambda _m: None):
                got.append("locked")
        except BusyError as exc:
            got.append(str(exc))

    with dbfile.writer_lock(db), dbfile.writer_lock(db):  # a build inside a watch run
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert len(got) == 1 and "is being written by pid" in got[0]
    other()
    assert got[1] == "locked"
    assert not dbfile.lock_path(db).exists()  # no lock file left once the writer is done


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_the_next_writer_removes_what_a_killed_one_left(db: Path, tmp_path: Path) -> None:
    import tempfile

    dead = _dead_pid()
    copy, log = db.with_name(f".kb.duckdb.tmp-{dead}"), db.with_name(f".kb.duckdb.tmp-{dead}.wal")
    copy.write_bytes(b"half a database")
    log.write_bytes(b"half a log")
    orphan = Path(tempfile.mkdtemp(prefix=f"immunograde-ctgov-{dead}-"))
    (orphan / "spill.tmp").write_bytes(b"x" * 1000)
    time.sleep(0.01)
    with dbfile.scratch_dir("ctgov") as mine:  # a live writer's scratch folder is left alone
        with dbfile.writer_lock(db):
            pass
        assert mine.exists()
    assert not copy.exists() and not log.exists() and not orphan.exists()
    assert sorted(p.name for p in db.parent.iterdir()) == ["kb.duckdb"]


def test_a_reader_sees_a_replaced_file_however_long_another_reader_stays(db: Path) -> None:
    """DuckDB hands a process the database it already has open for a path: ``duckdb.connect`` would
    keep serving the replaced file to every new reader while one old reader stays open."""
    old = dbfile.open_readonly(db)
    try:
        proc = _import(DUPILUMAB, db, wait=5)
        assert proc.wait(timeout=120) == 0
        new = dbfile.open_readonly(db)
        assert new.execute("SELECT count(*) FROM reg_studies").fetchone() == (1,)
        assert dbfile.cursor(new).execute("SELECT count(*) FROM reg_studies").fetchone() == (1,)
        new.close()
    finally:
        old.close()

"""``kill -9`` of ``import`` and ``build`` at random moments (real processes): the knowledge base and the
history are always usable and hold either the previous or the new version, never a mix, and once the
next writer has run no temporary file or scratch folder is left.

Before (issue 19): 7 of 10 builds killed at the wrong moment left ``.immunograde.duckdb.tmp-<pid>`` and
its WAL behind for good, and the SQL import engine left its temporary folders (182 MB).  The records
imported are the three real ClinicalTrials.gov records in ../shared/data/registries, replicated under new
NCT ids in one bulk zip (as tests/ingest/test_ctgov_bulk_sql.py does) so that an import lasts long enough
to be killed in the middle.
"""

from __future__ import annotations

import copy
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from immunograde.kb import dbfile
from immunograde.settings import shared_data_dir

REG = shared_data_dir() / "registries"
RECORDS = sorted(REG.glob("ctgov_v2_*.json"))
SEED = 19


def _zip(path: Path, copies: int) -> Path:
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in RECORDS]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(copies):
            doc = copy.deepcopy(docs[i % len(docs)])
            nct = f"NCT9{i:07d}"
            doc["protocolSection"]["identificationModule"]["nctId"] = nct
            z.writestr(f"{nct}.json", json.dumps(doc))
    return path


def _cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "immunograde.cli.main", *args]
    return subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(proc: subprocess.Popen[str]) -> float:
    start = time.monotonic()
    _out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err
    return time.monotonic() - start


def _kill_at(proc: subprocess.Popen[str], delay: float) -> None:
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()


def _leftovers(folder: Path, since: float) -> list[str]:
    """Temporary files beside the databases, and scratch folders made since ``since`` by processes
    that are gone."""
    here = [p.name for p in folder.iterdir() if ".tmp-" in p.name or p.suffix in (".wal", ".lock")]
    scratch = [p.name for p in Path(tempfile.gettempdir()).glob("immunograde-*-*-*")
               if p.stat().st_mtime >= since and p.name.split("-")[2].isdigit()
               and not dbfile._alive(int(p.name.split("-")[2]))]  # fmt: skip
    return sorted(here + scratch)


def _count(db: Path, sql: str) -> int:
    con = dbfile.open_readonly(db)
    try:
        row = con.execute(sql).fetchone()
        return int(row[0]) if row else 0
    finally:
        con.close()


@pytest.mark.parametrize("engine", ["sql", "python"])
def test_killed_imports_leave_the_previous_knowledge_base(tmp_path: Path, engine: str) -> None:
    rng, since = random.Random(f"{SEED}-{engine}"), time.time()
    db = tmp_path / "kb.duckdb"
    env = dict(os.environ, IMMUNOGRADE_LOCK_WAIT="60")
    first, second = _zip(tmp_path / "a.zip", 30), _zip(tmp_path / "b.zip", 600)
    _finish(_cli("import", "ctgov", str(first), "--db", str(db), env=env))
    seconds = _finish(_cli("import", "ctgov", str(second), "--db", str(tmp_path / "probe.duckdb"),
                           "--engine", engine, env=env))  # fmt: skip
    for _ in range(5):
        proc = _cli("import", "ctgov", str(second), "--db", str(db), "--engine", engine, env=env)
        _kill_at(proc, rng.uniform(0, seconds))
        # all or nothing: the 30 studies before or the 600 after (killed once done), never a part
        assert _count(db, "SELECT count(*) FROM reg_studies") in (30, 600)
    _finish(_cli("import", "ctgov", str(second), "--db", str(db), "--engine", engine, env=env))
    assert _count(db, "SELECT count(*) FROM reg_studies") == 600  # the same 30 ids, and 570 more
    assert _leftovers(tmp_path, since) == []


def test_killed_builds_leave_a_usable_knowledge_base_and_history(tmp_path: Path) -> None:
    rng, since = random.Random(SEED), time.time()
    db, hist = tmp_path / "kb.duckdb", tmp_path / "history.duckdb"
    env = dict(os.environ, IMMUNOGRADE_DB=str(db), IMMUNOGRADE_HISTORY=str(hist),
               IMMUNOGRADE_SAFETY=str(tmp_path / "safety"), IMMUNOGRADE_LOCK_WAIT="60")  # fmt: skip
    build = ("build", "--no-safety", "--format", "json")
    seconds = _finish(_cli(*build, env=env))
    for _ in range(3):
        _kill_at(_cli(*build, env=env), rng.uniform(0, seconds))
        assert _count(db, "SELECT count(*) FROM questions") > 0
        assert _count(db, "SELECT count(*) FROM builds") >= 1
        assert _count(hist, "SELECT count(*) FROM hist_builds") == 1  # one data version, recorded
    _finish(_cli(*build, env=env))
    assert _count(db, "SELECT count(*) FROM builds") >= 2
    assert _leftovers(tmp_path, since) == []

"""After a writer switches in a new knowledge base, the app warms its page cache again (issue 19: the
first readers after a build otherwise all rendered cold pages at once)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import duckdb

from immunograde.web.deps import AppKB

NAMES = ("CREATE TABLE names (name VARCHAR, name_kind VARCHAR, entity_kind VARCHAR, entity_id VARCHAR, "
         "substance_id VARCHAR)")  # fmt: skip
#: the table that marks a built knowledge base (a file without it is "not built")
BUILT = "CREATE TABLE substances (id VARCHAR, record_json VARCHAR)"


def _make(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(NAMES)
        con.execute(BUILT)


def test_a_switched_database_is_warmed_again(tmp_path: Path) -> None:
    db = tmp_path / "kb.duckdb"
    _make(db)
    runs: list[int] = []
    done = threading.Event()

    def jobs(kb: object) -> list[tuple[tuple[str], object]]:
        def compute() -> int:
            runs.append(1)
            done.set()
            return len(runs)

        return [(("page",), compute)]

    store = AppKB(db)
    store.warm(jobs).join(30)
    assert runs == [1]
    done.clear()
    new = tmp_path / ".kb.duckdb.tmp-1"
    _make(new)
    os.replace(new, db)
    time.sleep(0.01)
    store.version()  # the first request after the switch
    assert done.wait(30), "the new database was not warmed"
    assert runs == [1, 1]


def test_the_old_version_answers_until_the_new_one_is_warm(tmp_path: Path) -> None:
    """Reads during a switch do not wait: the previous version answers while the new one is opened
    and warmed in the background; then the new one is served, with its cache filled."""
    db = tmp_path / "kb.duckdb"
    _make(db)
    release = threading.Event()
    started = threading.Event()
    first = [True]

    def jobs(kb: object) -> list[tuple[tuple[str], object]]:
        def compute() -> str:
            if not first[0]:
                started.set()
                assert release.wait(30)
            first[0] = False
            return "page"

        return [(("page",), compute)]

    store = AppKB(db)
    store.warm(jobs).join(30)
    old = store.version()
    new = tmp_path / ".kb.duckdb.tmp-1"
    _make(new)
    os.replace(new, db)
    time.sleep(0.01)
    assert store.version() == old  # a request's thread: not blocked, the old version answers
    assert started.wait(30), "the new version is not being warmed"
    began = time.monotonic()
    assert store.version() == old
    assert time.monotonic() - began < 1.0
    release.set()
    deadline = time.monotonic() + 30
    while store.version() == old and time.monotonic() < deadline:
        time.sleep(0.01)
    now = store.version()
    assert now != old and now[0][0] == db.stat().st_ino
    assert store.cached(("page",), lambda: "computed again") == "page"  # warm when served

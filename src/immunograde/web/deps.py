"""Request dependencies: the knowledge-base connection (one read-only DuckDB connection per app,
a cursor per request, which DuckDB makes thread-safe)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import duckdb
from fastapi import Depends, Request


class DatabaseMissing(RuntimeError):
    """The knowledge base has not been built."""


class KnowledgeBase:
    """Holds the app's read-only connection; reopened when the file is rebuilt (new inode)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def _current_stamp(self) -> tuple[int, int]:
        st = self.path.stat()
        return (st.st_ino, st.st_mtime_ns)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        if not self.path.exists():
            raise DatabaseMissing(
                f"the knowledge base {self.path} has not been built: run `immunograde kb build`"
            )
        with self._lock:
            stamp = self._current_stamp()
            if self._conn is None or stamp != self._stamp:
                # the old connection is left to the garbage collector: cursors may still use it
                self._conn = duckdb.connect(str(self.path), read_only=True)
                self._stamp = stamp
            return self._conn.cursor()


def get_conn(request: Request) -> Iterator[duckdb.DuckDBPyConnection]:
    kb: KnowledgeBase = request.app.state.kb
    cur = kb.cursor()
    try:
        yield cur
    finally:
        cur.close()


Conn = Annotated[duckdb.DuckDBPyConnection, Depends(get_conn)]

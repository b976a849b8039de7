"""Request dependencies: the knowledge base, opened read-only once per build of the file.

One :class:`~immunograde.kb.queries.KnowledgeBase` is kept per version of the database file (a rebuild
replaces the file, so its inode changes and the app reopens it); each request gets a view of it over its
own DuckDB cursor, which is what makes concurrent requests safe.  Page data that depends only on the
database is cached per version (:func:`cached`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import duckdb
from fastapi import Depends, Request

from immunograde.kb.queries import KnowledgeBase, NoDatabaseError

T = TypeVar("T")
CACHE_ENTRIES = 512


class DatabaseMissing(RuntimeError):
    """The knowledge base has not been built."""


class _View(KnowledgeBase):
    """The shared knowledge base seen through one request's cursor (name index shared)."""

    def __init__(self, base: KnowledgeBase, cursor: duckdb.DuckDBPyConnection) -> None:
        self.path = base.path
        self.con = cursor
        self._names = base.name_entries()


class AppKB:
    """The app's handle on the knowledge-base file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._kb: KnowledgeBase | None = None
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    def _current(self) -> tuple[KnowledgeBase, tuple[int, int]]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            raise DatabaseMissing(
                f"the knowledge base {self.path} has not been built: run `immunograde kb build`"
            ) from None
        stamp = (st.st_ino, st.st_mtime_ns)
        with self._lock:
            if self._kb is None or stamp != self._stamp:
                try:
                    self._kb = KnowledgeBase(self.path)
                except NoDatabaseError as exc:
                    raise DatabaseMissing(str(exc)) from None
                self._stamp = stamp
                self._cache.clear()
            return self._kb, stamp

    def view(self) -> KnowledgeBase:
        kb, _ = self._current()
        return _View(kb, kb.con.cursor())

    def version(self) -> tuple[int, int]:
        return self._current()[1]

    def cached(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once per database version and key (LRU of :data:`CACHE_ENTRIES`)."""
        full = (self.version(), *key)
        with self._lock:
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]
        value = compute()
        with self._lock:
            self._cache[full] = value
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return value


def get_kb(request: Request) -> Iterator[KnowledgeBase]:
    app_kb: AppKB = request.app.state.kb
    kb = app_kb.view()
    try:
        yield kb
    finally:
        kb.con.close()


def get_app_kb(request: Request) -> AppKB:
    return request.app.state.kb


KB = Annotated[KnowledgeBase, Depends(get_kb)]
Store = Annotated[AppKB, Depends(get_app_kb)]

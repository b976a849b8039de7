"""Request dependencies: the knowledge base, opened read-only once per build of the file.

One :class:`~immunograde.kb.queries.KnowledgeBase` is kept per version of the database file (a rebuild
replaces the file, so its inode changes and the app reopens it); each request gets a view of it over its
own DuckDB cursor, which is what makes concurrent requests safe.  Page data that depends only on the
database is cached per version (:meth:`AppKB.cached`, computed once even when many requests ask at once),
and so are whole responses of such pages (:class:`PageCache`); :meth:`AppKB.warm` fills the cache when
the app starts, computed in a separate process (:mod:`.prepare`: CPU-bound Python in a server thread
holds the GIL the event loop needs), so the first reader of the evidence map does not wait for it.  A
new version is prepared the same way (its pages rendered) before it is served; each request reads one
version, whole (:class:`PinVersion`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

import duckdb
from fastapi import Depends, Request

from immunograde import settings
from immunograde.errors import Msg
from immunograde.kb.dbfile import cursor
from immunograde.kb.queries import KnowledgeBase, NoDatabaseError
from immunograde.web import i18n, prepare, timing

T = TypeVar("T")
CACHE_ENTRIES = 512
RESPONSE_CACHE_BYTES = 64 * 1024 * 1024
IMAGE_CACHE_BYTES = 32 * 1024 * 1024
DUCKDB_MEMORY = "256MB"  #: DuckDB's buffer manager per open version (default: 80 % of the RAM)
Stamp = tuple[tuple[int, int], ...]  # (inode, mtime) of the database and its companions
WarmJob = tuple[tuple[Any, ...], Callable[[], Any]]  # (cache key, compute)
WarmJobs = Callable[[KnowledgeBase], Iterable[WarmJob]]
WARM_SECONDS = 120.0  #: a new version is served after at most this much warming (in a thread)
PREPARE_SECONDS = 900.0  #: ... or this much preparing in a process (:mod:`.prepare`): the previous
#: version answers meanwhile, complete; past it the new one is served with what was prepared


#: the (store, version) a request reads, pinned by :class:`PinVersion` when the request starts: every
#: read of one request (its view, its cached data, its cache key) is of one version, even when a
#: switch completes while it runs
_pinned: contextvars.ContextVar[tuple[Any, tuple[KnowledgeBase, Stamp]] | None] = (
    contextvars.ContextVar("immunograde_version", default=None)
)


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
        self._served: tuple[KnowledgeBase, Stamp] | None = None  #: the open version
        self._lock = threading.Lock()
        self._open_lock = threading.RLock()  # a superseded switch starts again inside it
        self._opener: threading.Thread | None = None
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._computing: dict[tuple[Any, ...], threading.Lock] = {}
        self.responses = ResponseStore(RESPONSE_CACHE_BYTES)
        self.images = ImageStore(IMAGE_CACHE_BYTES)
        self._warm_jobs: WarmJobs | None = None

    def companions(self) -> list[Path]:
        """Files beside the database that pages also show: the evidence history and the safety scores."""
        history = os.environ.get("IMMUNOGRADE_HISTORY")  # as web.history.history_file
        return [Path(history) if history else self.path.parent / "history.duckdb",
                settings.safety_dir() / "meta.json"]  # fmt: skip

    def _stamp_now(self) -> Stamp:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            raise DatabaseMissing(
                Msg(
                    "the knowledge base %(path)s has not been built: run `immunograde kb build`",
                    path=self.path,
                )
            ) from None
        stamps = [(st.st_ino, st.st_mtime_ns)]
        for path in self.companions():
            try:
                c = path.stat()
                stamps.append((c.st_ino, c.st_mtime_ns))
            except FileNotFoundError:
                stamps.append((0, 0))
        return tuple(stamps)

    def _current(self) -> tuple[KnowledgeBase, Stamp]:
        """The served version of the files; notices when a writer has switched them.

        A new version is opened in a background thread while the previous version goes on answering
        (it stays open while its readers use it); with the app's own warm-up, a preparing process
        (:mod:`.prepare`) renders the responses the server holds and computes the warm-up's page data
        for it (at most :data:`PREPARE_SECONDS`; other jobs are run in the thread, at most
        :data:`WARM_SECONDS`); then it is served, whole, with its pages ready.  So readers never wait
        for the opening nor meet a cold cache after a build.  Without warm-up jobs (tests, ``--no-warm``)
        the first caller after a switch opens the new version itself and every request reads it at once.
        """
        stamp = self._stamp_now()
        served = self._served  # one read: the pair is replaced whole
        if served is not None and stamp == served[1]:
            return served
        if served is not None and self._warm_jobs is not None:
            self._open_soon()
            return served
        return self._switch()

    def _switch(self) -> tuple[KnowledgeBase, Stamp]:
        with self._open_lock:  # one opener; the others wait for it in their threads
            stamp = self._stamp_now()
            if self._served is not None and self._served[1] == stamp:
                return self._served
            switched = self._served is not None
            timing.event("switch-open", switched=switched)
            try:
                new = KnowledgeBase(self.path)
            except NoDatabaseError as exc:
                raise DatabaseMissing(exc.message) from None
            if self._stamp_now() != stamp:  # replaced again while it was opened: the next one
                new.close()
                return self._served if self._served is not None else self._switch_again()
            new.con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
            new.name_entries()  # shared by every view: read once, before readers arrive
            data: dict[tuple[Any, ...], Any] = {}
            responses: list[tuple[tuple[Any, ...], Any]] = []
            if switched and self._warm_jobs is not None:  # prepared before it is served
                if prepare.importable(self._warm_jobs):  # in a process: the GIL stays with the loop
                    ready = self._prepared(stamp)
                    if ready is None:  # replaced again meanwhile: prepare the newest instead
                        new.close()
                        return self._switch_again()
                    data, responses = ready
                else:
                    self._fill(new, stamp, self._warm_jobs, time.monotonic() + WARM_SECONDS)
            timing.event(
                "switch-serve", switched=switched, data=len(data), responses=len(responses)
            )
            with self._lock:
                self._served = (new, stamp)
                for key in [k for k in self._cache if k[0] != stamp]:
                    del self._cache[key]
                for key, value in data.items():
                    self._cache.setdefault((stamp, *key), value)
                self._trim()
                self.responses.clear()
                for (path, query, lang), item in responses:
                    self.responses.put((stamp, path, query, lang), item)
        return new, stamp

    def _switch_again(self) -> tuple[KnowledgeBase, Stamp]:
        timing.event("switch-superseded")
        return self._switch()

    def _prepared(
        self, stamp: Stamp
    ) -> tuple[dict[tuple[Any, ...], Any], list[tuple[tuple[Any, ...], Any]]] | None:
        """The version ``stamp``'s page data and the responses the server holds now, rendered by a
        preparing process (:mod:`.prepare`); None when the files were replaced again meanwhile."""
        urls = self.responses.keys()[::-1]  # the most recently used first
        data: dict[tuple[Any, ...], Any] = {}
        responses: list[tuple[tuple[Any, ...], Any]] = []
        for kind, key, value in prepare.prepare(self.path, stamp, urls, PREPARE_SECONDS):
            if kind == "stale" or self._stamp_now() != stamp:
                return None
            if kind == "data":
                data[key] = value
            elif kind == "response":
                responses.append((key, value))
        return data, responses

    def _still(self, stamp: Stamp) -> bool:
        """Whether ``stamp`` is both the served version and the files' version now."""
        try:
            return self._served is not None and self._served[1] == stamp == self._stamp_now()
        except DatabaseMissing:
            return False

    def _trim(self) -> None:
        while len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)

    def _open_soon(self) -> None:
        with self._lock:
            if self._opener is not None and self._opener.is_alive():
                return
            self._opener = threading.Thread(
                target=self._switch_quietly, name="immunograde-switch", daemon=True
            )
            self._opener.start()

    def _switch_quietly(self) -> None:
        with contextlib.suppress(DatabaseMissing):  # the next request says so
            self._switch()

    def _fill(self, kb: KnowledgeBase, stamp: Stamp, jobs: WarmJobs, deadline: float) -> None:
        """Run ``jobs`` over ``kb`` (the version ``stamp``) into the cache until ``deadline``."""
        view = _View(kb, cursor(kb.con))
        timing.event("fill-start")
        done = 0
        try:
            for key, compute in jobs(view):
                done += 1
                if time.monotonic() > deadline:
                    break
                try:
                    self._cached_at(stamp, key, compute)
                except Exception:
                    continue  # the page will show its error when asked for
        finally:
            timing.event("fill-end", jobs=done)
            view.con.close()

    def served(self) -> tuple[KnowledgeBase, Stamp]:
        """The version this request reads (pinned when it started, :class:`PinVersion`), else the
        served one."""
        pinned = _pinned.get()
        if pinned is not None and pinned[0] is self:
            return pinned[1]
        return self._current()

    def view(self) -> KnowledgeBase:
        kb, _ = self.served()
        return _View(kb, cursor(kb.con))

    def version(self) -> Stamp:
        """Changes whenever the database, the history or the safety scores are rewritten (and the new
        version is served; see :meth:`_current`)."""
        return self.served()[1]

    def _lookup(self, full: tuple[Any, ...]) -> tuple[bool, Any]:
        with self._lock:
            if full not in self._cache:
                return False, None
            self._cache.move_to_end(full)
            value = self._cache[full]
        if isinstance(value, prepare.Pickled):  # from a preparing process: unpickled once
            value = value.load()
            with self._lock:
                if full in self._cache:
                    self._cache[full] = value
        return True, value

    def cached(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once per database version and key (LRU of :data:`CACHE_ENTRIES`).

        Concurrent callers of the same key wait for the first one's result instead of computing it too.
        """
        return self._cached_at(self.version(), key, compute)

    def _cached_at(self, stamp: Stamp, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        full = (stamp, *key)
        found, value = self._lookup(full)
        if found:
            return value
        with self._lock:
            gate = self._computing.setdefault(full, threading.Lock())
        with gate:
            found, value = self._lookup(full)
            if found:
                return value
            value = compute()
            with self._lock:
                self._cache[full] = value
                self._computing.pop(full, None)
                self._trim()
        return value

    def warm(self, jobs: WarmJobs) -> threading.Thread:
        """Fill the cache in a daemon thread: ``jobs(kb)`` yields ``(key, compute)`` pairs.

        A job that fails is skipped (the page will show its error when asked for).  When a writer
        switches in a new database (or history), the new version is warmed with the same jobs before
        it is served (:meth:`_current`), so the first readers after a build do not render cold pages.
        """
        self._warm_jobs = jobs

        def run() -> None:
            try:
                kb, stamp = self._current()
            except DatabaseMissing:
                return
            if not prepare.importable(jobs):
                self._fill(kb, stamp, jobs, float("inf"))
                return
            timing.event("fill-start")  # in a process; each result is kept as it arrives
            n = 0
            with contextlib.closing(prepare.prepare(self.path, stamp, [], float("inf"))) as items:
                for kind, key, value in items:  # closed (its process killed) on leaving
                    if not self._still(stamp):
                        break  # switched meanwhile: the new version is prepared by the switch
                    with self._lock:
                        if kind == "data":
                            n += 1
                            self._cache.setdefault((stamp, *key), value)
                            self._trim()
            timing.event("fill-end", jobs=n)

        thread = threading.Thread(target=run, name="immunograde-warm", daemon=True)
        thread.start()
        return thread


class ResponseStore:
    """Whole responses (status, headers, body) per database version, URL and language, LRU up to
    ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[Any, ...], tuple[int, list[tuple[bytes, bytes]], bytes]] = (
            OrderedDict()
        )
        self._bytes = 0

    def get(self, key: tuple[Any, ...]) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[Any, ...], item: tuple[int, list[tuple[bytes, bytes]], bytes]) -> None:
        size = len(item[2])
        if size > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = item
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old[2])

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def keys(self) -> list[tuple[str, bytes, str]]:
        """The (path, query string, language) of every stored response, oldest first."""
        with self._lock:
            return [(k[1], k[2], k[3]) for k in self._items]

    def urls(self) -> list[tuple[str, bytes]]:
        """The (path, query string) of every stored response, oldest first."""
        with self._lock:
            return [(k[1], k[2]) for k in self._items]


class ImageStore:
    """Rendered charts by the content of their specification (and format), LRU up to ``max_bytes``.

    Kept across database versions: after a writer switches in a new file, a chart whose specification
    did not change is not drawn again.  Drawing runs through ``draw`` (a worker process, see
    :class:`~immunograde.web.heavy.HeavyPool`); readers of a chart being drawn wait for that drawing.
    """

    def __init__(self, max_bytes: int) -> None:
        self.bytes = ResponseStore(max_bytes)
        self._drawing: dict[str, asyncio.Future[bytes]] = {}

    @staticmethod
    def key(spec: dict[str, Any], fmt: str) -> str:
        text = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(f"{fmt}\n{text}".encode()).hexdigest()

    async def get(
        self, spec: dict[str, Any], fmt: str, draw: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        key = self.key(spec, fmt)
        hit = self.bytes.get((key,))
        if hit is not None:
            return hit[2]
        pending = self._drawing.get(key)
        if pending is None:
            pending = self._drawing[key] = asyncio.ensure_future(draw())

            def keep(done: asyncio.Future[bytes]) -> None:
                self._drawing.pop(key, None)
                if not done.cancelled() and done.exception() is None:
                    self.bytes.put((key,), (200, [], done.result()))

            pending.add_done_callback(keep)
        return await asyncio.shield(pending)  # a reader who leaves does not stop the drawing


# Pages whose response depends only on the database and the URL (HTML, JSON twins, chart images).
CACHEABLE_PATHS = frozenset({"/", "/index.json", "/methods", "/methods.json"})
CACHEABLE_PREFIXES = ("/substances/", "/questions/", "/classes", "/map", "/plots/")
Message = MutableMapping[str, Any]


class PageCache:
    """ASGI middleware: serve a cacheable GET from :class:`ResponseStore` (per database version, path and
    query string and language); otherwise run the app and keep its 200 response.  Everything else passes through."""

    def __init__(self, app: Callable[..., Awaitable[None]], store: AppKB) -> None:
        self.app = app
        self.store = store

    @staticmethod
    def cacheable(scope: Message) -> bool:
        path = str(scope.get("path", ""))
        return (scope["type"] == "http" and scope.get("method") == "GET"
                and (path in CACHEABLE_PATHS or path.startswith(CACHEABLE_PREFIXES)))  # fmt: skip

    async def __call__(self, scope: Message, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:  # fmt: skip
        if not self.cacheable(scope):
            return await self.app(scope, receive, send)
        try:
            lang = i18n.from_scope(scope)[0]  # ?lang= is in the query; Accept-Language is not
            key = (
                self.store.version(),
                scope["path"],
                scope.get("query_string", b""),
                lang,
            )
        except DatabaseMissing:
            return await self.app(scope, receive, send)
        hit = self.store.responses.get(key)
        timing.mark(scope, hit=hit is not None)
        if hit is not None:
            status, headers, body = hit
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return None
        start: Message = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body") and start.get("status") == 200:
                    headers = list(start.get("headers", []))
                    self.store.responses.put(key, (200, headers, b"".join(chunks)))
            await send(message)

        return await self.app(scope, receive, keep)


class PinVersion:
    """ASGI middleware: the request reads the version served when it started, whole (see
    :data:`_pinned`), even if a switch completes while it runs."""

    def __init__(self, app: Callable[..., Awaitable[None]], store: AppKB) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Message, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:  # fmt: skip
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        try:
            token = _pinned.set((self.store, self.store._current()))
        except Exception:  # no readable version: routes that need one say so (503, 500) themselves
            return await self.app(scope, receive, send)
        try:
            return await self.app(scope, receive, send)
        finally:
            _pinned.reset(token)


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

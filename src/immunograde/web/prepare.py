"""A version of the knowledge base prepared in a separate process, so the server's event loop keeps
Python's GIL (issue 19).

Warming a version (the map appraises every substance; after an ``import`` the appraisals are not
stored and are computed again) is minutes of CPU-bound Python.  Run in a thread of the server it held
the GIL for most of that time: the event loop, which sends every cached page in under 2 ms, waited for
it at each step (measured: the switch thread had 62 % of the server's samples, the loop's ticks came
late for 150 s of a 320-s run, and cached pages took 360 ms at the client's median).

:func:`prepare` starts a process (spawned, niced, dying with the server) that opens the version, checks
that it is the one asked for (the files' stamps), renders the pages the server has in its response
cache (``urls``: HTML and JSON as the server would; for charts only their specification, the drawing
is kept by content in the server), then runs the start-up warm-up jobs, and streams back each
response and each page-data entry (pickled; unpickled by the server when first asked for).  The
server installs them all at once when it switches (:meth:`~immunograde.web.deps.AppKB._switch`), so
the new version is served complete and its pages are already rendered.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import pickle
import time
from collections.abc import Callable, Generator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from immunograde.procs import die_with_parent

NICE = 10  #: the preparing process yields the CPU to the server
IMAGES = (".svg", ".png", ".pdf")
Url = tuple[str, bytes, str]  # path, query string, language


class Pickled:
    """A page-data value as the preparing process sent it: unpickled on first use."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def load(self) -> Any:
        return pickle.loads(self.data)


def _scope(path: str, query: bytes, lang: str) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
            "root_path": "", "headers": [(b"host", b"localhost"), (b"accept-language", lang.encode())],
            "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 80), "state": {}}  # fmt: skip


async def _get(app: Any, path: str, query: bytes, lang: str) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        return None

    await app(_scope(path, query, lang), receive, send)


def _main(
    path: str, stamp: Any, urls: list[Url], conn: Connection, parent: int, seconds: float
) -> None:
    """The preparing process (see the module's text)."""
    die_with_parent(parent)
    os.environ["IMMUNOGRADE_WARM"] = "0"
    os.environ.pop("IMMUNOGRADE_TIMINGS", None)
    from immunograde.web.app import create_app, warm_jobs
    from immunograde.web.deps import DatabaseMissing

    with contextlib.suppress(OSError):
        os.nice(NICE)
    deadline = time.monotonic() + seconds
    app = create_app(Path(path), warm=False)
    store = app.state.kb
    try:
        kb, got = store._current()
    except DatabaseMissing:
        conn.send(("stale", None))
        return
    if got != stamp:  # the file was switched again since the server looked
        conn.send(("stale", got))
        return
    sent: set[Any] = set()

    def flush() -> None:
        with store._lock:
            items = [(k, v) for k, v in store._cache.items() if k not in sent and k[0] == stamp]
        for key, value in items:
            sent.add(key)
            try:
                data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # not kept: the server computes it when asked
                continue
            conn.send(("data", key[1:], data))

    async def render() -> None:
        for upath, query, lang in urls:
            if time.monotonic() > deadline:
                return
            image = upath.endswith(IMAGES)
            ask = upath.rsplit(".", 1)[0] + ".vl.json" if image else upath  # the spec, no drawing
            with contextlib.suppress(Exception):
                await _get(app, ask, query, lang)
            if not image:
                item = store.responses.get((stamp, upath, query, lang))
                if item is not None:
                    conn.send(("response", (upath, query, lang), item))
            flush()

    asyncio.run(render())
    from immunograde.kb.dbfile import cursor
    from immunograde.web.deps import _View

    view = _View(kb, cursor(kb.con))
    for key, compute in warm_jobs(view):
        if time.monotonic() > deadline:
            break
        with contextlib.suppress(Exception):
            store._cached_at(stamp, key, compute)
        flush()
    conn.send(("done", None))


def prepare(
    path: Path, stamp: Any, urls: list[Url], seconds: float
) -> Generator[tuple[str, Any, Any], None, None]:
    """Prepare the version ``stamp`` of ``path`` in a new process; yields ``("response", (path,
    query, lang), (status, headers, body))``, ``("data", key, Pickled)``, then ``("done", None,
    None)``, or ``("stale", stamp_found, None)`` when the file is not that version any more.  Stops
    (and kills the process) after ``seconds`` and a margin; the process ends with the server."""
    ctx = multiprocessing.get_context("spawn")
    mine, theirs = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_main, args=(str(path), stamp, urls, theirs, os.getpid(), seconds),
                       name="immunograde-prepare", daemon=True)  # fmt: skip
    proc.start()
    theirs.close()
    stop = time.monotonic() + seconds + 60
    try:
        while time.monotonic() < stop:
            if not mine.poll(0.5):
                if not proc.is_alive() and not mine.poll(0):
                    return
                continue
            try:
                kind, key, *rest = mine.recv()
            except EOFError:
                return
            if kind == "data":
                yield kind, key, Pickled(rest[0])
            elif kind == "response":
                yield kind, key, rest[0]
            else:
                yield kind, key, None
                if kind in ("done", "stale"):
                    return
    finally:
        mine.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)


def importable(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` is the app's own warm-up (a preparing process can run it by name)."""
    from immunograde.web import app

    return fn is app.warm_jobs

"""Where a request's time goes in the server (for benchmarks; off unless ``IMMUNOGRADE_TIMINGS=FILE``).

:class:`Timings` is the outermost ASGI middleware: for each request it writes one JSON line with the
time it reached the app (seconds since the server started), the time to the response's first byte
and to its last, the status, and whether the page cache answered it (``hit``).  A monitor task
sleeps :data:`TICK` seconds in a loop on the event loop and writes every tick that came late by more
than :data:`LATE` seconds (``lag``): the time no request could be served because the loop was busy or
waited for Python's GIL.  The time a request waited in the socket before the app saw it is not in
``first``; the loop's lag shows it.  Background work (the warm-up and the switch to a new database
version) writes its start and end (``event``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import IO, Any

Message = MutableMapping[str, Any]
TICK = 0.01  #: the loop monitor's sleep
LATE = 0.02  #: a tick later than this is written

_out: IO[str] | None = None
_lock = threading.Lock()


def start(path: str) -> None:
    """Write timings to ``path`` from now on (one JSON object per line)."""
    global _out
    _out = open(path, "a", buffering=1024 * 1024)  # noqa: SIM115 - closed by stop()


def enabled() -> bool:
    return _out is not None


def stop() -> None:
    global _out
    with _lock:
        if _out is not None:
            _out.close()
            _out = None


def now() -> float:
    """Seconds since the epoch (to line the server's records up with a client's)."""
    return round(time.time(), 4)


def write(record: dict[str, Any]) -> None:
    if _out is None:
        return
    with _lock:
        if _out is not None:
            _out.write(json.dumps(record, separators=(",", ":")) + "\n")


def event(name: str, **extra: Any) -> None:
    """A background step (``warm-start``, ``switch-open``...): written with the time, if timing is on."""
    if _out is not None:
        write({"event": name, "t": now(), "thread": threading.current_thread().name, **extra})


async def monitor() -> None:
    """Write each tick of the event loop that came more than :data:`LATE` s late (``lag``)."""
    while True:
        t = time.perf_counter()
        await asyncio.sleep(TICK)
        late = time.perf_counter() - t - TICK
        if late > LATE:
            write({"lag": round(late, 4), "t": now()})


class Timings:
    """ASGI middleware: see the module's text."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Message, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:  # fmt: skip
        if scope["type"] != "http" or _out is None:
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        record: dict[str, Any] = {"t": now(), "path": scope.get("path", ""),
                                  "method": scope.get("method", "")}  # fmt: skip
        scope.setdefault("state", {})["timing"] = record

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                record["status"] = message.get("status")
                record["first"] = round(time.perf_counter() - t0, 5)
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                record["last"] = round(time.perf_counter() - t0, 5)

        try:
            await self.app(scope, receive, timed)
        finally:
            record.setdefault("last", round(time.perf_counter() - t0, 5))
            write(record)


def mark(scope: Message, **fields: Any) -> None:
    """Add ``fields`` to the request's timing record (when timing is on)."""
    with contextlib.suppress(KeyError, TypeError):
        scope["state"]["timing"].update(fields)

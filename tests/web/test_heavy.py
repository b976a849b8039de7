"""Heavy work off the request loop (web.heavy) and bodies bounded while read (web.guard)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import duckdb
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.testclient import TestClient

from immunograde.web.app import create_app
from immunograde.web.guard import BodyGuard
from immunograde.web.heavy import HeavyPool, Overloaded


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/status") as f:
        return "\nState:\tZ" in f.read()


def test_a_job_past_its_time_is_stopped_and_the_next_one_runs() -> None:
    async def scenario() -> tuple[int, int]:
        pool = HeavyPool(slots=1, queue=0)
        try:
            first = await pool.run(60, os.getpid)
            with pytest.raises(TimeoutError):
                await pool.run(0.5, time.sleep, 60)
            return first, await pool.run(60, os.getpid)
        finally:
            pool.close()

    first, second = asyncio.run(scenario())
    deadline = time.monotonic() + 5
    while not _gone(first) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(first), "the timed-out computation is still running"
    assert second != first


def test_a_full_queue_refuses_at_once() -> None:
    async def scenario() -> None:
        pool = HeavyPool(slots=1, queue=1)
        try:
            await pool.run(60, os.getpid)  # the worker is up
            running = asyncio.ensure_future(pool.run(60, time.sleep, 1))
            waiting = asyncio.ensure_future(pool.run(60, time.sleep, 0))
            await asyncio.sleep(0.1)
            started = time.monotonic()
            with pytest.raises(Overloaded, match="busy"):
                await pool.run(60, time.sleep, 0)
            assert time.monotonic() - started < 0.5
            await asyncio.gather(running, waiting)
        finally:
            pool.close()

    asyncio.run(scenario())


def _echo_app(seconds: float = 30.0) -> FastAPI:
    inner = FastAPI()

    @inner.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    def error(request: Request, status: int, message: str) -> Response:
        return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)

    inner.add_middleware(BodyGuard, error=error, max_bytes=1000, seconds=seconds)
    return inner


def test_bodies_are_limited_while_read() -> None:
    client = TestClient(_echo_app())
    assert client.post("/echo", content=b"x" * 1000).json() == {"bytes": 1000}
    declared = client.post("/echo", content=b"x" * 1001)
    assert declared.status_code == 413 and "larger than" in declared.json()["error"]["message"]

    def stream() -> Iterator[bytes]:  # no Content-Length: refused when the count passes the limit
        for _ in range(100):
            yield b"x" * 100

    streamed = client.post("/echo", content=stream())
    assert streamed.status_code == 413


def test_a_slow_body_times_out() -> None:
    app = _echo_app(seconds=0.3)
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        await asyncio.sleep(0.2)
        return {"type": "http.request", "body": b"x", "more_body": True}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/echo", "headers": [], "query_string": b""}  # fmt: skip
    asyncio.run(
        app.middleware_stack(scope, receive, send)
        if app.middleware_stack
        else app(scope, receive, send)
    )
    assert sent[0]["status"] == 408


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("bare") / "empty.duckdb"
    duckdb.connect(str(path)).close()
    with TestClient(create_app(path, warm=False)) as c:
        yield c


def test_workbench_upload_over_the_limit_is_413_with_a_message(bare: TestClient) -> None:
    big = b"study,yi,vi\n" + b"a,0.1,0.01\n" * 300_000  # 3.3 MB
    r = bare.post("/workbench.json", files={"csv_file": ("big.csv", big, "text/csv")})
    assert r.status_code == 413
    assert "larger than 2 MiB" in r.json()["error"]["message"]


def test_workbench_runs_in_a_worker(bare: TestClient) -> None:
    text = "study,yi,vi\na,0.1,0.01\nb,0.3,0.02\nc,-0.1,0.04\n"
    r = bare.post("/workbench.json", data={"csv_text": text, "measure": "GEN"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["result"]["k"] == 3
    svg = bare.get(body["plots"]["forest"])
    assert svg.status_code == 200 and svg.content.startswith(b"<svg")


def test_workers_yield_the_cpu_and_a_job_waits_for_a_free_worker() -> None:
    """The workers run niced (page serving wins the CPU); a job that finds every worker busy waits
    (up to the pool's ``wait``) instead of being refused."""
    from immunograde.web.heavy import NICE

    async def scenario() -> tuple[int, float]:
        pool = HeavyPool(slots=1, queue=2, wait=30)
        try:
            niceness = await pool.run(60, os.nice, 0)
            busy = asyncio.ensure_future(pool.run(60, time.sleep, 1))
            await asyncio.sleep(0.1)
            started = time.monotonic()
            await pool.run(60, time.sleep, 0)  # waited for the busy worker, then ran
            await busy
            return niceness, time.monotonic() - started
        finally:
            pool.close()

    niceness, waited = asyncio.run(scenario())
    assert niceness >= os.nice(0) + NICE or niceness == 19
    assert waited >= 0.5


def test_a_wait_past_its_bound_is_refused() -> None:
    async def scenario() -> None:
        pool = HeavyPool(slots=1, queue=2, wait=0.3)
        try:
            await pool.run(60, os.getpid)
            busy = asyncio.ensure_future(pool.run(60, time.sleep, 2))
            await asyncio.sleep(0.1)
            with pytest.raises(Overloaded, match="busy"):
                await pool.run(60, time.sleep, 0)
            await busy
        finally:
            pool.close()

    asyncio.run(scenario())


def test_charts_are_drawn_in_a_worker_and_kept_by_content(
    bare: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """vl-convert holds the GIL while it draws: the server process never draws; a chart with the same
    specification (e.g. after a rebuild that did not change it) is drawn once."""
    from immunograde.plots import render as render_module

    def not_here(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("drawn in the server process")

    monkeypatch.setattr(render_module.vlc, "vegalite_to_svg", not_here)
    text = "study,yi,vi\na,0.1,0.01\nb,0.3,0.02\nc,-0.1,0.04\n"
    body = bare.post("/workbench.json", data={"csv_text": text, "measure": "GEN"}).json()
    first = bare.get(body["plots"]["forest"])
    assert first.status_code == 200 and first.content.startswith(b"<svg")
    store = bare.app.state.kb.images  # type: ignore[attr-defined]
    spec = {"mark": "point", "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x"}}}
    calls: list[int] = []

    async def draw() -> bytes:
        calls.append(1)
        return b"<svg/>"

    async def twice() -> tuple[bytes, bytes]:
        return await store.get(spec, "svg", draw), await store.get(dict(spec), "svg", draw)

    assert asyncio.run(twice()) == (b"<svg/>", b"<svg/>") and calls == [1]


def test_kept_workbench_results_are_bounded_in_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    from immunograde.web import workbench as wb

    monkeypatch.setattr(wb, "_STORE", type(wb._STORE)())
    monkeypatch.setattr(wb, "STORE_BYTES", 100_000)
    tokens = [wb._store({"analysis": b"x" * 30_000, "images": {("forest", "en"): b"y" * 10_000}})
              for _ in range(5)]  # fmt: skip
    assert list(wb._STORE) == tokens[-2:]
    assert sum(wb._size(e) for e in wb._STORE.values()) <= 100_000


def test_a_worker_that_died_while_idle_is_replaced() -> None:
    """A worker killed between jobs (out of memory, or the kernel's parent-death signal when the thread
    that started it ended: every request of a TestClient runs on a thread of its own) left a broken pool:
    every later chart answered 500 (BrokenProcessPool at submit).  The next job now gets a new worker."""

    async def scenario() -> tuple[int, int]:
        pool = HeavyPool(slots=1, queue=0)
        try:
            first = await pool.run(60, os.getpid)
            os.kill(first, 9)
            deadline = time.monotonic() + 5
            while not _gone(first) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # the executor notices its dead worker
            return first, await pool.run(60, os.getpid)
        finally:
            pool.close()

    first, second = asyncio.run(scenario())
    assert second != first  # a new worker ran the job (closed with the pool by now)


def test_charts_survive_requests_on_threads_of_their_own(web_db, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A TestClient without ``with`` runs each request's event loop on a new thread; the chart worker
    started by one request died with that thread and the next chart was a 500."""
    monkeypatch.setenv("IMMUNOGRADE_CHARTS", str(tmp_path / "charts"))
    c = TestClient(create_app(web_db, warm=False))
    try:
        codes = [
            c.get(u).status_code for u in ("/map.svg", "/map.svg?view=boosters", "/map.svg?lang=ru")
        ]
    finally:
        c.app.state.heavy.close()  # type: ignore[attr-defined]
    assert codes == [200, 200, 200]

"""The web under load, and writers while it serves (issue 19).

Starts ``immunograde serve`` on a free port over a private knowledge base, waits for its warm-up, then
sends REQUESTS requests from CLIENTS concurrent clients over a mix of pages, JSON twins, chart images
and a share of workbench uploads (``--upload-rows`` studies, 2x2 counts, odds ratio).  With ``--writers`` a ``build`` and an
``import csv`` run on the same database during the load.  Reports errors (status >= 500, 408/413 or a
failed connection), p50/p95/p99 per kind, the p95 of pages sent while an upload was being computed, and
the server's RSS (its process and its workers) before, every 5 s during and after the load.

Each client waits at most 60 s for an answer (httpx's timeout): a request not answered by then is
counted as an error, as a reader would give up on it; the figures are not tuned by this limit (the goal
is a page p95 under 100 ms).  Each upload is its own CSV (seeded by its position in the plan), so no
cache of an earlier upload answers it.  ``--client-nice N`` lowers the clients' priority once the
server has started (on a machine shared with other work, niceness given to the whole command also
lowers the server and, further, its workers).

    python benchmarks/bench_reliability.py --db /tmp/me/kb.duckdb --history /tmp/me/history.duckdb \
        --requests 10000 --clients 32 --writers
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb
import httpx

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_each(pid: int) -> dict[str, float]:
    """RSS of ``pid`` ("server") and of each of its descendants (by pid), MB."""
    out: dict[str, float] = {}
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            kb = next(int(x.split()[1]) for x in status.splitlines() if x.startswith("VmRSS"))
            out["server" if p == pid else str(p)] = round(kb / 1024, 1)
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return out


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its living descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def _switch_file(db: Path, log: list[float], t0: list[float]) -> Callable[[], None]:
    """A function that puts a copy of ``db`` in its place (a new inode, as a build's switch does)."""
    staged = db.with_name(f".{db.name}.bench-switch")
    shutil.copyfile(db, staged)

    def switch() -> None:
        os.replace(staged, db)
        log.append(round(time.perf_counter() - t0[0], 2))

    return switch


def _own_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _rss_mb(pid: int) -> float:
    """RSS of ``pid`` and its descendants, MB."""
    return sum(_rss_each(pid).values())


def _urls(db: Path) -> dict[str, list[str]]:
    con = duckdb.connect(str(db), read_only=True)
    sids = [r[0] for r in con.execute("SELECT id FROM substances ORDER BY id LIMIT 60").fetchall()]
    qids = [r[0] for r in con.execute("SELECT id FROM questions ORDER BY id LIMIT 60").fetchall()]
    con.close()
    pages = ["/", "/map", "/methods", "/changes", "/classes"] + [f"/substances/{s}" for s in sids]
    pages += [f"/questions/{q}" for q in qids]
    json_ = [p + ".json" if p != "/" else "/index.json" for p in pages]
    plots = [f"/plots/questions/{q}/forest.svg" for q in qids] + ["/map.svg"]
    return {"page": pages, "json": json_, "plot": plots}


def _upload_csv(rows: int, seed: int = 19) -> bytes:
    """A CSV of ``rows`` two-arm studies; each upload of a run has its own ``seed`` (different numbers),
    so no cache of an earlier identical upload can answer it."""
    rnd = random.Random(seed)
    lines = ["study,ai,n1i,ci,n2i"]
    for i in range(rows):
        n1, n2 = rnd.randint(40, 400), rnd.randint(40, 400)
        lines.append(f"s{i},{rnd.randint(1, n1 // 3)},{n1},{rnd.randint(1, n2 // 2)},{n2}")
    return ("\n".join(lines) + "\n").encode()


class RawGet:
    """One keep-alive HTTP/1.1 connection sending GETs, written on asyncio streams (``--client raw``).

    httpx costs ~3.5 ms of CPU per request here (34.7 s for 10,000 requests in one process on the
    2-core machine): with 32 clients the client itself bounded the latencies it measured (32 requests
    in flight at ~290 req/s are ~110 ms each, whatever the server does).  This one reads the status
    line, the headers and the body (Content-Length or chunked) and nothing more.  Like httpx it does
    not retry: a connection closed under a request is an error (``RemoteProtocolError``).  Like
    httpx's pool (and browsers) it does not send on a connection the server has closed or is about
    to close for idleness (uvicorn closes a keep-alive connection idle for 5 s; a client whose last
    request was an upload of several seconds left it idle that long): it opens a new one."""

    IDLE = 4.0  #: seconds after which an idle connection is not reused

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = 0.0

    async def get(self, path: str, timeout: float = 60) -> int:
        try:
            return await asyncio.wait_for(self._get(path), timeout)
        except TimeoutError:
            self.close()
            raise httpx.ReadTimeout("no answer in time") from None
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            self.close()
            raise httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}") from None

    async def _get(self, path: str) -> int:
        stale = self.reader is not None and self.reader.at_eof()
        if stale or time.monotonic() - self.used > self.IDLE:
            self.close()
        self.used = time.monotonic()
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lines = head.lower().split(b"\r\n")
        length = next(
            (int(x.split(b":", 1)[1]) for x in lines if x.startswith(b"content-length:")), None
        )
        if length is not None:
            await self.reader.readexactly(length)
        elif any(x.startswith(b"transfer-encoding:") and b"chunked" in x for x in lines):
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        if any(x.startswith(b"connection:") and b"close" in x for x in lines):
            self.close()
        self.used = time.monotonic()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _load(
    base: str,
    plan: list[tuple[str, str]],
    clients: int,
    upload: Callable[[int], bytes],
    switch: tuple[int, Callable[[], None]] | None = None,
    raw: bool = True,
) -> list[dict]:
    """Send ``plan``; with ``switch = (i, fn)``, ``fn()`` runs (in a thread) when request ``i`` is sent."""
    results: list[dict] = []
    uploads_running = 0
    queue = iter(enumerate(plan))
    start = time.perf_counter()

    host, port = base.removeprefix("http://").rsplit(":", 1)

    async def client(c: httpx.AsyncClient) -> None:
        nonlocal uploads_running
        conn = RawGet(host, int(port))
        for i, (kind, url) in queue:
            if switch is not None and i == switch[0]:
                asyncio.get_running_loop().run_in_executor(None, switch[1])
            during = uploads_running > 0
            detail = ""
            t0 = time.perf_counter()
            try:
                if kind == "upload":
                    uploads_running += 1
                    try:
                        files = {"csv_file": ("trials.csv", upload(i), "text/csv")}
                        r = await c.post(base + url, files=files, data={"measure": "OR"})
                    finally:
                        uploads_running -= 1
                    status = r.status_code
                elif raw:
                    status = await conn.get(url)
                else:
                    status = (await c.get(base + url)).status_code
            except httpx.HTTPError as exc:
                status = f"{type(exc).__name__}"
                detail = str(exc)[:200]
            results.append({"kind": kind, "status": status, "ms": (time.perf_counter() - t0) * 1000,
                            "during_upload": during, "t": t0 - start, "detail": detail})  # fmt: skip
            if len(results) % 1000 == 0:
                print(f"{len(results)} requests", file=sys.stderr, flush=True)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as c:
        await asyncio.gather(*(client(c) for _ in range(clients)))
    return results


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def _summary(results: list[dict]) -> dict:
    out: dict = {"requests": len(results)}
    bad = [r for r in results if not isinstance(r["status"], int) or r["status"] >= 500
           or r["status"] in (408, 413)]  # fmt: skip
    out["errors"] = len(bad)
    out["error_kinds"] = sorted({f"{r['kind']}:{r['status']}" for r in bad})
    out["error_counts"] = dict(Counter(f"{r['kind']}:{r['status']}" for r in bad))
    out["error_examples"] = sorted(
        {f"{r['kind']}:{r['status']}: {r.get('detail', '')}" for r in bad}
    )[:10]
    out["errors_by_10s"] = dict(sorted(Counter(int(r["t"] // 10) * 10 for r in bad).items()))
    for kind in ("page", "json", "plot", "upload"):
        ms = [r["ms"] for r in results if r["kind"] == kind]
        out[kind] = {"n": len(ms), "p50": _pct(ms, 50), "p95": _pct(ms, 95), "p99": _pct(ms, 99)}
    during = [r["ms"] for r in results if r["kind"] in ("page", "json") and r["during_upload"]]
    out["pages_during_uploads"] = {
        "n": len(during),
        "p95": _pct(during, 95),
        "p99": _pct(during, 99),
    }
    return out


def _visible(base: str, qid: str) -> dict[str, int]:
    """What the server shows now: builds recorded in the history, outcome rows of ``qid``."""
    builds = httpx.get(base + "/changes.json", timeout=120).json()["builds"]
    rows = httpx.get(f"{base}/api/v1/questions/{qid}/data", params={"limit": 1000}, timeout=120)
    body = rows.json()
    return {
        "builds": builds,
        "rows": len(body if isinstance(body, list) else body.get("data", body.get("rows", []))),
    }


def _writers(
    db: Path, history: Path, env: dict[str, str], tmp: Path, qid: str
) -> list[subprocess.Popen]:
    csv = tmp / "bench_concurrent.csv"
    csv.write_text("study,year,ai,n1i,ci,n2i\nA,2001,4,50,9,51\nB,2003,7,80,12,79\n")
    py = [sys.executable, "-m", "immunograde"]
    envw = {**env, "IMMUNOGRADE_HISTORY": str(history), "IMMUNOGRADE_BUILD_WORKERS": "1"}
    build = [*py, "build", "--no-safety", "--no-market", "--db", str(db)]
    imp = [*py, "import", "csv", str(csv), "--dataset", qid, "--db", str(db)]
    return [subprocess.Popen(["nice", *cmd], env=envw, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True) for cmd in (build, imp)]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--history", type=Path, required=True)
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--upload-share", type=float, default=0.02)
    ap.add_argument("--upload-rows", type=int, default=100, help="rows of each workbench upload")
    ap.add_argument(
        "--writers", action="store_true", help="run a build and an import during the load"
    )
    ap.add_argument(
        "--server-log", type=Path, help="the server's output (its tracebacks of any 500)"
    )
    ap.add_argument("--client-nice", type=int, default=0,
                    help="niceness added to the clients once the server has started (a shared machine)")  # fmt: skip
    ap.add_argument("--switch-at", type=float,
                    help="at this fraction of the requests, switch the database file (a copy put in "
                    "its place with os.replace, as a build does): the switch under load")  # fmt: skip
    ap.add_argument("--timings", type=Path,
                    help="the server's own timings per request and its event loop's lags (JSON lines)")  # fmt: skip
    ap.add_argument("--client", choices=("raw", "httpx"), default="raw",
                    help="GETs on plain asyncio streams (default; ~10x less CPU) or through httpx "
                    "(as before 2026-12-07 21:00 UTC); uploads always through httpx")  # fmt: skip
    ap.add_argument("--same-upload", action="store_true",
                    help="every upload the same CSV (before 2026-12-07 17:30 UTC); default: each its own")  # fmt: skip
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "IMMUNOGRADE_HISTORY": str(args.history)}
    if args.timings:
        args.timings.unlink(missing_ok=True)
        env["IMMUNOGRADE_TIMINGS"] = str(args.timings)
    port = _free_port()
    log = open(args.server_log, "w") if args.server_log else subprocess.DEVNULL  # noqa: SIM115
    server = subprocess.Popen([sys.executable, "-m", "immunograde", "serve", "--port", str(port),
                               "--db", str(args.db)], env=env, stdout=log, stderr=log)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    os.nice(args.client_nice)  # the clients (and the writers, niced again) after the server started
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/map.json", timeout=120).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        urls = _urls(args.db)
        rnd = random.Random(19)
        plan: list[tuple[str, str]] = []
        for _ in range(args.requests):
            if rnd.random() < args.upload_share:
                plan.append(("upload", "/workbench.json"))
            else:
                kind = rnd.choices(["page", "json", "plot"], weights=[5, 3, 2])[0]
                plan.append((kind, rnd.choice(urls[kind])))
        for url in dict.fromkeys(u for k, u in plan if k != "upload"):
            httpx.get(base + url, timeout=120)  # every URL once: the figures are about serving
        time.sleep(3)
        rss_before = _rss_mb(server.pid)
        rss_each_before = _rss_each(server.pid)
        qid = urls["page"][-1].rsplit("/", 1)[1]
        seen_before = _visible(base, qid)
        writers = _writers(args.db, args.history, env, Path("/tmp"), qid) if args.writers else []

        def upload(i: int) -> bytes:
            return _upload_csv(args.upload_rows, 19 if args.same_upload else 1000 + i)

        load_before = os.getloadavg()
        rss_series: list[tuple[float, float]] = []
        sampling = True

        def sample() -> None:  # the server's RSS every 5 s: does it level off?
            while sampling:
                rss_series.append((round(time.perf_counter() - t0, 1), round(_rss_mb(server.pid))))
                time.sleep(5)

        switched: list[float] = []
        t0_box = [0.0]
        switch = None
        if args.switch_at is not None:
            switch = (int(args.switch_at * len(plan)), _switch_file(args.db, switched, t0_box))
        cpu_server0, cpu_client0 = _cpu_s(server.pid), _own_cpu()
        t0, start_epoch = time.perf_counter(), time.time()
        t0_box[0] = t0
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        results = asyncio.run(_load(base, plan, args.clients, upload, switch, args.client == "raw"))
        sampling = False
        wall = time.perf_counter() - t0
        cpu = {"server_s": round(_cpu_s(server.pid) - cpu_server0, 1),
               "client_s": round(_own_cpu() - cpu_client0, 1)}  # fmt: skip
        writer_rc = [(w.wait(600), (w.stdout.read() if w.stdout else "")[-300:]) for w in writers]
        summary = _summary(results)
        summary.update(wall_s=wall, req_per_s=len(results) / wall, rss_before_mb=rss_before,
                       rss_after_mb=_rss_mb(server.pid), writers=writer_rc)  # fmt: skip
        summary.update(rss_each_before=rss_each_before, rss_each_after=_rss_each(server.pid),
                       rss_series=rss_series, load_before=load_before, load_after=os.getloadavg())  # fmt: skip
        summary.update(cpu=cpu, switched_at_s=switched, start_epoch=start_epoch, client=args.client)
        summary["visible_before"], summary["visible_after"] = seen_before, _visible(base, qid)
        print(json.dumps(summary, indent=2, default=str))
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()

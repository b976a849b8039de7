"""Load benchmark: `immunograde serve` on loopback, 32 concurrent clients, substance page and its JSON twin.

Goal (issue 5): p95 under 50 ms and at least 300 requests/s on 2 cores.  Starts the server itself on a free
loopback port (uvicorn, ``--workers`` processes), waits for the start-up warm-up, then loads it and prints
the figures.  The load comes from ``wrk`` when it is installed (Debian: ``apt-get install wrk``; C, one
thread, so it takes little of the 2 cores from the server) and otherwise from a Python asyncio/httpx
client (which itself needs about one core at these rates, so it understates what the server can do);
the output says which.  Requires a built knowledge base (`immunograde kb build`).

    .venv/bin/python benchmarks/bench_web.py [--clients 32] [--seconds 10] [--workers 2]
        [--path /substances/tocilizumab] [--load wrk|python]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import httpx

WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, ' ..
    '"p99_us": %%d, "errors": %%d}\\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), e.status + e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass(frozen=True)
class Figures:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "immunograde",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/index.json", timeout=5).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(
        "server did not start: " + (proc.stderr.read().decode() if proc.stderr else "")
    )


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def first_response(base: str, path: str) -> float:
    t0 = time.perf_counter()
    r = httpx.get(base + path, timeout=300)
    r.raise_for_status()
    return time.perf_counter() - t0


def run_wrk(base: str, paths: list[str], clients: int, seconds: float) -> Figures:
    script = WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    try:
        cmd = [
            "wrk",
            "-t1",
            f"-c{clients}",
            f"-d{seconds:g}s",
            "--timeout",
            "10s",
            "-s",
            fh.name,
            base,
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(fh.name)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    d = json.loads(line[len("RESULT ") :])
    return Figures(d["requests"], d["duration_us"] / 1e6, d["p50_us"] / 1e3, d["p95_us"] / 1e3,
                   d["p99_us"] / 1e3, d["errors"])  # fmt: skip


async def _python_load(base: str, paths: list[str], clients: int, seconds: float) -> Figures:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        stop = time.perf_counter() + seconds

        async def worker(i: int) -> None:
            nonlocal errors
            j = i
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                r = await client.get(paths[j % len(paths)])
                latencies.append(time.perf_counter() - t0)
                errors += r.status_code != 200
                j += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        elapsed = time.perf_counter() - t0
    lat = sorted(latencies)

    def pct(q: float) -> float:
        return lat[int(q * (len(lat) - 1))] * 1000

    return Figures(len(lat), elapsed, statistics.median(lat) * 1000, pct(0.95), pct(0.99), errors)


def run_python(base: str, paths: list[str], clients: int, seconds: float) -> Figures:
    return asyncio.run(_python_load(base, paths, clients, seconds))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--path", default="/substances/tocilizumab")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--load", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python"
    )
    args = ap.parse_args()
    port = free_port()
    t0 = time.perf_counter()
    proc = start_server(port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter() - t0
        first_map = first_response(base, "/map")
        print(f"server up in {started:.1f} s; first /map after that: {first_map:.2f} s "
              "(includes any remaining start-up warm-up)")  # fmt: skip
        paths = [args.path, args.path + ".json"]
        load = run_wrk if args.load == "wrk" else run_python
        load(base, paths, args.clients, 2.0)  # warm-up: every worker has the page cached
        print(f"load generator: {args.load}"
              + (" (C, 1 thread)" if args.load == "wrk" else " (Python asyncio + httpx: itself CPU-bound)"))  # fmt: skip
        for label, ps in (("HTML + JSON", paths), ("HTML", paths[:1]), ("JSON", paths[1:])):
            f = load(base, ps, args.clients, args.seconds)
            print(f"{label:12s} {f.requests} requests in {f.seconds:.1f} s, {args.clients} clients, "
                  f"{args.workers} workers: {f.rate:.0f} req/s, p50 {f.p50_ms:.1f} ms, "
                  f"p95 {f.p95_ms:.1f} ms, p99 {f.p99_ms:.1f} ms, errors {f.errors}")  # fmt: skip
        print(f"note: server and load generator share this machine's {os.cpu_count()} cores (loopback); "
              f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main()

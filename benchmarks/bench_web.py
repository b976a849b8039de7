"""Load benchmark: `immunograde serve` on loopback, 32 concurrent clients, substance page and its JSON twin.

Goal (issue 5): p95 under 50 ms and at least 300 requests/s on 2 cores.  Starts the server itself on a free
loopback port, warms up, then runs a bounded number of requests per client and prints the figures.
Requires a built knowledge base (`immunograde kb build`).

    .venv/bin/python benchmarks/bench_web.py [--clients 32] [--requests 4000] [--path /substances/tocilizumab]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import time

import httpx


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
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/index.json", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(
        "server did not start: " + (proc.stderr.read().decode() if proc.stderr else "")
    )


async def run_load(
    base: str, paths: list[str], clients: int, total: int
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    per_client = total // clients
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker(i: int) -> None:
            nonlocal errors
            for j in range(per_client):
                path = paths[(i + j) % len(paths)]
                t0 = time.perf_counter()
                r = await client.get(path)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        elapsed = time.perf_counter() - t0
    return latencies, errors, elapsed


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--path", default="/substances/tocilizumab")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    port = free_port()
    proc = start_server(port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        paths = [args.path, args.path + ".json"]
        asyncio.run(run_load(base, paths, args.clients, 200))  # warm-up
        for label, ps in (("HTML + JSON", paths), ("HTML", paths[:1]), ("JSON", paths[1:])):
            lat, errors, elapsed = asyncio.run(run_load(base, ps, args.clients, args.requests))
            lat.sort()
            p50 = statistics.median(lat) * 1000
            p95 = lat[int(0.95 * (len(lat) - 1))] * 1000
            p99 = lat[int(0.99 * (len(lat) - 1))] * 1000
            print(
                f"{label:12s} {len(lat)} requests, {args.clients} clients, {args.workers} workers: "
                f"{len(lat) / elapsed:.0f} req/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, "
                f"errors {errors}"
            )
        print("note: the load generator runs on the same 2 cores as the server (loopback).")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()

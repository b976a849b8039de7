"""Benchmark: memory of a long ClinicalTrials.gov bulk import ("streaming, constant memory").

The input is the SYNTHETIC "registry-mix" zip of bench_ctgov_import.py (the three real API v2
records in ../shared/data/registries replicated under new NCT ids, 12.7 % with posted results).
Each engine imports it into a new DuckDB file in a fresh child process, with DuckDB's
``memory_limit`` set (default 200MB) and one thread; the child samples its resident set size
(VmRSS) every 10,000 studies and reports its peak (``ru_maxrss``).  Constant memory means the
RSS levels off: it must not grow with the number of studies.  A child that runs out of memory
is reported as such (that is what the import did before its staging moved out of the
transaction; see benchmarks/results/ctgov_import.md).

Usage: ``.venv/bin/python benchmarks/bench_ctgov_memory.py [N_STUDIES] [MEMORY_LIMIT]``
(100000, 200MB).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from immunograde.ingest.ctgov import import_ctgov

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ctgov_import import make_bulk_zip, registry_mix

EVERY = 10_000


def rss_mb() -> float:
    """This process's resident set size now, in MB (VmRSS from /proc/self/status)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class Sampler:
    """A Progress that prints the RSS each time another EVERY studies have been read."""

    def __init__(self) -> None:
        self.done = 0
        self.next = EVERY

    def set_total(self, total: int | None, unit: str) -> None:
        return None

    def advance(self, n: int = 1) -> None:
        self.done += n
        while self.done >= self.next:
            print(f"sample {self.next} {rss_mb():.0f}", flush=True)
            self.next += EVERY


def child(engine: str, bulk: Path, db: Path, limit: str) -> None:
    conn = duckdb.connect(str(db), config={"threads": 1, "memory_limit": limit})
    summary = import_ctgov(bulk, conn, engine=engine, progress=Sampler())
    conn.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"done {summary.inserted} {peak:.0f}", flush=True)


def run(engine: str, bulk: Path, n: int, limit: str) -> None:
    db = bulk.with_name(f"{engine}.duckdb")
    db.unlink(missing_ok=True)
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", engine, str(bulk), str(db), limit],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t
    samples = [line.split()[1:] for line in proc.stdout.splitlines() if line.startswith("sample ")]
    done = [line.split()[1:] for line in proc.stdout.splitlines() if line.startswith("done ")]
    trace = ", ".join(f"{int(k) // 1000}k {v} MB" for k, v in samples)
    print(f"  {engine:6s} memory_limit={limit}: RSS {trace}")
    if proc.returncode == 0 and done and int(done[0][0]) == n:
        print(f"  {engine:6s} imported {n} studies in {wall:.0f} s; peak RSS {done[0][1]} MB")
    else:
        last = proc.stderr.strip().splitlines()[-1:] or ["(no message)"]
        print(f"  {engine:6s} FAILED (exit {proc.returncode}) after {wall:.0f} s: {last[0]}")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    limit = sys.argv[2] if len(sys.argv) > 2 else "200MB"
    with tempfile.TemporaryDirectory() as tmp:
        bulk = Path(tmp) / "bulk.zip"
        t = time.perf_counter()
        size = make_bulk_zip(bulk, n, registry_mix(n))
        print(
            f"registry-mix zip: {n} studies, {size / 1e6:.1f} MB ({time.perf_counter() - t:.0f} s)"
        )
        for engine in ("python", "sql"):
            run(engine, bulk, n, limit)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), sys.argv[5])
    else:
        main()

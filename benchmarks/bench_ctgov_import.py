"""Benchmark: ClinicalTrials.gov bulk zip -> DuckDB ``reg_`` tables, end to end, on one core.

The input is SYNTHETIC: a bulk-style zip (one JSON file per study) made by REPLICATING the three
real API v2 records in ../shared/data/registries (certolizumab NCT02552212 and dupilumab
NCT02210780 with posted results, NCT03630471 without) under new NCT ids (NCT9xxxxxxx).  Two of
three replicas carry full results sections (~100-150 KB each), so the mix is heavier than the real
registry, where most studies have no posted results.

Timed: opening the zip, inflating each entry, JSON parsing, mapping, hashing, batched Arrow inserts
into a new DuckDB file, commit.  Reported: wall-clock studies/second, and studies per CPU-second of
this process (the per-core figure; DuckDB's own threads are limited to 1 for the run).  Also times
the phases separately (inflate+parse, map, write) so a regression can be located.

Usage: ``.venv/bin/python benchmarks/bench_ctgov_import.py [N_STUDIES]`` (default 6000).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb

from immunograde import settings
from immunograde.ingest import ctgov, schema
from immunograde.ingest.ctgov import import_ctgov

WORKERS = max(2, min(4, os.cpu_count() or 2))
FIXTURES = (
    "ctgov_v2_NCT02278341_certolizumab_axspa.json",
    "ctgov_v2_NCT02210780_dupilumab_ad.json",
    "ctgov_v2_NCT03630471_no_results.json",
)


def make_bulk_zip(path: Path, n: int, fixtures: tuple[str, ...] = FIXTURES) -> int:
    """Write ``n`` replicated studies (new NCT ids) as a bulk-style zip; return its size in bytes."""
    reg = settings.shared_data_dir() / "registries"
    docs = [json.loads((reg / f).read_text(encoding="utf-8")) for f in fixtures]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(n):
            doc = docs[i % len(docs)]
            nct = f"NCT9{i:07d}"
            doc["protocolSection"]["identificationModule"]["nctId"] = nct
            zf.writestr(f"{nct}.json", json.dumps(doc, separators=(",", ":")))
    return path.stat().st_size


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed_import(bulk: Path, db: Path, workers: int = 1) -> tuple[float, float, int, int]:
    """Import ``bulk`` into a new DuckDB file: (wall s, CPU s, studies inserted, rows written)."""
    conn = duckdb.connect(str(db), config={"threads": 1})
    wall, cpu = time.perf_counter(), _cpu()
    summary = import_ctgov(bulk, conn, workers=workers)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    rows = sum(
        conn.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0]  # type: ignore[index]
        for t in (schema.STUDIES, *schema.STUDY_CHILDREN)
    )
    conn.close()
    return wall, cpu, summary.inserted, rows


def run(
    label: str, n: int, fixtures: tuple[str, ...], tmp: Path, parser: str, workers: int = 1
) -> float:
    bulk = tmp / f"{label}.zip"
    size = make_bulk_zip(bulk, n, fixtures)
    loads = {"json": json.loads, "orjson": getattr(ctgov, "orjson", None) and ctgov.orjson.loads}
    if not loads.get(parser):
        print(f"  {label:14s} {parser:6s}: not installed")
        return float("nan")
    saved, ctgov._loads = ctgov._loads, loads[parser]
    try:
        wall, cpu, inserted, rows = timed_import(
            bulk, tmp / f"{label}-{parser}-{workers}.duckdb", workers
        )
    finally:
        ctgov._loads = saved
    assert inserted == n, f"expected {n} inserted, got {inserted}"
    print(
        f"  {label:14s} {parser:6s} workers={workers}: {n} studies ({size / 1e6:.1f} MB zip, {rows} rows) "
        f"{wall:.2f} s wall, {cpu:.2f} s CPU -> {n / wall:,.0f} studies/s wall, "
        f"{n / cpu:,.0f} studies per CPU-second"
    )
    return n / cpu


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
    print(f"ClinicalTrials.gov bulk zip -> DuckDB (duckdb {duckdb.__version__}, threads=1)")
    print("SYNTHETIC input: real fixture records replicated under new NCT ids (see docstring)")
    with tempfile.TemporaryDirectory(prefix="bench-ctgov-") as tmp:
        results = {}
        for label, fixtures in (("mix-of-3", FIXTURES), ("no-results", FIXTURES[2:])):
            for parser in ("orjson", "json"):
                results[(label, parser)] = run(label, n, fixtures, Path(tmp), parser)
        print(
            f"multi-core: the bulk zip mapped by {WORKERS} worker processes (CPU includes workers)"
        )
        run("mix-of-3", n, FIXTURES, Path(tmp), "orjson", workers=WORKERS)
    for (label, parser), rate in results.items():
        verdict = "met" if rate >= 2000 else "NOT met"
        print(
            f"target >= 2,000 studies per CPU-second: {label} / {parser}: {rate:,.0f} ({verdict})"
        )


if __name__ == "__main__":
    main()

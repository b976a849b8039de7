"""Benchmark: ClinicalTrials.gov bulk zip -> DuckDB ``reg_`` tables, end to end, on one core.

The input is SYNTHETIC: a bulk-style zip (one JSON file per study) made by REPLICATING the three
real API v2 records in ../shared/data/registries (certolizumab NCT02552212 and dupilumab
NCT02210780 with posted results, NCT03630471 without) under new NCT ids (NCT9xxxxxxx).  Three
inputs: "registry-mix" has the registry's share of studies with posted results, 12.7 % (43,086 of
339,863 registered studies on ClinicalTrials.gov's "Trends, Charts, and Maps" page, as of 19 May
2020; see benchmarks/results/ctgov_import.md), the two results records alternating; "mix-of-3"
cycles through the three records (two of three with results: far heavier than the registry);
"no-results" replicates NCT03630471 only.

Timed end to end into a new DuckDB file, commit included, for both engines of ``import_ctgov`` in the
same run, alternating: ``sql`` (ISA-L inflates the members into a chunk file; DuckDB parses, maps,
hashes and writes) and ``python`` (ISA-L inflates, msgspec decodes only the keys the mapping reads,
Python maps, Arrow batches, DuckDB hashes and writes), and ``python`` with the full decode (orjson,
the previous default) for comparison.  Reported: wall-clock studies/second and studies per
CPU-second of this process and its children (the per-core figure; DuckDB's threads are limited to
1), the load average (the machine is shared), and per input and engine the best and the median of
the rounds.

Usage: ``.venv/bin/python benchmarks/bench_ctgov_import.py [N_STUDIES] [ROUNDS]`` (6000, 3).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb
import orjson

from immunograde import settings
from immunograde.ingest import ctgov_docs, ctgov_fields, schema, zipmembers
from immunograde.ingest.ctgov import import_ctgov

WORKERS = max(2, min(4, os.cpu_count() or 2))
FIXTURES = (
    "ctgov_v2_NCT02278341_certolizumab_axspa.json",
    "ctgov_v2_NCT02210780_dupilumab_ad.json",
    "ctgov_v2_NCT03630471_no_results.json",
)


#: ClinicalTrials.gov, "Trends, Charts, and Maps", as of 19 May 2020: 43,086 of 339,863 registered
#: studies had posted results (see benchmarks/results/ctgov_import.md for the page)
REGISTRY_RESULTS_SHARE = 43_086 / 339_863


def registry_mix(n: int) -> list[int]:
    """Fixture index per study: the registry's share with results, spread evenly, alternating the
    two results records; the rest the record without results."""
    out, with_results = [], 0
    for i in range(n):
        if int((i + 1) * REGISTRY_RESULTS_SHARE) > int(i * REGISTRY_RESULTS_SHARE):
            out.append(with_results % 2)
            with_results += 1
        else:
            out.append(2)
    return out


def make_bulk_zip(path: Path, n: int, pattern: list[int] | None = None) -> int:
    """Write ``n`` replicated studies (new NCT ids) as a bulk-style zip; return its size in bytes.

    ``pattern[i]`` picks the fixture of study ``i`` (default: cycle through the three)."""
    reg = settings.shared_data_dir() / "registries"
    docs = [json.loads((reg / f).read_text(encoding="utf-8")) for f in FIXTURES]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(n):
            doc = docs[pattern[i] if pattern else i % len(docs)]
            nct = f"NCT9{i:07d}"
            doc["protocolSection"]["identificationModule"]["nctId"] = nct
            zf.writestr(f"{nct}.json", json.dumps(doc, separators=(",", ":")))
    return path.stat().st_size


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed_import(
    bulk: Path, db: Path, workers: int = 1, engine: str = "python"
) -> tuple[float, float, int, int]:
    """Import ``bulk`` into a new DuckDB file: (wall s, CPU s, studies inserted, rows written)."""
    db.unlink(missing_ok=True)
    conn = duckdb.connect(str(db), config={"threads": 1})
    wall, cpu = time.perf_counter(), _cpu()
    summary = import_ctgov(bulk, conn, workers=workers, engine=engine)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    rows = sum(
        conn.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0]  # type: ignore[index]
        for t in (schema.STUDIES, *schema.STUDY_CHILDREN)
    )
    conn.close()
    return wall, cpu, summary.inserted, rows


def run(label: str, bulk: Path, n: int, engine: str, parser: str, workers: int = 1) -> float:
    """One timed import; prints a line and returns studies per CPU-second.

    ``parser``: ``msgspec`` (the default: only the keys the mapping reads) or ``orjson`` (a full
    decode) for the Python engine; ``-`` for the SQL engine."""
    saved = ctgov_docs.PROJECT
    ctgov_docs.PROJECT = parser != "orjson"
    try:
        db = bulk.with_name(f"{label}-{engine}-{parser}-{workers}.duckdb")
        wall, cpu, inserted, rows = timed_import(bulk, db, workers, engine)
    finally:
        ctgov_docs.PROJECT = saved
    assert inserted == n, f"expected {n} inserted, got {inserted}"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"  {label:12s} {engine:6s} {parser:7s} workers={workers}: {n} studies ({rows} rows) "
        f"{wall:6.2f} s wall {cpu:6.2f} s CPU -> {n / wall:6,.0f} studies/s wall, "
        f"{n / cpu:6,.0f} per CPU-s ({1e6 * cpu / n:5.0f} us CPU/study); load {load}",
        flush=True,
    )
    return n / cpu


def floor(bulk: Path, n: int) -> None:
    """What inflating and decoding cost, per study, before any mapping."""
    with zipfile.ZipFile(bulk) as zf, open(bulk, "rb") as f:
        entries = zipmembers.members(zf)
        cpu = _cpu()
        for info in entries:
            zf.read(info)
        zlib_inflate = _cpu() - cpu
        cpu = _cpu()
        data = [zipmembers.read_member(zf, f, info, info.filename) for info in entries[:1000]]
        isal_inflate = (_cpu() - cpu) / min(n, 1000) * n
    k = len(data)
    cpu = _cpu()
    for d in data:
        orjson.loads(d)
    full = (_cpu() - cpu) / k
    cpu = _cpu()
    for d in data:
        ctgov_fields.project(d)
    projected = (_cpu() - cpu) / k
    print(
        f"  floor (CPU per study): inflate + CRC: zipfile {1e6 * zlib_inflate / n:.0f} us, ISA-L "
        f"{1e6 * isal_inflate / n:.0f} us; decode: orjson (all) {1e6 * full:.0f} us, msgspec "
        f"(keys the mapping reads) {1e6 * projected:.0f} us",
        flush=True,
    )


ENGINES = (("sql", "-"), ("python", "msgspec"), ("python", "orjson"))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    print(f"ClinicalTrials.gov bulk zip -> DuckDB (duckdb {duckdb.__version__}, threads=1)")
    print("SYNTHETIC input: real fixture records replicated under new NCT ids (see docstring)")
    results: dict[tuple[str, str, str], list[float]] = {}
    inputs = (
        ("registry-mix", registry_mix(n)),
        ("mix-of-3", None),
        ("no-results", [2] * n),
    )
    with tempfile.TemporaryDirectory(prefix="bench-ctgov-") as tmp:
        for label, pattern in inputs:
            bulk = Path(tmp) / f"{label}.zip"
            size = make_bulk_zip(bulk, n, pattern)
            share = sum(1 for i in (pattern or [i % 3 for i in range(n)]) if i < 2) / n
            print(
                f"{label}: {n} studies ({100 * share:.1f} % with results), {size / 1e6:.1f} MB zip"
            )
            floor(bulk, n)
            for _ in range(rounds):
                for engine, parser in ENGINES:
                    rate = run(label, bulk, n, engine, parser)
                    results.setdefault((label, engine, parser), []).append(rate)
        print(f"multi-core Python engine: {WORKERS} worker processes (CPU includes workers)")
        run("mix-of-3", Path(tmp) / "mix-of-3.zip", n, "python", "msgspec", workers=WORKERS)
    for (label, engine, parser), rates in results.items():
        best, median = max(rates), statistics.median(rates)
        verdict = "met" if median >= 2000 else "NOT met"
        print(
            f"target >= 2,000 studies per CPU-second: {label} / {engine} {parser}: median "
            f"{median:,.0f}, best {best:,.0f}, runs {', '.join(f'{r:,.0f}' for r in rates)} "
            f"({verdict} by the median)"
        )


if __name__ == "__main__":
    main()

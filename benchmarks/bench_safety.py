"""Safety-signal benchmark: FAERS-shaped synthetic reports, end to end, DuckDB (and Spark local[2]).

    .venv/bin/python benchmarks/bench_safety.py [--reports 5000000] [--engine duckdb|spark]
        [--likelihood truncated|all_cells] [--workdir var/bench/safety]

Generates the data once (not timed), then times, in a fresh child process, the pipeline from the
Parquet files: de-duplication, counting in SQL, expected counts by age group x sex x year, PRR,
ROR, IC, and the GPS fit + EBGM/EB05/EB95 for every pair.  Peak memory is the child's max RSS
(``resource.getrusage(RUSAGE_CHILDREN)``).  Recall of the planted associations and false alarms
(signals on pairs that were not planted) are reported per signal rule.  The machine's load
average is printed: the 2 cores are shared, so wall-clock figures vary with it.
openEBGM (R) is run on the same data when the R package and its Debian dependencies are
present (``--openebgm``); see benchmarks/results/safety.md for why it usually cannot run here.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # BLAS threads only spin on 2 shared cores

ROOT = Path(__file__).resolve().parents[1]


def _child(folder: Path, engine: str, likelihood: str, out: Path) -> None:
    """Run the pipeline once and write the timings, signals and planted-pair metrics."""
    import numpy as np
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from immunograde.safety.engines import make_engine
    from immunograde.safety.pipeline import PipelineOptions, run_pipeline

    t0 = time.perf_counter()
    eng = make_engine(engine, master="local[2]", memory_limit="3GB")
    t_engine = time.perf_counter() - t0
    t1 = time.perf_counter()
    res = run_pipeline(eng, folder, PipelineOptions(drug_level="name", likelihood=likelihood))  # type: ignore[arg-type]
    total = time.perf_counter() - t1
    table = res.score.table
    truth = pq.read_table(folder / "truth.parquet")
    keys = pc.binary_join_element_wise(table["drug"], table["event"], "|")
    planted = pc.binary_join_element_wise(truth["drug"], truth["event"], "|")
    is_true = pc.is_in(keys, value_set=planted).to_numpy(zero_copy_only=False)
    rules = {}
    for rule in ("evans", "ror025", "ic025", "eb05"):
        flag = table[f"signal_{rule}"].to_numpy(zero_copy_only=False)
        rules[rule] = {
            "signals": int(flag.sum()),
            "recall": float((flag & is_true).sum() / truth.num_rows),
            "false_alarms": int((flag & ~is_true).sum()),
        }
    result = {
        "engine": engine, "likelihood": likelihood, "seconds_total": total,
        "seconds_engine_start": t_engine, "timings": res.timings,
        "reports_before_dedup": res.dedup.reports_before, "reports": res.score.n_reports,
        "pairs": table.num_rows, "strata": res.score.n_strata,
        "prior": res.score.prior.as_tuple(),
        "converged": res.score.fit.converged if res.score.fit else None,
        "planted": truth.num_rows, "planted_observed": int(is_true.sum()),
        "rules": rules, "max_ebgm": float(np.max(table["ebgm"].to_numpy())),
    }  # fmt: skip
    out.write_text(json.dumps(result, indent=2))


def _run(folder: Path, engine: str, likelihood: str) -> dict[str, object]:
    out = folder / f"result_{engine}_{likelihood}.json"
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(folder), "--engine", engine,
         "--likelihood", likelihood, "--result", str(out)],
        check=False,
    )  # fmt: skip
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"child failed with {proc.returncode}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.read_text())
    result["wall_child_seconds"] = wall
    result["peak_rss_gb_children"] = usage.ru_maxrss / 1024**2
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=5_000_000)
    ap.add_argument("--engine", default="duckdb")
    ap.add_argument("--likelihood", default="truncated")
    ap.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench" / "safety")
    ap.add_argument("--child", type=Path)
    ap.add_argument("--result", type=Path)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.engine, args.likelihood, args.result)
        return
    sys.path.insert(0, str(ROOT / "src"))
    from immunograde.safety.synth import SynthSpec, generate

    folder = args.workdir / f"synth_{args.reports}"
    if not (folder / "truth.parquet").exists():
        t = time.perf_counter()
        generate(SynthSpec(args.reports), folder)
        print(f"generated {args.reports:,} reports in {time.perf_counter() - t:.1f} s -> {folder}")
    print(f"load average before: {os.getloadavg()}")
    result = _run(folder, args.engine, args.likelihood)
    result["load_average_after"] = os.getloadavg()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

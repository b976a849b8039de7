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
    eng = make_engine(engine, master="local[2]", memory_limit="2GB")
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


OPENEBGM_MIRROR = Path("/work/.mirror/cran+openEBGM/repo")  # fetched source; never committed
R_SCRIPT = r"""
suppressPackageStartupMessages(library(data.table))
args <- commandArgs(trailingOnly = TRUE)
for (f in list.files(args[1], pattern = "[.]R$", full.names = TRUE)) source(f)
starts <- data.frame(alpha1 = c(0.2, 0.1, 0.3, 0.5, 0.2), beta1 = c(0.1, 0.1, 0.5, 0.3, 0.2),
                     alpha2 = c(2, 10, 6, 12, 5), beta2 = c(4, 10, 6, 12, 5),
                     p = c(1/3, 0.2, 0.5, 0.8, 0.4))
t0 <- proc.time()[["elapsed"]]
d <- fread(args[2], colClasses = "character")
proc <- processRaw(d, stratify = TRUE, max_cats = 1000)
t1 <- proc.time()[["elapsed"]]
sq <- autoSquash(proc)
fit_error <- ""
th <- tryCatch(autoHyper(sq, theta_init = starts)$estimates, error = function(e) {
  fit_error <<- conditionMessage(e)
  as.numeric(strsplit(args[4], ",")[[1]])  # fall back to our fitted prior for the posterior step
})
t2 <- proc.time()[["elapsed"]]
qn <- Qn(th, proc$N, proc$E)
eb <- ebgm(th, proc$N, proc$E, qn, digits = 6)
q05 <- quantBisect(5, th, proc$N, proc$E, qn, digits = 4)
q95 <- quantBisect(95, th, proc$N, proc$E, qn, digits = 4)
t3 <- proc.time()[["elapsed"]]
fwrite(data.table(var1 = proc$var1, var2 = proc$var2, N = proc$N, E = proc$E, EBGM = eb,
                  Q05 = q05, Q95 = q95), args[3])
cat(jsonlite::toJSON(list(seconds_processRaw = t1 - t0, seconds_fit = t2 - t1,
                          seconds_posterior = t3 - t2, seconds_total = t3 - t0,
                          pairs = nrow(proc), theta = unname(th), autoHyper_error = fit_error),
                     digits = NA, auto_unbox = TRUE))
"""


def _export_report_table(folder: Path, reports: int, csv: Path) -> None:
    """The de-duplicated report x drug x event rows of the first ``reports`` cases, as CSV."""
    from immunograde.safety.dedup import STRATUM_SQL, deduplicate
    from immunograde.safety.engines import DuckDBEngine
    from immunograde.safety.pipeline import register_folder

    eng = DuckDBEngine()
    register_folder(eng, folder)
    deduplicate(eng)
    eng.view("sg_stratum", STRATUM_SQL)
    eng.con.execute(
        f"COPY (SELECT d.primaryid AS id, d.prod_ai AS var1, r.pt AS var2, s.stratum AS strat1 "
        f"FROM faers_drug d JOIN faers_kept k ON d.primaryid = k.primaryid "
        f"JOIN faers_reac r ON r.primaryid = d.primaryid JOIN sg_stratum s ON s.id = d.primaryid "
        f"WHERE k.caseid < {reports}) TO '{csv}' (HEADER)"
    )


def _openebgm(folder: Path, reports: int) -> dict[str, object]:
    """Same report table through our pipeline and openEBGM 0.9.1 (sourced, R + data.table)."""
    import shutil
    import tempfile

    from immunograde.safety.engines import DuckDBEngine
    from immunograde.safety.report_table import score_report_table

    if not OPENEBGM_MIRROR.exists() or shutil.which("Rscript") is None:
        return {"openebgm": "cannot run: openEBGM source or Rscript not present"}
    work = Path(tempfile.mkdtemp(prefix="openebgm-"))
    csv = work / "reports.csv"
    _export_report_table(folder, reports, csv)
    t = time.perf_counter()
    ours = score_report_table(
        DuckDBEngine(), csv, id_col="id", drug_col="var1", event_col="var2", strata=["strat1"]
    )
    ours_s = time.perf_counter() - t
    rdir = work / "R"
    rdir.mkdir()
    for name in subprocess.run(
        ["git", "-C", str(OPENEBGM_MIRROR), "ls-tree", "--name-only", "HEAD", "R/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split():
        if not Path(name).name.startswith(("data_", "openEBGM-package")):
            text = subprocess.run(
                ["git", "-C", str(OPENEBGM_MIRROR), "show", f"HEAD:{name}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            (rdir / Path(name).name).write_text(text)
    (work / "run.R").write_text(R_SCRIPT)
    t = time.perf_counter()
    theta = ",".join(repr(v) for v in ours.prior.as_tuple())
    proc = subprocess.run(
        ["Rscript", str(work / "run.R"), str(rdir), str(csv), str(work / "out.csv"), theta],
        capture_output=True,
        text=True,
        check=False,
    )
    r_wall = time.perf_counter() - t
    if proc.returncode != 0:
        return {"openebgm": "failed: " + proc.stderr[-800:], "ours_seconds": ours_s}
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    import numpy as np
    import pyarrow.csv as pacsv

    ref = pacsv.read_csv(
        work / "out.csv",
        convert_options=pacsv.ConvertOptions(column_types={"var1": "string", "var2": "string"}),
    )
    keys = {
        f"{a}|{b}": i
        for i, (a, b) in enumerate(
            zip(ours.table["drug"].to_pylist(), ours.table["event"].to_pylist(), strict=True)
        )
    }
    idx = [
        keys[f"{a}|{b}"]
        for a, b in zip(ref["var1"].to_pylist(), ref["var2"].to_pylist(), strict=True)
    ]
    e_ours = ours.table["expected"].to_numpy()[idx]
    rel = float(np.max(np.abs(e_ours - ref["E"].to_numpy()) / ref["E"].to_numpy()))
    same_theta = bool(np.allclose(r["theta"], ours.prior.as_tuple(), rtol=1e-12))
    ebgm_diff = (
        float(np.max(np.abs(ours.table["ebgm"].to_numpy()[idx] - ref["EBGM"].to_numpy())))
        if same_theta else None
    )  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    return {
        "reports": ours.n_reports,
        "pairs": ours.table.num_rows,
        "ours_seconds": ours_s,
        "ours_prior": ours.prior.as_tuple(),
        "openebgm": r,
        "openebgm_wall_seconds": r_wall,
        "max_rel_diff_E": rel,
        "max_abs_diff_EBGM_same_theta": ebgm_diff,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=5_000_000)
    ap.add_argument("--engine", default="duckdb")
    ap.add_argument("--likelihood", default="truncated")
    ap.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench" / "safety")
    ap.add_argument("--child", type=Path)
    ap.add_argument("--result", type=Path)
    ap.add_argument("--openebgm", type=int, help="compare with openEBGM on this many cases")
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
    if args.openebgm:
        print(json.dumps(_openebgm(folder, args.openebgm), indent=2))
        return
    result = _run(folder, args.engine, args.likelihood)
    result["load_average_after"] = os.getloadavg()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

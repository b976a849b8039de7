"""``immunograde meta --by`` on 10,000 analyses of k = 10 against metafor's ``rma()`` loop, through
the command line, in one run; start-up measured separately (with ``python -X importtime`` evidence).

Run: ``.venv/bin/python benchmarks/bench_meta_cli.py [--analyses 10000] [--k 10] [--r-ci 1000]
[--r-fits N] [--startup-only]``

* Data: the synthetic analyses of ``bench_batch_reml.py`` (same seed), written as a CSV in metafor's
  columns (``analysis, study, yi, vi``; numbers at full precision).
* ImmunoGrade: ``immunograde meta big.csv --measure GEN --method REML --by analysis --format json``
  as a subprocess (best of ``--repeats``), wall and CPU time (user + sys of the child).  Start-up:
  the same command on a file holding the first analysis only.  Per-analysis time = (big - start-up)
  / analyses; the output (every group's estimate, tau2 and its Q-profile CI) is parsed and checked.
* metafor 3.8-1: ``rma(yi, vi, method = "REML")`` in an R loop over every analysis (the data frame
  is split once, outside the timing, so only the fits are timed: the loop as fast as R makes it), and
  ``rma`` + ``confint`` (the Q-profile CI the command prints) over the first ``--r-ci`` analyses.
* Agreement: estimate, se, CI, tau2 and the tau2 CI bounds against metafor's, max relative difference
  over the analyses metafor fits (it stops on the ones whose Fisher scoring does not converge; the
  command flags exactly those with ``converged: false``).
* Start-up: ``immunograde --help`` and ``immunograde meta examples/bcg.csv`` (best wall and CPU of
  ``--repeats``), and the largest cumulative imports from ``python -X importtime`` for both.

Results: benchmarks/results/meta_cli.md (and the summary in benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from bench_batch_reml import synthetic  # noqa: E402  (same data as the batch benchmark)

CLI = [sys.executable, "-m", "immunograde"]
#: the children run as on a user's machine: with their bytecode cached (pip compiles an installed
#: package's modules; a developer's shell may set PYTHONDONTWRITEBYTECODE, which makes Python
#: recompile every imported module of the package on every run: ~0.1-0.2 s more for ``meta``)
ENV = {key: val for key, val in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
R_SCRIPT = r"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
n_ci <- as.integer(args[3])
parts <- split(d, factor(d$analysis, levels = unique(d$analysis)))
n <- min(length(parts), as.integer(args[4]))
fit <- matrix(NA_real_, n, 5)
t0 <- proc.time()
for (j in seq_len(n)) {
  s <- parts[[j]]
  r <- try(rma(s$yi, s$vi, method = "REML"), silent = TRUE)  # stops when not converged
  if (!inherits(r, "try-error")) fit[j, ] <- c(r$b, r$se, r$ci.lb, r$ci.ub, r$tau2)
}
t1 <- proc.time() - t0
ci <- matrix(NA_real_, n_ci, 2)
t0 <- proc.time()
for (j in seq_len(n_ci)) {
  s <- parts[[j]]
  r <- try(rma(s$yi, s$vi, method = "REML"), silent = TRUE)
  if (!inherits(r, "try-error")) {
    b <- try(confint(r)$random[1, 2:3], silent = TRUE)
    if (!inherits(b, "try-error")) ci[j, ] <- b
  }
}
t2 <- proc.time() - t0
num <- function(x) paste0("[", paste(ifelse(is.na(x), "null", sprintf("%.17g", x)), collapse = ","), "]")
cat(sprintf('{"fit_wall": %.6f, "fit_cpu": %.6f, "ci_wall": %.6f, "ci_cpu": %.6f, "n": %d, "n_ci": %d,',
            t1[["elapsed"]], t1[["user.self"]] + t1[["sys.self"]], t2[["elapsed"]],
            t2[["user.self"]] + t2[["sys.self"]], n, n_ci),
    file = args[2])
cols <- c("estimate", "se", "ci_low", "ci_high", "tau2")
for (i in seq_along(cols)) cat(sprintf('"%s": %s,', cols[i], num(fit[, i])), file = args[2], append = TRUE)
cat(sprintf('"tau2_ci_low": %s, "tau2_ci_high": %s}', num(ci[, 1]), num(ci[, 2])), file = args[2],
    append = TRUE)
"""


def write_csv(path: Path, y: np.ndarray, v: np.ndarray, g: np.ndarray, k: int) -> None:
    with path.open("w") as f:
        f.write("analysis,study,yi,vi\n")
        for i, (a, b, c) in enumerate(zip(g.tolist(), y.tolist(), v.tolist(), strict=True)):
            f.write(f"A{a},S{i % k + 1},{b!r},{c!r}\n")


def run(argv: list[str], out: Path | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (user + sys of the child) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with (out or Path(os.devnull)).open("wb") as fh:
        subprocess.run(argv, stdout=fh, check=True, cwd=ROOT, env=ENV)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best(argv: list[str], repeats: int, out: Path | None = None) -> tuple[float, float]:
    runs = [run(argv, out) for _ in range(repeats)]
    return min(w for w, _ in runs), min(c for _, c in runs)


def importtime(argv: list[str], top: int = 8) -> list[tuple[int, str]]:
    """The largest cumulative imports (microseconds) of ``python -X importtime`` for ``argv``."""
    res = subprocess.run([sys.executable, "-X", "importtime", *argv], capture_output=True,
                         text=True, cwd=ROOT, check=False, env=ENV)  # fmt: skip
    rows = []
    for line in res.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cum, name = line.split("|")
            if cum.strip().isdigit() and name.startswith(" ") and not name.startswith("  "):
                rows.append((int(cum), name.strip()))  # top-level imports only
    return sorted(rows, reverse=True)[:top]


def rel(a: np.ndarray, b: np.ndarray, floor: float = 1e-6) -> float:
    ok = ~np.isnan(b)
    return float(np.max(np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), floor)))


def outside(a: np.ndarray, b: np.ndarray) -> int:
    """Values not equal to metafor's to 1e-10: ``|a - b| > 1e-10 |b| + 1e-15`` (the tolerance of
    the metafor tests; 1e-15 absolute for tau2 ~ 0, where both carry rounding of ~1e-16)."""
    ok = ~np.isnan(b)
    return int(np.sum(np.abs(a[ok] - b[ok]) > 1e-10 * np.abs(b[ok]) + 1e-15))


def compile_package() -> None:
    """Write the bytecode of the package the children import, as ``pip install`` does."""
    code = "import compileall, immunograde, os; compileall.compile_dir(os.path.dirname(immunograde.__file__), quiet=1)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=ENV)


def startup(repeats: int) -> None:
    print(f"load average at start-up measurement: {os.getloadavg()[0]:.1f}")
    for label, argv in (("immunograde --help", [*CLI, "--help"]),
                        ("immunograde --help --lang ru", [*CLI, "--help", "--lang", "ru"]),
                        ("immunograde meta examples/bcg.csv", [*CLI, "meta", "examples/bcg.csv"])):  # fmt: skip
        wall, cpu = best(argv, repeats)
        print(f"{label}: {wall:.3f} s wall, {cpu:.3f} s CPU (best of {repeats})")
        for us, name in importtime(argv[1:]):
            print(f"    importtime {us / 1e3:7.1f} ms  {name}")


def compare(ours: list[dict], ref: dict, n: int) -> None:
    n = ref["n"]
    ours = ours[:n]
    conv = np.array([r["converged"] for r in ours])
    stopped = np.isnan(np.array(ref["estimate"], dtype=float))
    print(f"  metafor stopped (no convergence) on {stopped.sum()} of {n}; "
          f"meta flags converged=false on {(~conv).sum()} (same set: {np.array_equal(stopped, ~conv)})")  # fmt: skip
    worst, off = 0.0, 0
    for key in ("estimate", "se", "ci_low", "ci_high", "tau2"):
        a = np.array([r[key] for r in ours], dtype=float)
        b = np.array([np.nan if x is None else x for x in ref[key]], dtype=float)
        d = rel(a, b)
        worst, off = max(worst, d), off + outside(a, b)
        ok = ~np.isnan(b)
        print(f"  agreement with metafor, {key:12s}: max rel diff {d:.2e}"
              f" (max abs diff {np.max(np.abs(a[ok] - b[ok])):.1e})")  # fmt: skip
    m = ref["n_ci"]
    for key in ("tau2_ci_low", "tau2_ci_high"):
        a = np.array([np.nan if r[key] is None else r[key] for r in ours[:m]], dtype=float)
        b = np.array([np.nan if x is None else x for x in ref[key]], dtype=float)
        d = rel(a, b)
        worst, off = max(worst, d), off + outside(a, b)
        print(f"  agreement with metafor confint, {key}: max rel diff {d:.2e} (first {m})")
    print(f"  largest relative difference {worst:.2e} (denominator max(|metafor|, 1e-6)); values "
          f"not within 1e-10 relative or 1e-15 absolute of metafor's: {off}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--analyses", type=int, default=10_000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--r-fits", type=int, default=0, help="metafor fits (default: every analysis)")
    ap.add_argument("--r-ci", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--startup-only", action="store_true", help="measure the start-up only")
    a = ap.parse_args()
    compile_package()
    startup(a.repeats)
    if a.startup_only:
        return
    y, v, g = synthetic(a.analyses, a.k)
    with tempfile.TemporaryDirectory() as tmp:
        big, small, out = Path(tmp) / "big.csv", Path(tmp) / "small.csv", Path(tmp) / "out.json"
        write_csv(big, y, v, g, a.k)
        write_csv(small, y[: a.k], v[: a.k], g[: a.k], a.k)
        cmd = [
            "meta",
            "--measure",
            "GEN",
            "--method",
            "REML",
            "--by",
            "analysis",
            "--format",
            "json",
        ]
        load = os.getloadavg()[0]
        runs = [
            (
                run([*CLI, cmd[0], str(small), *cmd[1:]]),
                run([*CLI, cmd[0], str(big), *cmd[1:]], out),
            )
            for _ in range(a.repeats)
        ]  # interleaved, so both see the same load
        w0, c0 = min(s[0] for s, _ in runs), min(s[1] for s, _ in runs)
        w1, c1 = min(b[0] for _, b in runs), min(b[1] for _, b in runs)
        ours = json.loads(out.read_text())
        res = Path(tmp) / "r.json"
        (Path(tmp) / "loop.R").write_text(R_SCRIPT)
        t0 = time.perf_counter()
        r_fits = a.r_fits or a.analyses
        subprocess.run(["Rscript", str(Path(tmp) / "loop.R"), str(big), str(res), str(a.r_ci),
                        str(r_fits)], check=True)  # fmt: skip
        r_total = time.perf_counter() - t0
        ref = json.loads(res.read_text())
    n = a.analyses
    per_w, per_c = (w1 - w0) / n, (c1 - c0) / n
    print(f"\nload average during the run: {load:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"ImmunoGrade meta --by: {n} analyses of k={a.k}: {w1:.2f} s wall, {c1:.2f} s CPU; "
          f"start-up (one analysis) {w0:.2f} s wall, {c0:.2f} s CPU")  # fmt: skip
    print(f"  per analysis (start-up removed): {1e6 * per_w:.1f} us wall, {1e6 * per_c:.1f} us CPU;"
          f" including start-up: {1e6 * w1 / n:.1f} us wall")  # fmt: skip
    fw, fc = ref["fit_wall"] / ref["n"], ref["fit_cpu"] / ref["n"]
    cw, cc = ref["ci_wall"] / ref["n_ci"], ref["ci_cpu"] / ref["n_ci"]
    print(f"metafor rma() loop: {ref['n']} fits in {ref['fit_wall']:.1f} s wall = {1e3 * fw:.2f} ms per fit "
          f"({1e3 * fc:.2f} ms CPU); rma + confint: {1e3 * cw:.2f} ms per analysis "
          f"({1e3 * cc:.2f} ms CPU); Rscript in all {r_total:.0f} s")  # fmt: skip
    print(f"throughput per analysis, CLI vs metafor rma(): {fw / per_w:,.0f}x wall, {fc / per_c:,.0f}x CPU"
          f" (including the CLI's start-up: {fw / (w1 / n):,.0f}x wall)")  # fmt: skip
    print(f"  vs metafor rma() + confint() (what the command computes): {cw / per_w:,.0f}x wall, "
          f"{cc / per_c:,.0f}x CPU")  # fmt: skip
    compare(ours, ref, n)


if __name__ == "__main__":
    main()

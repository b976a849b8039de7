"""Batch REML: 10,000 synthetic meta-analyses of k = 10, ImmunoGrade vs metafor (vs PyMARE).

Run: ``.venv/bin/python benchmarks/bench_batch_reml.py [--analyses 10000] [--r-fits 2000]``

* ImmunoGrade: one ``rma_batch(..., method="REML")`` call over all analyses (best of 5 runs).
* metafor 3.8-1: ``rma(yi, vi, method="REML")`` in an R loop over the first ``--r-fits``
  analyses (the same numbers, written to a temporary CSV), timed inside R with ``proc.time``;
  the loop is the way metafor users fit many analyses.  ms per fit is the comparison.
* PyMARE (if importable): ``VarianceBasedLikelihoodEstimator(method="reml")`` on the same
  analyses stacked as columns (its own vectorised interface), on ``--pymare-fits`` analyses.

Agreement with metafor (tau2, estimate, se, ci bounds) is printed as the max relative difference
over the R-fitted analyses: the goal is <= 1e-10 (metafor-compatible mode).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from immunograde.stats.batch import rma_batch

R_SCRIPT = r"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(TRUE)
d <- read.csv(args[1])
ids <- unique(d$g)
out <- matrix(NA_real_, length(ids), 5)
t0 <- proc.time()[["elapsed"]]
for (j in seq_along(ids)) {
  s <- d[d$g == ids[j], ]
  r <- try(rma(s$yi, s$vi, method = "REML"), silent = TRUE)  # stops when not converged
  if (!inherits(r, "try-error")) out[j, ] <- c(r$tau2, r$b, r$se, r$ci.lb, r$ci.ub)
}
el <- proc.time()[["elapsed"]] - t0
# subsetting the data frame is part of the loop; time it alone to report the fit itself too
t1 <- proc.time()[["elapsed"]]
for (j in seq_along(ids)) s <- d[d$g == ids[j], ]
sub <- proc.time()[["elapsed"]] - t1
cat(jsonlite::toJSON(list(elapsed = el, subset_elapsed = sub, res = out), digits = NA, auto_unbox = TRUE, na = "null"))
"""


def synthetic(n: int, k: int, seed: int = 20261124) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n analyses of k studies: true tau2 ~ U(0, 0.3), v_i ~ U(0.01, 0.4), y_i ~ N(mu + u, v_i)."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n), k)
    tau2 = rng.uniform(0.0, 0.3, n)
    mu = rng.normal(0.0, 0.5, n)
    v = rng.uniform(0.01, 0.4, n * k)
    y = mu[g] + rng.normal(0.0, np.sqrt(tau2[g])) + rng.normal(0.0, np.sqrt(v))
    return y, v, g


def time_batch(
    y: np.ndarray, v: np.ndarray, g: np.ndarray, repeats: int = 5
) -> tuple[float, object]:
    best, res = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = rma_batch(y, v, g, method="REML")
        best = min(best, time.perf_counter() - t0)
    return best, res


def run_metafor(y: np.ndarray, v: np.ndarray, g: np.ndarray, n_fits: int) -> dict | None:
    keep = g < n_fits
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        rows = np.column_stack([g[keep], y[keep], v[keep]])
        np.savetxt(
            csv, rows, delimiter=",", header="g,yi,vi", comments="", fmt=["%d", "%.17g", "%.17g"]
        )
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT)
        try:
            out = subprocess.run(
                ["Rscript", str(script), str(csv)], capture_output=True, text=True, check=True
            )
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"metafor: could not run Rscript ({exc})")
            return None
    return json.loads(out.stdout)


def run_pymare(
    y: np.ndarray, v: np.ndarray, k: int, n_fits: int
) -> tuple[float, np.ndarray] | None:
    try:
        from pymare import Dataset, estimators
    except ImportError:
        print("PyMARE: not installed (pip install pymare to include it)")
        return None
    Y = y[: n_fits * k].reshape(n_fits, k).T
    V = v[: n_fits * k].reshape(n_fits, k).T
    t0 = time.perf_counter()
    est = estimators.VarianceBasedLikelihoodEstimator(method="REML").fit_dataset(Dataset(y=Y, v=V))
    return time.perf_counter() - t0, np.asarray(est.params_["tau2"]).ravel()


def rel(a: np.ndarray, b: np.ndarray, floor: float = 1e-12) -> float:
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), floor)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--analyses", type=int, default=10_000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--r-fits", type=int, default=2_000)
    ap.add_argument("--pymare-fits", type=int, default=2_000)
    a = ap.parse_args()
    y, v, g = synthetic(a.analyses, a.k)
    secs, res = time_batch(y, v, g)
    ms_ours = 1e3 * secs / a.analyses
    print(f"ImmunoGrade rma_batch REML: {a.analyses} analyses of k={a.k} in {1e3 * secs:.1f} ms "
          f"= {1e3 * ms_ours:.2f} us per fit (best of 5)")  # fmt: skip
    ref = run_metafor(y, v, g, a.r_fits)
    if ref is not None:
        ms_r = 1e3 * ref["elapsed"] / a.r_fits
        ms_fit = 1e3 * (ref["elapsed"] - ref["subset_elapsed"]) / a.r_fits
        print(f"metafor rma() loop: {a.r_fits} fits in {ref['elapsed']:.2f} s = {ms_r:.3f} ms per fit "
              f"({ms_fit:.3f} ms without the data-frame subsetting)")  # fmt: skip
        print(f"speed-up per analysis: {ms_r / ms_ours:,.0f}x (fit only: {ms_fit / ms_ours:,.0f}x)")
        m = np.array([[np.nan if x is None else x for x in row] for row in ref["res"]], dtype=float)
        n = a.r_fits
        ok = ~np.isnan(m[:, 0])
        same = np.array_equal(~ok, ~res.converged[:n])
        print(
            f"  metafor stopped (Fisher scoring did not converge in 100 steps) on {np.sum(~ok)} of {n};"
            f" ImmunoGrade flags converged=False on {np.sum(~res.converged[:n])} (same set: {same})"
        )
        m, n_ok = m[ok], ok
        cols = {
            "tau2": res.tau2,
            "estimate": res.estimate,
            "se": res.se,
            "ci_low": res.ci_low,
            "ci_high": res.ci_high,
        }
        for j, (name, ours) in enumerate(cols.items()):
            mine = ours[:n][n_ok]
            print(f"  agreement with metafor, {name:8s}: max rel diff {rel(mine, m[:, j], 1e-6):.2e}"
                  f"  (max abs diff {np.max(np.abs(mine - m[:, j])):.1e})")  # fmt: skip
        print(
            "  (relative differences use max(|metafor|, 1e-6) as denominator; for small tau2 both"
            " programs carry the same absolute rounding of their Fisher steps, ~1e-15)"
        )
    pm = run_pymare(y, v, a.k, a.pymare_fits)
    if pm is not None and ref is not None:
        n = min(a.r_fits, a.pymare_fits)
        mt = np.array([np.nan if r[0] is None else r[0] for r in ref["res"]], dtype=float)[:n]
        print(
            f"  PyMARE vs metafor tau2 (converged fits): max abs diff {np.nanmax(np.abs(pm[1][:n] - mt)):.2e}"
        )
    if pm is not None:
        ms_p = 1e3 * pm[0] / a.pymare_fits
        print(f"PyMARE REML: {a.pymare_fits} fits in {pm[0]:.2f} s = {ms_p:.3f} ms per fit; "
              f"ImmunoGrade is {ms_p / ms_ours:,.0f}x faster; tau2 max abs diff vs ours (converged) "
              f"{np.max(np.abs(pm[1] - res.tau2[: a.pymare_fits])[res.converged[: a.pymare_fits]]):.2e}")  # fmt: skip


if __name__ == "__main__":
    main()

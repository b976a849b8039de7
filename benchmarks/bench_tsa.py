"""Trial sequential analysis: ImmunoGrade vs R's RTSA 0.2.2 (boundaries and a full analysis).

Run: ``.venv/bin/python benchmarks/bench_tsa.py`` (RTSA is timed in the same run when
``Rscript -e 'library(RTSA)'`` works, e.g. with ``R_LIBS`` pointing at a library holding it; see
``validation/rtsa/README.md``).

* Lan-DeMets O'Brien-Fleming boundaries for K = 5, 20 and 50 equally spaced looks (best of 5);
  RTSA: ``RTSA:::alpha_boundary`` (its recursive integration, r = 18), timed inside R.
* Full retrospective TSA on RTSA's perioOxy data (15 trials, D2-adjusted RIS, power inflation):
  ImmunoGrade's ``stats.sequential.tsa`` on the cumulative Z curve vs ``RTSA(type = "analysis")``
  (which also runs the 15 cumulative meta-analyses).
* Agreement: max |difference| of the boundaries with RTSA for each K.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import numpy as np

from immunograde.stats.sequential import tsa
from immunograde.stats.spending import alpha_boundaries

REF = Path(__file__).resolve().parents[1] / "validation" / "rtsa" / "ref_rtsa.json"
R_SCRIPT = r"""
suppressPackageStartupMessages({library(RTSA); library(jsonlite)})
out <- list()
for (K in c(5, 20, 50)) {
  t <- (1:K) / K
  best <- Inf
  for (i in 1:5) { t0 <- proc.time()[["elapsed"]]
    b <- RTSA:::alpha_boundary(inf_frac = t, side = 2, alpha = 0.05, beta = 0.2, es_alpha = "esOF")
    best <- min(best, proc.time()[["elapsed"]] - t0) }
  out[[paste0("K", K)]] <- list(seconds = best, upper = b$alpha_ubound)
}
data(perioOxy)
best <- Inf
for (i in 1:3) { t0 <- proc.time()[["elapsed"]]
  x <- suppressWarnings(RTSA(type = "analysis", data = perioOxy, outcome = "RR", mc = 0.8, side = 2,
        alpha = 0.05, beta = 0.2, es_alpha = "esOF", fixed = FALSE, random_adj = "D2",
        tau_ci_method = "QP"))
  best <- min(best, proc.time()[["elapsed"]] - t0) }
out$analysis <- list(seconds = best)
cat(toJSON(out, auto_unbox = TRUE, digits = NA))
"""


def _best(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _rtsa() -> dict | None:  # type: ignore[type-arg]
    try:
        proc = subprocess.run(
            ["Rscript", "-e", R_SCRIPT], capture_output=True, text=True, timeout=600
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        print("RTSA not available here:", proc.stderr.strip().splitlines()[-1:] or "")
        return None
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def main() -> None:
    r = _rtsa()
    for k in (5, 20, 50):
        t = np.arange(1, k + 1) / k
        secs = _best(lambda t=t: alpha_boundaries(t))
        line = f"OBF boundaries, K = {k:2d}: ImmunoGrade {secs * 1e3:8.2f} ms"
        if r is not None:
            ref = np.asarray(r[f"K{k}"]["upper"], dtype=float)
            ours = alpha_boundaries(t).upper
            ours = np.where(np.isinf(ours), 20.0, ours)
            line += f" | RTSA {r[f'K{k}']['seconds'] * 1e3:8.2f} ms | max |diff| {np.max(np.abs(ours - ref)):.1e}"
        print(line)
    a = json.loads(REF.read_text())["analyses"][0]
    k = len(a["n"])
    z = np.asarray(a["z"][:k], dtype=float)
    est = np.log(np.asarray(a["outcome"][:k], dtype=float))
    n = np.cumsum(a["n"])
    secs = _best(lambda: tsa(n, z, a["HARIS"], estimate=est[-1], se=est[-1] / z[-1]), repeat=3)
    line = f"full TSA, perioOxy (15 trials): ImmunoGrade {secs * 1e3:8.2f} ms (Z curve given)"
    if r is not None:
        line += f" | RTSA {r['analysis']['seconds'] * 1e3:8.2f} ms (incl. its 15 cumulative fits)"
    print(line)


if __name__ == "__main__":
    main()

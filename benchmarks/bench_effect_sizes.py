"""Benchmark: escalc, Mantel-Haenszel, Peto and small-study tests vs R's metafor, same data.

Data: metadat's dat.hartmannboyce2018 (k = 136 two-arm trials), read from the committed reference
``validation/metafor/ref_mh.json`` (case ``hartmannboyce2018/MH/OR/default``).  Each function is
run REPS times in a loop; per-call milliseconds are printed for immunograde and, when ``Rscript``
with metafor is available, for metafor over the same loop in the same run.

Usage: ``.venv/bin/python benchmarks/bench_effect_sizes.py [REPS]`` (default 200).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from immunograde.stats.bias import ranktest, regtest
from immunograde.stats.escalc import escalc
from immunograde.stats.mh import rma_mh
from immunograde.stats.peto import rma_peto
from immunograde.stats.trimfill import trimfill

ROOT = Path(__file__).resolve().parents[1]
CASE = "hartmannboyce2018/MH/OR/default"

R_CODE = """
suppressPackageStartupMessages(library(metafor))
x <- jsonlite::fromJSON("{ref}")$cases[["{case}"]]$inputs
ai <- x$ai; bi <- x$bi; ci <- x$ci; di <- x$di; reps <- {reps}
es <- escalc("OR", ai = ai, bi = bi, ci = ci, di = di)
fit_fe <- rma(es$yi, es$vi, method = "FE")
t <- function(label, expr) {{
  e <- substitute(expr); pf <- parent.frame()
  eval(e, pf)  # warm-up
  s <- system.time(for (i in seq_len(reps)) suppressWarnings(eval(e, pf)))[["elapsed"]]
  cat(sprintf("%s %.6f\\n", label, 1000 * s / reps))
}}
t("escalc_OR", escalc("OR", ai = ai, bi = bi, ci = ci, di = di))
t("rma_mh_OR", rma.mh(ai = ai, bi = bi, ci = ci, di = di, measure = "OR"))
t("rma_peto", rma.peto(ai = ai, bi = bi, ci = ci, di = di))
t("regtest_lm", regtest(es$yi, es$vi, model = "lm"))
t("regtest_rma_FE", regtest(es$yi, es$vi, method = "FE"))
t("ranktest", ranktest(es$yi, es$vi))
t("trimfill_FE_L0", trimfill(fit_fe))
"""


def time_ms(fn: Callable[[], object], reps: int) -> float:
    fn()  # warm-up
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    return 1000 * (time.perf_counter() - start) / reps


def run_r(reps: int) -> dict[str, float]:
    if shutil.which("Rscript") is None:
        return {}
    ref = ROOT / "validation/metafor/ref_mh.json"
    code = R_CODE.format(ref=ref, case=CASE, reps=reps)
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print("R run failed:", out.stderr.strip().splitlines()[-1:])
        return {}
    return {line.split()[0]: float(line.split()[1]) for line in out.stdout.splitlines() if line}


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    ref = json.loads((ROOT / "validation/metafor/ref_mh.json").read_text())
    x = {k: np.array(v, dtype=float) for k, v in ref["cases"][CASE]["inputs"].items()}
    es = escalc("OR", **x)
    ok = ~np.isnan(es.yi)
    y, v = es.yi[ok], es.vi[ok]
    ours: dict[str, Callable[[], object]] = {
        "escalc_OR": lambda: escalc("OR", **x),
        "rma_mh_OR": lambda: rma_mh(**x, measure="OR"),
        "rma_peto": lambda: rma_peto(**x),
        "regtest_lm": lambda: regtest(y, v, model="lm"),
        "regtest_rma_FE": lambda: regtest(y, v, method="FE"),
        "ranktest": lambda: ranktest(y, v),
        "trimfill_FE_L0": lambda: trimfill(y, v, method="FE"),
    }
    print(f"dat.hartmannboyce2018, k = {len(x['ai'])}, {reps} calls each; ms per call")
    r_times = run_r(reps)
    print(f"{'function':16s} {'immunograde':>12s} {'metafor':>10s} {'ratio':>7s}")
    for name, fn in ours.items():
        ms = time_ms(fn, reps)
        r_ms = r_times.get(name)
        r_txt = f"{r_ms:10.3f}" if r_ms is not None else f"{'n/a':>10s}"
        ratio = f"{r_ms / ms:7.1f}" if r_ms else f"{'':>7s}"
        print(f"{name:16s} {ms:12.3f} {r_txt} {ratio}")


if __name__ == "__main__":
    main()

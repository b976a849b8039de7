"""Print the agreement of immunograde.stats.rma with metafor 3.8-1 (ref_rma.json), per estimator
and mode: the largest difference over all datasets, tests and reported fields (relative; p-values
on the log scale, as in tests/stats/rma_reference.py).

Run: ``.venv/bin/python validation/metafor/agreement_rma.py``
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "stats"))
from rma_reference import arr, compare, reference  # noqa: E402

from immunograde.stats.heterogeneity import confint_tau2  # noqa: E402
from immunograde.stats.rma import rma_uni  # noqa: E402

ITERATIVE = ("ML", "REML", "EB", "PM")


def main() -> None:
    ref = reference()
    worst: dict[tuple[str, str], tuple[float, str]] = defaultdict(lambda: (0.0, ""))

    def note(key: tuple[str, str], diffs: dict[str, float], where: str) -> None:
        field = max(diffs, key=lambda f: diffs[f])
        if diffs[field] >= worst[key][0]:
            worst[key] = (diffs[field], f"{where} {field}")

    for ds, fits in ref["models"].items():
        y, v = arr(ref["data"][ds]["yi"]), arr(ref["data"][ds]["vi"])
        for f in fits:
            m, t = f["method"], f["test"]
            note(
                (m, "metafor vs metafor"),
                compare(rma_uni(y, v, method=m, test=t), f["metafor"]),
                f"{ds}/{t}",
            )
            if m in ITERATIVE:
                ex = rma_uni(y, v, method=m, test=t, mode="exact")
                note((m, "exact vs tight metafor"), compare(ex, f["tight"]), f"{ds}/{t}")
                note((m, "exact vs default metafor"), compare(ex, f["metafor"]), f"{ds}/{t}")
    for c in ref["confint"]:
        y, v = arr(ref["data"][c["dataset"]]["yi"]), arr(ref["data"][c["dataset"]]["vi"])
        ci = confint_tau2(rma_uni(y, v, method=c["method"]), type=c["type"])
        got = np.array([ci.tau2, ci.tau2_ci_low, ci.tau2_ci_high])
        exp = arr(c["tau2"])
        d = float(np.max(np.abs(got - exp) / np.maximum(np.abs(exp), 1e-12)))
        note(
            (f"confint {c['type']}", "metafor vs metafor"),
            {"tau2 bounds": d},
            f"{c['dataset']}/{c['method']}",
        )
    for cid, case in ref["metareg"].items():
        y, v = arr(ref["data"][case["dataset"]]["yi"]), arr(ref["data"][case["dataset"]]["vi"])
        X = np.column_stack([arr(col) for col in case["mods"]])
        for f in case["fits"]:
            res = rma_uni(y, v, mods=X, method=f["method"], test=f["test"])
            note(
                (f"mods {cid}", "metafor vs metafor"),
                compare(res, f["metafor"], mods=True),
                f"{f['method']}/{f['test']}",
            )
    print(f"{'estimator / analysis':28s} {'comparison':26s} {'max diff':>9s}  where")
    for (m, kind), (d, where) in sorted(worst.items()):
        print(f"{m:28s} {kind:26s} {d:9.2e}  {where}")


if __name__ == "__main__":
    main()

"""rma_uni against metafor 3.8-1 over the declared grid in validation/metafor/rma.R.

Tolerances (relative; p-values on the log scale, see ``rma_reference.log_p_diff``):

* closed-form estimators (FE, DL, HE, HS, HSk, SJ): 1e-12 -- only floating-point rounding differs
  (metafor builds P as a k x k matrix, we use power sums).
* iterative estimators in ``mode="metafor"``: 1e-10 -- we replay metafor's iterates (Fisher scoring
  with its 1e-5 stopping rule; R's uniroot for PM), so only rounding in each iterate differs.
* ``mode="exact"`` against metafor run with tightened controls ("tight": threshold 1e-11 tau2,
  uniroot tol 1e-15): 1e-9 -- both are converged; what is left is metafor's own stopping error.
  Against metafor's *default* controls exact mode differs by up to ~1e-3 (and by 8x in the PM
  prediction interval for risk differences), which is the point of having both modes
  (validation/metafor/README-rma.md).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from immunograde.stats.rma import rma_uni

sys.path.insert(0, str(Path(__file__).parent))  # importlib import mode: reach the shared helper
from rma_reference import CLOSED_FORM, arr, compare, reference

DECLARED_DATASETS = [
    "bcg_OR", "bcg_RR", "bcg_RD", "bcg_k2_OR", "bcg_k3_OR", "albuquerque2022_OR",
    "albuquerque2022_RD", "axfors2021_OR", "axfors2021_RD", "cap_steroids_OR", "cap_steroids_RR",
    "crins2014_OR", "hartmannboyce2018_OR", "hartmannboyce2018_RD", "normand1999_MD",
    "normand1999_SMD", "mcdaniel1994_ZCOR", "mcdaniel1994_COR", "molloy2014_ZCOR", "molloy2014_COR",
]  # fmt: skip
METHODS = ["FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM"]
TESTS = ["z", "knha"]
ITERATIVE = ["ML", "REML", "EB", "PM"]


def _cases() -> list[tuple[str, dict[str, Any]]]:
    ref = reference()
    return [(ds, fit) for ds, fits in ref["models"].items() for fit in fits]


def test_grid_is_complete() -> None:
    """The reference holds every dataset x method x test (and a tight run for each iterative one)."""
    ref = reference()
    assert ref["metafor_version"] == "3.8.1"
    assert ref["grid"]["datasets"] == DECLARED_DATASETS
    assert ref["grid"]["methods"] == METHODS and ref["grid"]["tests"] == TESTS
    assert sorted(ref["models"]) == sorted(DECLARED_DATASETS)
    for ds in DECLARED_DATASETS:
        combos = {(f["method"], f["test"]) for f in ref["models"][ds]}
        assert combos == {(m, t) for m in METHODS for t in TESTS}, ds
        for f in ref["models"][ds]:
            assert "error" not in f["metafor"], (ds, f["method"])
            assert ("tight" in f) == (f["method"] in ITERATIVE)
    # the grid covers the edge cases the issue names
    ks = {ds: len(ref["data"][ds]["yi"]) for ds in DECLARED_DATASETS}
    assert min(ks.values()) == 2 and 3 in ks.values() and max(ks.values()) > 100
    tau2_zero = [f for f in ref["models"]["albuquerque2022_OR"] if f["method"] == "DL"]
    assert tau2_zero[0]["metafor"]["tau2"] == [0]


@pytest.mark.parametrize(
    ("ds", "fit"), _cases(), ids=lambda v: v if isinstance(v, str) else f"{v['method']}-{v['test']}"
)
def test_metafor_mode_matches_metafor(ds: str, fit: dict[str, Any]) -> None:
    data = reference()["data"][ds]
    res = rma_uni(arr(data["yi"]), arr(data["vi"]), method=fit["method"], test=fit["test"])
    tol = 1e-12 if fit["method"] in CLOSED_FORM else 1e-10
    diffs = compare(res, fit["metafor"])
    assert max(diffs.values()) <= tol, diffs


@pytest.mark.parametrize(
    ("ds", "fit"),
    [(ds, f) for ds, f in _cases() if f["method"] in ITERATIVE],
    ids=lambda v: v if isinstance(v, str) else f"{v['method']}-{v['test']}",
)
def test_exact_mode_matches_converged_metafor(ds: str, fit: dict[str, Any]) -> None:
    data = reference()["data"][ds]
    res = rma_uni(
        arr(data["yi"]), arr(data["vi"]), method=fit["method"], test=fit["test"], mode="exact"
    )
    diffs = compare(res, fit["tight"])
    assert max(diffs.values()) <= 1e-9, diffs


def test_exact_and_metafor_modes_differ_for_pm_with_tiny_variances() -> None:
    """The documented reason for two modes: metafor's PM stops with tau2 off by a large factor
    when tau2 is far below uniroot's tolerance (risk differences)."""
    data = reference()["data"]["albuquerque2022_RD"]
    y, v = arr(data["yi"]), arr(data["vi"])
    default = rma_uni(y, v, method="PM")
    exact = rma_uni(y, v, method="PM", mode="exact")
    fit = next(f for f in reference()["models"]["albuquerque2022_RD"] if f["method"] == "PM")
    assert default.tau2 == pytest.approx(fit["metafor"]["tau2"][0], rel=1e-10)
    assert exact.tau2 == pytest.approx(fit["tight"]["tau2"][0], rel=1e-9)
    assert abs(default.tau2 / exact.tau2 - 1) > 0.25  # 7.66e-5 vs 1.08e-4
    # ... which moves the upper prediction limit by more than its own size (it changes sign)
    assert abs(default.pi_high - exact.pi_high) > abs(exact.pi_high)

"""escalc against metafor 3.8-1 (validation/metafor/escalc.R -> ref_escalc.json)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immunograde.stats.escalc import MEASURES, cmicalc, escalc, from_ci

REF_PATH = Path(__file__).resolve().parents[2] / "validation" / "metafor" / "ref_escalc.json"
REF = json.loads(REF_PATH.read_text())
CASES = REF["cases"]

# Closed-form formulas evaluated in the same operation order as metafor: the only differences
# are last-bit rounding of log/lgamma/sqrt between R's libm and numpy/scipy, which stay far
# below 1e-12 relative.  atol 1e-14 covers outcomes that are exactly 0 in one tool and a few
# ulps from 0 in the other (e.g. RD of two equal proportions).
RTOL = 1e-12
ATOL = 1e-14


def arr(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def run_case(case: dict) -> tuple[np.ndarray, np.ndarray]:
    inputs = {k: arr(v) for k, v in case["inputs"].items()}
    opts = case["options"] or {}
    if case["measure"] == "from_ci":
        es = from_ci(**inputs, **opts)
    else:
        es = escalc(case["measure"], **inputs, **opts)
    return es.yi, es.vi


def test_grid_is_complete() -> None:
    # Every declared case is present, none silently dropped, and every measure is exercised.
    assert REF["metafor_version"] == "3.8.1"
    assert list(CASES) == REF["grid"]
    assert len(REF["grid"]) == 376
    measures = {c["measure"] for c in CASES.values()}
    # MN (a single group's mean) is checked against metafor in ref_experience.json (test_single_arm.py)
    assert measures == {*MEASURES, "from_ci"} - {"MN"}
    for case in CASES.values():
        k = len(next(iter(case["inputs"].values())))
        assert len(case["expected"]["yi"]) == len(case["expected"]["vi"]) == k
    kinds = {cid.split("/")[0] for cid in CASES}
    assert {"bcg_k2", "bcg_k3", "hartmannboyce2018", "mcdaniel1994", "bcg_tiny_vi"} <= kinds


@pytest.mark.parametrize("case_id", REF["grid"])
def test_matches_metafor(case_id: str) -> None:
    case = CASES[case_id]
    yi, vi = run_case(case)
    exp_yi, exp_vi = arr(case["expected"]["yi"]), arr(case["expected"]["vi"])
    np.testing.assert_array_equal(np.isnan(yi), np.isnan(exp_yi))
    np.testing.assert_array_equal(np.isnan(vi), np.isnan(exp_vi))
    np.testing.assert_allclose(yi, exp_yi, rtol=RTOL, atol=ATOL, equal_nan=True)
    np.testing.assert_allclose(vi, exp_vi, rtol=RTOL, atol=ATOL, equal_nan=True)


def test_continuity_and_drop_flags() -> None:
    # Hand-derived: row 1 has a zero cell, row 2 is a double-zero study (0/10 vs 0/12).
    kw = {"ai": [4, 0, 0], "bi": [119, 5, 10], "ci": [11, 3, 0], "di": [128, 9, 12]}
    es = escalc("OR", **kw)
    assert es.corrected.tolist() == [False, True, True]
    assert es.dropped.tolist() == [False, False, False]
    assert es.yi[1] == pytest.approx(math.log((0.5 * 9.5) / (5.5 * 3.5)), rel=1e-15)
    dropped = escalc("OR", drop00=True, **kw)
    assert dropped.dropped.tolist() == [False, False, True]
    assert math.isnan(dropped.yi[2]) and math.isnan(dropped.vi[2])
    # AS defaults to add = 0 as in metafor: no correction flagged
    assert not escalc("AS", **kw).corrected.any()


def test_both_table_forms_agree() -> None:
    # ai, bi, ci, di together with consistent n1i, n2i (as metafor accepts) gives the same yi.
    full = escalc("OR", ai=[1, 2], bi=[3, 4], ci=[1, 1], di=[5, 5], n1i=[4, 6], n2i=[6, 6])
    short = escalc("OR", ai=[1, 2], n1i=[4, 6], ci=[1, 1], n2i=[6, 6])
    np.testing.assert_array_equal(full.yi, short.yi)


def test_hedges_exact_correction() -> None:
    # c(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)); m = 2: Gamma(1)/(1 * Gamma(1/2)) = 1/sqrt(pi)
    assert cmicalc(np.array([2.0]))[0] == pytest.approx(1 / math.sqrt(math.pi), rel=1e-15)
    assert math.isnan(cmicalc(np.array([1.0]))[0])


@pytest.mark.parametrize(
    ("measure", "kwargs", "message"),
    [
        (
            "OR",
            {"ai": [5, 12], "n1i": [10, 10], "ci": [1, 2], "n2i": [10, 10]},
            "row 1: column 'ai'",
        ),
        ("OR", {"ai": [5, -1], "bi": [5, 5], "ci": [1, 2], "di": [3, 3]}, "row 1: column 'ai'"),
        (
            "RR",
            {"ai": [5, 1], "bi": [5, 5], "ci": [1, float("nan")], "di": [3, 3]},
            "row 1: column 'ci'",
        ),
        ("OR", {"ai": [5], "ci": [1], "di": [3]}, "missing ['bi']"),
        (
            "SMD",
            {"m1i": [1], "sd1i": [0], "n1i": [5], "m2i": [0], "sd2i": [1], "n2i": [5]},
            "'sd1i'",
        ),
        ("COR", {"ri": [0.5, 1.2], "ni": [10, 20]}, "row 1: column 'ri'"),
        ("PR", {"xi": [3, 30], "ni": [10, 20]}, "row 1: column 'xi'"),
        ("GEN", {"yi": [0.1], "vi": [-1]}, "column 'vi' is negative"),
        ("XX", {"yi": [0.1], "vi": [1]}, "unknown measure"),
        (
            "OR",
            {"ai": [1, 2], "bi": [3, 4], "ci": [1, 1], "di": [5, 5], "n1i": [4, 7]},
            "row 1: column 'n1i'",
        ),
        (
            "MD",
            {"m1i": [1], "sd1i": [1], "n1i": [5], "m2i": [0], "sd2i": [1], "n2i": [5], "ri": [0.1]},
            "unexpected",
        ),
        (
            "ROM",
            {"m1i": [1], "sd1i": [1], "n1i": [5], "m2i": [-2], "sd2i": [1], "n2i": [5]},
            "'m2i'",
        ),
    ],
)
def test_actionable_errors(measure: str, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        escalc(measure, **kwargs)


def test_from_ci_rejects_estimate_outside_interval() -> None:
    with pytest.raises(ValueError, match="row 0"):
        from_ci([2.0], [0.5], [1.5])


counts = st.integers(min_value=0, max_value=500)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(counts, counts, counts, counts), min_size=1, max_size=8))
def test_swapping_groups_negates_log_ratios(rows: list[tuple[int, int, int, int]]) -> None:
    # Exchanging treatment and control negates OR/RR/RD/PETO and keeps vi (symmetric formulas).
    a, b, c, d = (np.array(x, dtype=float) for x in zip(*rows, strict=True))
    for measure in ("OR", "RR", "RD", "PETO"):
        fwd = escalc(measure, ai=a, bi=b, ci=c, di=d)
        rev = escalc(measure, ai=c, bi=d, ci=a, di=b)
        np.testing.assert_allclose(fwd.yi, -rev.yi, rtol=1e-12, atol=1e-12, equal_nan=True)
        np.testing.assert_allclose(fwd.vi, rev.vi, rtol=1e-12, atol=1e-15, equal_nan=True)

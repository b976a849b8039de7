"""rma_mh and rma_peto against metafor 3.8-1 (validation/metafor/mh.R -> ref_mh.json)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immunograde.stats.mh import rma_mh
from immunograde.stats.peto import rma_peto

REF = json.loads(
    (Path(__file__).resolve().parents[2] / "validation/metafor/ref_mh.json").read_text()
)
CASES = REF["cases"]

# metafor field -> our field
FIELDS = {
    "beta": "estimate", "se": "se", "zval": "statistic", "pval": "p_value", "ci.lb": "ci_low",
    "ci.ub": "ci_high", "QE": "q", "QEp": "q_p", "I2": "i2", "H2": "h2", "tau2": "tau2",
    "k": "k", "k.yi": "k_yi", "MH": "cmh", "MHp": "cmh_p", "CO": "co", "COp": "co_p",
    "BD": "bd", "BDp": "bd_p", "TA": "ta", "TAp": "ta_p", "k.pos": "k_pos",
}  # fmt: skip
# All quantities are closed-form sums over the tables (no iteration), evaluated in metafor's
# operation order, so only last-bit rounding of log/sqrt/exp and the chi-square/normal tail
# functions (R's pchisq/pnorm vs scipy's cephes) separates the two: 1e-12 relative.  atol 1e-13
# covers results that are exactly 0 in one tool and ~1e-16 in the other (I2, Tarone's
# correction) and p-values below 1e-13, whose relative error is the statistic's relative error
# times x/2 in the chi-square tail (measured 3e-12 relative at Breslow-Day p = 2e-30).
RTOL = 1e-12
ATOL = 1e-13


def run(case: dict) -> object:
    inputs = {k: np.array(v, dtype=float) for k, v in case["inputs"].items()}
    opts = {k: tuple(v) if isinstance(v, list) else v for k, v in (case["options"] or {}).items()}
    if case["fun"] == "rma.mh":
        return rma_mh(**inputs, measure=case["measure"], **opts)
    return rma_peto(**inputs, **opts)


def test_grid_is_complete() -> None:
    # 13 datasets x (3 MH measures x 7 options + Peto x 6 options) + 3 person-time datasets x
    # IRR x 7 options = 372, none dropped.
    assert REF["metafor_version"] == "3.8.1"
    assert list(CASES) == REF["grid"]
    assert len(CASES) == 13 * (3 * 7 + 6) + 3 * 7 == 372
    assert all("error" not in c["expected"] for c in CASES.values())
    sets = {cid.split("/")[0] for cid in CASES}
    assert {"bcg_k2", "bcg_k3", "axfors2021", "hartmannboyce2018", "yusuf1985"} <= sets


@pytest.mark.parametrize("case_id", REF["grid"])
def test_matches_metafor(case_id: str) -> None:
    case = CASES[case_id]
    res = run(case)
    exp = case["expected"]
    for r_name, ours in FIELDS.items():
        want = exp[r_name]
        got = getattr(res, ours, None)
        if want is None:
            assert got is None or math.isnan(got), f"{r_name}: metafor NA, got {got}"
            continue
        assert got is not None, r_name
        assert got == pytest.approx(want, rel=RTOL, abs=ATOL), r_name
    if res.__class__.__name__ == "MHResult" and case["measure"] != "RD" and exp["beta"] is not None:
        assert res.estimate_exp == pytest.approx(math.exp(exp["beta"]), rel=RTOL)


def test_peto_without_any_event_is_an_error() -> None:
    with pytest.raises(ValueError, match="never occurred"):
        rma_peto([0, 0], [10, 12], [0, 0], [9, 11])


def test_bad_measure() -> None:
    with pytest.raises(ValueError, match="OR, RR, RD or IRR"):
        rma_mh([1], [2], [3], [4], measure="SMD")


tables = st.lists(
    st.tuples(*(st.integers(min_value=1, max_value=300) for _ in range(4))), min_size=2, max_size=8
)


@settings(max_examples=50, deadline=None)
@given(tables, st.randoms(use_true_random=False))
def test_study_order_does_not_matter(rows: list[tuple[int, ...]], rnd: object) -> None:
    perm = list(rows)
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    for measure in ("OR", "RR", "RD"):
        a = rma_mh(*(np.array(c, float) for c in zip(*rows, strict=True)), measure=measure)
        b = rma_mh(*(np.array(c, float) for c in zip(*perm, strict=True)), measure=measure)
        assert b.estimate == pytest.approx(a.estimate, rel=1e-12, abs=1e-15)
        assert b.se == pytest.approx(a.se, rel=1e-12)
        assert b.q == pytest.approx(a.q, rel=1e-9, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(tables)
def test_peto_swapping_groups_negates_estimate(rows: list[tuple[int, ...]]) -> None:
    # O - E for the control arm is -(O - E) for the treated arm and V is symmetric, so exchanging
    # the groups negates Peto's log odds ratio and keeps se and Q.
    a, b, c, d = (np.array(x, float) for x in zip(*rows, strict=True))
    fwd, rev = rma_peto(a, b, c, d), rma_peto(c, d, a, b)
    assert rev.estimate == pytest.approx(-fwd.estimate, rel=1e-12, abs=1e-15)
    assert rev.se == pytest.approx(fwd.se, rel=1e-12)
    assert rev.q == pytest.approx(fwd.q, rel=1e-9, abs=1e-12)


def test_risk_difference_without_any_event_is_metafor_s_nan_not_an_exception() -> None:
    """No event in any arm, RD: the estimate and its standard error are 0; metafor's z and p are NaN
    (R's 0/0), the interval 0 to 0, Q = 0 with p 1, I2 0 (metafor 4.x, run by hand:
    ``rma.mh(measure="RD", ai=c(0,0), n1i=c(10,5), ci=c(0,0), n2i=c(10,5))`` printed
    ``0 0 NaN NaN 0 0 0 1 0`` for beta, se, zval, pval, ci.lb, ci.ub, QE, QEp, I2).  Before, the
    division raised ZeroDivisionError: a traceback from ``meta FILE --method MH --measure RD``."""
    r = rma_mh([0, 0], n1i=[10, 5], ci=[0, 0], n2i=[10, 5], measure="RD")
    assert (r.estimate, r.se, r.ci_low, r.ci_high) == (0.0, 0.0, 0.0, 0.0)
    assert math.isnan(r.statistic) and math.isnan(r.p_value)
    assert (r.q, r.q_p, r.i2) == (0.0, 1.0, 0.0)

"""regtest, ranktest and trimfill against metafor 3.8-1 (validation/metafor/bias.R)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from immunograde.stats.bias import kendall_exact_cdf, ranktest, regtest
from immunograde.stats.trimfill import trimfill

REF = json.loads(
    (Path(__file__).resolve().parents[2] / "validation/metafor/ref_bias.json").read_text()
)
CASES = REF["cases"]

# Tolerances (relative; abs floor 1e-13 for exact zeros):
# - CLOSED: FE/DL fits, the classical lm test and Kendall's tau are closed-form sums; only
#   last-bit rounding of sqrt/log and of R's vs scipy's normal/t tails differ -> 1e-12.
# - ITER: REML (and fits inside trim-and-fill) follow metafor's Fisher-scoring path step by step
#   (S2's rma_uni mode="metafor"); both stop after the same iteration, but the iterates carry
#   rounding from different linear algebra (R's solve/QR vs numpy) -> 1e-9.
# - KENDALL_P: the exact Kendall p follows R's pkendall addition by addition, but R divides by
#   gammafn(n + 1), which for n + 1 > 50 comes from a Stirling series (~1e-13 relative error), and
#   the upper tail 1 - P(T <= q - 1) amplifies that by 1/p (measured: 6e-12 at k = 136) -> 1e-10.
CLOSED = 1e-12
ITER = 1e-9
KENDALL_P = 1e-10


def tol(case: dict) -> float:
    o = case["options"]
    return ITER if o.get("method") == "REML" else CLOSED


def close(got: float, want: float | None, rtol: float, what: str) -> None:
    if want is None:
        assert math.isnan(got), f"{what}: metafor NA, got {got}"
    else:
        assert got == pytest.approx(want, rel=rtol, abs=1e-13), what


def run(case: dict) -> object:
    yi, vi = (np.array(case["inputs"][n], dtype=float) for n in ("yi", "vi"))
    o = case["options"]
    if o["fun"] == "regtest":
        kw = {k: o[k] for k in ("model", "method", "test", "predictor") if k in o}
        return regtest(yi, vi, **kw)
    if o["fun"] == "ranktest":
        return ranktest(yi, vi, exact=o.get("exact", True))
    return trimfill(yi, vi, method=o["method"], estimator=o["estimator"], side=o.get("side"))


def test_grid_is_complete() -> None:
    # 13 datasets x 13 tests, none silently dropped; k = 3 and k > 100 included.
    assert REF["metafor_version"] == "3.8.1"
    assert list(CASES) == REF["grid"]
    assert len(CASES) == 13 * 13
    sets = {cid.split("/")[0] for cid in CASES}
    assert {"bcg_rr_k3", "bcg_rr_tiny_vi", "hartmannboyce2018_or", "mcdaniel1994_zcor"} <= sets
    assert max(len(c["inputs"]["yi"]) for c in CASES.values()) > 100


@pytest.mark.parametrize("case_id", REF["grid"])
def test_matches_metafor(case_id: str) -> None:
    case = CASES[case_id]
    exp = case["expected"]
    if "error" in exp:  # metafor refuses (e.g. predictor vi ~ 1e-7: model matrix not full rank)
        with pytest.raises(ValueError, match="not of full rank"):
            run(case)
        return
    res = run(case)
    rtol = tol(case)
    fun = case["options"]["fun"]
    if fun == "regtest":
        for r_name, ours in (("zval", "statistic"), ("pval", "p_value"), ("ddf", "df"),
                             ("est", "estimate"), ("ci.lb", "ci_low"), ("ci.ub", "ci_high")):  # fmt: skip
            close(getattr(res, ours), exp[r_name], rtol, r_name)
    elif fun == "ranktest":
        close(res.tau, exp["tau"], CLOSED, "tau")
        close(res.p_value, exp["pval"], KENDALL_P, "pval")
    else:
        assert res.k0 == exp["k0"] and res.side == exp["side"] and res.fit.k == exp["k"]
        close(res.se_k0, exp["se.k0"], rtol, "se.k0")
        close(res.p_k0, exp["p.k0"], CLOSED, "p.k0")
        for r_name, ours in (("beta", "estimate"), ("se", "se"), ("ci.lb", "ci_low"),
                             ("ci.ub", "ci_high"), ("tau2", "tau2"), ("QE", "q")):  # fmt: skip
            close(getattr(res.fit, ours), exp[r_name], rtol, r_name)
        np.testing.assert_allclose(res.yi, exp["yi"], rtol=rtol, atol=1e-13)
        np.testing.assert_allclose(res.vi, exp["vi"], rtol=CLOSED)


def test_kendall_exact_distribution_small_n() -> None:
    # n = 3: inversions of the 6 permutations are 0,1,1,2,2,3 -> P(T <= 1) = 3/6.
    assert kendall_exact_cdf(1, 3) == pytest.approx(0.5, rel=1e-15)
    # n = 4: Mahonian numbers 1,3,5,6,5,3,1 (sum 24) -> P(T <= 2) = 9/24.
    assert kendall_exact_cdf(2, 4) == pytest.approx(9 / 24, rel=1e-15)


def test_ranktest_beyond_170_uses_normal_approximation() -> None:
    # R's exact p is NaN for k > 170 without ties (n! overflows); we fall back to the normal
    # approximation, i.e. exactly what ranktest(..., exact=False) computes.
    k = 171
    yi = np.sin(np.arange(k) * 1.7)
    vi = 0.01 + np.arange(k) / 1000
    a, b = ranktest(yi, vi), ranktest(yi, vi, exact=False)
    assert not a.exact and (a.tau, a.p_value) == (b.tau, b.p_value)
    with pytest.raises(ValueError, match="n <= 170"):
        kendall_exact_cdf(10, 171)


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        regtest([0.1, 0.2], [0.1, 0.2])
    with pytest.raises(ValueError, match="row 1: column 'vi'"):
        ranktest([0.1, 0.2, 0.3], [0.1, -1, 0.2])
    with pytest.raises(ValueError, match="unknown estimator"):
        trimfill([0.1, 0.2, 0.3], [0.1, 0.1, 0.2], estimator="X0")


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-2, 2), st.floats(0.01, 1.0)), min_size=4, max_size=12),
    st.floats(-3, 3),
)
def test_shifting_y_shifts_limit_estimate(rows: list[tuple[float, float]], shift: float) -> None:
    # Adding a constant to every yi shifts Egger's intercept by it and leaves the slope test alone.
    yi = np.array([r[0] for r in rows])
    vi = np.array([r[1] for r in rows])
    assume(np.ptp(np.sqrt(vi)) > 1e-3 and np.ptp(yi) > 1e-3)
    a = regtest(yi, vi, model="lm")
    assume(abs(a.statistic) < 1e6)  # a (near-)perfect fit has no residual dispersion to test
    b = regtest(yi + shift, vi, model="lm")
    assert b.estimate == pytest.approx(a.estimate + shift, rel=1e-9, abs=1e-9)
    assert b.statistic == pytest.approx(a.statistic, rel=1e-7, abs=1e-7)


def test_peters_test_matches_r_lm() -> None:
    """Peters' test against R's lm(yi ~ I(1/n), weights = E (n - E) / n) on dat.bcg (log RR), the
    reference written by tests/evidence/reference/appraise_metafor.R."""
    from immunograde.settings import shared_data_dir
    from immunograde.stats.bias import peters_test
    from immunograde.stats.escalc import escalc

    ref = json.loads(
        (Path(__file__).parents[1] / "evidence/reference/ref_appraise.json").read_text()
    )
    bcg = next(c for c in ref["cases"] if c["name"] == "bcg")
    rows = np.genfromtxt(
        shared_data_dir() / "trials/metadat/dat.bcg.csv", delimiter=",", names=True, dtype=None,
        encoding="utf-8",
    )  # fmt: skip
    tpos, tneg, cpos, cneg = (rows[c].astype(float) for c in ("tpos", "tneg", "cpos", "cneg"))
    es = escalc("RR", ai=tpos, n1i=tpos + tneg, ci=cpos, n2i=cpos + cneg)
    n = tpos + tneg + cpos + cneg
    r = peters_test(es.yi, tpos + cpos, n)
    assert r.p_value == pytest.approx(bcg["peters_p"], rel=1e-9) and r.df == 11
    with pytest.raises(ValueError, match="0 < events < n"):
        peters_test(es.yi, np.zeros_like(n), n)

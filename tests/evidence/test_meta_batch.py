"""The evidence layer's batch door (immunograde.evidence.meta): many meta-analyses in one call give
what fitting each alone gives.

References: each request is compared with ``rma_uni`` + ``confint_tau2`` on its own studies -- the
functions validated against metafor 3.8-1 over the declared grid (tests/stats/test_rma_*.py); the
BCG rows are metadat's dat.bcg via validation/metafor/ref_rma.json.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from immunograde.evidence.meta import PoolRequest, fit_groups, pool_many
from immunograde.settings import project_home
from immunograde.stats.heterogeneity import confint_tau2
from immunograde.stats.rma import rma_uni

REF = json.loads((project_home() / "validation/metafor/ref_rma.json").read_text())


def _data(ds: str) -> tuple[np.ndarray, np.ndarray]:
    d = REF["data"][ds]
    return np.array(d["yi"], dtype=float), np.array(d["vi"], dtype=float)


def _requests() -> list[PoolRequest]:
    out = []
    for i, ds in enumerate(("bcg_OR", "bcg_RR", "cap_steroids_OR", "normand1999_MD", "bcg_k2_OR")):
        y, v = _data(ds)
        for method in ("REML", "DL", "PM", "FE"):
            out.append(
                PoolRequest((ds, method), y, v, method=method, test="knha" if i % 2 else "z")
            )
    out.append(PoolRequest("one study", [0.3], [0.04], method="FE"))
    return out


def test_pool_many_equals_one_fit_at_a_time() -> None:
    reqs = _requests()
    pooled = pool_many(reqs, tau2_ci="QP")
    assert [p.key for p in pooled] == [r.key for r in reqs]
    for r, p in zip(reqs, pooled, strict=True):
        one = rma_uni(r.yi, r.vi, method=r.method, test=r.test)
        for name in ("estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "q",
                     "p_value", "q_p"):  # fmt: skip
            assert getattr(p.fit, name) == pytest.approx(getattr(one, name), rel=1e-12, abs=1e-15)
        assert p.fit.k == one.k and np.allclose(p.fit.weights, one.weights, rtol=1e-12)
        if r.method == "FE" or one.k < 2:
            assert p.tau2_ci_low is None and p.tau2_ci_high is None
        else:
            ci = confint_tau2(one)
            assert [p.tau2_ci_low, p.tau2_ci_high] == pytest.approx(
                [ci.tau2_ci_low, ci.tau2_ci_high], rel=1e-12, abs=1e-300
            )


def test_bcg_reml_matches_metafor() -> None:
    """metafor: rma(yi, vi, method = "REML") on dat.bcg's log risk ratios (ref_rma.json)."""
    y, v = _data("bcg_RR")
    (p,) = pool_many([PoolRequest("bcg", y, v)], tau2_ci="QP")
    ref = next(
        f["metafor"] for f in REF["models"]["bcg_RR"] if f["method"] == "REML" and f["test"] == "z"
    )
    ci = next(
        c
        for c in REF["confint"]
        if c["dataset"] == "bcg_RR" and c["method"] == "REML" and c["type"] == "QP"
    )
    assert p.fit.estimate == pytest.approx(ref["b"][0], rel=1e-10)
    assert p.fit.tau2 == pytest.approx(ref["tau2"][0], rel=1e-10)
    assert [p.tau2_ci_low, p.tau2_ci_high] == pytest.approx(ci["tau2"][1:], rel=1e-10)


def test_bad_request_is_named() -> None:
    with pytest.raises(ValueError, match="'q2'"):
        pool_many([PoolRequest("q1", [0.1, 0.2], [0.1, 0.1]), PoolRequest("q2", [0.1], [0.0])])
    with pytest.raises(ValueError, match="'empty'"):
        pool_many([PoolRequest("empty", [], [])])


def test_fit_groups_keeps_the_order_of_the_labels() -> None:
    """Studies may come in any order: group g's fit is the fit of the studies coded g."""
    y, v = _data("bcg_OR")
    codes = np.array([1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
    fitted = fit_groups(y, v, codes, ["even", "odd"], method="REML")
    for g, name in enumerate(["even", "odd"]):
        one = rma_uni(y[codes == g], v[codes == g], method="REML")
        assert fitted.fits.groups[g] == name
        assert fitted.fits.estimate[g] == pytest.approx(one.estimate, rel=1e-13)
        assert fitted.bounds is not None
        assert fitted.bounds.tau2_ci_high[g] == pytest.approx(
            confint_tau2(one).tau2_ci_high, rel=1e-13
        )

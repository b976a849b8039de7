"""Small-study / funnel-asymmetry tests as metafor 3.8-1: ``regtest`` (Egger) and ``ranktest`` (Begg).

References
----------
Egger M, Davey Smith G, Schneider M, Minder C (1997). Bias in meta-analysis detected by a simple,
graphical test. BMJ 315:629-634.
Sterne JAC, Egger M (2005). Regression methods to detect publication and other bias in
meta-analysis. In: Rothstein et al. (eds), Publication Bias in Meta-Analysis. Wiley.
Begg CB, Mazumdar M (1994). Operating characteristics of a rank correlation test for publication
bias. Biometrics 50:1088-1101.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import (  # the cephes routines behind scipy.stats (bit-identical, no scipy.stats import)
    ndtr,
    stdtr,
    stdtrit,
)

from .escalc_checks import FloatArray, level_percent
from .rma import RmaResult, rma_uni

__all__ = [
    "RanktestResult",
    "RegtestResult",
    "check_full_rank",
    "kendall_exact_cdf",
    "ranktest",
    "regtest",
]

PREDICTORS = ("sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv")


def check_yv(yi: ArrayLike, vi: ArrayLike, min_k: int) -> tuple[FloatArray, FloatArray]:
    """Finite ``yi``, positive ``vi``, equal lengths and at least ``min_k`` studies."""
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    if y.shape != v.shape:
        raise ValueError(f"yi has {y.size} values but vi has {v.size}; give one variance per study")
    for name, x in (("yi", y), ("vi", v)):
        bad = np.flatnonzero(~np.isfinite(x))
        if bad.size:
            raise ValueError(f"row {bad[0]}: column {name!r} is missing or not finite")
    bad = np.flatnonzero(v <= 0)
    if bad.size:
        raise ValueError(
            f"row {bad[0]}: column 'vi' is {v[bad[0]]}; sampling variances must be > 0"
        )
    if y.size < min_k:
        raise ValueError(f"this test needs at least {min_k} studies; got k = {y.size}")
    return y, v


@dataclass(frozen=True)
class RegtestResult:
    """Egger-type regression test (metafor ``regtest``).

    ``statistic``/``p_value`` test the predictor's coefficient (z, or t with ``df`` for
    ``model="lm"`` and ``test="knha"``); ``estimate``/``ci_low``/``ci_high`` are the limit
    estimate (intercept: the effect as the predictor -> 0), nan for predictors without one.
    """

    model: str
    predictor: str
    method: str
    k: int
    statistic: float
    p_value: float
    df: float
    estimate: float
    ci_low: float
    ci_high: float
    fit: RmaResult | None


EVTOL = 1e-7  # metafor rma.uni control evtol


def check_full_rank(x: FloatArray) -> None:
    """metafor's rank check for ``[1, x]``: every eigenvalue of ``X'X`` must exceed 1e-7."""
    X = np.column_stack([np.ones_like(x), x])
    if np.any(np.linalg.eigvalsh(X.T @ X) <= EVTOL):
        raise ValueError(
            "model matrix not of full rank (the predictor is constant or nearly so; metafor "
            "requires eigenvalues of X'X > 1e-7): cannot fit the regression test"
        )


def _predictor(predictor: str, v: FloatArray, ni: ArrayLike | None) -> FloatArray:
    if predictor == "sei":
        return np.sqrt(v)
    if predictor == "vi":
        return v
    if ni is None:
        raise ValueError(f"predictor {predictor!r} needs the sample sizes ni")
    n = np.asarray(ni, dtype=float).ravel()
    if n.shape != v.shape or not np.all(np.isfinite(n)) or np.any(n <= 0):
        raise ValueError("ni must hold one positive sample size per study")
    return {"ni": n, "ninv": 1 / n, "sqrtni": np.sqrt(n), "sqrtninv": 1 / np.sqrt(n)}[predictor]


def _lm_fit(y: FloatArray, v: FloatArray, x: FloatArray, level: float) -> tuple[float, ...]:
    """Weighted least squares ``y ~ 1 + x`` with weights ``1/v`` and estimated dispersion (R ``lm``)."""
    X = np.column_stack([np.ones_like(x), x])
    sw = np.sqrt(1 / v)
    q, r = np.linalg.qr(sw[:, None] * X)
    coef = np.linalg.solve(r, q.T @ (sw * y))
    df = y.size - 2
    resid = sw * (y - X @ coef)
    sigma2 = float(resid @ resid) / df
    r_inv = np.linalg.inv(r)
    se = np.sqrt(np.diag(r_inv @ r_inv.T) * sigma2)
    tval = coef / se
    pval = 2 * stdtr(df, -np.abs(tval))
    crit = -stdtrit(df, (1 - level / 100) / 2)
    lo, hi = coef[0] - crit * se[0], coef[0] + crit * se[0]
    return float(tval[1]), float(pval[1]), float(df), float(coef[0]), float(lo), float(hi)


def peters_test(yi: ArrayLike, events: ArrayLike, ni: ArrayLike) -> RegtestResult:
    """Peters' test for funnel-plot asymmetry of binary outcomes (Peters et al. JAMA 2006;295:676-80).

    Weighted least squares of the log ratio ``yi`` on ``1 / n_i`` (``n_i``: a trial's participants) with
    weights ``E_i (n_i - E_i) / n_i`` (``E_i``: its events in both arms), and a multiplicative dispersion:
    R's ``lm(yi ~ I(1/ni), weights = Ei * (ni - Ei) / ni)``; the test is the t test of the slope
    (``k - 2`` df).  Unlike Egger's test of a log odds ratio on its standard error, the predictor is not
    mathematically tied to the estimate, so the false-positive rate is controlled.

    Raises
    ------
    ValueError
        Fewer than 3 trials, a trial without events or with only events (weight 0), or constant ``ni``.
    """
    y = np.asarray(yi, dtype=float).ravel()
    e = np.asarray(events, dtype=float).ravel()
    n = np.asarray(ni, dtype=float).ravel()
    if not (y.shape == e.shape == n.shape) or y.size < 3:
        raise ValueError(
            "Peters' test needs yi, events and ni of the same length, at least 3 trials"
        )
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(e)) and np.all(np.isfinite(n))):
        raise ValueError("Peters' test needs finite yi, events and ni")
    if np.any(e <= 0) or np.any(e >= n):
        raise ValueError(
            "Peters' test needs 0 < events < n in every trial (its weight is E (n - E) / n)"
        )
    x = 1 / n
    if np.ptp(x) == 0:
        raise ValueError("Peters' test: every trial has the same size (the predictor is constant)")
    w = e * (n - e) / n
    stat, p, df, est, lo, hi = _lm_fit(y, 1 / w, x, 95.0)
    return RegtestResult("lm", "ninv", "FE", y.size, stat, p, df, est, lo, hi, None)


def regtest(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    model: str = "rma",
    predictor: str = "sei",
    method: str = "REML",
    test: str = "z",
    ni: ArrayLike | None = None,
    level: float = 95.0,
) -> RegtestResult:
    """Egger's regression test for funnel-plot asymmetry, as metafor's ``regtest``.

    ``model="rma"`` (metafor's default): the (mixed-effects) meta-regression
    ``yi = b0 + b1 sei_i + u_i + e_i`` fitted with ``method`` (default REML); the test is the Wald
    test of ``b1``.  ``model="lm"``: the classical Egger test, weighted regression of ``yi`` on
    ``sei`` with weights ``1/vi`` and a multiplicative dispersion (t test, ``k - 2`` df).  The
    intercept ``b0`` is the limit estimate as ``sei -> 0``.

    Raises
    ------
    ValueError
        Unknown model/predictor, fewer than 3 studies, or a constant predictor (not full rank).
    """
    if model not in ("rma", "lm"):
        raise ValueError(f"unknown model {model!r}; choose 'rma' or 'lm'")
    if predictor not in PREDICTORS:
        raise ValueError(f"unknown predictor {predictor!r}; choose one of {', '.join(PREDICTORS)}")
    y, v = check_yv(yi, vi, 3)
    lvl = level_percent(level)
    x = _predictor(predictor, v, ni)
    if np.ptp(x) == 0:
        raise ValueError(
            f"predictor {predictor!r} is constant: the model matrix is not of full rank"
        )
    has_limit = predictor in ("sei", "vi", "ninv", "sqrtninv")
    nan = float("nan")
    if model == "lm":
        stat, p, df, est, lo, hi = _lm_fit(y, v, x, lvl)
        if not has_limit:
            est = lo = hi = nan
        return RegtestResult(model, predictor, "FE", y.size, stat, p, df, est, lo, hi, None)
    check_full_rank(x)
    fit = rma_uni(y, v, method=method, test=test, mods=x, level=lvl)
    est, lo, hi = (
        (float(fit.beta[0]), float(fit.ci_low_beta[0]), float(fit.ci_high_beta[0]))
        if has_limit
        else (nan, nan, nan)
    )
    stat, p = float(fit.statistic_beta[1]), float(fit.p_beta[1])
    return RegtestResult(model, predictor, method, y.size, stat, p, fit.df, est, lo, hi, fit)


@dataclass(frozen=True)
class RanktestResult:
    """Begg's rank correlation test (metafor ``ranktest``): Kendall's tau-b and its p-value."""

    k: int
    tau: float
    p_value: float
    exact: bool


def kendall_exact_cdf(q: int, n: int) -> float:
    """``P(T <= q)`` for the number ``T`` of concordant pairs among ``n`` untied pairs.

    Under independence ``T`` has the Mahonian distribution (inversions of a random permutation).
    This follows R's ``pkendall`` operation by operation: permutation counts
    ``c(k, n) = sum_{i=0}^{n-1} c(k - i, n - 1)`` accumulated in doubles, summed sequentially
    up to ``q`` and divided by ``n!`` (so ``n <= 170``: beyond, ``n!`` overflows a double).
    """
    if n > 170:
        raise ValueError(f"exact Kendall distribution needs n <= 170 (n! overflows); got n = {n}")
    if q < 0:
        return 0.0
    if q > n * (n - 1) // 2:
        return 1.0
    return float(_kendall_cumulative(n)[q] / float(math.factorial(n)))


@functools.lru_cache(maxsize=32)
def _kendall_cumulative(n: int) -> FloatArray:
    """Sequential cumulative sums of R's ``ckendall(k, n)`` counts, ``k = 0..n(n-1)/2``."""
    counts = np.ones(1)
    for m in range(2, n + 1):
        new = np.zeros(counts.size + m - 1)
        for i in range(m):  # same order of additions as R's ckendall
            new[i : i + counts.size] += counts
        counts = new
    out = np.cumsum(counts)
    out.flags.writeable = False
    return out


def _kendall_tau_b(x: FloatArray, y: FloatArray) -> tuple[float, bool]:
    """Kendall's tau-b as R's ``cor(method = "kendall")``, and whether there are ties."""
    sx = np.sign(x[:, None] - x[None, :])
    sy = np.sign(y[:, None] - y[None, :])
    iu = np.triu_indices(x.size, 1)
    s = float(np.sum(sx[iu] * sy[iu]))
    tau = s / (np.sqrt(float(np.sum(sx[iu] ** 2))) * np.sqrt(float(np.sum(sy[iu] ** 2))))
    ties = min(np.unique(x).size, np.unique(y).size) < x.size
    return tau, ties


def _tie_counts(x: FloatArray) -> FloatArray:
    """R's ``table(x[duplicated(x)]) + 1``: sizes of the tie groups."""
    _, counts = np.unique(x, return_counts=True)
    return counts[counts > 1].astype(float)


def _kendall_normal_p(tau: float, x: FloatArray, y: FloatArray) -> float:
    """Two-sided normal-approximation p with tie-corrected variance (R ``cor.test``)."""
    n = float(x.size)
    xt, yt = _tie_counts(x), _tie_counts(y)
    t0 = n * (n - 1) / 2
    t1, t2 = np.sum(xt * (xt - 1)) / 2, np.sum(yt * (yt - 1)) / 2
    s = tau * np.sqrt((t0 - t1) * (t0 - t2))
    v0 = n * (n - 1) * (2 * n + 5)
    vt, vu = np.sum(xt * (xt - 1) * (2 * xt + 5)), np.sum(yt * (yt - 1) * (2 * yt + 5))
    v1 = np.sum(xt * (xt - 1)) * np.sum(yt * (yt - 1))
    v2 = np.sum(xt * (xt - 1) * (xt - 2)) * np.sum(yt * (yt - 1) * (yt - 2))
    var_s = (v0 - vt - vu) / 18 + v1 / (2 * n * (n - 1)) + v2 / (9 * n * (n - 1) * (n - 2))
    z = s / np.sqrt(var_s)
    return float(2 * min(ndtr(z), ndtr(-z)))


def ranktest(yi: ArrayLike, vi: ArrayLike, *, exact: bool = True) -> RanktestResult:
    """Begg and Mazumdar's rank correlation test, as metafor's ``ranktest``.

    Standardised deviates ``y*_i = (y_i - theta) / sqrt(v_i - 1/sum(w))`` (``theta`` the
    inverse-variance mean, ``w = 1/v``) are correlated with ``v_i`` by Kendall's tau-b.  As R's
    ``cor.test(method = "kendall", exact = TRUE)``: the exact permutation p-value when there are
    no ties, otherwise the normal approximation with the tie-corrected variance.  For k > 170
    studies R's exact p-value is NaN (``n!`` overflows a double); the normal approximation is
    used instead (``exact`` is False in the result).
    """
    y, v = check_yv(yi, vi, 3)
    w = 1 / v
    theta = float(np.sum(y * w) / np.sum(w))
    ystar = (y - theta) / np.sqrt(v - 1 / np.sum(w))
    tau, ties = _kendall_tau_b(ystar, v)
    n = y.size
    if not np.isfinite(tau):
        return RanktestResult(n, float("nan"), float("nan"), False)
    if exact and not ties and n <= 170:  # R's exact p is NaN beyond 170 (n! overflows)
        q = round((tau + 1) * n * (n - 1) / 4)
        upper = q > n * (n - 1) / 4
        p = 1 - kendall_exact_cdf(q - 1, n) if upper else kendall_exact_cdf(q, n)
        return RanktestResult(n, tau, min(2 * p, 1.0), True)
    return RanktestResult(n, tau, _kendall_normal_p(tau, ystar, v), False)

"""Mixed-effects meta-regression (moderators), as metafor 3.8-1 ``rma.uni(yi, vi, mods=...)``.

With design ``X`` (intercept + moderators, k x p), weights ``W = diag(1/(v + tau2))`` and
``P = W - W X (X'WX)^-1 X'W``: ``beta = (X'WX)^-1 X'W y``, ``Var(beta) = (X'WX)^-1`` (times
``s2w = y'Py/(k-p)`` for Knapp-Hartung).  ``QM = beta_m' Var(beta_m)^-1 beta_m`` over the moderator
coefficients (chi2 with m df; for ``knha`` ``QM/m`` against F(m, k-p)).  ``QE = y'P0 y`` with
``P0`` at tau2 = 0 is the residual heterogeneity test (df k-p); ``vt = (k-p)/tr(P0)``.
tau2 estimators are the matrix forms in metafor's ``rma.uni`` (Viechtbauer 2010; Raudenbush 2009).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy import optimize
from scipy.special import chdtrc, fdtrc, ndtr, ndtri, stdtr, stdtrit

from .mh import i2_from_q
from .tau2 import LL_TOL, MAXITER, THRESHOLD
from .zeroin import uniroot

if TYPE_CHECKING:
    from .rma import RmaResult

FloatArray = NDArray[np.float64]


def _pmat(X: FloatArray, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``P = W - W X (X'WX)^-1 X'W`` and ``(X'WX)^-1``."""
    d = np.sqrt(w)
    q, r = np.linalg.qr(d[:, None] * X)  # as metafor's .invcalc: QR of sqrt(W) X
    r_inv = np.linalg.inv(r)
    dq = d[:, None] * q
    return np.diag(w) - dq @ dq.T, r_inv @ r_inv.T


def _he(y: FloatArray, v: FloatArray, X: FloatArray) -> tuple[float, FloatArray]:
    k, p = X.shape
    P, _ = _pmat(X, np.ones(k))
    return float((y @ P @ y - np.sum(np.diag(P) * v)) / (k - p)), P


def _tau2_closed(method: str, y: FloatArray, v: FloatArray, X: FloatArray) -> tuple[float, float]:
    """DL, HE, HS, HSk, SJ: (tau2 truncated at 0, its standard error)."""
    k, p = X.shape
    V = np.diag(v)
    if method == "HE":
        raw, P = _he(y, v, X)
        t = max(0.0, raw)
        pv = P @ V
        se = np.sqrt(
            (2 * np.sum(pv * pv.T) + 4 * t * np.trace(pv) + 2 * t * t * (k - p)) / (k - p) ** 2
        )
        return t, float(se)
    if method == "SJ":
        t0 = float(np.var(y, ddof=1) * (k - 1) / k)
        P, _ = _pmat(X, 1.0 / (v + t0))
        t = max(0.0, t0 * float(y @ P @ y) / (k - p))
        pv = P @ V
        quad = 2 * np.sum(pv * pv.T) + 4 * t * np.sum(pv * P) + 2 * t * t * np.sum(P * P)
        return t, float(np.sqrt(t0**2 / (k - p) ** 2 * quad))
    w = 1.0 / v
    P, _ = _pmat(X, w)
    rss, tr_p, spp = float(y @ P @ y), float(np.trace(P)), float(np.sum(P * P))
    if method == "DL":
        t = max(0.0, (rss - (k - p)) / tr_p)
        return t, float(np.sqrt(2 * (k - p) + 4 * t * tr_p + 2 * t * t * spp) / tr_p)
    factor = k / (k - p) if method == "HSk" else 1.0
    t = max(0.0, (factor * rss - k) / w.sum())
    return t, float(factor * np.sqrt(2 * (k - p) + 4 * t * tr_p + 2 * t * t * spp) / w.sum())


def _step(method: str, y: FloatArray, v: FloatArray, X: FloatArray, t: float) -> float:
    k, p = X.shape
    w = 1.0 / (v + t)
    P, _ = _pmat(X, w)
    py = P @ y
    if method == "ML":
        return float((py @ py - w.sum()) / np.sum(w * w))
    if method == "REML":
        return float((py @ py - np.trace(P)) / np.sum(P * P))
    if method == "EB":
        return float((y @ py * k / (k - p) - k) / w.sum())
    return float(y @ py - (k - p))  # PM: Q(t) - (k - p)


def _loglik(method: str, y: FloatArray, v: FloatArray, X: FloatArray, t: float) -> float:
    k, p = X.shape
    w = 1.0 / (v + t)
    P, _ = _pmat(X, w)
    rss = float(y @ P @ y)
    if method == "REML":
        logdet = np.linalg.slogdet(X.T @ (w[:, None] * X))[1]
        return float(
            -0.5 * (k - p) * np.log(2 * np.pi)
            - 0.5 * np.sum(np.log(v + t))
            - 0.5 * logdet
            - 0.5 * rss
        )
    return float(-0.5 * k * np.log(2 * np.pi) - 0.5 * np.sum(np.log(v + t)) - 0.5 * rss)


def _fisher(method: str, y: FloatArray, v: FloatArray, X: FloatArray) -> tuple[float, int, bool]:
    t = max(0.0, _he(y, v, X)[0])
    it, change = 0, THRESHOLD + 1.0
    while change > THRESHOLD:
        it += 1
        old = t
        adj = _step(method, y, v, X, t)
        adj = 0.0 if np.isnan(adj) else adj
        while t + adj < 0.0:
            adj /= 2.0
        t = t + adj
        change = abs(old - t)
        if it > MAXITER:
            return t, it, False
    return t, it, True


def _exact_root(g: Callable[[float], float], t0: float) -> float:
    """Root of the decreasing estimating function ``g`` near ``t0`` (machine precision)."""
    if g(0.0) <= 0.0 and t0 == 0.0:
        return 0.0
    lo, step = t0, max(t0 * 1e-3, 1e-300)
    while lo > 0.0 and g(lo) <= 0.0:
        lo, step = max(0.0, lo - step), step * 4.0
    if g(lo) <= 0.0:
        return 0.0
    hi, step = t0, max(t0 * 1e-3, 1e-12)
    while g(hi) > 0.0:
        hi, step = hi + step, step * 4.0
    return float(optimize.brentq(g, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps))


def _pm(y: FloatArray, y_raw: FloatArray, v: FloatArray, X: FloatArray) -> tuple[float, int, bool]:
    q0 = _step("PM", y, v, X, 0.0)
    if q0 < 0.0:
        return 0.0, 0, True
    med = np.median(y_raw)
    tmax = max(100.0, 10.0 * (1.4826 * float(np.median(np.abs(y_raw - med)))) ** 2)
    qmax = _step("PM", y, v, X, tmax)
    if qmax > 0.0:
        raise ValueError("Paule-Mandel: Q(tau2_max) is still above k-p; tau2_max is too low")

    def f(x: FloatArray, lanes: NDArray[np.intp]) -> FloatArray:
        return np.array([_step("PM", y, v, X, float(x[0]))])

    res = uniroot(f, np.zeros(1), np.array([tmax]), np.array([q0]), np.array([qmax]))
    return float(res.root[0]), int(res.iterations[0]), bool(res.converged[0])


def fit_tau2(
    method: str, y_raw: FloatArray, v: FloatArray, X: FloatArray, mode: str
) -> tuple[float, float, int, bool]:
    """(tau2, se_tau2, iterations, converged) for design ``X`` (uses centred y, as metafor)."""
    k, p = X.shape
    y = y_raw - y_raw.mean()
    if method == "FE":
        return 0.0, float("nan"), 0, True
    if method in ("DL", "HE", "HS", "HSk", "SJ"):
        t, se = _tau2_closed(method, y, v, X)
        return t, se, 0, True
    if method == "PM":
        t, it, conv = _pm(y, y_raw, v, X)
    else:
        t, it, conv = _fisher(method, y, v, X)
    if mode == "exact":
        t = _exact_root(lambda x: _step(method, y, v, X, x), t)
        conv = True
    ll_gain = method in ("ML", "REML") and conv and t > THRESHOLD
    if ll_gain and _loglik(method, y, v, X, 0.0) - _loglik(method, y, v, X, t) > LL_TOL:
        t = 0.0
    t = max(0.0, t)
    w = 1.0 / (v + t)
    P, _ = _pmat(X, w)
    se = {"ML": np.sqrt(2 / np.sum(w * w)), "REML": np.sqrt(2 / np.sum(P * P))}.get(
        method, np.sqrt(2 * k * k / (k - p) / w.sum() ** 2)
    )
    return t, float(se), it, conv


def coef_tests(
    beta: FloatArray, vb: FloatArray, test: str, df: float, level: float
) -> dict[str, FloatArray]:
    """Wald z or t tests and CIs for each coefficient."""
    se = np.sqrt(np.diag(vb))
    stat = beta / se
    alpha = 1 - level / 100
    if test == "knha":
        pval = 2 * stdtr(df, -np.abs(stat)) if df > 0 else np.full_like(stat, np.nan)
        crit = -stdtrit(df, alpha / 2) if df > 0 else np.nan
    else:
        pval = 2 * ndtr(-np.abs(stat))
        crit = -ndtri(alpha / 2)
    return {"se": se, "stat": stat, "p": pval, "lo": beta - crit * se, "hi": beta + crit * se}


def qm_test(
    beta: FloatArray, vb: FloatArray, test: str, df: float
) -> tuple[float, tuple[float, float], float]:
    """Omnibus test of the moderator coefficients (all but the intercept)."""
    b = beta[1:]
    m = b.size
    qm = float(b @ np.linalg.solve(vb[1:, 1:], b))
    if test == "knha":
        qm /= m
        return qm, (float(m), df), float(fdtrc(m, df, qm)) if df > 0 else float("nan")
    return qm, (float(m), float("nan")), float(chdtrc(m, qm))


def rma_mods(
    y: FloatArray,
    v: FloatArray,
    mods: FloatArray,
    *,
    method: str,
    test: str,
    level: float,
    mode: str,
) -> RmaResult:
    """Meta-regression on moderators ``mods`` (k x m, no intercept column); see module docstring."""
    from .rma import RmaResult

    M = mods.reshape(y.size, -1) if mods.ndim == 1 else mods
    if M.shape[0] != y.size or not np.all(np.isfinite(M)):
        raise ValueError("mods needs one finite row per study (k x m)")
    X = np.column_stack([np.ones(y.size), M])
    k, p = X.shape
    if np.linalg.matrix_rank(X) < p:
        raise ValueError("model matrix not of full rank: a moderator is constant or collinear")
    if (p + (method != "FE")) > k:
        raise ValueError(f"too few studies (k = {k}) for {p} coefficients and tau2")
    tau2, se_tau2, it, conv = fit_tau2(method, y, v, X, mode)
    w = 1.0 / (v + tau2)
    _, vb = _pmat(X, w)
    beta = vb @ (X.T @ (w * y))
    df = float(k - p) if test == "knha" else float("nan")
    if test == "knha":
        rss = float(np.sum(w * (y - X @ beta) ** 2))
        vb = vb * (0.0 if rss <= np.finfo(float).eps else rss / (k - p))
    ct = coef_tests(beta, vb, test, df, level)
    qm, qm_df, qm_p = qm_test(beta, vb, test, df)
    P0, _ = _pmat(X, 1.0 / v)
    yc = y - y.mean()
    qe = max(0.0, float(yc @ P0 @ yc)) if k > p else 0.0
    vt = (k - p) / float(np.trace(P0)) if k > p else 0.0
    if k <= p:
        i2, h2 = 0.0, 1.0
    elif method == "FE":
        i2, h2 = i2_from_q(qe, k - p), qe / (k - p)
    else:
        i2, h2 = 100 * tau2 / (vt + tau2), tau2 / vt + 1
    nan = float("nan")
    return RmaResult(
        k=k, method=method, test=test, mode=mode, level=float(level), estimate=float(beta[0]),
        se=float(ct["se"][0]), statistic=float(ct["stat"][0]), p_value=float(ct["p"][0]),
        ci_low=float(ct["lo"][0]), ci_high=float(ct["hi"][0]), pi_low=nan, pi_high=nan, tau2=tau2,
        se_tau2=se_tau2, i2=i2, h2=h2, q=qe, q_df=float(k - p),
        q_p=float(chdtrc(k - p, qe)) if k > p else 1.0, vt=vt, weights=100 * w / w.sum(),
        df=df, converged=conv, iterations=it, beta=beta, se_beta=ct["se"], statistic_beta=ct["stat"],
        p_beta=ct["p"], ci_low_beta=ct["lo"], ci_high_beta=ct["hi"], qm=qm, qm_df=qm_df, qm_p=qm_p,
        yi=y, vi=v, mods=M,
    )  # fmt: skip

"""Confidence intervals for tau2, I2 and H2 (metafor 3.8-1 ``confint.rma.uni``).

* ``type="QP"`` (Q-profile; Viechtbauer 2007): the bounds solve
  ``Q(tau2) = chi2_{k-p; 1-alpha/2}`` (lower) and ``= chi2_{k-p; alpha/2}`` (upper), where
  ``Q(tau2) = sum w (y - mu_w)^2`` with ``w = 1/(v + tau2)``; a bound that does not exist in
  ``[0, tau2_max]`` is set to 0 (or to ``tau2_max``), ``tau2_max = max(100, 10 tau2)``.
* ``type="PL"`` (profile likelihood; Hardy & Thompson 1996): the bounds solve
  ``-2 (ll(tau2) - ll(tau2_hat)) = chi2_{1; 1-alpha}`` with the restricted log-likelihood for REML
  fits and the ML log-likelihood otherwise.

Roots are found with R's ``uniroot`` iterates (:mod:`.zeroin`, tol ``eps^0.25``) in
``mode="metafor"``; with ``mode="exact"`` the tolerance is machine precision.  The I2 and H2 bounds
are ``100 t/(vt + t)`` and ``1 + t/vt`` at the tau2 bounds ``t``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

from .segments import Segments
from .tau2 import loglik, psums
from .zeroin import R_UNIROOT_TOL, uniroot

if TYPE_CHECKING:
    from .rma import RmaResult

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Tau2Interval:
    """tau2, I2 and H2 with confidence bounds (metafor's ``confint(res)$random``)."""

    type: str
    level: float
    tau2: float
    tau2_ci_low: float
    tau2_ci_high: float
    i2: float
    i2_ci_low: float
    i2_ci_high: float
    h2: float
    h2_ci_low: float
    h2_ci_high: float


def confint_tau2(
    res: RmaResult, *, type: str = "QP", level: float | None = None, mode: str | None = None
) -> Tau2Interval:
    """Confidence interval for tau2 (and I2, H2) of a random-effects :class:`RmaResult`.

    ``type`` is ``"QP"`` (Q-profile, metafor's default) or ``"PL"`` (profile likelihood).
    ``level`` and ``mode`` default to those of the fit.
    """
    if res.method == "FE":
        raise ValueError("a fixed-effect model has no tau2; fit a random-effects method first")
    if res.k < 2:
        raise ValueError("a confidence interval for tau2 needs k >= 2 studies")
    if type not in ("QP", "PL"):
        raise ValueError(f"unknown type {type!r}; choose 'QP' or 'PL'")
    lev = res.level if level is None else (100.0 * level if 0.0 < level < 1.0 else float(level))
    tol = R_UNIROOT_TOL if (mode or res.mode) == "metafor" else 4 * np.finfo(float).eps
    X = _design(res)
    tmax = max(100.0, res.tau2 * 10.0, 0.0)
    if type == "QP":
        lo, hi = _qp(_q_func(res.yi, res.vi, X), X.shape[0] - X.shape[1], lev, tmax, tol)
    else:
        lo, hi = _pl(res, X, lev, tmax, tol)
    vt = res.vt
    return Tau2Interval(
        type=type, level=lev, tau2=res.tau2, tau2_ci_low=lo, tau2_ci_high=hi, i2=res.i2,
        i2_ci_low=100 * lo / (vt + lo), i2_ci_high=100 * hi / (vt + hi), h2=res.h2,
        h2_ci_low=lo / vt + 1, h2_ci_high=hi / vt + 1,
    )  # fmt: skip


def _design(res: RmaResult) -> FloatArray:
    ones = np.ones((res.k, 1))
    return ones if res.mods is None else np.column_stack([ones, res.mods])


def _q_func(y: FloatArray, v: FloatArray, X: FloatArray) -> Callable[[float], float]:
    if X.shape[1] == 1:
        seg = Segments.from_counts([y.size])
        return lambda t: float(psums(seg, 1.0 / (v + t), y).ypy[0])
    from .metareg import _pmat

    return lambda t: float(y @ _pmat(X, 1.0 / (v + t))[0] @ y)


def _root(f: Callable[[float], float], lo: float, hi: float, tol: float) -> float:
    """R ``uniroot(f, c(lo, hi))``: NaN when the bracket is invalid (metafor's try-error)."""
    if not lo < hi:
        return float("nan")
    f_lo, f_hi = f(lo), f(hi)
    if not (np.isfinite(f_lo) and np.isfinite(f_hi)) or np.sign(f_lo) * np.sign(f_hi) > 0:
        return float("nan")
    res = uniroot(
        lambda x, lanes: np.array([f(float(x[0]))]),
        np.array([lo]),
        np.array([hi]),
        np.array([f_lo]),
        np.array([f_hi]),
        tol=tol,
    )
    return float(res.root[0]) if res.converged[0] else float("nan")


def _qp(
    qf: Callable[[float], float], df: int, level: float, tmax: float, tol: float
) -> tuple[float, float]:
    alpha = 1 - level / 100
    crit_u = float(sps.chi2.isf(alpha / 2, df))
    crit_l = float(sps.chi2.ppf(alpha / 2, df))
    q_min, q_max = qf(0.0), qf(tmax)
    if q_min < crit_l:
        lo = hi = 0.0
    elif q_max > crit_l:
        hi = tmax
    else:
        hi = _root(lambda t: qf(t) - crit_l, 0.0, tmax, tol)
    if q_max > crit_u:
        lo = hi = tmax
    elif q_min < crit_u:
        lo = 0.0
    else:
        lo = _root(lambda t: qf(t) - crit_u, 0.0, tmax, tol)
    return lo, hi


def _pl(res, X: FloatArray, level: float, tmax: float, tol: float) -> tuple[float, float]:
    kind = "REML" if res.method == "REML" else "ML"
    ll = _ll_func(res.yi, res.vi, X, kind)
    ll_hat = ll(res.tau2)
    objective = float(sps.chi2.ppf(level / 100, 1))

    def f(t: float) -> float:
        return -2.0 * (ll(t) - ll_hat) - objective

    lo = 0.0 if f(0.0) < 0 else _root(f, 0.0, res.tau2, tol)
    hi = tmax if f(tmax) < 0 else _root(f, res.tau2, tmax, tol)
    return lo, hi


def _ll_func(y: FloatArray, v: FloatArray, X: FloatArray, kind: str) -> Callable[[float], float]:
    if X.shape[1] == 1:
        seg = Segments.from_counts([y.size])
        return lambda t: float(loglik(kind, seg, v, y, np.array([t]))[0])
    from .metareg import _loglik

    return lambda t: _loglik(kind, y, v, X, t)

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

:func:`confint_segments` computes the bounds of many intercept-only meta-analyses at once (one
lane per analysis in the vectorised root finder); :func:`confint_tau2` of an intercept-only model
is its one-segment case, and a meta-regression uses the scalar search below it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from . import dist
from .segments import Segments
from .tau2 import loglik, psums
from .zeroin import R_UNIROOT_TOL, uniroot

if TYPE_CHECKING:
    from .rma import RmaResult

FloatArray = NDArray[np.float64]
_LaneFunc = Callable[[FloatArray, NDArray[np.intp]], FloatArray]


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
    _check(res.method, type)
    if res.k < 2:
        raise ValueError("a confidence interval for tau2 needs k >= 2 studies")
    lev = res.level if level is None else (100.0 * level if 0.0 < level < 1.0 else float(level))
    if res.mods is None:
        seg = Segments.from_counts([res.k])
        b = confint_segments(seg, res.yi, res.vi, np.array([res.tau2]), np.array([res.vt]),
                             method=res.method, type=type, level=lev, mode=mode or res.mode)  # fmt: skip
        lo, hi = float(b.tau2_ci_low[0]), float(b.tau2_ci_high[0])
    else:
        lo, hi = _confint_scalar(res, _design(res), type, lev, _tol(mode or res.mode))
    vt = res.vt
    return Tau2Interval(
        type=type, level=lev, tau2=res.tau2, tau2_ci_low=lo, tau2_ci_high=hi, i2=res.i2,
        i2_ci_low=100 * lo / (vt + lo), i2_ci_high=100 * hi / (vt + hi), h2=res.h2,
        h2_ci_low=lo / vt + 1, h2_ci_high=hi / vt + 1,
    )  # fmt: skip


def _check(method: str, type: str) -> None:
    if method == "FE":
        raise ValueError("a fixed-effect model has no tau2; fit a random-effects method first")
    if type not in ("QP", "PL"):
        raise ValueError(f"unknown type {type!r}; choose 'QP' or 'PL'")


def _tol(mode: str) -> float:
    return R_UNIROOT_TOL if mode == "metafor" else 4 * float(np.finfo(float).eps)


def _confint_scalar(
    res: RmaResult, X: FloatArray, type: str, level: float, tol: float
) -> tuple[float, float]:
    """The bounds of one model with design ``X`` (used for meta-regression; for ``X`` = a column
    of ones it is the reference the vectorised search is tested against)."""
    tmax = max(100.0, res.tau2 * 10.0, 0.0)
    if type == "QP":
        return _qp(_q_func(res.yi, res.vi, X), X.shape[0] - X.shape[1], level, tmax, tol)
    return _pl(res, X, level, tmax, tol)


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
    crit_u = float(dist.chdtri(df, alpha / 2))
    crit_l = float(dist.chdtri(df, 1 - alpha / 2))
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
    objective = float(dist.chdtri(1, 1 - level / 100))

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


@dataclass(frozen=True)
class Tau2Bounds:
    """Confidence bounds for tau2, I2 and H2 of every segment (NaN where k < 2 or not found)."""

    type: str
    level: float
    tau2_ci_low: FloatArray
    tau2_ci_high: FloatArray
    i2_ci_low: FloatArray
    i2_ci_high: FloatArray
    h2_ci_low: FloatArray
    h2_ci_high: FloatArray


def confint_segments(
    seg: Segments,
    y: FloatArray,
    v: FloatArray,
    tau2: FloatArray,
    vt: FloatArray,
    *,
    method: str,
    type: str = "QP",
    level: float = 95.0,
    mode: str = "metafor",
) -> Tau2Bounds:
    """Q-profile or profile-likelihood bounds of every intercept-only model in ``seg`` at once.

    ``y, v`` are the studies laid out by ``seg`` (as fitted), ``tau2`` and ``vt`` the fits' values
    (:class:`~immunograde.stats.batch.BatchResult`).  Each lane follows :func:`confint_tau2`
    exactly: the same brackets, the same ``uniroot`` iterates, so the bounds equal the one-by-one
    results (tests/stats/test_confint_batch.py checks 1e-10).
    """
    _check(method, type)
    lo = np.full(seg.n, np.nan)
    hi = np.full(seg.n, np.nan)
    ok = np.nonzero((seg.counts >= 2) & np.isfinite(tau2))[0]
    if ok.size:
        sub, flat = gather(seg, ok)
        args = (sub, y[flat], v[flat], tau2[ok], level, _tol(mode))
        kind = "REML" if method == "REML" else "ML"
        lo[ok], hi[ok] = _qp_lanes(*args) if type == "QP" else _pl_lanes(*args, kind)
    with np.errstate(invalid="ignore", divide="ignore"):
        return Tau2Bounds(
            type=type, level=level, tau2_ci_low=lo, tau2_ci_high=hi,
            i2_ci_low=100 * lo / (vt + lo), i2_ci_high=100 * hi / (vt + hi),
            h2_ci_low=lo / vt + 1, h2_ci_high=hi / vt + 1,
        )  # fmt: skip


def gather(seg: Segments, lanes: NDArray[np.intp]) -> tuple[Segments, NDArray[np.intp]]:
    """The segments ``lanes`` (repeats allowed) laid out anew, and their flat positions in ``seg``."""
    if lanes.size == seg.n and np.array_equal(lanes, np.arange(seg.n)):
        return seg, np.arange(seg.size)
    sub = Segments.from_counts(seg.counts[lanes])
    shift = np.repeat(seg.starts[lanes] - sub.starts, sub.counts)
    return sub, np.arange(sub.size) + shift


def _q_lanes(seg: Segments, y: FloatArray, v: FloatArray) -> _LaneFunc:
    """``Q(t)`` of lanes ``lanes`` of ``seg``: ``sum w (y - mu_w)^2``, ``w = 1/(v + t)``, with
    the arithmetic of :func:`.tau2.psums` (so each lane equals the one-segment value)."""

    k = int(seg.counts[0])
    if np.all(seg.counts == k):  # every analysis of k studies: rows of a 2-d array, broadcasting
        y2, v2 = y.reshape(-1, k), v.reshape(-1, k)  # instead of gathering and repeating

        def q_uniform(t: FloatArray, lanes: NDArray[np.intp]) -> FloatArray:
            starts = np.arange(0, lanes.size * k, k)  # the same sums, element for element
            # the lanes' rows, copied (np.take: the copy y2[lanes] makes, ~4x faster); the
            # operations below reuse these arrays, the arithmetic as
            yl = np.take(y2, lanes, axis=0)
            w = np.take(v2, lanes, axis=0)
            w += t[:, None]  # w = 1 / (v + t); mu = sum(w y) / sum(w); sum(w (y - mu) (y - mu))
            np.divide(1.0, w, out=w)
            wy = w * yl
            mu = np.add.reduceat(wy.ravel(), starts) / np.add.reduceat(w.ravel(), starts)
            np.subtract(yl, mu[:, None], out=yl)
            np.multiply(w, yl, out=wy)
            wy *= yl
            return np.add.reduceat(wy.ravel(), starts)

        return q_uniform

    def q(t: FloatArray, lanes: NDArray[np.intp]) -> FloatArray:
        sub, flat = gather(seg, lanes)
        yl = y[flat]
        w = 1.0 / (v[flat] + sub.expand(t))
        mu = sub.sum(w * yl) / sub.sum(w)
        r = yl - sub.expand(mu)
        return sub.sum(w * r * r)

    return q


def _roots(
    f: _LaneFunc,
    lanes: NDArray[np.intp],
    lo: FloatArray,
    hi: FloatArray,
    tol: float,
    ends: tuple[FloatArray, FloatArray] | None = None,
) -> FloatArray:
    """:func:`_root` for every lane at once: NaN where the bracket is invalid or no root converged.
    ``ends``: ``f(lo, lanes)`` and ``f(hi, lanes)`` when the caller has them already."""
    out = np.full(lanes.size, np.nan)
    if lanes.size == 0:
        return out
    f_lo, f_hi = ends if ends is not None else (f(lo, lanes), f(hi, lanes))
    good = (lo < hi) & np.isfinite(f_lo) & np.isfinite(f_hi) & ~(np.sign(f_lo) * np.sign(f_hi) > 0)
    j = np.nonzero(good)[0]
    if j.size:
        res = uniroot(lambda x, k: f(x, lanes[j[k]]), lo[j], hi[j], f_lo[j], f_hi[j], tol=tol)
        out[j] = np.where(res.converged, res.root, np.nan)
    return out


def _qp_lanes(
    seg: Segments, y: FloatArray, v: FloatArray, tau2: FloatArray, level: float, tol: float
) -> tuple[FloatArray, FloatArray]:
    """:func:`_qp` for every segment: both bounds' roots are searched together (one lane each)."""
    n = seg.n
    df = seg.k - 1.0
    alpha = 1 - level / 100
    crit_u, crit_l = dist.chdtri(df, alpha / 2), dist.chdtri(df, 1 - alpha / 2)
    tmax = np.maximum(100.0, tau2 * 10.0)
    qf = _q_lanes(seg, y, v)
    every = np.arange(n)
    q_min, q_max = qf(np.zeros(n), every), qf(tmax, every)
    need_l = ~(q_min < crit_l) & ~(q_max > crit_l)
    need_u = ~(q_max > crit_u) & ~(q_min < crit_u)
    lanes = np.concatenate([np.nonzero(need_l)[0], np.nonzero(need_u)[0]])
    crit = np.concatenate([crit_l[need_l], crit_u[need_u]])

    def shifted(t: FloatArray, idx: NDArray[np.intp]) -> FloatArray:
        # idx are positions in ``lanes`` (a segment may appear twice, once per bound)
        return qf(t, lanes[idx]) - crit[idx]

    row = np.arange(lanes.size)
    ends = (q_min[lanes] - crit, q_max[lanes] - crit)  # Q(0) and Q(tmax): computed above
    roots = _roots(shifted, row, np.zeros(row.size), tmax[lanes], tol, ends)
    nl = int(need_l.sum())
    hi = np.where(q_min < crit_l, 0.0, np.where(q_max > crit_l, tmax, np.nan))
    hi[need_l] = roots[:nl]
    lo = np.where(q_max > crit_u, tmax, np.where(q_min < crit_u, 0.0, np.nan))
    lo[need_u] = roots[nl:]
    hi = np.where(q_max > crit_u, tmax, hi)
    return lo, hi


def _pl_lanes(
    seg: Segments,
    y: FloatArray,
    v: FloatArray,
    tau2: FloatArray,
    level: float,
    tol: float,
    kind: str,
) -> tuple[FloatArray, FloatArray]:
    """:func:`_pl` for every segment: ``-2 (ll(t) - ll(tau2)) = chi2_{1, level}``."""
    n = seg.n
    objective = float(dist.chdtri(1, 1 - level / 100))
    tmax = np.maximum(100.0, tau2 * 10.0)

    def ll(t: FloatArray, lanes: NDArray[np.intp]) -> FloatArray:
        sub, flat = gather(seg, lanes)
        return loglik(kind, sub, v[flat], y[flat], t)

    every = np.arange(n)
    ll_hat = ll(tau2, every)
    # lanes 0..n-1 search the lower bound in [0, tau2], lanes n..2n-1 the upper in [tau2, tmax]
    both = np.concatenate([every, every])

    def f(t: FloatArray, idx: NDArray[np.intp]) -> FloatArray:
        return -2.0 * (ll(t, both[idx]) - ll_hat[both[idx]]) - objective

    f0, fmax = f(np.zeros(n), every), f(tmax, every + n)
    want = np.concatenate([~(f0 < 0), ~(fmax < 0)])
    idx = np.nonzero(want)[0]
    found = np.full(2 * n, np.nan)
    if idx.size:
        bounds_lo = np.concatenate([np.zeros(n), tau2])[idx]
        bounds_hi = np.concatenate([tau2, tmax])[idx]
        found[idx] = _roots(f, idx, bounds_lo, bounds_hi, tol)
    lo = np.where(f0 < 0, 0.0, found[:n])
    hi = np.where(fmax < 0, tmax, found[n:])
    return lo, hi

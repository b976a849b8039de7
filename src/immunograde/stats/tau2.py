"""Between-study variance (tau2) estimators for intercept-only models, vectorised over segments.

With weights ``w_i`` and ``s = sum(w)``, the residual-maker of the weighted intercept model is
``P = W - w w' / s``; every quantity metafor builds from ``P`` has a closed form in power sums:

* ``y'Py = sum(w (y - ybar_w)^2)``,  ``y'PPy = sum(w^2 (y - ybar_w)^2)``
* ``tr P = s - S2 / s``,  ``sum(P*P) = S2 - 2 S3 / s + S2^2 / s^2``  (``Sn = sum(w^n)``)
* ``tr PV = sum(w v) - sum(w^2 v) / s``,  ``sum(PV*P) = sum(w^2 v) - 2 sum(w^3 v)/s + S2 sum(w^2 v)/s^2``
* ``tr PVPV = sum(w^2 v^2) - 2 sum(w^3 v^2)/s + (sum(w^2 v))^2 / s^2``

Estimators and their standard errors follow metafor 3.8-1 ``rma.uni`` (Viechtbauer 2010):
DL (DerSimonian & Laird 1986), HE (Hedges 1983), HS and HSk (Hunter & Schmidt 2004), SJ (Sidik &
Jonkman 2005), ML, REML and EB by Fisher scoring (Viechtbauer 2005; Morris 1983), PM (Paule &
Mandel 1982).  All work on the mean-centred ``y`` as metafor does.  Two convergence modes:

* ``"metafor"`` (default) replays metafor: Fisher scoring from the (truncated) HE value, stop when
  ``|tau2_new - tau2_old| <= 1e-5``, at most 100 iterations, a step is halved while it would make
  tau2 negative; PM with R's ``uniroot`` (tol ``.Machine$double.eps^0.25``) on ``[0, tau2_max]``,
  ``tau2_max = max(100, 10 mad(y)^2)``.
* ``"exact"`` solves the same estimating equation to machine precision (Brent's method with
  ``rtol = 4 eps``, started from the metafor value) -- see :mod:`immunograde.stats.rma`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from .segments import Segments
from .zeroin import uniroot

FloatArray = NDArray[np.float64]
THRESHOLD = 1e-5  #: metafor's ``control$threshold`` for Fisher scoring
MAXITER = 100  #: metafor's ``control$maxiter``
LL_TOL = float(np.finfo(float).eps) ** 0.25  #: metafor's ``control$tol`` (ll0 check, uniroot)
METHODS = ("FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM")


@dataclass(frozen=True)
class Tau2Fit:
    """tau2 per segment with its standard error and the iteration record."""

    tau2: FloatArray
    se_tau2: FloatArray
    iterations: NDArray[np.int64]
    converged: NDArray[np.bool_]


class PSums:
    """Power sums of the weights that give every trace and quadratic form of ``P``, each computed
    when first read (a Fisher step of REML never reads ``ypy``; the log-likelihood reads only ``s``
    and ``ypy``): a segment sum per field that is used, with the same arithmetic either way."""

    def __init__(self, seg: Segments, w: FloatArray, ymc: FloatArray) -> None:
        self._seg, self._w, self._ymc = seg, w, ymc

    @cached_property
    def s(self) -> FloatArray:
        return self._seg.sum(self._w)

    @cached_property
    def s2(self) -> FloatArray:
        return self._seg.sum(self._w * self._w)

    @cached_property
    def _s3(self) -> FloatArray:
        w = self._w
        return self._seg.sum(w * w * w)

    @cached_property
    def tr_p(self) -> FloatArray:
        return self.s - self.s2 / self.s

    @cached_property
    def sum_pp(self) -> FloatArray:
        s, s2 = self.s, self.s2
        return s2 - 2.0 * self._s3 / s + (s2 / s) ** 2

    @cached_property
    def _wr2(self) -> FloatArray:
        seg, w, ymc = self._seg, self._w, self._ymc
        mu = seg.sum(w * ymc) / self.s
        r = ymc - seg.expand(mu)
        return w * r * r

    @cached_property
    def ypy(self) -> FloatArray:
        return self._seg.sum(self._wr2)

    @cached_property
    def yppy(self) -> FloatArray:
        return self._seg.sum(self._w * self._wr2)


def psums(seg: Segments, w: FloatArray, ymc: FloatArray) -> PSums:
    """Weighted-intercept-model sums for weights ``w`` and centred outcomes ``ymc``."""
    return PSums(seg, w, ymc)


def _pv_sums(seg: Segments, w: FloatArray, v: FloatArray) -> tuple[FloatArray, ...]:
    """``tr PV``, ``sum(PV*P)`` and ``tr PVPV`` for weights ``w`` and variances ``v``."""
    s = seg.sum(w)
    s2 = seg.sum(w * w)
    w2v = seg.sum(w * w * v)
    tr_pv = seg.sum(w * v) - w2v / s
    sum_pvp = w2v - 2.0 * seg.sum(w**3 * v) / s + s2 * w2v / s**2
    tr_pvpv = seg.sum((w * v) ** 2) - 2.0 * seg.sum(w**3 * v * v) / s + (w2v / s) ** 2
    return tr_pv, sum_pvp, tr_pvpv


def _se_quadratic(t: FloatArray, a: FloatArray, b: FloatArray, c: FloatArray) -> FloatArray:
    """``sqrt(2 a + 4 t b + 2 t^2 c)`` with ``t`` truncated at zero."""
    tp = np.maximum(t, 0.0)
    return np.sqrt(2.0 * a + 4.0 * tp * b + 2.0 * tp * tp * c)


def tau2_dl(seg: Segments, v: FloatArray, ymc: FloatArray) -> Tau2Fit:
    """DerSimonian-Laird: ``tau2 = (Q - (k-1)) / (s - S2/s)`` with fixed-effect weights."""
    ps = psums(seg, 1.0 / v, ymc)
    km1 = seg.k - 1.0
    tau2 = np.maximum(0.0, (ps.ypy - km1) / ps.tr_p)
    se = _se_quadratic(tau2, km1, ps.tr_p, ps.sum_pp) / ps.tr_p
    return _closed(tau2, se)


def tau2_he(seg: Segments, v: FloatArray, ymc: FloatArray) -> Tau2Fit:
    """Hedges (method of moments, unweighted): ``tau2 = (RSS_ols - tr(P_ols V)) / (k-1)``."""
    km1 = seg.k - 1.0
    ps = psums(seg, np.ones_like(v), ymc)
    tr_pv, _, tr_pvpv = _pv_sums(seg, np.ones_like(v), v)
    raw = (ps.ypy - tr_pv) / km1
    tau2 = np.maximum(0.0, raw)
    se = _se_quadratic(tau2, tr_pvpv, tr_pv, km1) / km1
    return Tau2Fit(tau2, se, np.zeros(seg.n, dtype=np.int64), np.ones(seg.n, dtype=bool))


def he_start(seg: Segments, v: FloatArray, ymc: FloatArray) -> FloatArray:
    """The untruncated HE value, metafor's starting point for ML/REML/EB."""
    w = np.ones_like(v)
    ps = psums(seg, w, ymc)
    tr_pv = seg.sum(w * v) - seg.sum(w * w * v) / seg.sum(w)  # _pv_sums's tr_pv, and only it
    return np.asarray((ps.ypy - tr_pv) / (seg.k - 1.0))


def tau2_hs(seg: Segments, v: FloatArray, ymc: FloatArray, *, small_k: bool) -> Tau2Fit:
    """Hunter-Schmidt ``(Q - k)/s``; with ``small_k`` (HSk) ``(k/(k-1) Q - k)/s``."""
    ps = psums(seg, 1.0 / v, ymc)
    k = seg.k
    km1 = k - 1.0
    factor = k / km1 if small_k else np.ones_like(k)
    tau2 = np.maximum(0.0, (factor * ps.ypy - k) / ps.s)
    se = factor * _se_quadratic(tau2, km1, ps.tr_p, ps.sum_pp) / ps.s
    return _closed(tau2, se)


def tau2_sj(seg: Segments, v: FloatArray, ymc: FloatArray) -> Tau2Fit:
    """Sidik-Jonkman: ``tau2 = tau0 Q_w / (k-1)`` with ``tau0 = sum(ymc^2)/k``, ``w = 1/(v+tau0)``."""
    k = seg.k
    km1 = k - 1.0
    mean = seg.sum(ymc) / k
    tau0 = seg.sum((ymc - seg.expand(mean)) ** 2) / km1 * km1 / k
    w = 1.0 / (v + seg.expand(tau0))
    ps = psums(seg, w, ymc)
    tau2 = np.maximum(0.0, tau0 * ps.ypy / km1)
    _, sum_pvp, tr_pvpv = _pv_sums(seg, w, v)
    se = tau0 / km1 * _se_quadratic(tau2, tr_pvpv, sum_pvp, ps.sum_pp)
    return _closed(tau2, se)


def _closed(tau2: FloatArray, se: FloatArray) -> Tau2Fit:
    n = tau2.size
    return Tau2Fit(tau2, se, np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))


def score_step(
    method: str, seg: Segments, v: FloatArray, ymc: FloatArray, t: FloatArray
) -> FloatArray:
    """metafor's Fisher-scoring step ``adj`` (zero is the estimating equation of the method)."""
    w = 1.0 / (v + seg.expand(t))
    ps = psums(seg, w, ymc)
    if method == "ML":
        return np.asarray((ps.yppy - ps.s) / ps.s2)
    if method == "REML":
        return np.asarray((ps.yppy - ps.tr_p) / ps.sum_pp)
    k = seg.k
    return np.asarray((ps.ypy * k / (k - 1.0) - k) / ps.s)  # EB


def fisher_scoring(
    method: str, seg: Segments, v: FloatArray, ymc: FloatArray
) -> tuple[FloatArray, NDArray[np.int64], NDArray[np.bool_]]:
    """metafor's loop: start at max(0, HE); repeat while the change exceeds 1e-5 (max 100 steps).

    Lanes that have stopped are compacted away, so late iterations touch only the slow lanes.
    """
    t = np.maximum(0.0, he_start(seg, v, ymc))
    iters = np.zeros(seg.n, dtype=np.int64)
    idx = np.arange(seg.n)
    sub, v_a, y_a, t_a = seg, v, ymc, t.copy()
    it = 0
    while idx.size:
        it += 1
        adj = score_step(method, sub, v_a, y_a, t_a)
        adj = np.where(np.isnan(adj), 0.0, adj)
        neg = np.nonzero(t_a + adj < 0.0)[0]
        # at tau2 = 0 every halving of a negative step stays below zero until the step becomes -0.0
        # (~1,075 halvings); that end, exactly, at once
        at_zero = t_a[neg] == 0.0
        adj[neg[at_zero]] = -0.0
        neg = neg[~at_zero]
        while neg.size:  # metafor halves the step while it would make tau2 negative
            adj[neg] /= 2.0
            neg = neg[t_a[neg] + adj[neg] < 0.0]
        old = t_a
        t_a = old + adj
        stop = (np.abs(old - t_a) <= THRESHOLD) | (it > MAXITER)
        if stop.any():
            t[idx[stop]] = t_a[stop]
            iters[idx[stop]] = it
            keep = ~stop
            flat = np.repeat(keep, sub.counts)
            idx, t_a, v_a, y_a = idx[keep], t_a[keep], v_a[flat], y_a[flat]
            sub = Segments.from_counts(sub.counts[keep]) if idx.size else sub
    return t, iters, iters <= MAXITER


def _subsegments(seg: Segments, idx: NDArray[np.intp]) -> Segments:
    """The segments ``idx`` of ``seg`` (in order), re-laid out contiguously."""
    if idx.size == seg.n:
        return seg
    return Segments.from_counts(seg.counts[idx])


def ll0_check(
    method: str, seg: Segments, v: FloatArray, ymc: FloatArray, t: FloatArray
) -> FloatArray:
    """metafor's guard: if the (RE)ML log-likelihood at tau2 = 0 beats the one at the estimate by
    more than ``tol`` (and tau2 > 1e-5), the estimate is a local maximum and tau2 becomes 0."""
    ll0 = loglik(method, seg, v, ymc, np.zeros_like(t))
    ll = loglik(method, seg, v, ymc, t)
    return np.where((ll0 - ll > LL_TOL) & (t > THRESHOLD), 0.0, t)


def loglik(method: str, seg: Segments, v: FloatArray, y: FloatArray, t: FloatArray) -> FloatArray:
    """ML or (for ``method == "REML"``) restricted log-likelihood of the intercept model at ``t``.

    ``ll_ML = -k/2 log(2 pi) - 1/2 sum log(v + t) - 1/2 sum w (y - mu_w)^2``; REML uses ``k - 1``
    in the first term and subtracts ``1/2 log(sum w)`` (metafor's ``REMLf`` constant
    ``1/2 log det(X'X) = 1/2 log k`` is added by :func:`loglik_reml_full`).
    """
    vt = v + seg.expand(t)
    w = 1.0 / vt
    ps = psums(seg, w, y)
    k = seg.k
    if method == "REML":
        return np.asarray(
            -0.5 * (k - 1.0) * np.log(2 * np.pi)
            - 0.5 * seg.sum(np.log(vt))
            - 0.5 * np.log(ps.s)
            - 0.5 * ps.ypy
        )
    return np.asarray(-0.5 * k * np.log(2 * np.pi) - 0.5 * seg.sum(np.log(vt)) - 0.5 * ps.ypy)


def tau2_iterative(
    method: str, seg: Segments, v: FloatArray, ymc: FloatArray, *, exact: bool
) -> Tau2Fit:
    """ML, REML or EB by Fisher scoring (metafor) or to machine precision (``exact``)."""
    t, iters, conv = fisher_scoring(method, seg, v, ymc)
    if exact:  # solved to machine precision whatever Fisher scoring did
        t = _polish(lambda x, lanes: _score_lane(method, seg, v, ymc, x, lanes), t)
        conv = np.ones_like(conv)
    if method in ("ML", "REML"):
        t = np.where(conv, ll0_check(method, seg, v, ymc, t), t)
    t = np.maximum(0.0, t)
    w = 1.0 / (v + seg.expand(t))
    ps = psums(seg, w, ymc)
    if method == "ML":
        se = np.sqrt(2.0 / ps.s2)
    elif method == "REML":
        se = np.sqrt(2.0 / ps.sum_pp)
    else:
        se = _se_pm(seg.k, ps.s)
    return Tau2Fit(t, se, iters, conv)


def _se_pm(k: FloatArray, s: FloatArray) -> FloatArray:
    return np.asarray(np.sqrt(2.0 * k * k / (k - 1.0) / (s * s)))


def _score_lane(
    method: str,
    seg: Segments,
    v: FloatArray,
    ymc: FloatArray,
    x: FloatArray,
    lanes: NDArray[np.intp],
) -> FloatArray:
    """Numerator of the Fisher step for lanes ``lanes`` at ``x`` (sign = direction of ascent)."""
    sub = _subsegments(seg, lanes)
    flat = seg.members(lanes)
    w = 1.0 / (v[flat] + sub.expand(x))
    ps = psums(sub, w, ymc[flat])
    if method == "ML":
        return np.asarray(ps.yppy - ps.s)
    if method == "REML":
        return np.asarray(ps.yppy - ps.tr_p)
    if method == "EB":
        return np.asarray(ps.ypy * sub.k / (sub.k - 1.0) - sub.k)
    return np.asarray(ps.ypy - (sub.k - 1.0))  # PM


def _polish(g: Callable[[FloatArray, NDArray[np.intp]], FloatArray], t: FloatArray) -> FloatArray:
    """Solve ``g = 0`` to machine precision near each ``t`` (``g`` decreasing through its root).

    Lanes with ``t == 0`` and ``g(0) <= 0`` stay at the boundary.  Otherwise a bracket is grown
    geometrically around ``t`` (all lanes at once) and Brent's method with tolerance 0 -- steps of
    ``2 eps |b|``, i.e. to the last bits -- finishes (:func:`.zeroin.uniroot`).
    """
    n = t.size
    lanes = np.arange(n)
    out = t.copy()
    g0 = g(np.zeros(n), lanes)
    todo = ~((t == 0.0) & (g0 <= 0.0))
    lo, hi = t.copy(), t.copy()
    step = np.maximum(t * 1e-3, 1e-300)
    g_lo = g(lo, lanes)
    down = todo & (lo > 0.0) & (g_lo <= 0.0)
    while down.any():
        i = np.nonzero(down)[0]
        lo[i] = np.maximum(0.0, lo[i] - step[i])
        step[i] *= 4.0
        g_lo[i] = g(lo[i], i)
        down[i] = (lo[i] > 0.0) & (g_lo[i] <= 0.0)
    boundary = todo & (g_lo <= 0.0)
    out[boundary] = 0.0
    todo &= ~boundary
    step = np.maximum(t * 1e-3, 1e-12)
    g_hi = g(hi, lanes)
    up = todo & (g_hi > 0.0)
    while up.any():
        i = np.nonzero(up)[0]
        hi[i] += step[i]
        step[i] *= 4.0
        g_hi[i] = g(hi[i], i)
        up[i] = g_hi[i] > 0.0
    i = np.nonzero(todo)[0]
    if i.size:
        same = lo[i] == hi[i]  # g(t) == 0 exactly: t is the root
        out[i[same]] = lo[i[same]]
        j = i[~same]
        if j.size:
            res = uniroot(lambda x, k: g(x, j[k]), lo[j], hi[j], g_lo[j], g_hi[j], tol=0.0)
            out[j] = res.root
    return out


def tau2_pm(
    seg: Segments, v: FloatArray, y: FloatArray, ymc: FloatArray, *, exact: bool
) -> Tau2Fit:
    """Paule-Mandel: the tau2 at which the generalised Q equals ``k - 1``.

    metafor: 0 if ``Q(0) < k-1``; an error if ``Q(tau2_max) > k-1``; otherwise R's ``uniroot``.
    That error is raised for a single analysis; in a batch the lane gets tau2 = NaN and
    ``converged=False`` (exact mode continues the search beyond ``tau2_max`` instead).
    """
    target = seg.k - 1.0
    q0 = _q_at(seg, v, ymc, np.zeros(seg.n), np.arange(seg.n)) - target
    tmax = np.maximum(100.0, 10.0 * seg.mad(y) ** 2)
    qmax = _q_at(seg, v, ymc, tmax, np.arange(seg.n)) - target
    too_low = (q0 >= 0.0) & (qmax > 0.0)
    if too_low.any() and seg.n == 1 and not exact:
        raise ValueError("Paule-Mandel: Q(tau2_max) is still above k-1; tau2_max is too low")
    t = np.where(too_low, tmax, 0.0)
    iters = np.zeros(seg.n, dtype=np.int64)
    conv = ~too_low
    need = np.nonzero((q0 >= 0.0) & ~too_low)[0]
    if need.size:
        sub = _subsegments(seg, need)
        flat = seg.members(need)
        vs, ys = v[flat], ymc[flat]

        def f(x: FloatArray, lanes: NDArray[np.intp]) -> FloatArray:
            return _q_at(sub, vs, ys, x, lanes) - target[need][lanes]

        res = uniroot(f, np.zeros(need.size), tmax[need], q0[need], qmax[need])
        t[need], iters[need], conv[need] = res.root, res.iterations, res.converged
    if exact:
        t = _polish(lambda x, lanes: _score_lane("PM", seg, v, ymc, x, lanes), t)
        conv = np.ones_like(conv)
    t = np.where(conv, np.maximum(0.0, t), np.nan)
    se = _se_pm(seg.k, seg.sum(1.0 / (v + seg.expand(t))))
    return Tau2Fit(t, se, iters, conv)


def _q_at(
    seg: Segments, v: FloatArray, ymc: FloatArray, t: FloatArray, lanes: NDArray[np.intp]
) -> FloatArray:
    """Generalised Q ``sum w (y - mu_w)^2`` with ``w = 1/(v + t)`` for segments ``lanes``."""
    sub = _subsegments(seg, lanes)
    flat = seg.members(lanes)
    w = 1.0 / (v[flat] + sub.expand(t))
    return psums(sub, w, ymc[flat]).ypy

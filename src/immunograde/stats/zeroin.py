"""Brent's root finder as R's ``uniroot`` runs it, vectorised over many independent problems.

metafor finds the Paule-Mandel tau2 and the Q-profile confidence bounds with R's ``uniroot``
(default ``tol = .Machine$double.eps^0.25``), which stops long before machine precision.  To
reproduce metafor's numbers we replay the same iterates: this is a port of the algorithm of
``R_zeroin2`` in R's ``src/library/stats/src/zeroin.c`` (Brent 1973, as in Forsythe, Malcolm and
Moler's ``zeroin``), run in lock-step over an array of brackets so that thousands of
meta-analyses are solved at once.  Each lane follows exactly the scalar algorithm.

References
----------
Brent RP (1973). *Algorithms for Minimization without Derivatives*, ch. 4.  Prentice-Hall.
R Core Team. ``uniroot`` and ``zeroin.c`` in package stats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
EPS = float(np.finfo(np.float64).eps)
#: R's ``uniroot`` default tolerance, ``.Machine$double.eps^0.25``.
R_UNIROOT_TOL = EPS**0.25


@dataclass(frozen=True)
class RootResult:
    """Roots of a batch of bracketed problems (one lane per problem)."""

    root: FloatArray
    iterations: NDArray[np.int64]
    converged: NDArray[np.bool_]


def uniroot(
    f: Callable[[FloatArray, NDArray[np.intp]], FloatArray],
    lower: FloatArray,
    upper: FloatArray,
    f_lower: FloatArray,
    f_upper: FloatArray,
    *,
    tol: float = R_UNIROOT_TOL,
    maxiter: int = 1000,
) -> RootResult:
    """Find a root of ``f`` in each bracket ``[lower, upper]`` with R's ``zeroin`` iterates.

    ``f(x, lanes)`` evaluates the function of lanes ``lanes`` at ``x`` (both 1-d, same length).
    The signs of ``f_lower`` and ``f_upper`` must differ (or one be zero) in every lane, as
    ``uniroot`` requires.  The step is ``tol_act = 2 eps |b| + tol / 2``; a lane stops when half
    the bracket ``|c - b| / 2 <= tol_act`` or ``f(b) == 0``.
    """
    a = np.array(lower, dtype=float)
    b = np.array(upper, dtype=float)
    fa = np.array(f_lower, dtype=float)
    fb = np.array(f_upper, dtype=float)
    if np.any(np.sign(fa) * np.sign(fb) > 0):
        raise ValueError("f() values at end points not of opposite sign")
    n = a.size
    root = np.full(n, np.nan)
    iters = np.zeros(n, dtype=np.int64)
    at_a = fa == 0.0
    at_b = (fb == 0.0) & ~at_a
    root[at_a], root[at_b] = a[at_a], b[at_b]
    idx = np.nonzero(~(at_a | at_b))[0]  # the lanes still searching (compacted as they stop)
    a, b, fa, fb = a[idx], b[idx], fa[idx], fb[idx]
    c, fc = a.copy(), fa.copy()
    count = 0
    while idx.size:
        if count > maxiter:  # ``while (maxit--)`` with maxit = Maxit + 1
            root[idx], iters[idx] = b, -1
            break
        count += 1
        a, b, c, fa, fb, fc, step, fin = _one_step(a, b, c, fa, fb, fc, tol)
        # R reports ``iter`` = passes - 1 (the function evaluations made inside the loop)
        root[idx[fin]], iters[idx[fin]] = b[fin], count - 1
        if fin.any():
            keep = ~fin
            idx, a, b, c, step = idx[keep], a[keep], b[keep], c[keep], step[keep]
            fa, fb, fc = fa[keep], fb[keep], fc[keep]
            if not idx.size:
                break
        a, fa = b, fb
        b = b + step
        fb = np.asarray(f(b, idx), dtype=float)
        flip = ((fb > 0) & (fc > 0)) | ((fb < 0) & (fc < 0))
        c = np.where(flip, a, c)
        fc = np.where(flip, fa, fc)
    return RootResult(root=root, iterations=iters, converged=iters >= 0)


def _one_step(
    a: FloatArray,
    b: FloatArray,
    c: FloatArray,
    fa: FloatArray,
    fb: FloatArray,
    fc: FloatArray,
    tol: float,
) -> tuple[
    FloatArray,
    FloatArray,
    FloatArray,
    FloatArray,
    FloatArray,
    FloatArray,
    FloatArray,
    NDArray[np.bool_],
]:
    """One pass of the zeroin loop body up to (not including) the new evaluation (every lane)."""
    prev_step = b - a
    swap = np.abs(fc) < np.abs(fb)
    a, b, c = np.where(swap, b, a), np.where(swap, c, b), np.where(swap, b, c)
    fa, fb, fc = np.where(swap, fb, fa), np.where(swap, fc, fb), np.where(swap, fb, fc)
    tol_act = 2.0 * EPS * np.abs(b) + tol / 2.0
    new_step = (c - b) / 2.0
    fin = (np.abs(new_step) <= tol_act) | (fb == 0.0)
    with np.errstate(all="ignore"):
        interp = ~fin & (np.abs(prev_step) >= tol_act) & (np.abs(fa) > np.abs(fb))
        cb = c - b
        two = a == c
        t1_lin = fb / fa
        q_ = fa / fc
        t1 = fb / fc
        t2 = fb / fa
        p = np.where(two, cb * t1_lin, t2 * (cb * q_ * (q_ - t1) - (b - a) * (t1 - 1.0)))
        q = np.where(two, 1.0 - t1_lin, (q_ - 1.0) * (t1 - 1.0) * (t2 - 1.0))
        q = np.where(p > 0.0, -q, q)
        p = np.where(p > 0.0, p, -p)
        accept = (
            interp
            & (p < (0.75 * cb * q - np.abs(tol_act * q) / 2.0))
            & (p < np.abs(prev_step * q / 2.0))
        )
        new_step = np.where(accept, p / q, new_step)
    small = np.abs(new_step) < tol_act
    new_step = np.where(small, np.where(new_step > 0.0, tol_act, -tol_act), new_step)
    return a, b, c, fa, fb, fc, new_step, fin

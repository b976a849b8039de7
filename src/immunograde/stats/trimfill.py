"""Duval & Tweedie's trim-and-fill, as metafor 3.8-1 ``trimfill.rma.uni``.

References
----------
Duval S, Tweedie R (2000a). Trim and fill: a simple funnel-plot-based method of testing and
adjusting for publication bias in meta-analysis. Biometrics 56:455-463.
Duval S, Tweedie R (2000b). A nonparametric "trim and fill" method of accounting for publication
bias in meta-analysis. J Am Stat Assoc 95:89-98.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .bias import check_full_rank, check_yv
from .escalc_checks import FloatArray, level_percent
from .rma import RmaResult, rma_uni

__all__ = ["TrimfillResult", "trimfill"]

ESTIMATORS = ("L0", "R0", "Q0")


@dataclass(frozen=True, eq=False)
class TrimfillResult:
    """Trim-and-fill result: ``k0`` imputed studies on ``side`` and the model refitted to them.

    ``yi``/``vi`` are the observed studies followed by the ``k0`` filled ones (``fill`` marks
    them); ``fit`` is the model on the filled data (the original model when ``k0 = 0``).
    ``p_k0`` is the test of ``k0 = 0`` for the R0 estimator (nan otherwise).
    """

    k0: int
    se_k0: float
    side: str
    estimator: str
    p_k0: float
    yi: FloatArray
    vi: FloatArray
    fill: np.ndarray
    fit: RmaResult
    iterations: int


def _side(y: FloatArray, v: FloatArray, method: str) -> str:
    """metafor: regress yi on sqrt(vi); a negative slope means studies are missing on the right."""
    check_full_rank(np.sqrt(v))
    fit = rma_uni(y, v, method=method, mods=np.sqrt(v))
    return "right" if fit.beta[1] < 0 else "left"


def _k0(estimator: str, y_c: FloatArray, k: int) -> tuple[float, float]:
    """Raw k0 and its standard error from the signed ranks of the centred estimates."""
    ranks = np.empty(k)
    ranks[np.argsort(np.abs(y_c), kind="stable")] = np.arange(1, k + 1)  # ties.method="first"
    signed = np.sign(y_c) * ranks
    if estimator == "R0":
        neg = -signed[signed < 0]
        if neg.size == 0:
            raise ValueError("trim-and-fill R0: no estimate below the pooled effect; k0 undefined")
        k0 = (k - float(np.max(neg))) - 1
        return k0, math.sqrt(2 * max(0.0, k0) + 2)
    sr = float(np.sum(signed[signed > 0]))
    if estimator == "L0":
        k0 = (4 * sr - k * (k + 1)) / (2 * k - 1)
    else:
        k0 = k - 1 / 2 - math.sqrt(2 * k**2 - 4 * sr + 1 / 4)
    var_sr = (
        k * (k + 1) * (2 * k + 1) + 10 * k0**3 + 27 * k0**2 + 17 * k0
        - 18 * k * k0**2 - 18 * k * k0 + 6 * k**2 * k0
    ) / 24  # fmt: skip
    if estimator == "L0":
        return k0, 4 * _sqrt(var_sr) / (2 * k - 1)
    return k0, 2 * _sqrt(var_sr) / _sqrt((k - 1 / 2) ** 2 - k0 * (2 * k - k0 - 1))


def _sqrt(x: float) -> float:
    """R's ``sqrt``: NaN for a negative number (metafor's ``se.k0`` is then NaN), not an error."""
    return math.sqrt(x) if x >= 0 else math.nan


def _iterate(
    y: FloatArray, v: FloatArray, estimator: str, maxiter: int, method: str, test: str, lvl: float
) -> tuple[int, float, float, int]:
    """Trim, re-estimate, count until ``k0`` is stable: (k0, se_k0, beta, iterations)."""
    k = y.size
    k0, k0_prev, iterations, beta, se_k0 = 0, -1, 0, 0.0, 0.0
    while k0 != k0_prev:
        k0_prev = k0
        iterations += 1
        if iterations > maxiter:
            raise ValueError(f"trim-and-fill did not converge in maxiter = {maxiter} iterations")
        beta = rma_uni(y[: k - k0], v[: k - k0], method=method, test=test, level=lvl).estimate
        raw, se_k0 = _k0(estimator, y - beta, k)
        k0, se_k0 = max(0, round(raw)), se_k0 if math.isnan(se_k0) else max(0.0, se_k0)
    return k0, se_k0, beta, iterations


def trimfill(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: str = "REML",
    side: str | None = None,
    estimator: str = "L0",
    maxiter: int = 100,
    test: str = "z",
    level: float = 95.0,
) -> TrimfillResult:
    """Trim-and-fill for the model ``rma_uni(yi, vi, method=method)``, as metafor's ``trimfill``.

    Studies are mirrored about the pooled estimate: iterate (1) pool the ``k - k0`` least extreme
    studies, (2) rank ``|y_i - beta|``, (3) ``k0`` from the signed ranks (``L0``:
    ``(4 S_r - k(k+1)) / (2k - 1)``; ``R0``: ``k - r* - 1`` with ``r*`` the rightmost run
    length; ``Q0``), rounded and truncated at 0, until ``k0`` stops changing.  The ``k0`` most
    extreme studies are filled as ``2 beta - y_i`` and the model is refitted.  ``side=None``
    estimates the side from the sign of the slope of ``yi`` on ``sqrt(vi)`` (metafor's rule).

    Raises
    ------
    ValueError
        Unknown estimator/side, fewer than 2 studies, or no convergence in ``maxiter`` steps.
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown estimator {estimator!r}; choose one of {', '.join(ESTIMATORS)}")
    if side not in (None, "left", "right"):
        raise ValueError(f"unknown side {side!r}; choose 'left', 'right' or None (estimate it)")
    y0, v0 = check_yv(yi, vi, 2)
    lvl = level_percent(level)
    original = rma_uni(y0, v0, method=method, test=test, level=lvl)
    side = side or _side(y0, v0, method)
    flip = -1.0 if side == "right" else 1.0
    order = np.argsort(flip * y0, kind="stable")  # R's sort(): radix, stable
    y, v = (flip * y0)[order], v0[order]
    k = y.size
    k0, se_k0, beta, iterations = _iterate(y, v, estimator, maxiter, method, test, lvl)
    p_k0 = 0.5 ** (k0 + 1) if estimator == "R0" else float("nan")  # 1 - sum_{m=-1}^{k0-1} .5^(m+2)
    if k0 == 0:
        fill = np.zeros(k, bool)
        return TrimfillResult(0, se_k0, side, estimator, p_k0, y0, v0, fill, original, iterations)
    y_c = y - beta
    y_c = -1 * (y_c - beta) if side == "right" else y_c - beta
    yi_fill = np.concatenate([y0, -1 * y_c[k - k0 :]])
    vi_fill = np.concatenate([v0, v[k - k0 :]])
    fit = rma_uni(yi_fill, vi_fill, method=method, test=test, level=lvl)
    fill = np.r_[np.zeros(k, bool), np.ones(k0, bool)]
    return TrimfillResult(k0, se_k0, side, estimator, p_k0, yi_fill, vi_fill, fill, fit, iterations)

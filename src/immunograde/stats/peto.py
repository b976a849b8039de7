"""Peto's one-step pooled odds ratio, as metafor's ``rma.peto`` (metafor 3.8-1).

References
----------
Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985). Beta blockade during and after myocardial
infarction: an overview of the randomized trials. Prog Cardiovasc Dis 27:335-371.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import chdtrc, ndtr, ndtri  # the cephes routines behind scipy.stats

from immunograde.stats.escalc_checks import level_alpha
from immunograde.stats.mh import i2_from_q, prepare_tables, rmax0

__all__ = ["PetoResult", "rma_peto"]


@dataclass(frozen=True)
class PetoResult:
    """Result of :func:`rma_peto` (log odds ratio scale; ``*_exp`` back-transformed)."""

    k: int
    k_yi: int
    k_pos: int
    estimate: float
    se: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float
    estimate_exp: float
    ci_low_exp: float
    ci_high_exp: float
    tau2: float
    q: float
    q_p: float
    i2: float
    h2: float


def rma_peto(
    ai: object,
    bi: object = None,
    ci: object = None,
    di: object = None,
    *,
    n1i: object = None,
    n2i: object = None,
    add: float | tuple[float, float] = 0.5,
    to: str | tuple[str, str] = "only0",
    drop00: bool | tuple[bool, bool] = True,
    level: float = 95.0,
) -> PetoResult:
    """Peto's pooled log odds ratio ``sum(O - E) / sum(V)`` with ``se = 1/sqrt(sum(V))``.

    Per table: ``E = (a + c) n1 / N``, ``V = (a + c)(b + d)(n1/N)(n2/N)/(N - 1)``.
    Heterogeneity as metafor: ``Q = sum((O - E)^2 / V) - (sum(O - E))^2 / sum(V)`` over tables
    with ``V > 0``; ``I2``/``H2`` use ``k_yi - 1`` degrees of freedom (``k_yi`` = tables with a
    computable escalc PETO outcome); ``p = 1``, ``I2 = 0``, ``H2 = 1`` when ``k_pos <= 1``.
    ``add``/``to``/``drop00`` pairs (yi/vi stage, pooling stage) follow metafor.

    Raises
    ------
    ValueError
        If one of the two outcomes never occurs in any table (``sum(V) = 0``).
    """
    t = prepare_tables(
        "PETO", ai, bi, ci, di, n1i=n1i, n2i=n2i, add=add, to=to, drop00=drop00
    )  # fmt: skip
    n1, n2 = t.ai + t.bi, t.ci + t.di
    ni = n1 + n2
    xt, yt = t.ai + t.ci, t.bi + t.di
    ei = xt * n1 / ni
    vi = xt * yt * (n1 / ni) * (n2 / ni) / (ni - 1)
    sum_v = float(np.sum(vi))
    if sum_v == 0:
        raise ValueError(
            "one of the two outcomes never occurred in any table; Peto's method cannot be used"
        )
    beta = float(np.sum(t.ai - ei)) / sum_v
    se = float(np.sqrt(1 / sum_v))
    z = float(-ndtri(level_alpha(level) / 2))
    stat = beta / se
    k_pos = int(np.sum(vi > 0))
    pos = vi > 0
    q = rmax0(
        float(np.sum((t.ai[pos] - ei[pos]) ** 2 / vi[pos]))
        - float(np.sum(t.ai - ei)) ** 2 / float(np.sum(vi[pos]))
    )
    k_yi = int(t.yi.shape[0])
    if k_pos > 1:
        i2 = i2_from_q(q, k_yi - 1)
        q_p, h2 = float(chdtrc(k_yi - 1, q)), q / (k_yi - 1)
    else:
        q_p, i2, h2 = 1.0, 0.0, 1.0
    lo, hi = beta - z * se, beta + z * se
    return PetoResult(
        t.k, k_yi, k_pos, beta, se, stat, float(2 * ndtr(-abs(stat))), lo, hi,
        float(np.exp(beta)), float(np.exp(lo)), float(np.exp(hi)), 0.0, q, q_p, i2, h2,
    )  # fmt: skip

"""Mantel-Haenszel incidence rate ratio (person-time data), as metafor's ``rma.mh(measure="IRR")``.

References
----------
Greenland S, Robins JM (1985). Estimation of a common effect parameter from sparse follow-up
data. Biometrics 41:55-68.
Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd ed., ch. 15.
"""

from __future__ import annotations

import numpy as np
from scipy.special import chdtrc, ndtr, ndtri

from immunograde.stats.escalc import escalc
from immunograde.stats.escalc_checks import level_alpha
from immunograde.stats.mh import NAN, MHResult, heterogeneity, pair

__all__ = ["rma_mh_irr"]


def rma_mh_irr(
    x1i: object,
    t1i: object,
    x2i: object,
    t2i: object,
    *,
    add: float | tuple[float, float] = 0.5,
    to: str | tuple[str, str] = "only0",
    drop00: bool | tuple[bool, bool] = True,
    correct: bool = True,
    level: float = 95.0,
) -> MHResult:
    """Mantel-Haenszel pooled log incidence rate ratio with the MH test, as metafor.

    ``IRR = sum(x1 t2 / T) / sum(x2 t1 / T)``, ``T = t1 + t2``;
    ``Var(log IRR) = sum(t1 t2 x / T^2) / (R S)`` (Greenland & Robins 1985), ``x = x1 + x2``;
    MH test ``(|sum(x1 - x t1/T)| - 0.5)^2 / sum(x t1 t2 / T^2)`` on 1 df (``correct=False``
    drops the 0.5).  ``Q``/``I2``/``H2`` from escalc IRR ``yi``/``vi`` around the estimate.
    """
    add2, to2, drop2 = pair(add, 0.0), pair(to, "none"), pair(drop00, False)
    es = escalc(
        "IRR", x1i=x1i, t1i=t1i, x2i=x2i, t2i=t2i, add=add2[0], to=to2[0], drop00=bool(drop2[0])
    )
    x1, t1, x2, t2 = _rate_tables(x1i, t1i, x2i, t2i, add2[1], to2[1], bool(drop2[1]))
    big_t = t1 + t2
    r, s = float(np.sum(x1 * (t2 / big_t))), float(np.sum(x2 * (t1 / big_t)))
    if float(np.sum(x1)) == 0 or float(np.sum(x2)) == 0:
        beta = se = NAN
    else:
        beta = float(np.log(r / s))
        se = float(np.sqrt(np.sum((t1 / big_t) * (t2 / big_t) * (x1 + x2)) / (r * s)))
    z = float(-ndtri(level_alpha(level) / 2))
    stat = beta / se
    p = float(2 * ndtr(-abs(stat))) if not np.isnan(stat) else NAN
    xt = x1 + x2
    if float(np.sum(xt)) == 0:
        mh = mh_p = NAN
    else:
        num = (abs(float(np.sum(x1 - xt * (t1 / big_t)))) - (0.5 if correct else 0.0)) ** 2
        mh = num / float(np.sum(xt * (t1 / big_t) * (t2 / big_t)))
        mh_p = float(chdtrc(1, mh))
    ok = ~(np.isnan(es.yi) | np.isnan(es.vi))
    yi, vi = es.yi[ok], es.vi[ok]
    q, q_p, i2, h2 = heterogeneity(yi, vi, beta)
    lo, hi = beta - z * se, beta + z * se
    return MHResult(
        "IRR", int(x1.size), int(yi.size), beta, se, stat, p, lo, hi,
        float(np.exp(beta)), float(np.exp(lo)), float(np.exp(hi)), 0.0, q, q_p, i2, h2,
        cmh=mh, cmh_p=mh_p,
    )  # fmt: skip


def _rate_tables(
    x1i: object, t1i: object, x2i: object, t2i: object, add: float, to: str, drop00: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Counts and person-times for pooling: drop studies without events (``drop00``), then add
    ``add`` to the counts chosen by ``to`` (metafor's second-stage ``add``/``to``/``drop00``)."""
    x1, x2 = np.asarray(x1i, dtype=float), np.asarray(x2i, dtype=float)
    t1, t2 = np.asarray(t1i, dtype=float), np.asarray(t2i, dtype=float)
    keep = ~((x1 == 0) & (x2 == 0)) if drop00 else np.ones(x1.shape, bool)
    if not keep.any():
        raise ValueError("no studies left after dropping those without events (k = 0)")
    x1, x2, t1, t2 = x1[keep], x2[keep], t1[keep], t2[keep]
    if to not in ("all", "only0", "if0all", "none"):
        raise ValueError(f"unknown to={to!r}; choose one of all, only0, if0all, none")
    zero = (x1 == 0) | (x2 == 0)
    every = np.ones(x1.shape, bool)
    flag = {"all": every, "only0": zero, "if0all": every & zero.any(), "none": ~every}[to]
    inc = np.where(flag, float(add), 0.0)
    return x1 + inc, t1, x2 + inc, t2

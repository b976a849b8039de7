"""Mantel-Haenszel fixed-effect pooling of 2x2 tables, as metafor's ``rma.mh`` (metafor 3.8-1).

References
----------
Mantel N, Haenszel W (1959). J Natl Cancer Inst 22:719-748.
Robins J, Breslow N, Greenland S (1986). Estimators of the Mantel-Haenszel variance consistent in
both sparse data and large-strata limiting models. Biometrics 42:311-323.
Greenland S, Robins JM (1985). Estimation of a common effect parameter from sparse follow-up
data. Biometrics 41:55-68.
Sato T, Greenland S, Robins JM (1989). On the variance estimator for the Mantel-Haenszel risk
difference. Biometrics 45:1323-1324.
Breslow NE, Day NE (1980). Statistical Methods in Cancer Research I. IARC.  Tarone RE (1985).
On heterogeneity tests based on efficient scores. Biometrika 72:91-95.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import chdtrc, ndtr, ndtri  # the cephes routines behind scipy.stats

from immunograde.stats.escalc import EffectSizes, escalc
from immunograde.stats.escalc_checks import FloatArray, level_alpha

__all__ = ["MHResult", "Tables", "heterogeneity", "pair", "prepare_tables", "rma_mh"]

NAN = float("nan")


def rmax0(x: float) -> float:
    """R's ``max(0, x)``: NaN stays NaN (Python's ``max`` would return 0)."""
    return x if np.isnan(x) else max(0.0, x)


def i2_from_q(q: float, df: float) -> float:
    """Higgins and Thompson's I2 (percent) from Cochran's ``Q`` on ``df`` degrees of freedom, as metafor
    writes it: R's ``max(0, 100 (Q - df) / Q)`` - 0 when Q is 0 (R: ``max(0, -Inf)``), NaN when Q is NaN.
    (The batch fits compute the same expression on arrays: :mod:`immunograde.stats.batch`.)"""
    return 0.0 if q == 0 else rmax0(100 * (q - df) / q)


@dataclass(frozen=True, eq=False)
class Tables:
    """2x2 tables after metafor's second-stage handling, plus the escalc'd ``yi``/``vi``."""

    ai: FloatArray
    bi: FloatArray
    ci: FloatArray
    di: FloatArray
    yi: FloatArray
    vi: FloatArray
    effect_sizes: EffectSizes

    @property
    def k(self) -> int:
        return int(self.ai.shape[0])


def pair(value: object, second: object) -> tuple:
    """metafor's ``add``/``to``/``drop00``: one value applies to the yi/vi stage only."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"give one value or two (yi/vi stage, pooling stage); got {value!r}")
        return tuple(value)
    return (value, second)


def prepare_tables(
    measure: str,
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
) -> Tables:
    """Compute ``yi``/``vi`` with (add[0], to[0], drop00[0]) and the tables used for pooling.

    As ``rma.mh``/``rma.peto``: tables that are double-zero are removed when ``drop00[1]``,
    ``yi``/``vi`` that are NA are removed for the heterogeneity statistics, and the pooling
    stage adds ``add[1]`` to the cells chosen by ``to[1]`` (default ``0``/``"none"``).
    """
    add2, to2, drop2 = pair(add, 0.0), pair(to, "none"), pair(drop00, False)
    es = escalc(
        measure, ai=ai, bi=bi, ci=ci, di=di, n1i=n1i, n2i=n2i,
        add=add2[0], to=to2[0], drop00=bool(drop2[0]),
    )  # fmt: skip
    a = np.asarray(ai, dtype=float)
    c = np.asarray(ci, dtype=float)
    b = np.asarray(n1i, dtype=float) - a if bi is None else np.asarray(bi, dtype=float)
    d = np.asarray(n2i, dtype=float) - c if di is None else np.asarray(di, dtype=float)
    keep = np.ones(a.shape, bool)
    if drop2[1]:
        keep = ~(((a == 0) & (c == 0)) | ((b == 0) & (d == 0)))
    if not keep.any():
        raise ValueError("no tables left after dropping double-zero studies (k = 0)")
    a, b, c, d = a[keep], b[keep], c[keep], d[keep]
    if to2[1] not in ("all", "only0", "if0all", "none"):
        raise ValueError(f"unknown to={to2[1]!r}; choose one of all, only0, if0all, none")
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    every = np.ones(a.shape, bool)
    flag = {"all": every, "only0": zero, "if0all": every & zero.any(), "none": ~every}[to2[1]]
    inc = np.where(flag, float(add2[1]), 0.0)
    ok = ~(np.isnan(es.yi) | np.isnan(es.vi))
    return Tables(a + inc, b + inc, c + inc, d + inc, es.yi[ok], es.vi[ok], es)


def heterogeneity(yi: FloatArray, vi: FloatArray, beta: float) -> tuple[float, float, float, float]:
    """Cochran's Q around the pooled ``beta`` with ``I2`` (percent) and ``H2``, as metafor.

    ``Q = sum(w (y - beta)^2)``, ``w = 1/v``; ``I2 = max(0, 100 (Q - (k-1)) / Q)``,
    ``H2 = Q/(k-1)``; for ``k <= 1``: ``Q = 0``, ``p = 1``, ``I2 = 0``, ``H2 = 1``.
    """
    k = yi.shape[0]
    if k <= 1:
        return 0.0, 1.0, 0.0, 1.0
    q = rmax0(float(np.sum((1 / vi) * (yi - beta) ** 2)))
    if np.isnan(q):
        return NAN, NAN, NAN, NAN
    q_p = float(chdtrc(k - 1, q))
    i2 = i2_from_q(q, k - 1)
    return q, q_p, i2, q / (k - 1)


@dataclass(frozen=True)
class MHResult:
    """Result of :func:`rma_mh` (metafor names; ``*_exp`` back-transformed for OR/RR).

    ``cmh``/``cmh_p`` is the Cochran-Mantel-Haenszel test metafor prints (its ``MH``, variance
    with ``N - 1``); ``co``/``co_p`` is Cochran's version (its ``CO``, variance with ``N``);
    ``bd``/``bd_p`` Breslow-Day and ``ta``/``ta_p`` Tarone-corrected Breslow-Day (OR only).
    """

    measure: str
    k: int
    k_yi: int
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
    cmh: float = NAN
    cmh_p: float = NAN
    co: float = NAN
    co_p: float = NAN
    bd: float = NAN
    bd_p: float = NAN
    ta: float = NAN
    ta_p: float = NAN
    k_pos: int | None = None


def _or_ratio(t: Tables) -> tuple[FloatArray, FloatArray, float, float]:
    ni = t.ai + t.bi + t.ci + t.di
    ri, si = (t.ai / ni) * t.di, (t.bi / ni) * t.ci
    return ri, si, float(np.sum(ri)), float(np.sum(si))


def _or(t: Tables) -> tuple[float, float]:
    ni = t.ai + t.bi + t.ci + t.di
    pi, qi = t.ai / ni + t.di / ni, t.bi / ni + t.ci / ni
    ri, si, r, s = _or_ratio(t)
    if r == 0 or s == 0:
        return NAN, NAN
    var = 0.5 * (
        np.sum(pi * ri) / r**2 + np.sum(pi * si + qi * ri) / (r * s) + np.sum(qi * si) / s**2
    )
    return float(np.log(r / s)), float(np.sqrt(var))


def _rr(t: Tables) -> tuple[float, float]:
    n1, n2 = t.ai + t.bi, t.ci + t.di
    ni = n1 + n2
    r, s = float(np.sum(t.ai * (n2 / ni))), float(np.sum(t.ci * (n1 / ni)))
    if float(np.sum(t.ai)) == 0 or float(np.sum(t.ci)) == 0:
        return NAN, NAN
    var = np.sum((n1 / ni) * (n2 / ni) * (t.ai + t.ci) - (t.ai / ni) * t.ci) / (r * s)
    return float(np.log(r / s)), float(np.sqrt(var))


def _rd(t: Tables) -> tuple[float, float]:
    a, c = t.ai, t.ci
    n1, n2 = t.ai + t.bi, t.ci + t.di
    ni = n1 + n2
    den = float(np.sum(n1 * (n2 / ni)))
    beta = float(np.sum(a * (n2 / ni) - c * (n1 / ni))) / den
    part = np.sum(c * (n1 / ni) ** 2 - a * (n2 / ni) ** 2 + (n1 / ni) * (n2 / ni) * (n2 - n1) / 2)
    var = (beta * part + np.sum(a * (n2 - c) / ni + c * (n1 - a) / ni) / 2) / den**2
    return beta, float(np.sqrt(var))


def _cmh_tests(t: Tables, correct: bool) -> tuple[float, float, float, float]:
    n1, n2 = t.ai + t.bi, t.ci + t.di
    ni = n1 + n2
    xt, yt = t.ai + t.ci, t.bi + t.di
    if float(np.sum(xt)) == 0 or float(np.sum(yt)) == 0:
        return NAN, NAN, NAN, NAN
    num = (abs(float(np.sum(t.ai - (n1 / ni) * xt))) - (0.5 if correct else 0.0)) ** 2
    co = num / float(np.sum((n1 / ni) * (n2 / ni) * (xt * (yt / ni))))
    cmh = num / float(np.sum((n1 / ni) * (n2 / ni) * (xt * (yt / (ni - 1)))))
    return cmh, float(chdtrc(1, cmh)), co, float(chdtrc(1, co))


def _breslow_day(t: Tables, psi: float) -> tuple[float, float, float, float, int]:
    """Breslow-Day test with Tarone's correction at the MH odds ratio ``psi``."""
    if np.isnan(psi):
        return NAN, NAN, NAN, NAN, 0
    n1, n2 = t.ai + t.bi, t.ci + t.di
    ni = n1 + n2
    xt, yt = t.ai + t.ci, t.bi + t.di
    if psi == 1:
        n11 = (n1 / ni) * xt
    else:
        big_a = psi * (n1 + xt) + (n2 - xt)
        big_b = np.sqrt(big_a**2 - 4 * n1 * xt * psi * (psi - 1))
        n11 = (big_a - big_b) / (2 * (psi - 1))
    pos = (n11 > 0) & (xt > 0) & (yt > 0)
    k_pos = int(np.sum(pos))
    n11 = n11[pos]
    n12, n21 = n1[pos] - n11, xt[pos] - n11
    n22 = n11 - n1[pos] - xt[pos] + ni[pos]
    inv = (1 / n11 + 1 / n12 + 1 / n21 + 1 / n22) ** -1
    dev = t.ai[pos] - n11
    bd = rmax0(float(np.sum(dev**2 / inv)))
    ta = rmax0(bd - float(np.sum(dev)) ** 2 / float(np.sum(inv)))
    if k_pos > 1:
        return bd, float(chdtrc(k_pos - 1, bd)), ta, float(chdtrc(k_pos - 1, ta)), k_pos
    return bd, NAN, ta, NAN, k_pos


def rma_mh(
    ai: object = None,
    bi: object = None,
    ci: object = None,
    di: object = None,
    *,
    n1i: object = None,
    n2i: object = None,
    x1i: object = None,
    t1i: object = None,
    x2i: object = None,
    t2i: object = None,
    measure: str = "OR",
    add: float | tuple[float, float] = 0.5,
    to: str | tuple[str, str] = "only0",
    drop00: bool | tuple[bool, bool] = True,
    correct: bool = True,
    level: float = 95.0,
) -> MHResult:
    """Mantel-Haenszel pooled OR, RR, RD (2x2 tables) or IRR (``x1i, t1i, x2i, t2i``), as ``rma.mh``.

    OR: ``psi = sum(a d / N) / sum(b c / N)`` with the Robins-Breslow-Greenland variance of
    ``log psi``.  RR: ``sum(a n2 / N) / sum(c n1 / N)`` with the Greenland-Robins variance.
    RD: ``sum(a n2/N - c n1/N) / sum(n1 n2 / N)`` with the Sato-Greenland-Robins variance.
    ``Q``/``I2``/``H2`` come from the escalc'd ``yi``/``vi`` (``add``, ``to``, ``drop00`` first
    values) around the MH estimate; the pooling uses the raw tables (second values: ``0``,
    ``"none"``, ``False``).  Defaults are metafor's; ``level`` as metafor (95 or 0.95).
    IRR: see :func:`immunograde.stats.mh_rates.rma_mh_irr`.
    """
    measure = measure.upper()
    if measure == "IRR":
        from immunograde.stats.mh_rates import rma_mh_irr

        opts = {"add": add, "to": to, "drop00": drop00, "correct": correct, "level": level}
        return rma_mh_irr(x1i, t1i, x2i, t2i, **opts)  # type: ignore[arg-type]
    if measure not in ("OR", "RR", "RD"):
        raise ValueError(f"rma_mh supports measure OR, RR, RD or IRR; got {measure!r}")
    if ai is None:
        raise ValueError(
            f"measure {measure} needs the 2x2 counts ai, bi, ci, di (or ai, n1i, ci, n2i)"
        )
    t = prepare_tables(
        measure, ai, bi, ci, di, n1i=n1i, n2i=n2i, add=add, to=to, drop00=drop00
    )  # fmt: skip
    beta, se = {"OR": _or, "RR": _rr, "RD": _rd}[measure](t)
    z = float(-ndtri(level_alpha(level) / 2))
    lo, hi = beta - z * se, beta + z * se
    with np.errstate(divide="ignore", invalid="ignore"):  # se 0 (no events anywhere, RD): as R,
        stat = float(np.divide(beta, se))  # 0/0 is NaN and x/0 is +-Inf, not an exception
    p = float(2 * ndtr(-abs(stat))) if not np.isnan(stat) else NAN
    q, q_p, i2, h2 = heterogeneity(t.yi, t.vi, beta)
    extra: dict[str, float | int] = {}
    if measure == "OR":
        cmh, cmh_p, co, co_p = _cmh_tests(t, correct)
        _, _, r, s = _or_ratio(t)
        bd, bd_p, ta, ta_p, k_pos = _breslow_day(t, r / s if r != 0 and s != 0 else NAN)
        extra = {"cmh": cmh, "cmh_p": cmh_p, "co": co, "co_p": co_p, "bd": bd, "bd_p": bd_p}
        extra.update({"ta": ta, "ta_p": ta_p, "k_pos": k_pos})
    expo = (lambda x: float(np.exp(x))) if measure != "RD" else (lambda x: NAN)
    return MHResult(
        measure, t.k, int(t.yi.shape[0]), beta, se, stat, p, lo, hi,
        expo(beta), expo(lo), expo(hi), 0.0, q, q_p, i2, h2, **extra,  # type: ignore[arg-type]
    )  # fmt: skip

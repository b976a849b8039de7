"""Effect sizes and sampling variances, as metafor's ``escalc`` (metafor 3.8-1).

Same measure names, arguments and defaults as metafor: ``add=1/2`` (0 for ``"AS"``),
``to="only0"``, ``drop00=False``, ``vtype="LS"``.  Rows whose outcome cannot be computed
(dropped double-zero studies, ``to="none"`` with a zero cell, ...) get ``nan`` for ``yi``/``vi``
exactly where metafor gives ``NA``.  Unlike metafor, impossible inputs (events > group size,
negative counts, sd <= 0, |r| > 1, missing values) raise ``ValueError`` naming the row and column.

References
----------
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. J Stat Softw 36(3).
Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009). Introduction to Meta-Analysis. Wiley.
Hedges LV (1981). Distribution theory for Glass's estimator of effect size. J Educ Stat 6:107-128.
"""

from __future__ import annotations

import numpy as np

from immunograde.stats import dist
from immunograde.stats.escalc_checks import (
    EffectSizes,
    FloatArray,
    check_nonneg,
    check_positive,
    check_sizes,
    check_vtype,
    columns,
    corrections,
    finish,
    wmean,
)
from immunograde.stats.escalc_single import correlation, generic, mean, proportion, rate_ratio
from immunograde.stats.measures import FORM_MEASURES

__all__ = ["MEASURES", "EffectSizes", "cmicalc", "escalc", "from_ci"]

BINARY = FORM_MEASURES["binary"]  #: measures of 2x2 tables (the one vocabulary: .measures)
TWO_GROUP = FORM_MEASURES["continuous"]
MEASURES = (*BINARY, *TWO_GROUP, "COR", "ZCOR", "PR", "PLO", "MN", "IRR", "GEN")
TO_OPTIONS = ("all", "only0", "if0all", "none")


def cmicalc(mi: FloatArray) -> FloatArray:
    """Exact small-sample correction of Hedges' g (metafor ``.cmicalc``).

    ``c(m) = exp(lgamma(m/2) - log(sqrt(m/2)) - lgamma((m-1)/2))``, ``nan`` for ``m <= 1``
    (Hedges 1981, eq. 6e; the gamma-function form, not the ``1 - 3/(4m-1)`` approximation).
    """
    from scipy.special import gammaln  # only Hedges' g needs it: imported on first use

    mi = np.asarray(mi, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.exp(gammaln(mi / 2) - np.log(np.sqrt(mi / 2)) - gammaln((mi - 1) / 2))
    return np.where(mi <= 1, np.nan, out)


def _binary(
    measure: str, cols: dict[str, FloatArray], add: float, to: str, drop00: bool, vtype: str
) -> EffectSizes:
    a, b, c, d = cols["ai"], cols["bi"], cols["ci"], cols["di"]
    dropped = ((a == 0) & (c == 0)) | ((b == 0) & (d == 0)) if drop00 else np.zeros(a.shape, bool)
    inc, corrected = corrections((a == 0) | (b == 0) | (c == 0) | (d == 0), dropped, add, to)
    a, b, c, d = a + inc, b + inc, c + inc, d + inc
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    keep = ~dropped
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            yi = np.log(p1) - np.log(p2)
            vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
        elif measure == "OR":
            yi = np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2))
            vi = 1 / a + 1 / b + 1 / c + 1 / d
        elif measure == "RD":
            yi = p1 - p2
            vi = _rd_variance(p1, p2, n1, n2, keep, vtype)
        elif measure == "PETO":
            ni, xt, yt = n1 + n2, a + c, b + d
            big_vi = xt * yt * (n1 / ni) * (n2 / ni) / (ni - 1)
            yi = (a - xt * n1 / ni) / big_vi
            vi = 1 / big_vi
        else:  # AS
            yi = np.arcsin(np.sqrt(p1)) - np.arcsin(np.sqrt(p2))
            vi = 1 / (4 * n1) + 1 / (4 * n2)
    yi, vi = np.where(dropped, np.nan, yi), np.where(dropped, np.nan, vi)
    ni_u = cols["ai"] + cols["bi"] + cols["ci"] + cols["di"]
    return finish(measure, yi, vi, corrected, dropped, ni_u)


def _rd_variance(
    p1: FloatArray, p2: FloatArray, n1: FloatArray, n2: FloatArray, keep: np.ndarray, vtype: str
) -> FloatArray:
    check_vtype("RD", vtype, ("LS", "UB", "AV"))
    if vtype == "UB":
        return p1 * (1 - p1) / (n1 - 1) + p2 * (1 - p2) / (n2 - 1)
    if vtype == "AV":
        m1, m2 = wmean(p1, n1, keep), wmean(p2, n2, keep)
        return m1 * (1 - m1) / n1 + m2 * (1 - m2) / n2
    return p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2


def _two_group(measure: str, cols: dict[str, FloatArray], vtype: str) -> EffectSizes:
    m1, m2, sd1, sd2, n1, n2 = (cols[n] for n in ("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i"))
    ni = n1 + n2
    mi = ni - 2
    with np.errstate(divide="ignore", invalid="ignore"):  # mi = 0: NA rows, as metafor
        sdpi = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / mi)
    if measure == "MD":
        check_vtype(measure, vtype, ("LS", "UB", "HO"))
        yi = m1 - m2
        vi = sdpi**2 * (1 / n1 + 1 / n2) if vtype == "HO" else sd1**2 / n1 + sd2**2 / n2
    elif measure == "SMD":
        check_vtype(measure, vtype, ("LS", "UB", "LS2", "AV"))
        cmi = cmicalc(mi)
        di = (m1 - m2) / sdpi
        yi = cmi * di
        if vtype == "UB":
            vi = 1 / n1 + 1 / n2 + (1 - (mi - 2) / (mi * cmi**2)) * yi**2
        elif vtype == "LS2":
            vi = cmi**2 * (1 / n1 + 1 / n2 + di**2 / (2 * ni))
        elif vtype == "AV":
            vi = 1 / n1 + 1 / n2 + wmean(yi, ni, np.ones(ni.shape, bool)) ** 2 / (2 * ni)
        else:
            vi = 1 / n1 + 1 / n2 + yi**2 / (2 * ni)
    else:  # ROM
        check_vtype(measure, vtype, ("LS", "HO"))
        for name, m in (("m1i", m1), ("m2i", m2)):
            check_positive(name, m, "measure ROM needs positive means (log of a ratio)")
        yi = np.log(m1 / m2)
        s1, s2 = (sdpi, sdpi) if vtype == "HO" else (sd1, sd2)
        vi = s1**2 / (n1 * m1**2) + s2**2 / (n2 * m2**2)
    none = np.zeros(ni.shape, bool)
    return finish(measure, yi, vi, none, none, ni)


_REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    **{m: (("ai", "bi", "ci", "di"), ("ai", "n1i", "ci", "n2i")) for m in BINARY},
    **{m: (("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),) for m in TWO_GROUP},
    "COR": (("ri", "ni"),),
    "ZCOR": (("ri", "ni"),),
    "PR": (("xi", "ni"),),
    "PLO": (("xi", "ni"),),
    "MN": (("mi", "sdi", "ni"),),
    "IRR": (("x1i", "t1i", "x2i", "t2i"),),
    "GEN": (("yi", "vi"), ("yi", "sei")),
}


def escalc(
    measure: str,
    *,
    add: float | None = None,
    to: str = "only0",
    drop00: bool = False,
    vtype: str = "LS",
    **arrays: object,
) -> EffectSizes:
    """Compute effect sizes ``yi`` and sampling variances ``vi`` as metafor's ``escalc``.

    Parameters
    ----------
    measure : str
        ``"OR"`` log odds ratio, ``"RR"`` log risk ratio, ``"RD"`` risk difference, ``"PETO"``
        Peto log odds ratio, ``"AS"`` arcsine square-root risk difference (``ai, bi, ci, di`` or
        ``ai, n1i, ci, n2i``); ``"MD"``, ``"SMD"`` (Hedges' g), ``"ROM"`` log ratio of means
        (``m1i, sd1i, n1i, m2i, sd2i, n2i``); ``"COR"``, ``"ZCOR"`` (``ri, ni``); ``"PR"``,
        ``"PLO"`` (``xi, ni``); ``"MN"`` raw mean of one group (``mi, sdi, ni``); ``"IRR"`` (``x1i, t1i, x2i, t2i``); ``"GEN"`` (``yi`` with
        ``vi`` or ``sei``).
    add, to, drop00 : continuity correction as metafor: ``add`` (default 1/2, but 0 for
        ``"AS"``) is added to every cell of the rows chosen by ``to`` (``"only0"`` rows with a
        zero cell, ``"all"``, ``"if0all"`` all rows if any has a zero cell, ``"none"``);
        ``drop00=True`` sets double-zero rows (no events or no non-events in both groups) to nan.
    vtype : str
        Variance type (``"LS"`` large-sample; also ``"UB"``/``"AV"``/``"HO"``/``"LS2"`` where
        metafor offers them for these measures).

    Notes
    -----
    OR: ``yi = log(a d / (b c))``, ``vi = 1/a + 1/b + 1/c + 1/d``.  RR: ``yi = log(p1/p2)``,
    ``vi = 1/a - 1/n1 + 1/c - 1/n2``.  SMD: ``yi = c(m) (m1 - m2)/s_p``, ``m = n1 + n2 - 2``,
    ``c(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))``, ``vi = 1/n1 + 1/n2 + yi^2/(2 (n1+n2))``.
    PETO: ``yi = (a - E)/V``, ``vi = 1/V`` with hypergeometric ``E``, ``V``.

    Raises
    ------
    ValueError
        Unknown measure/option, missing or non-finite inputs, or impossible values (row and
        column named in the message).
    """
    measure = measure.upper()
    if measure not in _REQUIRED:
        raise ValueError(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}")
    if to not in TO_OPTIONS:
        raise ValueError(f"unknown to={to!r}; choose one of {TO_OPTIONS}")
    add_value = (0.0 if measure == "AS" else 0.5) if add is None else float(add)
    cols = columns(measure, _REQUIRED[measure], arrays)
    if measure in BINARY:
        return _binary(measure, _complete_table(cols), add_value, to, drop00, vtype)
    if measure in TWO_GROUP:
        for name in ("sd1i", "sd2i"):
            check_positive(name, cols[name], "standard deviations must be > 0")
        for name in ("n1i", "n2i"):
            check_positive(name, cols[name], "group sizes must be > 0")
        return _two_group(measure, cols, vtype)
    if measure in ("COR", "ZCOR"):
        return correlation(measure, cols, vtype)
    if measure in ("PR", "PLO"):
        return proportion(measure, cols, add_value, to, vtype)
    if measure == "MN":
        return mean(cols, vtype)
    if measure == "IRR":
        return rate_ratio(cols, add_value, to, drop00)
    return generic(cols)


def _complete_table(cols: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """Fill ``bi``/``di`` from ``n1i``/``n2i`` and check the 2x2 counts."""
    out = dict(cols)
    for n, (e, ne) in {"n1i": ("ai", "bi"), "n2i": ("ci", "di")}.items():
        if n in out and ne in out:  # both forms given: they must agree (as metafor)
            bad = np.flatnonzero(out[n] != out[e] + out[ne])
            if bad.size:
                raise ValueError(f"row {bad[0]}: column {n!r} is not equal to {e} + {ne}")
    if "bi" not in out:
        check_sizes("ai", out["ai"], "n1i", out["n1i"])
        check_sizes("ci", out["ci"], "n2i", out["n2i"])
        out["bi"], out["di"] = out["n1i"] - out["ai"], out["n2i"] - out["ci"]
    for name in ("ai", "bi", "ci", "di"):
        check_nonneg(name, out[name])
    return out


def from_ci(
    estimate: object,
    ci_low: object,
    ci_high: object,
    *,
    ratio: bool = True,
    level: float = 0.95,
) -> EffectSizes:
    """Effect sizes from a reported estimate and its confidence interval.

    For a ratio (hazard ratio, odds ratio, ...): ``yi = log(estimate)`` and
    ``se = (log(ci_high) - log(ci_low)) / (2 z)`` with ``z = qnorm(1 - (1 - level)/2)``
    (Cochrane Handbook 6.3.2 / 6.5.2.3); for a difference the same without logs.  Returns a
    ``"GEN"`` :class:`EffectSizes` with ``vi = se^2``.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), e.g. 0.95; got {level}")
    cols = columns(
        "from_ci",
        (("estimate", "ci_low", "ci_high"),),
        {"estimate": estimate, "ci_low": ci_low, "ci_high": ci_high},
    )
    est, lo, hi = cols["estimate"], cols["ci_low"], cols["ci_high"]
    if ratio:
        for name in ("estimate", "ci_low", "ci_high"):
            check_positive(
                name, cols[name], "ratios must be > 0 (pass ratio=False for differences)"
            )
        est, lo, hi = np.log(est), np.log(lo), np.log(hi)
    bad = np.flatnonzero(~((lo <= est) & (est <= hi) & (lo < hi)))
    if bad.size:
        i = bad[0]
        raise ValueError(
            f"row {i}: need ci_low <= estimate <= ci_high with ci_low < ci_high; "
            f"got {cols['ci_low'][i]}, {cols['estimate'][i]}, {cols['ci_high'][i]}"
        )
    sei = (hi - lo) / (2 * dist.ndtri(1 - (1 - level) / 2))
    return generic({"yi": est, "sei": sei})

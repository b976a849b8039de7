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

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln
from scipy.stats import norm

from immunograde.stats.escalc_checks import (
    FloatArray,
    check_nonneg,
    check_positive,
    check_sizes,
    columns,
    finite_or_nan,
)

__all__ = ["MEASURES", "EffectSizes", "cmicalc", "escalc", "from_ci"]

BINARY = ("OR", "RR", "RD", "PETO", "AS")
MEASURES = (*BINARY, "MD", "SMD", "ROM", "COR", "ZCOR", "PR", "PLO", "IRR", "GEN")
TO_OPTIONS = ("all", "only0", "if0all", "none")


@dataclass(frozen=True, eq=False)
class EffectSizes:
    """Observed outcomes ``yi`` with sampling variances ``vi`` (metafor's escalc output).

    Attributes
    ----------
    yi, vi : ndarray
        Outcomes and sampling variances; ``nan`` where metafor gives ``NA``.
    measure : str
        The metafor measure name (``"GEN"`` for supplied ``yi``/``vi``).
    corrected : ndarray of bool
        Rows that received the continuity correction ``add``.
    dropped : ndarray of bool
        Rows dropped as double-zero studies (``drop00=True``).
    ni : ndarray or None
        Total sample size per row (metafor's ``attr(yi, "ni")``), when known.
    """

    yi: FloatArray
    vi: FloatArray
    measure: str
    corrected: np.ndarray
    dropped: np.ndarray
    ni: FloatArray | None = None

    @property
    def sei(self) -> FloatArray:
        """Standard errors ``sqrt(vi)``."""
        return np.sqrt(self.vi)

    @property
    def k(self) -> int:
        """Number of rows."""
        return int(self.yi.shape[0])


def cmicalc(mi: FloatArray) -> FloatArray:
    """Exact small-sample correction of Hedges' g (metafor ``.cmicalc``).

    ``c(m) = exp(lgamma(m/2) - log(sqrt(m/2)) - lgamma((m-1)/2))``, ``nan`` for ``m <= 1``
    (Hedges 1981, eq. 6e; the gamma-function form, not the ``1 - 3/(4m-1)`` approximation).
    """
    mi = np.asarray(mi, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.exp(gammaln(mi / 2) - np.log(np.sqrt(mi / 2)) - gammaln((mi - 1) / 2))
    return np.where(mi <= 1, np.nan, out)


def _corrections(
    zero: np.ndarray, dropped: np.ndarray, add: float, to: str
) -> tuple[np.ndarray, np.ndarray]:
    """Return (increment per row, corrected flag) for metafor's ``to`` rule."""
    if to == "all":
        flag = ~dropped
    elif to == "only0":
        flag = zero & ~dropped
    elif to == "if0all":
        flag = ~dropped if bool(np.any(zero & ~dropped)) else np.zeros_like(zero)
    else:
        flag = np.zeros_like(zero)
    return np.where(flag, add, 0.0), flag & (add != 0)


def _binary(
    measure: str, cols: dict[str, FloatArray], add: float, to: str, drop00: bool, vtype: str
) -> EffectSizes:
    a, b, c, d = cols["ai"], cols["bi"], cols["ci"], cols["di"]
    dropped = ((a == 0) & (c == 0)) | ((b == 0) & (d == 0)) if drop00 else np.zeros(a.shape, bool)
    inc, corrected = _corrections((a == 0) | (b == 0) | (c == 0) | (d == 0), dropped, add, to)
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
    return _finish(measure, yi, vi, corrected, dropped, ni_u)


def _wmean(x: FloatArray, w: FloatArray, keep: np.ndarray) -> float:
    """metafor ``.wmean(x, w, na.rm=TRUE)`` over the rows in ``keep``."""
    ok = keep & ~np.isnan(x) & ~np.isnan(w)
    return float(np.sum(x[ok] * w[ok]) / np.sum(w[ok]))


def _rd_variance(
    p1: FloatArray, p2: FloatArray, n1: FloatArray, n2: FloatArray, keep: np.ndarray, vtype: str
) -> FloatArray:
    _check_vtype("RD", vtype, ("LS", "UB", "AV"))
    if vtype == "UB":
        return p1 * (1 - p1) / (n1 - 1) + p2 * (1 - p2) / (n2 - 1)
    if vtype == "AV":
        m1, m2 = _wmean(p1, n1, keep), _wmean(p2, n2, keep)
        return m1 * (1 - m1) / n1 + m2 * (1 - m2) / n2
    return p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2


def _check_vtype(measure: str, vtype: str, allowed: tuple[str, ...]) -> None:
    if vtype not in allowed:
        raise ValueError(
            f"vtype={vtype!r} is not available for measure {measure}; use one of {allowed}"
        )


def _finish(
    measure: str,
    yi: FloatArray,
    vi: FloatArray,
    corrected: np.ndarray,
    dropped: np.ndarray,
    ni: FloatArray | None,
) -> EffectSizes:
    """Recode +-Inf/NaN and negative variances to ``nan`` as metafor recodes them to NA."""
    yi, vi = finite_or_nan(yi, vi)
    return EffectSizes(yi, vi, measure, np.asarray(corrected, bool), np.asarray(dropped, bool), ni)


def _two_group(measure: str, cols: dict[str, FloatArray], vtype: str) -> EffectSizes:
    m1, m2, sd1, sd2, n1, n2 = (cols[n] for n in ("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i"))
    ni = n1 + n2
    mi = ni - 2
    with np.errstate(divide="ignore", invalid="ignore"):  # mi = 0: NA rows, as metafor
        sdpi = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / mi)
    if measure == "MD":
        _check_vtype(measure, vtype, ("LS", "UB", "HO"))
        yi = m1 - m2
        vi = sdpi**2 * (1 / n1 + 1 / n2) if vtype == "HO" else sd1**2 / n1 + sd2**2 / n2
    elif measure == "SMD":
        _check_vtype(measure, vtype, ("LS", "UB", "LS2", "AV"))
        cmi = cmicalc(mi)
        di = (m1 - m2) / sdpi
        yi = cmi * di
        if vtype == "UB":
            vi = 1 / n1 + 1 / n2 + (1 - (mi - 2) / (mi * cmi**2)) * yi**2
        elif vtype == "LS2":
            vi = cmi**2 * (1 / n1 + 1 / n2 + di**2 / (2 * ni))
        elif vtype == "AV":
            vi = 1 / n1 + 1 / n2 + _wmean(yi, ni, np.ones(ni.shape, bool)) ** 2 / (2 * ni)
        else:
            vi = 1 / n1 + 1 / n2 + yi**2 / (2 * ni)
    else:  # ROM
        _check_vtype(measure, vtype, ("LS", "HO"))
        for name, m in (("m1i", m1), ("m2i", m2)):
            check_positive(name, m, "measure ROM needs positive means (log of a ratio)")
        yi = np.log(m1 / m2)
        s1, s2 = (sdpi, sdpi) if vtype == "HO" else (sd1, sd2)
        vi = s1**2 / (n1 * m1**2) + s2**2 / (n2 * m2**2)
    none = np.zeros(ni.shape, bool)
    return _finish(measure, yi, vi, none, none, ni)


def _correlation(measure: str, cols: dict[str, FloatArray], vtype: str) -> EffectSizes:
    ri, ni = cols["ri"], cols["ni"]
    bad = np.flatnonzero(np.abs(ri) > 1)
    if bad.size:
        raise ValueError(f"row {bad[0]}: column 'ri' = {ri[bad[0]]} is not a correlation (|r| > 1)")
    check_positive("ni", ni, "sample sizes must be > 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "COR":
            _check_vtype(measure, vtype, ("LS", "AV"))
            yi = ri.copy()
            mean = _wmean(yi, ni, np.ones(ni.shape, bool)) if vtype == "AV" else None
            vi = (1 - (yi if mean is None else mean) ** 2) ** 2 / (ni - 1)
        else:
            yi = 1 / 2 * np.log((1 + ri) / (1 - ri))
            vi = 1 / (ni - 3)
    vi = np.where(ni <= 3, np.nan, vi)  # metafor: vi (only) NA for ni <= 3, before Inf checks
    none = np.zeros(ni.shape, bool)
    yi, vi = finite_or_nan(yi, np.where(np.isnan(vi), 0.0, vi))
    return EffectSizes(yi, np.where(ni <= 3, np.nan, vi), measure, none, none, ni)


def _proportion(
    measure: str, cols: dict[str, FloatArray], add: float, to: str, vtype: str
) -> EffectSizes:
    xi, ni = cols["xi"], cols["ni"]
    check_positive("ni", ni, "group sizes must be > 0")
    check_sizes("xi", xi, "ni", ni)
    mi = ni - xi
    none = np.zeros(ni.shape, bool)
    inc, corrected = _corrections((xi == 0) | (mi == 0), none, add, to)
    xi, mi = xi + inc, mi + inc
    n = xi + mi
    pri = xi / n
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "PR":
            _check_vtype(measure, vtype, ("LS", "UB", "AV"))
            yi = pri
            p = _wmean(pri, n, ~none) if vtype == "AV" else pri
            vi = p * (1 - p) / ((n - 1) if vtype == "UB" else n)
        else:
            _check_vtype(measure, vtype, ("LS", "AV"))
            yi = np.log(pri / (1 - pri))
            if vtype == "AV":
                p = _wmean(pri, n, ~none)
                vi = 1 / (p * n) + 1 / ((1 - p) * n)
            else:
                vi = 1 / xi + 1 / mi
    return _finish(measure, yi, vi, corrected, none, cols["ni"])


def _rate_ratio(cols: dict[str, FloatArray], add: float, to: str, drop00: bool) -> EffectSizes:
    x1, x2, t1, t2 = cols["x1i"], cols["x2i"], cols["t1i"], cols["t2i"]
    check_nonneg("x1i", x1)
    check_nonneg("x2i", x2)
    check_positive("t1i", t1, "person-times must be > 0")
    check_positive("t2i", t2, "person-times must be > 0")
    dropped = (x1 == 0) & (x2 == 0) if drop00 else np.zeros(x1.shape, bool)
    inc, corrected = _corrections((x1 == 0) | (x2 == 0), dropped, add, to)
    x1, x2 = x1 + inc, x2 + inc
    with np.errstate(divide="ignore", invalid="ignore"):
        yi = np.log(x1 / t1) - np.log(x2 / t2)
        vi = 1 / x1 + 1 / x2
    yi, vi = np.where(dropped, np.nan, yi), np.where(dropped, np.nan, vi)
    return _finish("IRR", yi, vi, corrected, dropped, t1 + t2)


def _generic(cols: dict[str, FloatArray]) -> EffectSizes:
    yi = cols["yi"]
    if "vi" in cols:
        vi = cols["vi"]
        check_nonneg("vi", vi)
    else:
        check_nonneg("sei", cols["sei"])
        vi = cols["sei"] ** 2
    none = np.zeros(yi.shape, bool)
    return EffectSizes(yi.copy(), vi.copy(), "GEN", none, none, cols.get("ni"))


_REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    **{m: (("ai", "bi", "ci", "di"), ("ai", "n1i", "ci", "n2i")) for m in BINARY},
    **{m: (("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),) for m in ("MD", "SMD", "ROM")},
    "COR": (("ri", "ni"),),
    "ZCOR": (("ri", "ni"),),
    "PR": (("xi", "ni"),),
    "PLO": (("xi", "ni"),),
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
        ``"PLO"`` (``xi, ni``); ``"IRR"`` (``x1i, t1i, x2i, t2i``); ``"GEN"`` (``yi`` with
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
    if measure in ("MD", "SMD", "ROM"):
        for name in ("sd1i", "sd2i"):
            check_positive(name, cols[name], "standard deviations must be > 0")
        for name in ("n1i", "n2i"):
            check_positive(name, cols[name], "group sizes must be > 0")
        return _two_group(measure, cols, vtype)
    if measure in ("COR", "ZCOR"):
        return _correlation(measure, cols, vtype)
    if measure in ("PR", "PLO"):
        return _proportion(measure, cols, add_value, to, vtype)
    if measure == "IRR":
        return _rate_ratio(cols, add_value, to, drop00)
    return _generic(cols)


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
    sei = (hi - lo) / (2 * norm.ppf(1 - (1 - level) / 2))
    return _generic({"yi": est, "sei": sei})

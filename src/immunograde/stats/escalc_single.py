"""Single-group and rate measures of :func:`escalc.escalc` (metafor 3.8-1): COR, ZCOR, PR, PLO, MN,
IRR and the generic ``yi``/``vi`` input.  Formulas as metafor's ``escalc`` (Viechtbauer 2010)."""

from __future__ import annotations

import numpy as np

from immunograde.stats.escalc_checks import (
    EffectSizes,
    FloatArray,
    check_nonneg,
    check_positive,
    check_sizes,
    check_vtype,
    corrections,
    finish,
    finite_or_nan,
    wmean,
)

__all__ = ["correlation", "generic", "mean", "proportion", "rate_ratio"]


def correlation(measure: str, cols: dict[str, FloatArray], vtype: str) -> EffectSizes:
    ri, ni = cols["ri"], cols["ni"]
    bad = np.flatnonzero(np.abs(ri) > 1)
    if bad.size:
        raise ValueError(f"row {bad[0]}: column 'ri' = {ri[bad[0]]} is not a correlation (|r| > 1)")
    check_positive("ni", ni, "sample sizes must be > 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "COR":
            check_vtype(measure, vtype, ("LS", "AV"))
            yi = ri.copy()
            mean = wmean(yi, ni, np.ones(ni.shape, bool)) if vtype == "AV" else None
            vi = (1 - (yi if mean is None else mean) ** 2) ** 2 / (ni - 1)
        else:
            yi = 1 / 2 * np.log((1 + ri) / (1 - ri))
            vi = 1 / (ni - 3)
    vi = np.where(ni <= 3, np.nan, vi)  # metafor: vi (only) NA for ni <= 3, before Inf checks
    none = np.zeros(ni.shape, bool)
    yi, vi = finite_or_nan(yi, np.where(np.isnan(vi), 0.0, vi))
    return EffectSizes(yi, np.where(ni <= 3, np.nan, vi), measure, none, none, ni)


def proportion(
    measure: str, cols: dict[str, FloatArray], add: float, to: str, vtype: str
) -> EffectSizes:
    xi, ni = cols["xi"], cols["ni"]
    check_positive("ni", ni, "group sizes must be > 0")
    check_sizes("xi", xi, "ni", ni)
    mi = ni - xi
    none = np.zeros(ni.shape, bool)
    inc, corrected = corrections((xi == 0) | (mi == 0), none, add, to)
    xi, mi = xi + inc, mi + inc
    n = xi + mi
    pri = xi / n
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "PR":
            check_vtype(measure, vtype, ("LS", "UB", "AV"))
            yi = pri
            p = wmean(pri, n, ~none) if vtype == "AV" else pri
            vi = p * (1 - p) / ((n - 1) if vtype == "UB" else n)
        else:
            check_vtype(measure, vtype, ("LS", "AV"))
            yi = np.log(pri / (1 - pri))
            if vtype == "AV":
                p = wmean(pri, n, ~none)
                vi = 1 / (p * n) + 1 / ((1 - p) * n)
            else:
                vi = 1 / xi + 1 / mi
    return finish(measure, yi, vi, corrected, none, cols["ni"])


def mean(cols: dict[str, FloatArray], vtype: str) -> EffectSizes:
    """MN, the raw mean of one group: ``yi = mi``, ``vi = sdi^2 / ni`` (metafor's ``vtype="LS"``)."""
    check_vtype("MN", vtype, ("LS",))
    mi, sdi, ni = cols["mi"], cols["sdi"], cols["ni"]
    check_positive("sdi", sdi, "standard deviations must be > 0")
    check_positive("ni", ni, "group sizes must be > 0")
    none = np.zeros(ni.shape, bool)
    return finish("MN", mi.copy(), sdi**2 / ni, none, none, ni)


def rate_ratio(cols: dict[str, FloatArray], add: float, to: str, drop00: bool) -> EffectSizes:
    x1, x2, t1, t2 = cols["x1i"], cols["x2i"], cols["t1i"], cols["t2i"]
    check_nonneg("x1i", x1)
    check_nonneg("x2i", x2)
    check_positive("t1i", t1, "person-times must be > 0")
    check_positive("t2i", t2, "person-times must be > 0")
    dropped = (x1 == 0) & (x2 == 0) if drop00 else np.zeros(x1.shape, bool)
    inc, corrected = corrections((x1 == 0) | (x2 == 0), dropped, add, to)
    x1, x2 = x1 + inc, x2 + inc
    with np.errstate(divide="ignore", invalid="ignore"):
        yi = np.log(x1 / t1) - np.log(x2 / t2)
        vi = 1 / x1 + 1 / x2
    yi, vi = np.where(dropped, np.nan, yi), np.where(dropped, np.nan, vi)
    return finish("IRR", yi, vi, corrected, dropped, t1 + t2)


def generic(cols: dict[str, FloatArray]) -> EffectSizes:
    yi = cols["yi"]
    if "vi" in cols:
        vi = cols["vi"]
        check_nonneg("vi", vi)
    else:
        check_nonneg("sei", cols["sei"])
        vi = cols["sei"] ** 2
    none = np.zeros(yi.shape, bool)
    return EffectSizes(yi.copy(), vi.copy(), "GEN", none, none, cols.get("ni"))

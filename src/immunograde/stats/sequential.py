"""Trial sequential analysis (TSA) of a cumulative meta-analysis, as TSA (Copenhagen Trial Unit) and RTSA.

Pieces, each a pure function over arrays:

- :func:`required_information_size` — the meta-analytic sample size (RIS) for a binary outcome from
  the control event proportion and the relative risk reduction, with its diversity (D2) and
  inconsistency (I2) adjusted versions (Wetterslev et al. 2008, 2009; RTSA ``ris``).
- :func:`diversity` — ``D2 = (v_R - v_F) / v_R`` from the variances of the pooled estimates.
- :func:`gs_design` — Lan-DeMets boundaries at given information fractions, the power inflation
  factor of the sequential design and, optionally, non-binding beta-spending futility boundaries
  (RTSA ``boundaries``).
- :func:`tsa` — cumulative Z curve against the boundaries: the conclusion (benefit, harm, futility,
  not yet), the information fraction and the TSA-adjusted confidence interval.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize
from scipy.special import ndtri

from .spending import alpha_boundaries, crossing_probabilities, futility_lower

_Array = NDArray[np.float64]
Futility = Literal["none", "non-binding"]
MIN_INCREMENT = 0.01  # looks adding less than 1% of the RIS are not tested (TSA and RTSA)


@dataclass(frozen=True)
class InformationSize:
    """Required information size (participants, both arms) and its heterogeneity-adjusted versions."""

    ris: int  #: fixed-effect RIS, ``ceil(4 (z_{1-a/side} + z_{1-b})^2 nu / theta^2)``
    ris_d2: int | None  #: ``ceil(ris / (1 - D2))`` (diversity-adjusted, TSA's default)
    ris_i2: int | None  #: ``ceil(ris / (1 - I2))``
    p_c: float | None
    p_i: float | None
    nu: float  #: ``p (1 - p)`` with ``p = (p_c + p_i) / 2`` (binary) or ``sd^2`` (mean difference)
    theta: float  #: ``p_c - p_i`` (binary) or ``|mid|``


def required_information_size(
    p_c: float,
    rrr: float,
    *,
    measure: str = "RR",
    increase: bool = False,
    alpha: float = 0.05,
    beta: float = 0.2,
    side: int = 2,
    d2: float | None = None,
    i2: float | None = None,
) -> InformationSize:
    """Required information size for a ratio ``1 - rrr`` at control event proportion ``p_c``
    (``1 + rrr``, a relative increase, with ``increase=True``, for desirable events).

    ``RIS = 4 (z_{1-alpha/side} + z_{1-beta})^2 nu / theta^2`` with ``p_i = p_c (1 - rrr)`` (RR) or
    ``logit(p_i) = logit(p_c) + log(1 - rrr)`` (OR), ``nu = p (1 - p)``, ``p = (p_c + p_i) / 2``,
    ``theta = p_c - p_i``, rounded up; the adjusted versions are ``ceil(RIS / (1 - D2))`` and
    ``ceil(RIS / (1 - I2))`` of the rounded RIS.

    References: Wetterslev, Thorlund, Brok & Gluud (2009) BMC Med Res Methodol 9:86; RTSA ``ris()``
    and its vignette "Calculating required sample size and required number of trials".
    """
    for name, v in (("p_c", p_c), ("rrr", rrr)):
        if not 0 < v < 1:
            raise ValueError(f"{name} must be strictly between 0 and 1, got {v}")
    ratio = 1 + rrr if increase else 1 - rrr
    if measure == "RR":
        p_i = p_c * ratio
        if p_i >= 1:
            raise ValueError(
                f"p_c * (1 + rrr) = {p_i:.3g} is not a proportion; choose a smaller rrr"
            )
    elif measure == "OR":
        odds = p_c / (1 - p_c) * ratio
        p_i = odds / (1 + odds)
    else:
        raise ValueError(f"measure must be 'RR' or 'OR' for a binary RIS, got {measure!r}")
    p = (p_c + p_i) / 2
    ris, ris_d2, ris_i2 = _ris(p * (1 - p), p_c - p_i, alpha, beta, side, d2, i2)
    return InformationSize(ris, ris_d2, ris_i2, p_c, p_i, p * (1 - p), p_c - p_i)


def required_information_size_md(
    mid: float,
    sd: float,
    *,
    alpha: float = 0.05,
    beta: float = 0.2,
    side: int = 2,
    d2: float | None = None,
    i2: float | None = None,
) -> InformationSize:
    """Required information size to detect a mean difference ``mid`` with standard deviation ``sd``:
    ``RIS = 4 (z_{1-alpha/side} + z_{1-beta})^2 sd^2 / mid^2`` (RTSA ``ris(outcome = "MD")``)."""
    if mid == 0 or not np.isfinite(mid) or not sd > 0:
        raise ValueError(f"mid must be non-zero and sd positive, got mid={mid}, sd={sd}")
    ris, ris_d2, ris_i2 = _ris(sd**2, abs(mid), alpha, beta, side, d2, i2)
    return InformationSize(ris, ris_d2, ris_i2, None, None, sd**2, abs(mid))


@functools.lru_cache(maxsize=64)
def _isf_sum(a: float, b: float) -> np.float64:
    """``z_{1-a} + z_{1-b}`` (scipy's, as computed before; a build asks for the same few pairs)."""
    return np.float64(-ndtri(a) - ndtri(b))


def _ris(
    nu: float,
    theta: float,
    alpha: float,
    beta: float,
    side: int,
    d2: float | None,
    i2: float | None,
) -> tuple[int, int | None, int | None]:
    for name, v in (("alpha", alpha), ("beta", beta)):
        if not 0 < v < 1:
            raise ValueError(f"{name} must be strictly between 0 and 1, got {v}")
    for name, h in (("d2", d2), ("i2", i2)):
        if h is not None and not 0 <= h < 1:
            raise ValueError(f"{name} must be in [0, 1), got {h}")
    if side not in (1, 2):
        raise ValueError("side must be 1 or 2")
    z = _isf_sum(alpha / side, beta)
    ris = int(np.ceil(4 * z**2 * nu / theta**2 - 1e-9))
    ris_d2 = None if d2 is None else int(np.ceil(ris / (1 - d2) - 1e-9))
    ris_i2 = None if i2 is None else int(np.ceil(ris / (1 - i2) - 1e-9))
    return ris, ris_d2, ris_i2


def diversity(vi: ArrayLike, tau2: float) -> float:
    """Diversity ``D2 = (v_R - v_F) / v_R = 1 - v_F / v_R`` (Wetterslev et al. 2009).

    ``v_F = 1 / sum(1 / v_i)`` and ``v_R = 1 / sum(1 / (v_i + tau2))`` are the variances of the
    fixed- and random-effects pooled estimates.
    """
    v = np.asarray(vi, dtype=float)
    if v.size == 0 or np.any(v <= 0) or tau2 < 0:
        raise ValueError("vi must be positive sampling variances and tau2 >= 0")
    v_f = 1 / np.sum(1 / v)
    v_r = 1 / np.sum(1 / (v + tau2))
    return float(1 - v_f / v_r)


@dataclass(frozen=True)
class Design:
    """Group-sequential design on information fractions of the (inflated) final information."""

    timing: _Array
    upper: _Array  #: efficacy boundary (Z); ``inf`` = none at that look
    lower: _Array  #: ``-upper`` (two-sided) or ``-inf``
    futility_upper: _Array  #: inner wedge (two-sided): ``a_k``; NaN where none
    futility_lower: _Array  #: ``-a_k`` (two-sided) or ``a_k`` (one-sided); NaN where none
    inflation: (
        float  #: RIS multiplier so the sequential design keeps power ``1 - beta`` (RTSA root)
    )
    drift: float  #: ``z_{1-alpha/side} + z_{1-beta}``
    alpha: float
    beta: float
    side: int
    spending: str
    futility: str


def _bracket_root(f: Callable[[float], float], lo: float = 0.5, hi: float = 4.0) -> float:
    """Root of ``f`` near 1: widen a bracket from 1 upwards, then downwards, then Brent."""
    f1 = f(1.0)
    if f1 == 0:
        return 1.0
    for direction, limit in ((1.0, hi), (-1.0, lo)):
        a, fa, step = 1.0, f1, 0.02
        while (direction > 0 and a < limit) or (direction < 0 and a > limit):
            b = min(a + step, limit) if direction > 0 else max(a - step, limit)
            fb = f(b)
            if np.sign(fb) != np.sign(fa):
                x0, x1 = (a, b) if a < b else (b, a)
                return float(optimize.brentq(f, x0, x1, xtol=1e-12))
            a, fa, step = b, fb, step * 2
    raise ValueError(
        f"no design inflation factor found in [{lo}, {hi}]; check alpha, beta and timing"
    )


def gs_design(
    timing: ArrayLike,
    *,
    alpha: float = 0.05,
    beta: float = 0.2,
    side: int = 2,
    spending: str = "obrien_fleming",
    param: float | None = None,
    futility: Futility = "none",
    beta_spending: str = "obrien_fleming",
    beta_param: float | None = None,
) -> Design:
    """Boundaries and power inflation factor of a Lan-DeMets design (RTSA ``boundaries``).

    Without futility the inflation ``R`` solves ``sum_k P_delta(first crossing of the upper bound at
    k) = 1 - beta`` with information ``R t_k`` and drift ``delta = z_{1-alpha/side} + z_{1-beta}``.
    With non-binding futility, ``R`` makes the beta-spending boundary meet the efficacy boundary at
    the final look; futility boundaries that would be negative are dropped and ``R`` found again.
    """
    t = np.asarray(timing, dtype=float)
    if t.size == 0 or t[-1] < 1:
        t = np.append(t, 1.0)
    ab = alpha_boundaries(t, alpha=alpha, side=side, spending=spending, param=param)
    drift = float(_isf_sum(alpha / side, beta))
    nan = np.full(t.size, np.nan)
    if futility == "none":

        def power_gap(x: float) -> float:
            return float(
                crossing_probabilities(t * x, ab.upper, ab.lower, drift)[0].sum() - (1 - beta)
            )

        root = _bracket_root(power_gap)
        return Design(
            t, ab.upper, ab.lower, nan, nan, root, drift, alpha, beta, side, spending, futility
        )
    if futility != "non-binding":
        raise ValueError("futility must be 'none' or 'non-binding'")

    def fut(x: float, skip: int) -> _Array:
        return futility_lower(
            t, ab.upper, beta=beta, theta=drift, spending=beta_spending, param=beta_param,
            inflation=x, skip=skip,
        )  # fmt: skip

    root = _bracket_root(lambda x: ab.upper[-1] - fut(x, 0)[-1])
    skip = int(np.sum(fut(root, 0)[:-1] < 0))
    if skip:
        root = _bracket_root(lambda x: ab.upper[-1] - fut(x, skip)[-1])
    a = fut(root, skip)
    a = np.where(np.isfinite(a), np.minimum(a, ab.upper), np.nan)
    f_lo = -a if side == 2 else a
    f_up = a if side == 2 else nan
    return Design(
        t, ab.upper, ab.lower, f_up, f_lo, root, drift, alpha, beta, side, spending, futility
    )


Conclusion = Literal["benefit_established", "harm_established", "futility_established", "not_yet"]


@dataclass(frozen=True)
class TSAResult:
    """Cumulative Z curve against the monitoring boundaries, and what it shows."""

    conclusion: Conclusion
    information_fraction: float  #: participants / RIS (as TSA reports it)
    sequential_ris: int  #: ``ceil(RIS * inflation)``, the final analysis of the sequential design
    inflation: float
    look: _Array  #: indices (into the input) of the looks tested
    timing: _Array  #: their fractions of ``sequential_ris`` (capped at 1)
    z: _Array  #: their cumulative Z
    upper: _Array
    lower: _Array
    futility_upper: _Array
    futility_lower: _Array
    z_final: float
    boundary_final: float  #: efficacy boundary at the last look (``inf`` = not yet any)
    crossing_look: int | None  #: input index of the first look that decided the conclusion
    ci_low: float  #: TSA-adjusted CI at the last look: ``estimate -/+ boundary_final * se``
    ci_high: float
    curve_timing: _Array  #: boundary curve to the final analysis, assuming looks at these fractions
    curve_upper: _Array
    curve_futility: _Array


def _select_looks(frac: _Array) -> list[int]:
    """Looks tested, by RTSA's rule: more than 1% of the RIS, and more than 1% added since the look
    before (among those past 1%).  The latest look always replaces the last kept one when it fails
    the rule, so the current evidence is always tested (RTSA leaves it untested)."""
    past = [i for i, f in enumerate(frac) if f > MIN_INCREMENT]
    kept = [
        i for n, i in enumerate(past) if frac[i] - (frac[past[n - 1]] if n else 0.0) > MIN_INCREMENT
    ]
    if kept and kept[-1] != frac.size - 1:
        kept[-1] = frac.size - 1
    return kept


def _spend_timing(frac: _Array) -> _Array:
    """Fractions for spending: looks before the RIS, then 1 (looks at or past the RIS test at t=1)."""
    before = frac[frac < 1 - 1e-12]
    return np.append(before, 1.0)


def _at_looks(values: _Array, frac: _Array) -> _Array:
    idx = np.minimum(
        np.searchsorted(_spend_timing(frac), np.minimum(frac, 1.0) - 1e-12), values.size - 1
    )
    return values[idx]


def _decide(
    zb: _Array, up: _Array, fut: _Array, side: int, reached: bool
) -> tuple[Conclusion, int | None]:
    for k in range(zb.size):
        if zb[k] >= up[k]:
            return "benefit_established", k
        if side == 2 and zb[k] <= -up[k]:
            return "harm_established", k
        inside = abs(zb[k]) < fut[k] if side == 2 else zb[k] <= fut[k]
        if np.isfinite(fut[k]) and inside:
            return "futility_established", k
    if reached:
        return "futility_established", zb.size - 1
    return "not_yet", None


def tsa(
    n_cum: ArrayLike,
    z: ArrayLike,
    ris: float,
    *,
    estimate: float = np.nan,
    se: float = np.nan,
    benefit_sign: int = -1,
    alpha: float = 0.05,
    beta: float = 0.2,
    side: int = 2,
    spending: str = "obrien_fleming",
    param: float | None = None,
    futility: Futility = "none",
    power_adjust: bool = True,
) -> TSAResult:
    """Trial sequential analysis of a cumulative meta-analysis (Wetterslev et al. 2008; RTSA).

    ``n_cum`` are cumulative participants and ``z`` cumulative Z statistics (``estimate / se``) in
    publication order; ``benefit_sign`` is the sign of Z that means benefit (``-1`` for a ratio of a
    harmful event).  Looks are at ``n_cum / (ris * R)``, with ``R`` the inflation of the design
    (``power_adjust``, as RTSA; ``R = 1`` as the TSA program).  The first boundary crossed decides:
    efficacy boundary -> benefit or harm established; inside the futility wedge, or the RIS reached
    without crossing -> futility established (an effect as large as assumed is excluded).
    """
    n = np.asarray(n_cum, dtype=float)
    zz = np.asarray(z, dtype=float)
    if n.size == 0 or n.shape != zz.shape or np.any(np.diff(n) < 0) or np.any(n <= 0) or ris <= 0:
        raise ValueError(
            "n_cum and z need equal length, n_cum positive and non-decreasing, ris > 0"
        )
    kw = dict(alpha=alpha, beta=beta, side=side, spending=spending, param=param, futility=futility)
    inflation = 1.0
    des = gs_design(_spend_timing(n[_select_looks(n / ris)] / ris), **kw)  # type: ignore[arg-type]
    if power_adjust:
        inflation = des.inflation
    looks = _select_looks(n / ris) or [n.size - 1]
    frac = n[looks] / (ris * inflation)
    st = _spend_timing(frac)
    ab = alpha_boundaries(st, alpha=alpha, side=side, spending=spending, param=param)
    fut = _futility(st, ab.upper, des, futility)
    up, fl = _at_looks(ab.upper, frac), _at_looks(fut, frac)
    zb = zz[looks] * (1 if benefit_sign >= 0 else -1)
    conclusion, k = _decide(
        zb, up, np.nan_to_num(fl, nan=-np.inf), side, bool(frac[-1] >= 1 - 1e-12)
    )
    b_final = float(up[-1])
    curve_t = _curve_timing(st)
    curve_ab = alpha_boundaries(curve_t, alpha=alpha, side=side, spending=spending, param=param)
    return TSAResult(
        conclusion=conclusion,
        information_fraction=float(n[-1] / ris),
        sequential_ris=int(np.ceil(ris * inflation - 1e-9)),
        inflation=float(inflation),
        look=np.asarray(looks),
        timing=np.minimum(frac, 1.0),
        z=zz[looks],
        upper=up,
        lower=-up if side == 2 else np.full(up.size, -np.inf),
        futility_upper=fl if side == 2 else np.full(up.size, np.nan),
        futility_lower=-fl if side == 2 else fl,
        z_final=float(zz[-1]),
        boundary_final=b_final,
        crossing_look=None if k is None else int(looks[k]),
        ci_low=float(estimate - b_final * se),
        ci_high=float(estimate + b_final * se),
        curve_timing=curve_t,
        curve_upper=curve_ab.upper,
        curve_futility=_futility(curve_t, curve_ab.upper, des, futility),
    )


def _futility(t: _Array, upper: _Array, des: Design, futility: str) -> _Array:
    """Non-binding futility bounds ``a_k`` at ``t`` (NaN where none), drift and inflation of ``des``."""
    if futility == "none":
        return np.full(t.size, np.nan)
    a = futility_lower(t, upper, beta=des.beta, theta=des.drift, inflation=des.inflation)
    skip = int(np.sum(a[:-1] < 0))
    if skip:
        a = futility_lower(
            t, upper, beta=des.beta, theta=des.drift, inflation=des.inflation, skip=skip
        )
    return np.where(np.isfinite(a), np.minimum(a, upper), np.nan)


def _curve_timing(st: _Array, step: float = 0.05) -> _Array:
    """Observed look fractions, then planned looks every ``step`` up to the final analysis."""
    last = float(st[-2]) if st.size > 1 else 0.0
    future = np.arange(np.floor(last / step) * step + step, 1.0, step)
    future = future[future - last >= MIN_INCREMENT]
    return np.concatenate([st[:-1], future, [1.0]])

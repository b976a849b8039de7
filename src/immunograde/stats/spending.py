"""Lan-DeMets error spending and group-sequential boundaries by recursive numerical integration.

The cumulative Z statistic of a sequential meta-analysis is treated as a Brownian motion in the
information fraction ``t``: ``S_k = Z_k sqrt(t_k)`` has independent increments
``S_k - S_{k-1} ~ N(theta (t_k - t_{k-1}), t_k - t_{k-1})``.  Crossing probabilities are computed by
the recursive integration of Armitage, McPherson and Rowe (1969) on the grid of Jennison & Turnbull
(2000, *Group Sequential Methods*, ch. 19.2: ``6r - 1`` points, Simpson's rule), which is also what
R's RTSA does (``alpha_boundary``/``beta_boundary``, ``r = 18``).

Conventions follow RTSA (and gsDesign): a spending function is given the error *per side*
(``alpha / side``); a two-sided design is symmetric, the upper boundary at look ``k`` spends the
per-side increment, and the continuation region is ``(-b_k, b_k)``.  An increment below ``1e-9``
gives no boundary at that look (``inf``; RTSA writes 20).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

# The standard normal distribution through scipy.special, as scipy.stats.norm computes it (its _norm_cdf,
# _norm_sf, _norm_ppf, _norm_isf and _norm_pdf: the same functions, so the same floats) without the
# ~50 microseconds of argument handling per scipy.stats call that dominated the boundary recursion.
_SQRT_2PI = np.sqrt(2 * np.pi)


def _cdf(x: ArrayLike) -> NDArray[np.float64] | float:
    return special.ndtr(x)


def _sf(x: ArrayLike) -> NDArray[np.float64] | float:
    return special.ndtr(-np.asarray(x))


def _ppf(q: ArrayLike) -> NDArray[np.float64] | float:
    return special.ndtri(q)


def _isf(q: ArrayLike) -> NDArray[np.float64] | float:
    return -special.ndtri(q)


def _pdf(x: ArrayLike) -> NDArray[np.float64]:
    x = np.asarray(x, dtype=float)
    return np.exp(-(x**2) / 2.0) / _SQRT_2PI


Spending = Literal["obrien_fleming", "pocock", "rho", "hsdc"]
SPENDING_FUNCTIONS: tuple[str, ...] = ("obrien_fleming", "pocock", "rho", "hsdc")
NO_BOUNDARY_BELOW = 1e-9  # spending increments smaller than this give no boundary (as RTSA)
_Array = NDArray[np.float64]


def spend(kind: str, error: float, timing: ArrayLike, param: float | None = None) -> _Array:
    """Cumulative error spent at information fractions ``timing`` (Lan & DeMets 1983).

    - ``obrien_fleming``: ``a(t) = 2 (1 - Phi(z_{1 - e/2} / sqrt(t)))``
    - ``pocock``: ``a(t) = e log(1 + (exp(1) - 1) t)``
    - ``rho`` (Kim & DeMets 1987): ``a(t) = e t^rho`` (``param`` = rho > 0)
    - ``hsdc`` (Hwang, Shih & DeCani 1990): ``a(t) = e (1 - exp(-g t)) / (1 - exp(-g))``
      (``param`` = gamma; gamma = 0 is linear)

    ``error`` is the error for one side (``alpha / side``), as in RTSA and gsDesign.  Fractions above
    1 spend all of ``error``.
    """
    t = np.clip(np.asarray(timing, dtype=float), 0.0, 1.0)
    if not 0 < error < 1:
        raise ValueError(f"error to spend must be in (0, 1), got {error}")
    if kind == "obrien_fleming":
        with np.errstate(divide="ignore"):
            out = 2 * _sf(_isf(error / 2) / np.sqrt(t))
        return np.where(t > 0, out, 0.0)
    if kind == "pocock":
        return error * np.log1p((np.e - 1) * t)
    if kind == "rho":
        if param is None or param <= 0:
            raise ValueError("rho spending needs param = rho > 0 (e.g. 1 linear, 3 close to OBF)")
        return error * t**param
    if kind == "hsdc":
        if param is None:
            raise ValueError(
                "hsdc spending needs param = gamma (e.g. -4 close to OBF, 1 Pocock-like)"
            )
        if param == 0:
            return error * t
        return error * (1 - np.exp(-param * t)) / (1 - np.exp(-param))
    raise ValueError(
        f"unknown spending function {kind!r}; use one of {', '.join(SPENDING_FUNCTIONS)}"
    )


@functools.cache
def _grid_offsets(r: int) -> _Array:
    """The grid's points around its centre (they depend on ``r`` only: computed once per ``r``)."""
    j = np.arange(1, 6 * r, dtype=float)
    x = np.where(
        j < r,
        -3 - 4 * np.log(r / j),
        np.where(j <= 5 * r, -3 + 3 * (j - r) / (2 * r), 3 + 4 * np.log(r / (6 * r - j))),
    )
    x.setflags(write=False)
    return x


def _grid(mean: float, lo: float, hi: float, r: int) -> tuple[_Array, _Array]:
    """Jennison & Turnbull (2000, sec. 19.2) grid on ``[lo, hi]`` with Simpson weights."""
    x = np.unique(np.clip(mean + _grid_offsets(r), lo, hi))
    if x.size < 2:
        x = np.array([lo, hi])
    z = np.empty(2 * x.size - 1)
    z[0::2] = x
    z[1::2] = (x[:-1] + x[1:]) / 2
    w = np.zeros_like(z)
    d = x[1:] - x[:-1]
    w[0:-1:2] += d / 6
    w[2::2] += d / 6
    w[1::2] = 4 * d / 6
    return z, w


@dataclass
class _State:
    """Sub-density of Z at the previous look on its grid (weights folded in)."""

    z: _Array
    wh: _Array
    s: float  # sqrt of the previous information fraction


def _first_state(t1: float, theta: float, lo: float, hi: float, r: int) -> _State:
    s = float(np.sqrt(t1))
    z, w = _grid(theta * s, lo, hi, r)
    return _State(z, w * _pdf(z - theta * s), s)


def _next_state(st: _State, tk: float, theta: float, lo: float, hi: float, r: int) -> _State:
    s = float(np.sqrt(tk))
    dk = tk - st.s**2
    z, w = _grid(theta * s, lo, hi, r)
    # the density of every pair of grid points, in place in one matrix; the same arithmetic as
    # ``_pdf((z s - z' s' - theta dk) / sqrt(dk))`` (x - 0.0 is x; -(x^2)/2 is x^2 * -0.5, exactly)
    arg = np.subtract.outer(z * s, st.z * st.s)
    shift = theta * dk
    if shift != 0.0:
        arg -= shift
    arg /= np.sqrt(dk)
    np.square(arg, out=arg)
    arg *= -0.5
    np.exp(arg, out=arg)
    arg /= _SQRT_2PI
    dens = (s / np.sqrt(dk)) * (arg @ st.wh)
    return _State(z, w * dens, s)


def _p_above(st: _State, tk: float, theta: float, b: float) -> float:
    """P(reach look k in the continuation region, Z_k > b)."""
    dk = tk - st.s**2
    arg = (b * np.sqrt(tk) - st.z * st.s - theta * dk) / np.sqrt(dk)
    return float(_sf(arg) @ st.wh)


def _p_below(st: _State, tk: float, theta: float, a: float) -> float:
    dk = tk - st.s**2
    arg = (a * np.sqrt(tk) - st.z * st.s - theta * dk) / np.sqrt(dk)
    return float(_cdf(arg) @ st.wh)


def _solve(
    prob: Callable[[_State, float, float, float], float],
    st: _State,
    tk: float,
    theta: float,
    target: float,
    lo: float,
    hi: float,
) -> float:
    """The boundary ``x`` with ``prob(st, tk, theta, x) = target`` (Brent's method)."""
    return float(optimize.brentq(lambda x: prob(st, tk, theta, x) - target, lo, hi, xtol=1e-12))


def _check_timing(timing: ArrayLike) -> _Array:
    t = np.asarray(timing, dtype=float)
    if t.ndim != 1 or t.size == 0 or np.any(t <= 0) or np.any(np.diff(t) <= 0):
        raise ValueError("timing must be strictly increasing positive information fractions")
    return t


#: (alpha, side, spending, param, r, t_1, ..., t_k) -> (b_k, the sub-density past look k, or None
#: until a design with a later look needed it): the looks computed so far in this process, each
#: exactly what the recursion computes from those fractions (states are never modified)
_PREFIXES: dict[tuple[float | int | str | None, ...], tuple[float, _State | None]] = {}
_PREFIX_LIMIT = 5_000  #: entries (a state is ~5 kB): then the cache starts again


@dataclass(frozen=True)
class AlphaBoundaries:
    """Efficacy boundaries (Z scale) at the looks; ``inf`` = no boundary at that look."""

    timing: _Array
    upper: _Array
    lower: _Array
    alpha_cum: _Array
    alpha: float
    side: int
    spending: str


def alpha_boundaries(
    timing: ArrayLike,
    *,
    alpha: float = 0.05,
    side: int = 2,
    spending: str = "obrien_fleming",
    param: float | None = None,
    r: int = 18,
) -> AlphaBoundaries:
    """Lan-DeMets alpha-spending boundaries at information fractions ``timing`` (as RTSA).

    At look ``k`` the upper boundary ``b_k`` solves
    ``P_0(no earlier crossing, Z_k > b_k) = a(t_k) - a(t_{k-1})`` with ``a`` the spending function
    for ``alpha / side``; two-sided designs are symmetric (lower = ``-b_k``), one-sided designs have
    no lower boundary.  Fractions above 1 spend nothing more.

    References: Lan & DeMets (1983) Biometrika 70:659; Jennison & Turnbull (2000) ch. 7, 19.
    """
    t = _check_timing(timing)
    if side not in (1, 2):
        raise ValueError("side must be 1 or 2")
    cum = spend(spending, alpha / side, t, param)
    inc = np.diff(cum, prepend=0.0)
    upper = np.empty(t.size)
    st: _State | None = None
    key: tuple[float | int | str | None, ...] = (alpha, side, spending, param, r)
    for k in range(t.size):
        # look k depends on the fractions up to t_k only: a design that shares its first looks with
        # one computed before (a TSA's boundary curve extends its observed looks) reuses them
        key += (float(t[k]),)
        hit = _PREFIXES.get(key)
        if hit is not None:
            upper[k], after = hit
        else:
            if inc[k] < NO_BOUNDARY_BELOW:
                upper[k] = np.inf
            elif k == 0:
                upper[k] = _isf(inc[k])
            else:
                assert st is not None
                upper[k] = _solve(_p_above, st, t[k], 0.0, inc[k], -10.0, 40.0)
            after = None
        if after is None and k + 1 < t.size:  # the sub-density past look k, when a look follows
            lo = -upper[k] if side == 2 else -np.inf
            after = (
                _first_state(t[k], 0.0, lo, upper[k], r)
                if k == 0
                else _next_state(st, t[k], 0.0, lo, upper[k], r)  # type: ignore[arg-type]
            )
        if hit is None or hit[1] is not after:
            if len(_PREFIXES) >= _PREFIX_LIMIT:
                _PREFIXES.clear()
            _PREFIXES[key] = (float(upper[k]), after)
        st = after
    lower = -upper if side == 2 else np.full(t.size, -np.inf)
    return AlphaBoundaries(t, upper, lower, cum, alpha, side, spending)


def crossing_probabilities(
    timing: ArrayLike,
    upper: ArrayLike,
    lower: ArrayLike,
    theta: float,
    *,
    r: int = 18,
) -> tuple[_Array, _Array]:
    """Per-look probabilities of first crossing the upper and the lower boundary at drift ``theta``.

    ``E[Z_k] = theta sqrt(t_k)``; ``lower`` may be ``-inf`` (one-sided) or an inner futility bound.
    """
    t = _check_timing(timing)
    ub = np.asarray(upper, dtype=float)
    lb = np.asarray(lower, dtype=float)
    p_up, p_lo = np.zeros(t.size), np.zeros(t.size)
    st: _State | None = None
    for k in range(t.size):
        if st is None:
            p_up[k] = _sf(ub[k] - theta * np.sqrt(t[k]))
            p_lo[k] = _cdf(lb[k] - theta * np.sqrt(t[k]))
            st = _first_state(t[k], theta, lb[k], ub[k], r)
        else:
            p_up[k] = _p_above(st, t[k], theta, ub[k])
            p_lo[k] = _p_below(st, t[k], theta, lb[k])
            st = _next_state(st, t[k], theta, lb[k], ub[k], r)
    return p_up, p_lo


def futility_lower(
    timing: ArrayLike,
    upper: ArrayLike,
    *,
    beta: float,
    theta: float,
    spending: str = "obrien_fleming",
    param: float | None = None,
    inflation: float = 1.0,
    skip: int = 0,
    r: int = 18,
) -> _Array:
    """Beta-spending futility boundaries ``a_k`` below the upper efficacy boundary (RTSA's).

    Under the design drift ``theta`` with information ``t_k * inflation``, ``a_k`` solves
    ``P_theta(continue to k, Z_k < a_k) = b(t_k) - b(t_{k-1})`` with ``b`` the spending function for
    ``beta``; the first ``skip`` looks spend nothing (``-inf``), as RTSA drops futility boundaries
    that would be negative.  For a two-sided design the inner wedge is ``(-a_k, a_k)``.

    Reference: Jennison & Turnbull (2000) sec. 7.3 (beta spending); RTSA ``beta_boundary``.
    """
    t = _check_timing(timing)
    ub = np.asarray(upper, dtype=float)
    bt = np.where(np.arange(t.size) < skip, 0.0, np.clip(t, 0, 1))
    inc = np.diff(spend(spending, beta, bt, param), prepend=0.0)
    info = t * inflation
    a = np.full(t.size, -np.inf)
    st: _State | None = None
    for k in range(t.size):
        if inc[k] >= 1e-15:
            if st is None:
                a[k] = _ppf(inc[k]) + theta * np.sqrt(info[k])
            else:
                if _p_below(st, info[k], theta, 40.0) <= inc[k]:
                    a[k] = 40.0  # less than the increment is left: stop for futility here
                else:
                    a[k] = _solve(_p_below, st, info[k], theta, inc[k], -40.0, 40.0)
        if k + 1 < t.size:
            st = (
                _first_state(info[k], theta, a[k], ub[k], r)
                if st is None
                else _next_state(st, info[k], theta, a[k], ub[k], r)
            )
    return a

"""Distribution functions of the pooling kernel (normal, chi-squared, t, F), vectorised.

The names and argument orders are those of :mod:`scipy.special` (``ndtr``, ``ndtri``, ``chdtrc``,
``chdtri``, ``stdtr``, ``stdtrit``, ``fdtrc``).  The normal distribution and the chi-squared
distribution with whole degrees of freedom (``df <= DF_CLOSED``: every Q statistic of a
meta-analysis with up to 400 studies) have closed forms evaluated here with numpy and the standard
library, so a default meta-analysis (``test="z"``) never imports scipy -- whose import alone
costs longer than the whole analysis of a small file (benchmarks/results/meta_cli.md).  The t and
F distributions, and chi-squared with other degrees of freedom, are scipy's (imported on first
use).

Formulas (Abramowitz & Stegun 26.4.4-26.4.5; Johnson, Kotz & Balakrishnan 1994, ch. 18), with
``h = x/2``:

* ``df = 2m``:      ``P(X > x) = exp(-h) sum_{j=0}^{m-1} h^j / j!``
* ``df = 2m + 1``:  ``P(X > x) = erfc(sqrt(h)) + exp(-h) sum_{j=1}^{m} h^(j-1/2) / Gamma(j+1/2)``

All terms are positive, so the sums keep full relative precision in both tails; beyond
``h = 700`` (``exp(-h)`` would underflow) the terms are summed on the log scale.  ``chdtri``
inverts ``chdtrc`` by safeguarded Newton steps from the Wilson-Hilferty approximation to machine
precision.  Agreement with scipy: ``tests/stats/test_dist.py``.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
DF_CLOSED = 400  #: chi-squared closed forms up to this many degrees of freedom (else scipy)
SQRT1_2 = math.sqrt(0.5)
_H_DIRECT = 700.0  #: below this ``exp(-h)`` is a normal double: sum the terms directly
_EPS = float(np.finfo(float).eps)
_erfc = np.frompyfunc(math.erfc, 1, 1)


def _scipy_special() -> ModuleType:
    """scipy.special, imported on first use (it costs ~0.3-1 s of start-up)."""
    from scipy import special

    return special


def erfc(x: ArrayLike) -> FloatArray:
    """The complementary error function, elementwise (C library ``erfc``)."""
    return np.asarray(_erfc(np.asarray(x, dtype=float)), dtype=float)


def ndtr(x: ArrayLike) -> FloatArray:
    """Standard normal CDF ``Phi(x) = erfc(-x / sqrt 2) / 2``."""
    return 0.5 * erfc(-np.asarray(x, dtype=float) * SQRT1_2)


def ndtri(p: float) -> float:
    """Standard normal quantile of a probability ``p`` in (0, 1) (Wichura's AS 241)."""
    return NormalDist().inv_cdf(float(p))


def _whole(df: FloatArray) -> NDArray[np.bool_]:
    return np.isfinite(df) & (df == np.round(df)) & (df >= 1) & (df <= DF_CLOSED)


def chdtrc(df: ArrayLike, x: ArrayLike) -> FloatArray:
    """Chi-squared survival function ``P(X > x)`` with ``df`` degrees of freedom."""
    d, xx = np.broadcast_arrays(np.asarray(df, dtype=float), np.asarray(x, dtype=float))
    d, xx = d.ravel(), xx.ravel()
    shape = np.broadcast_shapes(np.shape(df), np.shape(x))
    out = np.empty(d.size)
    closed = _whole(d) & np.isfinite(xx)
    if not closed.all():
        other = ~closed
        out[other] = _scipy_special().chdtrc(d[other], xx[other])
    if closed.any():
        out[closed] = _chi2_sf_closed(d[closed], xx[closed])
    return out.reshape(shape)


def _chi2_sf_closed(df: FloatArray, x: FloatArray) -> FloatArray:
    """Closed form for whole ``df`` (module docstring); ``x <= 0`` gives 1."""
    out = np.ones(df.size)
    pos = x > 0
    h = x[pos] / 2.0
    d = df[pos]
    odd = d % 2 == 1
    m = np.where(odd, (d - 1) / 2, d / 2).astype(np.int64)  # number of terms
    start = np.where(odd, 1.0, 0.0)  # first power: j - 1/2 from j = 1 (odd) or j = 0 (even)
    total = np.zeros(h.size)
    direct = h <= _H_DIRECT
    if direct.any():
        total[direct] = _sum_direct(h[direct], m[direct], odd[direct])
    if (~direct).any():
        total[~direct] = _sum_log(h[~direct], m[~direct], start[~direct])
    tail = np.where(odd, erfc(np.sqrt(h)), 0.0)
    out[pos] = np.minimum(1.0, tail + total)
    return out


def _sum_direct(h: FloatArray, m: NDArray[np.int64], odd: NDArray[np.bool_]) -> FloatArray:
    """``exp(-h) sum h^a / Gamma(a + 1)`` over ``a = 0..m-1`` (even) or ``1/2..m-1/2`` (odd)."""
    e = np.exp(-h)
    term = np.where(odd, 2.0 * np.sqrt(h / math.pi) * e, e)  # a = 1/2 or a = 0
    total = np.where(m > 0, term, 0.0)
    a = np.where(odd, 0.5, 0.0)
    for j in range(1, int(m.max(initial=0))):
        a = a + 1.0
        term = term * h / a
        total = total + np.where(j < m, term, 0.0)
    return total


def _sum_log(h: FloatArray, m: NDArray[np.int64], start: FloatArray) -> FloatArray:
    """The same sum on the log scale (large ``h``): log-sum-exp of ``a log h - h - lgamma(a+1)``."""
    n = int(m.max(initial=0))
    if n == 0:
        return np.zeros(h.size)
    a = (start / 2.0)[:, None] + np.arange(n)[None, :]
    lgam = np.vectorize(math.lgamma, otypes=[float])(a + 1.0)
    lt = a * np.log(h)[:, None] - h[:, None] - lgam
    lt = np.where(np.arange(n)[None, :] < m[:, None], lt, -np.inf)
    top = lt.max(axis=1)
    safe = np.where(np.isfinite(top), top, 0.0)
    return np.exp(safe) * np.exp(lt - safe[:, None]).sum(axis=1) * np.isfinite(top)


def _sf_scalar(df: float, x: float) -> float:
    """:func:`_chi2_sf_closed` for one whole ``df`` and ``x`` (plain floats, no array overhead)."""
    if x <= 0.0:
        return 1.0
    h = x / 2.0
    odd = int(df) % 2 == 1
    m = (int(df) - 1) // 2 if odd else int(df) // 2
    tail = math.erfc(math.sqrt(h)) if odd else 0.0
    a = 0.5 if odd else 0.0
    if h <= _H_DIRECT:
        term = 2.0 * math.sqrt(h / math.pi) * math.exp(-h) if odd else math.exp(-h)
        total = 0.0
        for _ in range(m):
            total += term
            a += 1.0
            term *= h / a
        return min(1.0, tail + total)
    logs = [(a + j) * math.log(h) - h - math.lgamma(a + j + 1.0) for j in range(m)]
    if not logs:
        return tail
    top = max(logs)
    return min(1.0, tail + math.exp(top) * math.fsum(math.exp(t - top) for t in logs))


def _chi2_logpdf(df: float, x: float) -> float:
    k = df / 2.0
    return (k - 1.0) * math.log(x) - x / 2.0 - k * math.log(2.0) - math.lgamma(k)


def _chi2_cdf_series(df: float, x: float) -> float:
    """``P(X <= x)`` by the series of the lower regularised gamma function (all terms positive):
    ``P(a, h) = h^a exp(-h) / Gamma(a + 1) sum_n h^n / ((a+1)...(a+n))``, ``a = df/2``."""
    a, h = df / 2.0, x / 2.0
    if h > a + 40.0 + 10.0 * math.sqrt(a):  # far right: the cdf is 1 - (a tiny sf) to the last bit
        return 1.0 - _sf_scalar(df, x)
    term, total, n = 1.0, 1.0, 0
    while term > _EPS * total and n < 10_000:
        n += 1
        term *= h / (a + n)
        total += term
    return math.exp(a * math.log(h) - h - math.lgamma(a + 1.0)) * total


def chdtri(df: ArrayLike, p: float) -> FloatArray:
    """Chi-squared upper quantile: the ``x`` with ``chdtrc(df, x) = p`` (scipy's ``chdtri``),
    for each ``df`` (solved once per distinct value)."""
    d = np.asarray(df, dtype=float)
    values, inverse = np.unique(d.ravel(), return_inverse=True)
    out = np.empty(values.size)
    p = float(p)
    for i, dfi in enumerate(values.tolist()):
        if float(dfi).is_integer() and 1 <= dfi <= DF_CLOSED and 0.0 < p < 1.0:
            out[i] = _chi2_isf(dfi, p)
        else:
            out[i] = float(_scipy_special().chdtri(dfi, p))
    return out[inverse.ravel()].reshape(d.shape)


def _isf_start(df: float, p: float) -> float:
    """Wilson-Hilferty; where it fails (far lower tail) the small-``x`` form of the cdf,
    ``P(a, h) ~ h^a / Gamma(a + 1)``, which is below the root."""
    z = -ndtri(p)
    c = 2.0 / (9.0 * df)
    wh = df * (1.0 - c + z * math.sqrt(c)) ** 3
    if p <= 0.5 and wh > 0.0:
        return wh
    a = df / 2.0
    small = 2.0 * math.exp((math.log1p(-p) + math.lgamma(a + 1.0)) / a)
    return wh if wh > small else small


def _chi2_isf(df: float, p: float) -> float:
    """Safeguarded Newton steps on ``log sf(x) = log p`` (``p <= 1/2``) or on ``log cdf(x) =
    log(1 - p)`` (``1 - p`` is exact there), from the Wilson-Hilferty approximation, kept inside
    the bracket found so far; the logs make both tails nearly linear, so a few steps suffice."""
    upper = p <= 0.5
    target = math.log(p if upper else 1.0 - p)
    x = _isf_start(df, p)
    lo, hi = 0.0, math.inf
    for _ in range(200):
        f = _sf_scalar(df, x) if upper else _chi2_cdf_series(df, x)
        if f <= 0.0:  # underflow: far to the right (sf) or to the left (cdf)
            lo, hi = (lo, x) if upper else (x, hi)
            new = (lo + hi) / 2.0
        else:
            g = math.log(f) - target
            if g == 0.0:
                return x
            right = (g > 0.0) == upper  # is the root to the right of x?
            lo, hi = (x, hi) if right else (lo, x)
            try:
                step = g * f / math.exp(_chi2_logpdf(df, x))
            except (OverflowError, ZeroDivisionError):
                step = math.nan
            new = x + step if upper else x - step
        if not lo < new < hi:
            new = (lo + hi) / 2.0 if math.isfinite(hi) else 2.0 * x
        if abs(new - x) <= 4.0 * _EPS * abs(new):
            return new
        x = new
    return x


def stdtr(df: ArrayLike, t: ArrayLike) -> FloatArray:
    """Student t CDF (scipy)."""
    return np.asarray(_scipy_special().stdtr(df, t), dtype=float)


def stdtrit(df: ArrayLike, p: ArrayLike) -> FloatArray:
    """Student t quantile (scipy)."""
    return np.asarray(_scipy_special().stdtrit(df, p), dtype=float)


def fdtrc(dfn: ArrayLike, dfd: ArrayLike, x: ArrayLike) -> Any:
    """F survival function (scipy)."""
    return _scipy_special().fdtrc(dfn, dfd, x)


def binom_upper(m: int, n: int, p: float) -> float:
    """Exact binomial upper tail ``P(X >= m)`` for ``X ~ Binomial(n, p)`` (R's
    ``pbinom(m - 1, n, p, lower.tail = FALSE)``; scipy's ``bdtrc`` through the regularised
    incomplete beta function ``I_p(m, n - m + 1)``).  ``m <= 0`` gives 1, ``m > n`` gives 0."""
    if n < 0 or not 0.0 <= p <= 1.0:
        raise ValueError(f"need n >= 0 and 0 <= p <= 1 (got n = {n}, p = {p})")
    if m <= 0:
        return 1.0
    if m > n:
        return 0.0
    return float(_scipy_special().bdtrc(m - 1, n, p))

"""DuMouchel's gamma-Poisson shrinker (GPS): prior, posterior, EBGM, EB05/EB95, data squashing.

Model (DuMouchel 1999, Am Stat 53:177-190): the count of a drug-event pair is
``N ~ Poisson(lambda * E)`` and ``lambda`` follows the two-gamma mixture prior
``P * Gamma(alpha1, beta1) + (1 - P) * Gamma(alpha2, beta2)`` (shape, rate).  Marginally ``N`` is a
mixture of negative binomials ``f_i(n) = NB(n; size = alpha_i, prob = beta_i / (beta_i + E))``.
The posterior is again a two-gamma mixture with shapes ``alpha_i + n``, rates ``beta_i + E`` and
weight ``Qn = P f_1(n) / (P f_1(n) + (1 - P) f_2(n))`` on the first component, so

- ``EBGM = exp(E[log lambda]) = exp(Qn (psi(alpha1 + n) - log(beta1 + E))
  + (1 - Qn) (psi(alpha2 + n) - log(beta2 + E)))``
- ``EB05``, ``EB95``: 5th / 95th percentiles of the posterior mixture.

Conventions follow openEBGM (Canida & Ihrie, R Journal 9(2):499-519, 2017): the observed-pairs
likelihood truncates each component at ``N >= N*`` (``negLLsquash``); ``squash_data`` reproduces
its ``squashData``.  The all-cells likelihood (``negLLzeroSquash``) adds the zero cells.
Fitting lives in :mod:`immunograde.stats.gps_fit`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class GPSPrior:
    """Hyperparameters ``theta = (alpha1, beta1, alpha2, beta2, p)`` of the two-gamma prior."""

    alpha1: float
    beta1: float
    alpha2: float
    beta2: float
    p: float

    def __post_init__(self) -> None:
        if min(self.alpha1, self.beta1, self.alpha2, self.beta2) <= 0:
            raise ValueError("GPS prior: alpha1, beta1, alpha2, beta2 must all be > 0")
        if not 0.0 <= self.p <= 1.0:
            raise ValueError(f"GPS prior: p must lie in [0, 1], got {self.p}")

    @classmethod
    def from_sequence(cls, theta: ArrayLike) -> GPSPrior:
        """Build from ``(alpha1, beta1, alpha2, beta2, p)``; raises ``ValueError`` otherwise."""
        values = np.asarray(theta, dtype=float).ravel()
        if values.size != 5:
            raise ValueError("theta needs five numbers: alpha1,beta1,alpha2,beta2,p")
        return cls(*(float(v) for v in values))

    def as_tuple(self) -> tuple[float, float, float, float, float]:
        return (self.alpha1, self.beta1, self.alpha2, self.beta2, self.p)


@dataclass(frozen=True)
class GPSPosterior:
    """Per-pair posterior summaries: ``qn`` (weight of component 1), ``ebgm``, ``eb05``, ``eb95``."""

    qn: FloatArray
    ebgm: FloatArray
    eb05: FloatArray
    eb95: FloatArray
    prior: GPSPrior


@dataclass(frozen=True)
class SquashedData:
    """Points ``(n, e)`` standing for ``weight`` original cells each (openEBGM ``squashData``)."""

    n: FloatArray
    e: FloatArray
    weight: FloatArray


def _check_counts(n: ArrayLike, e: ArrayLike) -> tuple[FloatArray, FloatArray]:
    n_arr = np.asarray(n, dtype=float)
    e_arr = np.asarray(e, dtype=float)
    if n_arr.shape != e_arr.shape:
        raise ValueError(f"n and e must have the same shape, got {n_arr.shape} and {e_arr.shape}")
    if np.any(n_arr < 0) or np.any(~np.isfinite(n_arr)):
        raise ValueError("counts n must be finite and >= 0")
    if np.any(e_arr <= 0) or np.any(~np.isfinite(e_arr)):
        raise ValueError("expected counts e must be finite and > 0")
    return n_arr, e_arr


def nb_logpmf(n: FloatArray, size: float, rate: float, e: FloatArray) -> FloatArray:
    """``log NB(n; size, prob = rate / (rate + e))``, as R's ``dnbinom`` (DuMouchel 1999, eq. 5)."""
    log_prob = np.log(rate) - np.log(rate + e)
    log_q = np.log(e) - np.log(rate + e)
    return (
        special.gammaln(size + n)
        - special.gammaln(size)
        - special.gammaln(n + 1.0)
        + size * log_prob
        + special.xlogy(n, np.exp(log_q))
    )


def _mixture_logs(prior: GPSPrior, n: FloatArray, e: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``log(P f1(n))`` and ``log((1 - P) f2(n))`` (``-inf`` for an empty component)."""
    with np.errstate(divide="ignore"):
        l1 = np.log(prior.p) + nb_logpmf(n, prior.alpha1, prior.beta1, e)
        l2 = np.log1p(-prior.p) + nb_logpmf(n, prior.alpha2, prior.beta2, e)
    return l1, l2


def posterior_qn(prior: GPSPrior, n: ArrayLike, e: ArrayLike) -> FloatArray:
    """Posterior weight of the first gamma component, ``Qn`` (DuMouchel 1999, eq. 6)."""
    n_arr, e_arr = _check_counts(n, e)
    l1, l2 = _mixture_logs(prior, n_arr, e_arr)
    return np.asarray(special.expit(l1 - l2), dtype=float)


def ebgm(prior: GPSPrior, n: ArrayLike, e: ArrayLike, qn: ArrayLike | None = None) -> FloatArray:
    """Empirical-Bayes geometric mean ``exp(E[log lambda | n])`` (DuMouchel 1999, eqs. 9-11)."""
    n_arr, e_arr = _check_counts(n, e)
    q = posterior_qn(prior, n_arr, e_arr) if qn is None else np.asarray(qn, dtype=float)
    m1 = special.digamma(prior.alpha1 + n_arr) - np.log(prior.beta1 + e_arr)
    m2 = special.digamma(prior.alpha2 + n_arr) - np.log(prior.beta2 + e_arr)
    return np.asarray(np.exp(q * m1 + (1.0 - q) * m2), dtype=float)


@dataclass(frozen=True)
class _Mixture:
    """Posterior two-gamma mixture of a set of pairs, with the per-pair constants precomputed."""

    q: FloatArray
    a1: FloatArray
    b1: FloatArray
    a2: FloatArray
    b2: FloatArray
    c1: FloatArray  # log(q) + a1 log(b1) - lgamma(a1)
    c2: FloatArray

    @classmethod
    def build(
        cls, q: FloatArray, a1: FloatArray, b1: FloatArray, a2: FloatArray, b2: FloatArray
    ) -> _Mixture:
        with np.errstate(divide="ignore"):
            c1 = np.log(q) + a1 * np.log(b1) - special.gammaln(a1)
            c2 = np.log1p(-q) + a2 * np.log(b2) - special.gammaln(a2)
        return cls(q, a1, b1, a2, b2, c1, c2)

    def take(self, idx: NDArray[np.intp]) -> _Mixture:
        return _Mixture(*(getattr(self, f)[idx] for f in ("q", "a1", "b1", "a2", "b2", "c1", "c2")))

    def cdf(self, x: FloatArray) -> FloatArray:
        g1 = special.gammainc(self.a1, self.b1 * x)
        return np.asarray(self.q * g1 + (1 - self.q) * special.gammainc(self.a2, self.b2 * x))

    def x_pdf(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``x f(x)`` (the derivative of the CDF in ``log x``) and its own derivative in ``log x``."""
        lx = np.log(x)
        t1 = np.exp(self.c1 + self.a1 * lx - self.b1 * x)
        t2 = np.exp(self.c2 + self.a2 * lx - self.b2 * x)
        return t1 + t2, (self.a1 - self.b1 * x) * t1 + (self.a2 - self.b2 * x) * t2


def _wilson_hilferty(shape: FloatArray, rate: FloatArray, z: float) -> FloatArray:
    """Approximate gamma quantile (Wilson & Hilferty 1931); a starting point only."""
    return np.asarray(
        shape * np.maximum(1 - 1 / (9 * shape) + z / (3 * np.sqrt(shape)), 0.05) ** 3 / rate
    )


def _start(mix: _Mixture, prob: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """A bracket ``lo, hi`` (``0`` / ``inf`` where not yet known) and a start.

    The CDF is evaluated at the Wilson-Hilferty approximations of both component quantiles (the
    mixture quantile lies between the exact ones); the start is Halley's step from the closer one.
    """
    z = float(special.ndtri(prob))
    lo, hi = np.zeros(mix.q.size), np.full(mix.q.size, np.inf)
    best_x, best_g = np.zeros(mix.q.size), np.full(mix.q.size, np.inf)
    for guess in (_wilson_hilferty(mix.a1, mix.b1, z), _wilson_hilferty(mix.a2, mix.b2, z)):
        g = mix.cdf(guess) - prob
        hi = np.where(g > 0, np.minimum(hi, guess), hi)
        lo = np.where(g > 0, lo, np.maximum(lo, guess))
        closer = np.abs(g) < np.abs(best_g)
        best_x, best_g = np.where(closer, guess, best_x), np.where(closer, g, best_g)
    return lo, hi, _halley_step(mix, best_x, best_g, lo, hi)[0]


def _halley_step(
    sub: _Mixture, x: FloatArray, g: FloatArray, lo: FloatArray, hi: FloatArray, tol: float = 0.0
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Halley's step for ``F(exp(u)) = prob`` in ``u = log x`` (Newton's where Halley's correction
    is large), bisecting ``[lo, hi]`` instead when the step leaves the bracket (``hi = inf``:
    doubling; ``lo = 0``: halving).  Also whether the Newton step was below ``tol``."""
    d1, d2 = sub.x_pdf(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        newton = -g / d1
        factor = 1.0 + 0.5 * newton * d2 / d1
        du = np.where((factor > 0.5) & (factor < 2.0), newton / factor, newton)
        step = x * np.exp(du)
    inside = np.isfinite(step) & (step > lo) & (step < hi)
    fallback = np.where(np.isinf(hi), 2.0 * x, np.where(lo > 0, np.sqrt(lo * hi), 0.5 * x))
    return np.where(inside, step, fallback), inside & (np.abs(newton) <= tol)


def posterior_quantile(
    prior: GPSPrior,
    n: ArrayLike,
    e: ArrayLike,
    prob: float,
    qn: ArrayLike | None = None,
    *,
    rtol: float = 1e-9,
    max_iter: int = 200,
) -> FloatArray:
    """Quantile ``x`` with ``Qn G1(x) + (1 - Qn) G2(x) = prob`` of the posterior gamma mixture.

    ``G_i`` is the gamma CDF with shape ``alpha_i + n`` and rate ``beta_i + E``.  All pairs are solved
    at once: Halley steps in ``log x`` from the better of the Wilson-Hilferty approximations of
    the two component quantiles (each CDF value narrows a bracket ``[lo, hi]``; a step leaving it
    is replaced by bisection), to relative ``rtol`` (once the Newton step in ``log x`` is below
    ``sqrt(rtol)`` the error left after Halley's step is of order its cube, so the search ends).
    openEBGM's ``quantBisect`` solves the same equation by plain bisection to 2 (default) decimals.
    """
    if not 0.0 < prob < 1.0:
        raise ValueError(f"prob must lie strictly between 0 and 1, got {prob}")
    n_arr, e_arr = _check_counts(n, e)
    q = posterior_qn(prior, n_arr, e_arr) if qn is None else np.asarray(qn, dtype=float)
    mix = _Mixture.build(
        q, prior.alpha1 + n_arr, prior.beta1 + e_arr, prior.alpha2 + n_arr, prior.beta2 + e_arr
    )
    lo, hi, x = _start(mix, prob)
    active = np.arange(x.size)
    tol = min(np.sqrt(rtol), 1e-4)
    for _ in range(max_iter):
        if active.size == 0:
            break
        sub, xa = (mix, x.copy()) if active.size == x.size else (mix.take(active), x[active])
        g = sub.cdf(xa) - prob
        above = g > 0
        hi[active] = np.where(above, xa, hi[active])
        lo[active] = np.where(above, lo[active], xa)
        new, small = _halley_step(sub, xa, g, lo[active], hi[active], tol)
        h = hi[active]
        narrow = np.isfinite(h) & (h - lo[active] <= rtol * h)
        done = small | narrow | (np.abs(new - xa) <= rtol * new)
        x[active] = new
        active = active[~done]
    return x


def gps_posterior(prior: GPSPrior, n: ArrayLike, e: ArrayLike) -> GPSPosterior:
    """``Qn``, ``EBGM``, ``EB05`` and ``EB95`` for every pair, given fitted hyperparameters."""
    n_arr, e_arr = _check_counts(n, e)
    q = posterior_qn(prior, n_arr, e_arr)
    return GPSPosterior(
        qn=q,
        ebgm=ebgm(prior, n_arr, e_arr, q),
        eb05=posterior_quantile(prior, n_arr, e_arr, 0.05, q),
        eb95=posterior_quantile(prior, n_arr, e_arr, 0.95, q),
        prior=prior,
    )


def neg_log_lik(
    prior: GPSPrior, data: SquashedData, *, truncated: bool = True, n_star: int = 1
) -> float:
    """Negative log marginal likelihood of squashed points.

    ``truncated=True`` is openEBGM's ``negLLsquash``: each negative binomial is conditioned on
    ``N >= n_star`` (the observed pairs only).  ``truncated=False`` is ``negLLzeroSquash``: all cells,
    zeros included, no truncation (DuMouchel 1999; the zero cells come in as squashed points).
    """
    l1, l2 = _mixture_logs(prior, data.n, data.e)
    if truncated:
        lower = np.arange(n_star, dtype=float)
        l1 = l1 - _log_survival(prior.alpha1, prior.beta1, data.e, lower)
        l2 = l2 - _log_survival(prior.alpha2, prior.beta2, data.e, lower)
    return float(-np.sum(data.weight * np.logaddexp(l1, l2)))


def _log_survival(size: float, rate: float, e: FloatArray, below: FloatArray) -> FloatArray:
    """``log(1 - P(N < n_star))`` for each ``e``; ``below`` lists ``0 .. n_star - 1``."""
    if below.size == 0:
        return np.zeros_like(e)
    cdf = np.zeros_like(e)
    for k in below:
        cdf += np.exp(nb_logpmf(np.full_like(e, k), size, rate, e))
    if below.size == 1:  # log(1 - f(0)) = log(-expm1(size * log(rate / (rate + e)))) is exact
        return np.asarray(np.log(-np.expm1(size * (np.log(rate) - np.log(rate + e)))), dtype=float)
    return np.asarray(np.log1p(-cdf), dtype=float)


def squash_data(
    data: SquashedData, *, count: int = 1, bin_size: int = 50, keep_pts: int = 100
) -> SquashedData:
    """openEBGM's ``squashData``: bin the points with ``N == count`` by ``E``.

    Points with ``N == count`` are sorted by ``E``; the ``keep_pts`` largest stay as they are; the rest
    are cut, in order, into bins of ``bin_size`` (the last one partial), each replaced by its mean
    ``E`` with weight equal to the number of points.  Other points pass through.  The result is
    ordered by ``N`` as openEBGM orders it (points held, then bins, then kept points, stable).
    """
    if bin_size < 1 or keep_pts < 0:
        raise ValueError("bin_size must be >= 1 and keep_pts >= 0")
    if np.any(data.weight[data.n == count] != 1):
        raise ValueError(f"points with N == {count} are already squashed")
    sel = data.n == count
    order = np.argsort(data.e[sel], kind="stable")
    e_sorted = data.e[sel][order]
    num_squash = e_sorted.size - keep_pts
    if num_squash < bin_size:
        raise ValueError("reduce 'bin_size' or 'keep_pts': too few points to squash")
    bins = np.arange(num_squash) // bin_size
    sums = np.bincount(bins, weights=e_sorted[:num_squash])
    sizes = np.bincount(bins).astype(float)
    hold = ~sel
    n = np.concatenate([data.n[hold], np.full(sizes.size + keep_pts, float(count))])
    e = np.concatenate([data.e[hold], sums / sizes, e_sorted[num_squash:]])
    w = np.concatenate([data.weight[hold], sizes, np.ones(keep_pts)])
    order_n = np.argsort(n, kind="stable")
    return SquashedData(n=n[order_n], e=e[order_n], weight=w[order_n])


def unsquashed(n: ArrayLike, e: ArrayLike) -> SquashedData:
    """Every pair as its own point of weight 1 (the input to :func:`squash_data`)."""
    n_arr, e_arr = _check_counts(n, e)
    return SquashedData(n=n_arr, e=e_arr, weight=np.ones_like(n_arr))

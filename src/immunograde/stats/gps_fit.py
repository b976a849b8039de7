"""Fitting the GPS prior by maximum likelihood from several starts; squashing at scale.

Two likelihoods (see :func:`immunograde.stats.gps.neg_log_lik`):

- ``"truncated"``: observed pairs only, each negative binomial truncated at ``N >= 1`` (openEBGM's
  default, ``negLLsquash``);
- ``"all_cells"``: every drug-event cell including the zero cells (DuMouchel 1999), whose expected
  counts are squashed into log-spaced bins by :func:`zero_cell_points`.  On very large tables the
  truncated likelihood can be flat in the first component; the zero cells pin it down.

The optimiser works on ``(log alpha1, log beta1, log alpha2, log beta2, logit p)`` with L-BFGS-B
from each start (openEBGM's vignette starts by default) and keeps the smallest minimum.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from immunograde.stats.gps import FloatArray, GPSPrior, SquashedData

Likelihood = Literal["truncated", "all_cells"]

#: openEBGM vignette 04 starting values (alpha1, beta1, alpha2, beta2, p).
DEFAULT_STARTS: tuple[tuple[float, float, float, float, float], ...] = (
    (0.2, 0.1, 2.0, 4.0, 1 / 3),
    (0.1, 0.1, 10.0, 10.0, 0.2),
    (0.3, 0.5, 6.0, 6.0, 0.5),
    (0.5, 0.3, 12.0, 12.0, 0.8),
    (0.2, 0.2, 5.0, 5.0, 0.4),
)


@dataclass(frozen=True)
class GPSFit:
    """The chosen prior and every start's outcome (``minima`` in start order, ``nan`` = failed)."""

    prior: GPSPrior
    neg_log_lik: float
    likelihood: str
    converged: bool
    n_points: int
    starts: tuple[tuple[float, ...], ...]
    estimates: tuple[tuple[float, ...], ...]
    minima: tuple[float, ...]


#: Box for the free parameters: alpha, beta in [1e-4, 1e5], p in [1e-6, 1 - 1e-6].  Without it the
#: truncated likelihood can run off to alpha2 = beta2 -> infinity (a spike at lambda = 1) on data
#: with no over-dispersion; estimates on the box edge are reported as not converged.
_BOUNDS = [(np.log(1e-4), np.log(1e5))] * 4 + [(special.logit(1e-6), special.logit(1 - 1e-6))]


def _to_free(theta: ArrayLike) -> FloatArray:
    t = np.asarray(theta, dtype=float)
    free = np.concatenate([np.log(t[:4]), [special.logit(t[4])]])
    return np.clip(free, [b[0] for b in _BOUNDS], [b[1] for b in _BOUNDS])


def _from_free(x: FloatArray) -> GPSPrior:
    a1, b1, a2, b2 = np.exp(np.clip(x[:4], -30.0, 30.0))
    p = float(np.clip(special.expit(x[4]), 1e-12, 1 - 1e-12))
    return GPSPrior(float(a1), float(b1), float(a2), float(b2), p)


@dataclass(frozen=True)
class _Counts:
    """The points' distinct ``N`` (few, even for millions of pairs), each point's index into them
    and ``lgamma(N + 1)``: the special functions of ``a + N`` are evaluated once per distinct ``N``."""

    values: FloatArray
    inverse: NDArray[np.intp]
    lgamma_n1: FloatArray

    @classmethod
    def of(cls, n: FloatArray) -> _Counts:
        values, inverse = np.unique(n, return_inverse=True)
        return cls(values, inverse.ravel(), special.gammaln(n + 1))


def _component(
    n: FloatArray, e: FloatArray, a: float, b: float, truncated: bool, counts: _Counts
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``log f*`` and its derivatives in ``log a`` and ``log b`` for one negative binomial.

    ``log f = lgamma(a + n) - lgamma(a) - lgamma(n + 1) + a log r + n log(1 - r)``, ``r = b/(b+E)``;
    truncation at ``N >= 1`` subtracts ``log(1 - r^a)``.
    """
    log_r = np.log(b) - np.log(b + e)
    a_n = counts.values + a
    logf = (
        special.gammaln(a_n)[counts.inverse] - special.gammaln(a) - counts.lgamma_n1
        + a * log_r + special.xlogy(n, e / (b + e))
    )  # fmt: skip
    d_a = special.digamma(a_n)[counts.inverse] - special.digamma(a) + log_r
    d_b = a / b - (a + n) / (b + e)
    if truncated:
        r_a = np.exp(a * log_r)
        survival = -np.expm1(a * log_r)
        logf = logf - np.log(survival)
        d_a = d_a + r_a * log_r / survival
        d_b = d_b + r_a * a * (e / (b * (b + e))) / survival
    return logf, a * d_a, b * d_b


def _value_and_gradient(
    x: FloatArray, data: SquashedData, truncated: bool, counts: _Counts | None = None
) -> tuple[float, FloatArray]:
    """Negative log-likelihood and its gradient in the free parameters."""
    prior = _from_free(x)
    c = counts or _Counts.of(data.n)
    l1, g_a1, g_b1 = _component(data.n, data.e, prior.alpha1, prior.beta1, truncated, c)
    l2, g_a2, g_b2 = _component(data.n, data.e, prior.alpha2, prior.beta2, truncated, c)
    p = prior.p
    t1, t2 = np.log(p) + l1, np.log1p(-p) + l2
    log_l = np.logaddexp(t1, t2)
    w1 = np.exp(t1 - log_l)
    w2 = 1.0 - w1
    wt = data.weight
    grad = np.array(
        [
            np.sum(wt * w1 * g_a1),
            np.sum(wt * w1 * g_b1),
            np.sum(wt * w2 * g_a2),
            np.sum(wt * w2 * g_b2),
            np.sum(wt * (w1 * (1 - p) - w2 * p)),
        ]
    )
    return float(-np.sum(wt * log_l)), -grad


def _one_start(
    objective: Callable[[FloatArray], tuple[float, FloatArray]], start: FloatArray
) -> tuple[tuple[float, float, float, float, float], float, bool]:
    """(estimate, minimum or nan, converged) from one start; the box edge is not convergence."""
    res = optimize.minimize(
        objective,
        _to_free(start),
        jac=True,
        method="L-BFGS-B",
        bounds=_BOUNDS,
        options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-7},
    )
    failed = not res.fun < 1e299
    gradient = getattr(res, "jac", None)
    flat = gradient is not None and float(np.max(np.abs(gradient))) < 1e-2
    on_edge = any(
        min(abs(v - lo), abs(v - hi)) < 1e-6 for v, (lo, hi) in zip(res.x, _BOUNDS, strict=True)
    )
    converged = (bool(res.success) or flat) and not on_edge and not failed
    return _from_free(res.x).as_tuple(), float("nan") if failed else float(res.fun), converged


def fit_prior(
    data: SquashedData,
    *,
    likelihood: Likelihood = "truncated",
    starts: ArrayLike | None = None,
    workers: int = 2,
) -> GPSFit:
    """Maximum-likelihood hyperparameters from several starts (DuMouchel 1999, section 3).

    Parameters
    ----------
    data : squashed points (observed pairs; for ``"all_cells"`` also the zero-cell points).
    likelihood : ``"truncated"`` (``N >= 1``) or ``"all_cells"``.
    starts : rows of ``(alpha1, beta1, alpha2, beta2, p)``; default :data:`DEFAULT_STARTS`.
    workers : threads running the starts (scipy's special functions release the GIL; each start's
        result does not depend on it).
    """
    if likelihood not in ("truncated", "all_cells"):
        raise ValueError("likelihood must be 'truncated' or 'all_cells'")
    start_rows = np.atleast_2d(np.asarray(DEFAULT_STARTS if starts is None else starts, float))
    if start_rows.shape[1] != 5:
        raise ValueError("each start needs five numbers: alpha1,beta1,alpha2,beta2,p")
    truncated = likelihood == "truncated"
    counts = _Counts.of(data.n)

    def objective(x: FloatArray) -> tuple[float, FloatArray]:
        value, grad = _value_and_gradient(x, data, truncated, counts)
        if not np.isfinite(value) or not np.all(np.isfinite(grad)):
            return 1e300, np.zeros(5)
        return value, grad

    with ThreadPoolExecutor(min(workers, len(start_rows))) as pool:  # starts are independent
        runs = list(pool.map(lambda row: _one_start(objective, row), start_rows))
    estimates = [r[0] for r in runs]
    minima = [r[1] for r in runs]
    ok = [r[2] for r in runs]
    finite = [i for i, m in enumerate(minima) if np.isfinite(m)]
    if not finite:
        raise ValueError("GPS fit failed from every start; try other starts or squashing")
    best = min(finite, key=lambda i: minima[i])
    return GPSFit(
        prior=GPSPrior(*estimates[best]),
        neg_log_lik=minima[best],
        likelihood=likelihood,
        converged=ok[best],
        n_points=int(data.n.size),
        starts=tuple(tuple(float(v) for v in r) for r in start_rows),
        estimates=tuple(estimates),
        minima=tuple(minima),
    )


def auto_squash(
    data: SquashedData, *, max_points: int = 20_000, bins_per_unit_log: float = 200.0
) -> SquashedData:
    """Squash large tables: merge points with the same ``N`` whose ``E`` lie in one narrow bin.

    Bins are ``1 / bins_per_unit_log`` wide in ``log E`` (0.5 % by default), so every merged
    ``E`` is within that of its bin mean and the likelihood barely moves (unlike equal-count bins,
    which mix very different ``E`` in the sparse upper tail).  Tables of at most ``max_points``
    points pass through unchanged.
    """
    if data.n.size <= max_points:
        return data
    key_e = np.floor(np.log(data.e) * bins_per_unit_log).astype(np.int64)
    key_e -= key_e.min()
    key = data.n.astype(np.int64) * (int(key_e.max()) + 1) + key_e  # one int64 key per (N, bin)
    _, inverse = np.unique(key, return_inverse=True)
    weight = np.asarray(np.bincount(inverse, weights=data.weight), dtype=float)
    mean_e = np.bincount(inverse, weights=data.e * data.weight) / weight
    n_of_bin = np.bincount(inverse, weights=data.n * data.weight) / weight
    return SquashedData(n=np.round(n_of_bin), e=mean_e, weight=weight)


def zero_cell_points(
    drug_margins: ArrayLike,
    event_margins: ArrayLike,
    stratum_totals: ArrayLike,
    observed_e: ArrayLike,
    *,
    bins_per_unit_log: float = 200.0,
    block: int = 512,
) -> SquashedData:
    """Squashed ``N = 0`` points for the all-cells likelihood.

    ``E_ij = sum_s n_is n_js / N_s`` (drug margins ``D x S``, event margins ``V x S``, totals ``S``)
    for every cell, computed in blocks of drugs, binned by ``log E`` (``bins_per_unit_log`` bins per
    unit of natural log, i.e. E within 0.5 %); the observed cells' ``E`` are taken out of the bins.
    Each bin becomes one point ``(0, mean E, count)``.
    """
    d = np.atleast_2d(np.asarray(drug_margins, dtype=float))
    v = np.atleast_2d(np.asarray(event_margins, dtype=float))
    tot = np.asarray(stratum_totals, dtype=float)
    obs = np.asarray(observed_e, dtype=float)
    if d.shape[1] != tot.size or v.shape[1] != tot.size or np.any(tot <= 0):
        raise ValueError("margins need one column per stratum and stratum totals > 0")
    scaled_v = (v / tot).T
    edges_lo = np.log(np.min(obs)) - 50.0 if obs.size else -50.0
    acc_s = np.zeros(0)
    acc_c = np.zeros(0)
    for start in range(0, d.shape[0], block):
        e = (d[start : start + block] @ scaled_v).ravel()
        e = e[e > 0]
        idx = np.floor((np.log(e) - edges_lo) * bins_per_unit_log).astype(np.int64)
        idx = np.maximum(idx, 0)
        size = int(idx.max()) + 1 if idx.size else 0
        if size > acc_s.size:
            acc_s = np.pad(acc_s, (0, size - acc_s.size))
            acc_c = np.pad(acc_c, (0, size - acc_c.size))
        acc_s[:size] += np.bincount(idx, weights=e, minlength=size)
        acc_c[:size] += np.bincount(idx, minlength=size)
    if obs.size:
        idx = np.maximum(np.floor((np.log(obs) - edges_lo) * bins_per_unit_log).astype(np.int64), 0)
        size = max(int(idx.max()) + 1, acc_s.size)
        acc_s = np.pad(acc_s, (0, size - acc_s.size)) - np.bincount(
            idx, weights=obs, minlength=size
        )
        acc_c = np.pad(acc_c, (0, size - acc_c.size)) - np.bincount(idx, minlength=size)
    keep = acc_c > 0.5
    mean_e = acc_s[keep] / acc_c[keep]
    return SquashedData(
        n=np.zeros(mean_e.size), e=mean_e, weight=np.round(acc_c[keep]).astype(float)
    )


def combine(*parts: SquashedData) -> SquashedData:
    """Concatenate squashed point sets (e.g. observed pairs and zero cells)."""
    return SquashedData(
        n=np.concatenate([p.n for p in parts]),
        e=np.concatenate([p.e for p in parts]),
        weight=np.concatenate([p.weight for p in parts]),
    )

"""Many meta-analyses at once: the evidence layer's door to the batch engine.

Everything that pools several groups -- ``immunograde meta --by``, the workbench, subgroup analyses,
and the build's appraisals through :func:`pool_many` -- fits them in one call of
:func:`immunograde.stats.batch.fit_segments` (segment sums over all groups) and finds the tau2
confidence intervals for all groups in one vectorised root search
(:func:`immunograde.stats.heterogeneity.confint_segments`).  Every group's numbers equal fitting it
alone with :func:`immunograde.stats.rma.rma_uni` and :func:`~immunograde.stats.heterogeneity.
confint_tau2` (tests/evidence/test_meta_batch.py).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from immunograde.stats.batch import BatchResult, fit_segments
from immunograde.stats.heterogeneity import Tau2Bounds, confint_segments
from immunograde.stats.rma import RmaResult, from_batch_row
from immunograde.stats.segments import Segments

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class GroupFits:
    """One row per group (``fits.groups``), the studies as fitted, and the tau2 bounds if asked."""

    fits: BatchResult
    seg: Segments
    yi: FloatArray
    vi: FloatArray
    bounds: Tau2Bounds | None


def fit_groups(
    yi: FloatArray,
    vi: FloatArray,
    codes: NDArray[np.intp],
    labels: Sequence[object],
    *,
    method: str,
    test: str = "z",
    level: float = 95.0,
    mode: str = "metafor",
    tau2_ci: str | None = "QP",
) -> GroupFits:
    """Fit group ``codes[i]`` (0..G-1; every group needs a study) of each study; rows follow
    ``labels``.  ``tau2_ci`` is ``"QP"`` (Q-profile), ``"PL"`` (profile likelihood) or None.

    Raises ``ValueError`` as :func:`~immunograde.stats.rma.rma_uni` does (callers turn it into
    an :class:`~immunograde.errors.InputError` naming the file).
    """
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=len(labels))
    seg = Segments.from_counts(counts)
    y, v = np.asarray(yi, dtype=float)[order], np.asarray(vi, dtype=float)[order]
    fits = fit_segments(seg, y, v, np.asarray(labels, dtype=object), method=method, test=test,
                        level=level, mode=mode)  # fmt: skip
    bounds = None
    if tau2_ci is not None and method != "FE":
        bounds = confint_segments(seg, y, v, fits.tau2, fits.vt, method=method, type=tau2_ci,
                                  level=fits.level, mode=mode)  # fmt: skip
    return GroupFits(fits, seg, y, v, bounds)


@dataclass(frozen=True)
class PoolRequest:
    """One meta-analysis to fit: its estimates ``yi`` with variances ``vi`` and the model."""

    key: Hashable
    yi: ArrayLike
    vi: ArrayLike
    method: str = "REML"
    test: str = "z"
    level: float = 95.0
    mode: str = "metafor"


@dataclass(frozen=True)
class Pooled:
    """A request's fit (as ``rma_uni`` gives it) and its tau2 confidence bounds (None for FE or
    k = 1, or when not asked for)."""

    key: Hashable
    fit: RmaResult
    tau2_ci_low: float | None = None
    tau2_ci_high: float | None = None


def pool_many(requests: Sequence[PoolRequest], *, tau2_ci: str | None = None) -> list[Pooled]:
    """Fit many intercept-only meta-analyses at once (e.g. every question of a build).

    Requests are grouped by model (method, test, level, mode) and each model's requests are one
    batch: 1,000 questions take milliseconds instead of a Python loop of ``rma_uni`` calls.  The
    result, in the order of ``requests``, holds for each the same :class:`RmaResult` that
    ``rma_uni(yi, vi, method=..., test=..., level=..., mode=...)`` returns (to rounding), and with
    ``tau2_ci="QP"`` or ``"PL"`` its tau2 confidence bounds as ``confint_tau2`` gives them.

    Example (the lead's build)::

        reqs = [PoolRequest(q.id, y, v, method=m) for q, y, v, m in questions]
        for pooled in pool_many(reqs, tau2_ci="QP"):
            store(pooled.key, pooled.fit, pooled.tau2_ci_low, pooled.tau2_ci_high)

    Raises ``ValueError`` naming the request's key for impossible input (no studies, a variance
    <= 0, non-finite numbers, an unknown option) or a Paule-Mandel fit metafor would refuse.
    """
    out: list[Pooled | None] = [None] * len(requests)
    models: dict[tuple[str, str, float, str], list[int]] = {}
    for i, r in enumerate(requests):
        models.setdefault((r.method, r.test, float(r.level), r.mode), []).append(i)
    for (method, test, level, mode), idx in models.items():
        ys = [np.asarray(requests[i].yi, dtype=float).ravel() for i in idx]
        vs = [np.asarray(requests[i].vi, dtype=float).ravel() for i in idx]
        _check_requests([requests[i] for i in idx], ys, vs)
        codes = np.repeat(np.arange(len(idx)), [y.size for y in ys])
        fitted = fit_groups(np.concatenate(ys), np.concatenate(vs), codes, idx, method=method,
                            test=test, level=level, mode=mode, tau2_ci=tau2_ci)  # fmt: skip
        _check_converged(fitted.fits, [requests[i].key for i in idx], method, mode)
        for g, i in enumerate(idx):
            out[i] = _pooled(requests[i].key, fitted, g, ys[g], vs[g])
    return [p for p in out if p is not None]


def _check_requests(
    reqs: Sequence[PoolRequest], ys: list[FloatArray], vs: list[FloatArray]
) -> None:
    for r, y, v in zip(reqs, ys, vs, strict=True):
        if y.size == 0 or y.size != v.size:
            raise ValueError(f"{r.key!r}: needs k >= 1 studies and one variance per estimate")
        if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v)) and np.all(v > 0)):
            raise ValueError(f"{r.key!r}: yi and vi must be finite, with vi > 0")


def _check_converged(fits: BatchResult, keys: Sequence[Hashable], method: str, mode: str) -> None:
    """metafor refuses a Paule-Mandel fit whose Q(tau2_max) is still above k - 1: so do we."""
    failed = np.flatnonzero(np.isnan(fits.tau2))
    if failed.size and method == "PM" and mode == "metafor":
        raise ValueError(f"{keys[failed[0]]!r}: Paule-Mandel: Q(tau2_max) is still above k-1; "
                         "tau2_max is too low (use mode='exact')")  # fmt: skip


def _pooled(key: Hashable, fitted: GroupFits, g: int, y: FloatArray, v: FloatArray) -> Pooled:
    fit = from_batch_row(fitted.fits, g, y, v)
    b = fitted.bounds
    if b is None or fit.k < 2:
        return Pooled(key, fit)
    return Pooled(key, fit, float(b.tau2_ci_low[g]), float(b.tau2_ci_high[g]))

"""Cumulative meta-analysis (metafor 3.8-1 ``cumul``): studies are added one at a time in the
given order and the model is refitted after each addition (row ``i`` uses the first ``i + 1``
studies; with one study tau2 = 0, as metafor).  All refits are one batch.

Reference: Lau J, et al. (1992). Cumulative meta-analysis of therapeutic trials for myocardial
infarction. N Engl J Med 327:248-254.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .batch import BatchResult, check_inputs, check_options, fit_segments
from .segments import Segments


@dataclass(frozen=True)
class Cumulative:
    """``order[i]`` is the (0-based) study added at step ``i``; ``fits`` row ``i`` after it."""

    order: NDArray[np.intp]
    fits: BatchResult


def cumulative(
    yi: ArrayLike,
    vi: ArrayLike,
    order: ArrayLike | None = None,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    mode: str = "metafor",
) -> Cumulative:
    """Cumulative analysis; ``order`` holds sort keys (e.g. publication year; ties keep input
    order, as R's ``order``), ``None`` keeps the input order."""
    y, v = check_inputs(yi, vi)
    check_options(method, test, mode, level)
    k = y.size
    if order is None:
        perm = np.arange(k)
    else:
        keys = np.asarray(order).ravel()
        if keys.size != k:
            raise ValueError(f"order has {keys.size} entries but there are {k} studies")
        perm = np.argsort(keys, kind="stable")
    ys, vs = y[perm], v[perm]
    take = np.concatenate([np.arange(i + 1) for i in range(k)])
    seg = Segments.from_counts(np.arange(1, k + 1))
    fits = fit_segments(
        seg,
        ys[take],
        vs[take],
        np.arange(1, k + 1),
        method=method,
        test=test,
        level=level,
        mode=mode,
    )
    return Cumulative(order=perm, fits=fits)

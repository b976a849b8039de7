"""Leave-one-out analysis (metafor 3.8-1 ``leave1out``): the model refitted k times, each time
without one study, with the same method, test and level.  All k refits are one batch
(:func:`immunograde.stats.batch.fit_segments`), so each row equals ``rma_uni`` on that subset.

Reference: Viechtbauer W, Cheung MW-L (2010). Outlier and influence diagnostics for
meta-analysis. Res Synth Methods 1:112-125.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .batch import BatchResult, check_inputs, check_options, fit_segments
from .segments import Segments


@dataclass(frozen=True)
class LeaveOneOut:
    """Row ``i`` of ``fits`` is the model without study ``omitted[i]`` (0-based position)."""

    omitted: NDArray[np.intp]
    fits: BatchResult


def leave_one_out(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    mode: str = "metafor",
) -> LeaveOneOut:
    """Refit the intercept-only model ``k`` times, leaving out one study each time (k >= 2)."""
    y, v = check_inputs(yi, vi)
    check_options(method, test, mode, level)
    k = y.size
    if k < 2:
        raise ValueError("leave-one-out needs k >= 2 studies")
    keep = np.tile(np.arange(k), k).reshape(k, k)
    keep = keep[keep != np.arange(k)[:, None]].reshape(k, k - 1).ravel()
    seg = Segments.from_counts(np.full(k, k - 1))
    fits = fit_segments(
        seg, y[keep], v[keep], np.arange(k), method=method, test=test, level=level, mode=mode
    )
    return LeaveOneOut(omitted=np.arange(k), fits=fits)

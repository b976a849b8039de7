"""Subgroup analysis with the test for subgroup differences.

Each subgroup gets its own model (its own tau2; all subgroups fitted as one batch).  The test for
subgroup differences is the fixed-effect Q statistic across the subgroup estimates,
``Q_between = sum_g (mu_g - mu_bar)^2 / se_g^2`` with ``G - 1`` degrees of freedom -- the test of
RevMan and of metafor's ``rma(estimates, sei=se, method="FE")`` on the subgroup results
(Borenstein et al. 2009, ch. 19; Deeks, Higgins, Altman, Cochrane Handbook 10.11.3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as sps

from .batch import BatchResult, check_inputs, rma_batch
from .rma import RmaResult, rma_uni


@dataclass(frozen=True)
class SubgroupResult:
    """Per-subgroup fits (rows follow ``fits.groups``), the overall fit and the difference test."""

    fits: BatchResult
    overall: RmaResult
    q_between: float
    q_between_df: int
    q_between_p: float


def subgroups(
    yi: ArrayLike,
    vi: ArrayLike,
    groups: ArrayLike,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    mode: str = "metafor",
) -> SubgroupResult:
    """Fit each subgroup separately and test whether the subgroup estimates differ."""
    y, v = check_inputs(yi, vi)
    fits = rma_batch(y, v, groups, method=method, test=test, level=level, mode=mode)
    overall = rma_uni(y, v, method=method, test=test, level=level, mode=mode)
    n = fits.groups.size
    if n < 2:
        return SubgroupResult(fits, overall, 0.0, 0, float("nan"))
    w = 1.0 / fits.se**2
    mu = np.sum(w * fits.estimate) / np.sum(w)
    q = float(max(0.0, np.sum(w * (fits.estimate - mu) ** 2)))
    return SubgroupResult(fits, overall, q, n - 1, float(sps.chi2.sf(q, n - 1)))

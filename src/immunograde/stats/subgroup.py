"""Subgroup analysis with the test for subgroup differences.

Each subgroup gets its own model (its own tau2; all subgroups fitted as one batch).  The test for
subgroup differences is the fixed-effect Q statistic across the subgroup estimates,
``Q_between = sum_g (mu_g - mu_bar)^2 / se_g^2`` with ``G - 1`` degrees of freedom -- the test of
RevMan and of metafor's ``rma(estimates, sei=se, method="FE")`` on the subgroup results
(Borenstein et al. 2009, ch. 19; Deeks, Higgins, Altman, Cochrane Handbook 10.11.3).

The alternative with one common tau2 -- the mixed-effects meta-regression on the subgroup factor,
metafor's ``rma(yi, vi, mods = ~ factor(group))`` -- is given as ``qm_common`` (its QM test,
chi2 with G - 1 df, or F for ``knha``) and ``tau2_common``.  Its design matrix has one column per
subgroup but one; above :data:`COMMON_MAX_CELLS` cells (thousands of subgroups: ``meta --by`` over a
file of 10,000 analyses asked for 100,000 x 9,999 cells, 8 GB) it is not fitted: ``common_skipped`` is
true and the three values stay NaN, while the per-subgroup fits and ``Q_between`` are given as always.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from . import dist
from .batch import BatchResult, check_inputs, rma_batch
from .rma import RmaResult, rma_uni

COMMON_MAX_CELLS = (
    2_000_000  #: studies x (subgroups - 1) design cells (16 MB) the common model may use
)


@dataclass(frozen=True)
class SubgroupResult:
    """Per-subgroup fits (rows follow ``fits.groups``), the overall fit and the difference test."""

    fits: BatchResult
    overall: RmaResult
    q_between: float
    q_between_df: int
    q_between_p: float
    qm_common: float = float("nan")
    qm_common_p: float = float("nan")
    tau2_common: float = float("nan")
    common_skipped: bool = False  #: the common-tau2 model was too large to fit (see the module)


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
    if y.size * (n - 1) > COMMON_MAX_CELLS:
        return SubgroupResult(fits, overall, q, n - 1, float(dist.chdtrc(n - 1, q)[()]),
                              common_skipped=True)  # fmt: skip
    labels = np.asarray(groups).ravel()
    dummies = np.column_stack([labels == g for g in fits.groups[1:]]).astype(float)
    nan = float("nan")
    try:
        common = rma_uni(y, v, mods=dummies, method=method, test=test, level=level, mode=mode)
        extra = (common.qm, common.qm_p, common.tau2)
    except ValueError:  # e.g. too few studies for G coefficients plus tau2
        extra = (nan, nan, nan)
    return SubgroupResult(fits, overall, q, n - 1, float(dist.chdtrc(n - 1, q)[()]), *extra)

"""Fixed- and random-effects meta-analysis that reproduces R's metafor 3.8-1 ``rma.uni``.

>>> from immunograde.stats.rma import rma_uni
>>> res = rma_uni([-0.9, -1.6, -1.4], [0.36, 0.44, 0.02], method="REML")
>>> res.k, res.method
(3, 'REML')

Models: ``method="FE"`` (inverse variance) or a random-effects model with tau2 from ``"DL"``,
``"HE"``, ``"HS"``, ``"HSk"``, ``"SJ"``, ``"ML"``, ``"REML"`` (default, as metafor), ``"EB"`` or
``"PM"``; ``test="z"`` (normal quantiles) or ``"knha"`` (Knapp & Hartung 2003: scaled variance and
t(k-p) quantiles); ``mods`` adds moderators (mixed-effects meta-regression with the QM omnibus test,
:mod:`.metareg`).  Formulas: :mod:`.batch` (pooling, heterogeneity) and :mod:`.tau2` (estimators).

Convergence modes (``mode``) -- which one you get and why both exist
-------------------------------------------------------------------------
``mode="metafor"`` is the default: iterative estimators (ML, REML, EB, PM) stop exactly where
metafor stops -- Fisher scoring from the HE estimate until tau2 changes by <= 1e-5 (step halving
at the zero boundary), PM by a port of R's ``uniroot`` (tol ``.Machine$double.eps^0.25``) -- so
results agree with published metafor output to ~1e-10.  ``mode="exact"`` solves the same
estimating equations to machine precision.  metafor's defaults stop early: usually the two modes
differ in the 5th-7th significant digit, but with tiny sampling variances (e.g. risk differences,
tau2 ~ 1e-5) metafor's ``uniroot`` tolerance of 1.2e-4 exceeds tau2 itself, and its PM tau2 (and
hence the standard error) can differ from the exact root by an order of magnitude.  Use the
default to reproduce a published analysis, ``"exact"`` when the estimate itself matters.

References
----------
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. J Stat Softw 36(3).
DerSimonian R, Laird N (1986). Control Clin Trials 7:177-188.
Knapp G, Hartung J (2003). Stat Med 22:2693-2710.
Higgins JPT, Thompson SG (2002). Quantifying heterogeneity. Stat Med 21:1539-1558.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import dist
from .batch import BatchResult, as_percent, check_inputs, check_options, fit_segments
from .segments import Segments

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class RmaResult:
    """A fitted meta-analytic model (metafor's ``rma.uni`` object, metafor's names).

    Scalars describe the pooled estimate (the intercept when there are moderators); ``*_beta``
    arrays hold all coefficients.  ``weights`` are percent; ``df`` is ``k - p`` for ``knha``.
    """

    k: int
    method: str
    test: str
    mode: str
    level: float
    estimate: float
    se: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    tau2: float
    se_tau2: float
    i2: float
    h2: float
    q: float
    q_df: float
    q_p: float
    vt: float
    weights: FloatArray
    df: float
    converged: bool
    iterations: int
    beta: FloatArray
    se_beta: FloatArray
    statistic_beta: FloatArray
    p_beta: FloatArray
    ci_low_beta: FloatArray
    ci_high_beta: FloatArray
    qm: float
    qm_df: tuple[float, float]
    qm_p: float
    yi: FloatArray
    vi: FloatArray
    mods: FloatArray | None = None


def rma_uni(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: str = "REML",
    test: str = "z",
    mods: ArrayLike | None = None,
    level: float = 95.0,
    mode: str = "metafor",
    weights: ArrayLike | None = None,
) -> RmaResult:
    """Fit a fixed- or random-effects model to estimates ``yi`` with sampling variances ``vi``.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes (on the analysis scale, e.g. log odds ratios) and their variances (> 0).
    method : str
        ``"FE"`` or a tau2 estimator (see module docstring).
    test : {"z", "knha"}
        Normal-theory or Knapp-Hartung inference.
    mods : array_like, optional
        Moderators (k x m, without the intercept column); the intercept is added.
    level : float
        Confidence level in percent (a proportion below 1, e.g. 0.95, is accepted as metafor does).
    mode : {"metafor", "exact"}
        Convergence mode for ML/REML/EB/PM (see module docstring).
    weights : None
        Custom weights are not supported (kept for metafor's signature); must be None.
    """
    if weights is not None:
        raise ValueError("custom weights are not supported; leave weights=None (inverse-variance)")
    y, v = check_inputs(yi, vi)
    level = as_percent(level)
    check_options(method, test, mode, level)
    if mods is not None:
        from .metareg import rma_mods

        return rma_mods(
            y, v, np.asarray(mods, dtype=float), method=method, test=test, level=level, mode=mode
        )
    seg = Segments.from_counts([y.size])
    res = fit_segments(seg, y, v, np.array([0]), method=method, test=test, level=level, mode=mode)
    return from_batch_row(res, 0, y, v)


def from_batch_row(res: BatchResult, g: int, y: FloatArray, v: FloatArray) -> RmaResult:
    """The ``g``-th meta-analysis of a batch as an :class:`RmaResult` (``y, v``: its studies)."""
    w = 1.0 / (v + res.tau2[g])
    one = np.array
    stat = float(res.statistic[g])
    qm_df = (1.0, float(res.df[g]))
    if res.df[g] > 0:  # knha (metafor uses z when k = 1)
        qm_p = float(dist.fdtrc(1.0, res.df[g], stat * stat))
    else:
        qm_p = float(dist.chdtrc(1.0, stat * stat)[()])
    return RmaResult(
        k=int(res.k[g]), method=res.method, test=res.test, mode=res.mode, level=res.level,
        estimate=float(res.estimate[g]), se=float(res.se[g]), statistic=stat,
        p_value=float(res.p_value[g]), ci_low=float(res.ci_low[g]), ci_high=float(res.ci_high[g]),
        pi_low=float(res.pi_low[g]), pi_high=float(res.pi_high[g]), tau2=float(res.tau2[g]),
        se_tau2=float(res.se_tau2[g]), i2=float(res.i2[g]), h2=float(res.h2[g]), q=float(res.q[g]),
        q_df=float(res.q_df[g]), q_p=float(res.q_p[g]), vt=float(res.vt[g]),
        weights=100.0 * w / w.sum(), df=float(res.df[g]), converged=bool(res.converged[g]),
        iterations=int(res.iterations[g]), beta=one([res.estimate[g]]), se_beta=one([res.se[g]]),
        statistic_beta=one([stat]), p_beta=one([res.p_value[g]]), ci_low_beta=one([res.ci_low[g]]),
        ci_high_beta=one([res.ci_high[g]]), qm=stat * stat, qm_df=qm_df, qm_p=qm_p, yi=y, vi=v,
    )  # fmt: skip

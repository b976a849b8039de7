"""Minimal important difference (MID) thresholds on the analysis scale and on the absolute scale.

Ratio measures: the question's ``mid`` is a ratio (``0.9`` = a 10% relative reduction); with none, the
rules' ``default_relative_mid`` r gives thresholds ``1 - r`` and ``1 + r`` (a relative change close to
the null, as GRADE Guidance 34 advises when no MID is known; Zeng 2022).  A stated ratio ``m < 1`` gives ``(m, 2 - m)``; ``m > 1`` gives
``(2 - m, m)``.  Mean differences use ``±mid``; SMDs ``±mid`` or ``±default_smd_mid``.
Absolute thresholds per 1000 are the risk differences at the two ratio thresholds for comparator risk
``p0`` (see :mod:`immunograde.grading.absolute`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from immunograde.grading.absolute import risk_with_intervention
from immunograde.grading.config import ImprecisionRules
from immunograde.grading.inputs import RATIO_MEASURES


@dataclass(frozen=True)
class Thresholds:
    """MID thresholds below and above the null, on the analysis scale (log for ratios)."""

    low: float
    high: float
    source: str


def mid_thresholds(measure: str, mid: float | None, rules: ImprecisionRules) -> Thresholds | None:
    """MID thresholds for ``measure``; ``None`` when no MID is stated and no default exists."""
    if measure in RATIO_MEASURES:
        if mid is None:
            r = rules.default_relative_mid
            return Thresholds(math.log(1 - r), math.log(1 + r), f"default: relative change {r:.0%}")
        if not 0 < mid < 2 or mid == 1:
            raise ValueError(f"a ratio MID must be in (0, 2) and not 1, got {mid}")
        lo, hi = (mid, 2 - mid) if mid < 1 else (2 - mid, mid)
        return Thresholds(math.log(lo), math.log(hi), f"question MID: ratio {mid:g}")
    if mid is not None:
        return Thresholds(-abs(mid), abs(mid), f"question MID: {abs(mid):g}")
    if measure == "SMD":
        d = rules.default_smd_mid
        return Thresholds(-d, d, f"default: SMD {d:g}")
    return None


def absolute_thresholds(measure: str, t: Thresholds, p0: float) -> tuple[float, float]:
    """The MID thresholds as risk differences per 1000 at comparator risk ``p0``."""
    lo = (risk_with_intervention(measure, math.exp(t.low), p0) - p0) * 1000.0
    hi = (risk_with_intervention(measure, math.exp(t.high), p0) - p0) * 1000.0
    return lo, hi

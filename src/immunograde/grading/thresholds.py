"""Thresholds on the analysis scale: the sourced MID, the appreciable effect, and the target they give.

Ratio measures: the question's ``mid`` is a ratio (``0.9`` = a 10% relative reduction); a ratio
``m < 1`` gives thresholds ``(m, 2 - m)``, ``m > 1`` gives ``(2 - m, m)``.  Mean differences and SMDs
use ``±mid``.  Without a sourced MID there is no MID threshold: the target's threshold is the null
(Core GRADE 2).  The *appreciable* effect (for rating imprecision down twice and for "no important
benefit") is the MID when sourced, else the declared relative risk reduction ``r`` as ratios
``(1 - r, 1 + r)`` (GRADE 6's RR 0.75 / 1.25) or an SMD of ``default_smd_appreciable``; a mean
difference without a MID has none.  Absolute thresholds per 1000 are the risk differences at the
ratio thresholds for comparator risk ``p0`` (see :mod:`immunograde.grading.absolute`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from immunograde.grading.absolute import risk_with_intervention
from immunograde.grading.config import Rules
from immunograde.grading.inputs import OutcomeSpec, PooledEffect
from immunograde.stats.measures import is_ratio


@dataclass(frozen=True)
class Thresholds:
    """Thresholds below and above the null, on the analysis scale (log for ratios)."""

    low: float
    high: float
    source: str


@dataclass(frozen=True)
class Target:
    """The target of the certainty rating (Core GRADE 2) and the thresholds it is judged against.

    ``threshold`` is ``"mid"``, ``"null"`` or ``"benefit"`` (the claim "no important benefit": the
    appreciable benefit on the desirable side); ``side`` is ``"low"`` (estimate below the threshold),
    ``"high"`` or ``"inside"`` (between the MIDs: little or no important effect).
    """

    threshold: str
    side: str
    mid: Thresholds | None
    appreciable: Thresholds | None
    text: str

    @property
    def value(self) -> float:
        """The threshold the target rests on (the MID on the estimate's side, or the null)."""
        if self.mid is None or self.side == "inside":
            return 0.0
        if self.threshold == "benefit":  # the benefit threshold lies on the side opposite ``side``
            return self.mid.high if self.side == "low" else self.mid.low
        return self.mid.low if self.side == "low" else self.mid.high


def mid_thresholds(measure: str, mid: float | None) -> Thresholds | None:
    """The sourced MID as thresholds on the analysis scale; ``None`` when the outcome has none."""
    if mid is None:
        return None
    if is_ratio(measure):
        if not 0 < mid < 2 or mid == 1:
            raise ValueError(f"a ratio MID must be in (0, 2) and not 1, got {mid}")
        lo, hi = (mid, 2 - mid) if mid < 1 else (2 - mid, mid)
        return Thresholds(math.log(lo), math.log(hi), f"sourced MID: ratio {mid:g}")
    return Thresholds(-abs(mid), abs(mid), f"sourced MID: {abs(mid):g}")


def appreciable_thresholds(measure: str, mid: float | None, rules: Rules) -> Thresholds | None:
    """Appreciable benefit / harm: the sourced MID, else the declared RRR or SMD rule of thumb."""
    sourced = mid_thresholds(measure, mid)
    if sourced is not None:
        return sourced
    if is_ratio(measure):
        r = rules.information_size.relative_risk_reduction
        return Thresholds(
            math.log(1 - r),
            math.log(1 + r),
            f"no sourced MID: appreciable ratio {1 - r:g} / {1 + r:g}",
        )
    if measure == "SMD":
        d = rules.imprecision.default_smd_appreciable
        return Thresholds(-d, d, f"no sourced MID: appreciable SMD {d:g}")
    return None


def choose_target(pooled: PooledEffect, outcome: OutcomeSpec, rules: Rules) -> Target:
    """The target from the point estimate's position relative to the threshold (Core GRADE 2)."""
    mid = mid_thresholds(pooled.measure, outcome.mid)
    app = appreciable_thresholds(pooled.measure, outcome.mid, rules)
    y = pooled.estimate
    if mid is None:
        side = "low" if y < 0 else "high"
        what = "a reduction" if side == "low" else "an increase"
        text = f"whether {what} exists (threshold: the null; no sourced MID for this outcome)"
        return Target("null", side, None, app, text)
    if y <= mid.low or y >= mid.high:
        side = "low" if y <= mid.low else "high"
        what = "reduction" if side == "low" else "increase"
        return Target("mid", side, mid, app, f"an important {what} (threshold: {mid.source})")
    return Target("mid", "inside", mid, app, f"little or no important effect ({mid.source})")


def benefit_excluded(pooled: PooledEffect, outcome: OutcomeSpec, rules: Rules) -> Target | None:
    """The target "no important benefit" when the 95% CI excludes an important benefit, else None.

    Important benefit: the sourced MID, else the appreciable effect (declared RRR / SMD rule of
    thumb) on the desirable side.  ``side`` is where the CI lies relative to that threshold.
    """
    app = appreciable_thresholds(pooled.measure, outcome.mid, rules)
    if app is None:
        return None
    if outcome.higher_is_better:
        at, excluded, side = app.high, pooled.ci_high < app.high, "low"
    else:
        at, excluded, side = app.low, pooled.ci_low > app.low, "high"
    if not excluded:
        return None
    shown = f"a ratio of {math.exp(at):.2f}" if pooled.is_ratio else f"{pooled.measure} {at:+.3g}"
    text = f"no important benefit (the 95% CI excludes {shown}; {app.source})"
    return Target("benefit", side, app, app, text)


def absolute_thresholds(measure: str, t: Thresholds, p0: float) -> tuple[float, float]:
    """Thresholds as risk differences per 1000 at comparator risk ``p0``."""
    lo = (risk_with_intervention(measure, math.exp(t.low), p0) - p0) * 1000.0
    hi = (risk_with_intervention(measure, math.exp(t.high), p0) - p0) * 1000.0
    return lo, hi

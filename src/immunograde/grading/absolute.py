"""Absolute effects per 1000 from a relative effect and the comparator risk (GRADEpro's SoF columns).

Formulas (p0 = comparator risk, p1 = risk with the intervention):

- RR: ``p1 = RR * p0``
- OR: ``p1 = OR * p0 / (1 - p0 + OR * p0)``
- HR: ``p1 = 1 - (1 - p0) ** HR`` (proportional hazards over the same follow-up)
- RD: ``p1 = p0 + RD``

References: Schünemann HJ et al. Cochrane Handbook ch. 14, section 14.1.5 (2023); GRADEpro GDT
help, "Summary of findings table: absolute effects".
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def risk_with_intervention(measure: str, ratio: float, p0: float) -> float:
    """Risk with the intervention from a ratio (natural scale) or a risk difference and ``p0``."""
    if not 0.0 <= p0 <= 1.0:
        raise ValueError(f"comparator risk must be in [0, 1], got {p0}")
    if measure == "RD":
        return min(1.0, max(0.0, p0 + ratio))
    if not ratio >= 0.0:
        raise ValueError(
            f"{measure} must be a non-negative ratio on the natural scale, got {ratio}"
        )
    if measure == "RR":
        return min(1.0, ratio * p0)
    if measure == "OR":
        return ratio * p0 / (1.0 - p0 + ratio * p0)
    if measure == "HR":
        return 1.0 - (1.0 - p0) ** ratio
    raise ValueError(f"no absolute effect for measure {measure!r} (use RR, OR, HR or RD)")


@dataclass(frozen=True)
class AbsoluteEffect:
    """Comparator risk and intervention risk per 1000 (with the CI), and the difference per 1000."""

    risk_comparator_per_1000: float
    risk_intervention_per_1000: float
    risk_intervention_ci_low_per_1000: float
    risk_intervention_ci_high_per_1000: float
    difference_per_1000: float
    difference_ci_low_per_1000: float
    difference_ci_high_per_1000: float


def absolute_effect(
    measure: str, estimate_exp: float, ci_low_exp: float, ci_high_exp: float, p0: float
) -> AbsoluteEffect:
    """Per-1000 risks for a ratio measure and its CI (natural scale) at comparator risk ``p0``.

    The CI of the intervention risk is the comparator risk transformed at each CI limit of the
    ratio (GRADEpro's convention: the comparator risk is treated as fixed).
    """
    vals = [
        risk_with_intervention(measure, r, p0) * 1000.0
        for r in (estimate_exp, ci_low_exp, ci_high_exp)
    ]
    lo, hi = min(vals[1], vals[2]), max(vals[1], vals[2])
    base = p0 * 1000.0
    return AbsoluteEffect(base, vals[0], lo, hi, vals[0] - base, lo - base, hi - base)


def control_risk(events: list[int], totals: list[float]) -> float:
    """Comparator risk from the trials' control arms: total events over total participants."""
    n = float(sum(totals))
    if n <= 0:
        raise ValueError("control arms have no participants")
    return float(sum(events)) / n


def per_1000_text(value: float) -> str:
    """An integer per 1000 as GRADEpro prints it (rounded half up)."""
    return str(math.floor(value + 0.5))

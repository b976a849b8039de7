"""Size of effect against the MID, and plain-language statements in GRADE's informative wording.

The wording is the Santesso et al. 2020 matrix (GRADE guidelines 26) copied into ``rules.yaml``
(``statements.cells``) from ``../shared/data/rating_scales/evidence_rating_scales.json``; this module
only picks the cell (certainty x effect size) and the direction (reduction / increase).

Effect size (``rules.yaml: effect_size``): ratio measures by the relative change ``|ratio - 1|``
(trivial inside the sourced MID; without one, trivial when the CI includes the null and lies within the
declared relative risk reduction's ratios; small below ``ratio_small_below``, moderate up to
``large_ratio`` or its reciprocal, large beyond); SMD by ``smd_bounds``; mean differences
by multiples of the stated MID; without an MID, by whether the CI includes zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from immunograde.grading.config import Rules
from immunograde.grading.inputs import OutcomeSpec, PooledEffect

CELL = {
    "large": "large_effect",
    "moderate": "moderate_effect",
    "small": "small_important_effect",
    "trivial": "trivial_or_no_effect",
}


@dataclass(frozen=True)
class EffectSize:
    """The point estimate's size category, direction and desirability."""

    size: str  # large | moderate | small | trivial
    direction: str  # reduction | increase
    magnitude: float | None
    desirable: bool
    basis: str

    @property
    def effect_class(self) -> str:
        """``benefit``, ``harm`` or ``trivial`` (for the verdict matrix)."""
        if self.size == "trivial":
            return "trivial"
        return "benefit" if self.desirable else "harm"


def _ratio_size(
    pooled: PooledEffect, outcome: OutcomeSpec, rules: Rules
) -> tuple[str, float | None, str]:
    es = rules.effect_size
    ratio = math.exp(pooled.estimate)
    change = abs(ratio - 1.0)
    if outcome.mid is not None:
        trivial = change < abs(1.0 - outcome.mid)
        basis = f"relative change {change:.0%} (sourced MID: trivial below {abs(1.0 - outcome.mid):.0%})"
    else:
        r = rules.information_size.relative_risk_reduction
        lo, hi = math.exp(pooled.ci_low), math.exp(pooled.ci_high)
        trivial = lo <= 1.0 <= hi and lo > 1 - r and hi < 1 + r
        basis = (
            f"relative change {change:.0%}; no sourced MID: trivial when the CI includes 1 and lies "
            f"within {1 - r:g} to {1 + r:g}"
        )
    if trivial:
        return "trivial", change, basis
    if abs(pooled.estimate) >= math.log(es.large_ratio):
        return "large", change, basis
    return ("small" if change < es.ratio_small_below else "moderate"), change, basis


def _other_size(
    pooled: PooledEffect, outcome: OutcomeSpec, rules: Rules
) -> tuple[str, float | None, str]:
    es = rules.effect_size
    x = abs(pooled.estimate)
    if outcome.mid is not None:
        m = x / abs(outcome.mid)
        bounds = (1.0, es.mid_small_max_multiple, es.mid_large_multiple)
        basis = f"{m:.2f} times the MID ({abs(outcome.mid):g})"
    elif pooled.measure == "SMD":
        m, bounds, basis = x, es.smd_bounds, f"SMD {x:.2f} against {list(es.smd_bounds)}"
    else:
        size = "trivial" if pooled.ci_low <= 0 <= pooled.ci_high else "moderate"
        return size, None, "no MID stated: size judged from the CI against zero"
    names = ("trivial", "small", "moderate")
    return next((n for n, b in zip(names, bounds, strict=True) if m < b), "large"), m, basis


def effect_size(pooled: PooledEffect, outcome: OutcomeSpec, rules: Rules) -> EffectSize:
    """Categorise the pooled point estimate (see module docstring)."""
    size, m, basis = (_ratio_size if pooled.is_ratio else _other_size)(pooled, outcome, rules)
    direction = "reduction" if pooled.estimate < 0 else "increase"
    desirable = (direction == "increase") == outcome.higher_is_better
    return EffectSize(size, direction, m, desirable, basis)


def statement(
    intervention: str, outcome: str, certainty: str, size: EffectSize, rules: Rules
) -> str:
    """The informative statement, e.g. "Tocilizumab probably reduces 28-day mortality."."""
    cells = rules.statements["cells"]
    cell = (
        cells["very_low"]["any_effect"]
        if certainty == "very_low"
        else cells[certainty][CELL[size.size]]
    )
    text = cell[size.direction].format(intervention=intervention, outcome=outcome)
    return text[0].upper() + text[1:] + "."

"""Inconsistency (Core GRADE 3): non-overlapping trial CIs with estimates on opposite sides of the threshold.

Rule (``rules.yaml: inconsistency``): with two or more trials, list the pairs of trials whose 95% CIs do
not overlap; the inconsistency is problematic when such a pair has point estimates on opposite sides of
the target's threshold (the MID the target rests on, or the null) and a statistical criterion agrees
(the test of heterogeneity p < ``q_p_corroborates`` or ``I2 >= i2_corroborates``).  Rate down one
level then; two levels when in addition ``I2 >= i2_very_serious``.  Non-overlap on the same side of
the threshold, or without statistical heterogeneity, is reported but not rated down.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from immunograde.grading.config import InconsistencyRules
from immunograde.grading.inputs import Judgement, PooledEffect, TrialFacts

DOMAIN = "inconsistency"


def non_overlapping_pairs(trials: Sequence[TrialFacts]) -> list[tuple[TrialFacts, TrialFacts]]:
    """Pairs of trials whose 95% CIs do not overlap (in input order)."""
    cis = [t for t in trials if None not in (t.ci_low, t.ci_high)]
    out = []
    for i, a in enumerate(cis):
        for b in cis[i + 1 :]:
            if a.ci_high < b.ci_low or b.ci_high < a.ci_low:  # type: ignore[operator]
                out.append((a, b))
    return out


def _opposite(a: TrialFacts, b: TrialFacts, at: float) -> bool:
    return a.yi is not None and b.yi is not None and (a.yi - at) * (b.yi - at) < 0


def rate_inconsistency(
    pooled: PooledEffect,
    trials: Sequence[TrialFacts],
    threshold: float,
    rules: InconsistencyRules,
) -> Judgement:
    """Judge inconsistency against the target's ``threshold`` (see module docstring)."""
    if pooled.k < 2:
        return Judgement(
            DOMAIN, 0, "Single trial: inconsistency cannot be assessed.", {"k": pooled.k}
        )
    pairs = non_overlapping_pairs(trials)
    opposite = [(a, b) for a, b in pairs if _opposite(a, b, threshold)]
    i2 = pooled.i2 or 0.0
    x: dict[str, Any] = {
        "i2": i2,
        "tau2": pooled.tau2,
        "q_p": pooled.q_p,
        "threshold": threshold,
        "non_overlapping_ci_pairs": [[a.label, b.label] for a, b in pairs],
        "opposite_sides_pairs": [[a.label, b.label] for a, b in opposite],
    }
    desc = f"I2 = {i2:.0f}%" + (f", Q p = {pooled.q_p:.3g}" if pooled.q_p is not None else "")
    stat = (pooled.q_p is not None and pooled.q_p < rules.q_p_corroborates) or (
        i2 >= rules.i2_corroborates
    )
    x["statistical_heterogeneity"] = stat
    if opposite and not stat:
        names = "; ".join(f"{a.label} vs {b.label}" for a, b in opposite[:3])
        return Judgement(
            DOMAIN,
            0,
            f"{desc}; {len(opposite)} pair(s) of trials with non-overlapping CIs on opposite sides of "
            f"the threshold ({names}), but no statistical heterogeneity (Q p >= "
            f"{rules.q_p_corroborates:g}, I2 < {rules.i2_corroborates:g}%): no important inconsistency.",
            x,
        )
    if not opposite:
        where = (
            f"{len(pairs)} pair(s) of trials with non-overlapping CIs, all on the same side of the threshold"
            if pairs
            else "the trials' CIs overlap"
        )
        return Judgement(DOMAIN, 0, f"{desc}; {where}: no important inconsistency.", x)
    names = "; ".join(f"{a.label} vs {b.label}" for a, b in opposite[:3])
    why = f"{desc}; {len(opposite)} pair(s) of trials with non-overlapping CIs on opposite sides of the threshold ({names})"  # fmt: skip
    levels = 2 if i2 >= rules.i2_very_serious else 1
    return Judgement(DOMAIN, -levels, why + ".", x)

"""Inconsistency (Core GRADE 3): non-overlapping trial CIs with estimates on opposite sides of the threshold.

Rule (``rules.yaml: inconsistency``): with two or more trials, list the pairs of trials whose 95% CIs do
not overlap; the inconsistency is problematic when such a pair has point estimates on opposite sides of
the target's threshold (the MID the target rests on, or the null) and a statistical criterion agrees
(the test of heterogeneity p < ``q_p_corroborates`` in a body of fewer than ``q_test_below_k`` trials,
or ``I2 >= i2_corroborates``, I2 being Higgins and Thompson's from Cochran's Q).  Rate down one
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
    i2_q = pooled.i2_from_q
    i2 = i2_q if i2_q is not None else (pooled.i2 or 0.0)
    q_counts = pooled.k < rules.q_test_below_k
    x: dict[str, Any] = {
        "i2": i2,
        "i2_basis": "Q" if i2_q is not None else "tau2",
        "i2_random_effects": pooled.i2,
        "tau2": pooled.tau2,
        "q": pooled.q,
        "q_df": pooled.q_df,
        "q_p": pooled.q_p,
        "q_test_counts": q_counts,
        "threshold": threshold,
        "non_overlapping_ci_pairs": [[a.label, b.label] for a, b in pairs],
        "opposite_sides_pairs": [[a.label, b.label] for a, b in opposite],
    }
    desc = f"I2 = {i2:.0f}%"
    if i2_q is not None and pooled.i2 is not None and round(pooled.i2) != round(i2_q):
        desc += f" (from Q; {pooled.i2:.0f}% from the random-effects tau2)"
    desc += f", Q p = {pooled.q_p:.3g}" if pooled.q_p is not None else ""
    stat = (q_counts and pooled.q_p is not None and pooled.q_p < rules.q_p_corroborates) or (
        i2 >= rules.i2_corroborates
    )
    x["statistical_heterogeneity"] = stat
    if opposite and not stat:
        names = "; ".join(f"{a.label} vs {b.label}" for a, b in opposite[:3])
        return Judgement(
            DOMAIN,
            0,
            f"{desc}; {len(opposite)} pair(s) of trials with non-overlapping CIs on opposite sides of "
            f"the threshold ({names}), but no statistical heterogeneity ("
            + (
                f"Q p >= {rules.q_p_corroborates:g}, "
                if q_counts
                else f"the Q test is not used with {rules.q_test_below_k} or more trials, "
            )
            + f"I2 < {rules.i2_corroborates:g}%): no important inconsistency.",
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

"""Inconsistency: I2, Cochran's Q, the prediction interval against the null and the MID, CI overlap.

Rule (``rules.yaml: inconsistency``; Guyatt 2011, GRADE guidelines 7): one level down when
``I2 >= i2_serious`` and (``Q p < q_p_threshold`` or some trial CIs do not overlap) and (the 95%
prediction interval includes the null or point estimates lie on both sides of it); two levels when
also ``I2 >= i2_very_serious`` and the prediction interval reaches past both MID thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence

from immunograde.grading.config import InconsistencyRules
from immunograde.grading.inputs import Judgement, PooledEffect, TrialFacts
from immunograde.grading.thresholds import Thresholds

DOMAIN = "inconsistency"


def non_overlapping_pairs(trials: Sequence[TrialFacts]) -> list[tuple[str, str]]:
    """Pairs of trials whose 95% CIs do not overlap (labels, in input order)."""
    cis = [(t.label, t.ci_low, t.ci_high) for t in trials if None not in (t.ci_low, t.ci_high)]
    out = []
    for i, (a, alo, ahi) in enumerate(cis):
        for b, blo, bhi in cis[i + 1 :]:
            if ahi < blo or bhi < alo:  # type: ignore[operator]
                out.append((a, b))
    return out


def _both_sides(trials: Sequence[TrialFacts]) -> bool:
    ys = [t.yi for t in trials if t.yi is not None]
    return any(y < 0 for y in ys) and any(y > 0 for y in ys)


def rate_inconsistency(
    pooled: PooledEffect,
    trials: Sequence[TrialFacts],
    mid: Thresholds | None,
    rules: InconsistencyRules,
) -> Judgement:
    """Judge inconsistency (see module docstring)."""
    if pooled.k < 2:
        return Judgement(
            DOMAIN, 0, "Single trial: inconsistency cannot be assessed.", {"k": pooled.k}
        )
    i2 = pooled.i2 or 0.0
    pairs = non_overlapping_pairs(trials)
    pi = (pooled.pi_low, pooled.pi_high)
    pi_null = pi[0] is not None and pi[1] is not None and pi[0] < 0 < pi[1]
    pi_both_mids = (
        mid is not None
        and pi[0] is not None
        and pi[1] is not None
        and pi[0] < mid.low
        and pi[1] > mid.high
    )
    q_sig = pooled.q_p is not None and pooled.q_p < rules.q_p_threshold
    inputs = {
        "i2": i2,
        "tau2": pooled.tau2,
        "q_p": pooled.q_p,
        "pi_low": pi[0],
        "pi_high": pi[1],
        "pi_includes_null": pi_null,
        "pi_beyond_both_mids": pi_both_mids,
        "non_overlapping_ci_pairs": [list(p) for p in pairs],
        "estimates_both_sides_of_null": _both_sides(trials),
    }
    supported = q_sig or bool(pairs)
    direction = pi_null or _both_sides(trials)
    desc = f"I2 = {i2:.0f}%" + (f", Q p = {pooled.q_p:.3g}" if pooled.q_p is not None else "")
    if pairs:
        desc += f", {len(pairs)} pair(s) of trials with non-overlapping CIs"
    if i2 >= rules.i2_very_serious and supported and pi_both_mids:
        return Judgement(
            DOMAIN,
            -2,
            f"{desc}; the prediction interval spans appreciable benefit and harm.",
            inputs,
        )
    if i2 >= rules.i2_serious and supported and direction:
        where = "includes the null" if pi_null else "is not available; estimates lie on both sides"
        if not pi_null and _both_sides(trials) and pi[0] is not None:
            where = "excludes the null but trial estimates lie on both sides of it"
        return Judgement(DOMAIN, -1, f"{desc}; the prediction interval {where}.", inputs)
    return Judgement(DOMAIN, 0, f"{desc}: no important unexplained inconsistency.", inputs)

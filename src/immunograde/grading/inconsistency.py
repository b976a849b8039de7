"""Inconsistency: I2, Cochran's Q, the prediction interval against the null and the MID, CI overlap.

Rule (``rules.yaml: inconsistency``; Guyatt 2011, GRADE guidelines 7): one level down when
``I2 >= i2_serious`` and (``Q p < q_p_threshold`` or some trial CIs do not overlap) and (the 95%
prediction interval includes the null or point estimates lie on both sides of it); two levels when
also ``I2 >= i2_very_serious`` and the prediction interval reaches past both MID thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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


def _signals(
    pooled: PooledEffect, trials: Sequence[TrialFacts], mid: Thresholds | None
) -> dict[str, Any]:
    lo, hi = pooled.pi_low, pooled.pi_high
    has_pi = lo is not None and hi is not None
    return {
        "i2": pooled.i2 or 0.0,
        "tau2": pooled.tau2,
        "q_p": pooled.q_p,
        "pi_low": lo,
        "pi_high": hi,
        "pi_includes_null": has_pi and lo < 0 < hi,  # type: ignore[operator]
        "pi_beyond_both_mids": has_pi and mid is not None and lo < mid.low and hi > mid.high,  # type: ignore[operator]
        "non_overlapping_ci_pairs": [list(p) for p in non_overlapping_pairs(trials)],
        "estimates_both_sides_of_null": _both_sides(trials),
    }


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
    x = _signals(pooled, trials, mid)
    i2, pairs = x["i2"], x["non_overlapping_ci_pairs"]
    supported = (pooled.q_p is not None and pooled.q_p < rules.q_p_threshold) or bool(pairs)
    desc = f"I2 = {i2:.0f}%" + (f", Q p = {pooled.q_p:.3g}" if pooled.q_p is not None else "")
    if pairs:
        desc += f", {len(pairs)} pair(s) of trials with non-overlapping CIs"
    if i2 >= rules.i2_very_serious and supported and x["pi_beyond_both_mids"]:
        why = f"{desc}; the prediction interval spans appreciable benefit and harm."
        return Judgement(DOMAIN, -2, why, x)
    if (
        i2 >= rules.i2_serious
        and supported
        and (x["pi_includes_null"] or x["estimates_both_sides_of_null"])
    ):
        if x["pi_includes_null"]:
            where = "the prediction interval includes the null"
        else:
            where = "trial estimates lie on both sides of the null"
        return Judgement(DOMAIN, -1, f"{desc}; {where}.", x)
    return Judgement(DOMAIN, 0, f"{desc}: no important unexplained inconsistency.", x)

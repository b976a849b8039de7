"""Publication bias: a small-study test (k >= 10), small-study dominance, registered trials without results.

Rule (``rules.yaml: publication_bias``; Guyatt 2011, GRADE guidelines 5; Sterne 2011): rate down
``max_levels`` when any signal is present -- the small-study test (Peters' test for a risk or odds
ratio from counts, Egger's otherwise) p < ``asymmetry_p_threshold`` with at least ``asymmetry_min_k``
trials; small trials (< ``small_trial_participants``) carrying at least
``small_share_serious`` of the weight, most of it industry- or manufacturer-funded; registered trials
without results whose planned participants are at least ``missing_share_serious`` of those analysed.
"""

from __future__ import annotations

from collections.abc import Sequence

from immunograde.grading.config import PublicationBiasRules
from immunograde.grading.inputs import Judgement, PooledEffect, QuestionContext, TrialFacts

DOMAIN = "publication_bias"
COMMERCIAL = frozenset({"industry", "manufacturer"})


def _small_study_dominance(
    trials: Sequence[TrialFacts], rules: PublicationBiasRules
) -> tuple[float, float]:
    total = sum(t.weight for t in trials) or 1.0
    small = [
        t
        for t in trials
        if t.participants is not None and t.participants < rules.small_trial_participants
    ]
    small_share = sum(t.weight for t in small) / total
    small_w = sum(t.weight for t in small)
    commercial = (
        sum(t.weight for t in small if t.funding in COMMERCIAL) / small_w if small_w else 0.0
    )
    return small_share, commercial


def rate_publication_bias(
    pooled: PooledEffect,
    trials: Sequence[TrialFacts],
    ctx: QuestionContext,
    rules: PublicationBiasRules,
) -> Judgement:
    """Judge publication bias (see module docstring)."""
    signals: list[str] = []
    notes: list[str] = []
    name = f"{pooled.asymmetry_test or 'Egger'}'s test"
    run = pooled.k >= rules.asymmetry_min_k and pooled.asymmetry_p is not None
    if run and pooled.asymmetry_p < rules.asymmetry_p_threshold:  # type: ignore[operator]
        signals.append(f"{name} p = {pooled.asymmetry_p:.3g} with {pooled.k} trials")
    elif not run:
        notes.append(
            f"no small-study test (k = {pooled.k} < {rules.asymmetry_min_k})"
            if pooled.k < rules.asymmetry_min_k
            else "no small-study test available"
        )
    small_share, commercial = _small_study_dominance(trials, rules)
    if small_share >= rules.small_share_serious and commercial > 0.5:
        signals.append(
            f"small trials (< {rules.small_trial_participants} participants) carry {small_share:.0%} of the "
            f"weight, {commercial:.0%} of it industry-funded"
        )
    missing = sum(n for _, n in ctx.missing_results)
    missing_ratio = missing / pooled.participants if pooled.participants else 0.0
    if ctx.missing_results and missing_ratio >= rules.missing_share_serious:
        ids = ", ".join(i for i, _ in ctx.missing_results)
        signals.append(
            f"registered trials without results ({ids}; {missing} planned participants, {missing_ratio:.0%} of those analysed)"
        )
    inputs = {
        "k": pooled.k,
        "asymmetry_test": pooled.asymmetry_test,
        "asymmetry_p": pooled.asymmetry_p,
        "small_trial_weight_share": round(small_share, 4),
        "small_trial_commercial_share": round(commercial, 4),
        "missing_results": [list(m) for m in ctx.missing_results],
        "missing_participants_ratio": round(missing_ratio, 4),
    }
    if signals:
        text = "; ".join(signals)
        return Judgement(DOMAIN, -rules.max_levels, text[0].upper() + text[1:] + ".", inputs)
    tail = f" ({'; '.join(notes)})" if notes else ""
    return Judgement(DOMAIN, 0, f"Not detected{tail}.", inputs)

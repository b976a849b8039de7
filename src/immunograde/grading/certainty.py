"""Certainty of evidence for one question: start level, five domains down, observational upgrading.

``level = clamp(start - sum(levels rated down) + levels rated up, very_low, high)`` with start ``high``
for randomised and ``low`` for observational evidence (Balshem 2011, GRADE guidelines 3).  The same
inputs always give the same result: every function here is pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from immunograde.grading.config import LEVELS, Rules, load_rules
from immunograde.grading.imprecision import rate_imprecision
from immunograde.grading.inconsistency import rate_inconsistency
from immunograde.grading.indirectness import rate_indirectness
from immunograde.grading.inputs import (
    Judgement,
    OutcomeSpec,
    PooledEffect,
    QuestionContext,
    TrialFacts,
    TsaSummary,
)
from immunograde.grading.publication_bias import rate_publication_bias
from immunograde.grading.risk_of_bias import rate_risk_of_bias
from immunograde.grading.thresholds import Target, choose_target
from immunograde.grading.upgrading import rate_upgrading


@dataclass(frozen=True)
class Certainty:
    """The GRADE rating of one question with every domain judgement behind it."""

    start: str
    level: str
    randomised: bool
    judgements: tuple[Judgement, ...]
    start_reason: str = ""
    target: Target | None = None

    @property
    def downgrades(self) -> tuple[Judgement, ...]:
        return tuple(j for j in self.judgements if j.levels < 0)

    @property
    def upgrades(self) -> tuple[Judgement, ...]:
        return tuple(j for j in self.judgements if j.levels > 0)


def is_randomised(trials: Sequence[TrialFacts], rules: Rules) -> tuple[bool, str]:
    """Whether the body of evidence starts as randomised (per ``rules.start``), and why."""
    if not trials:
        return False, "No trials."
    unknown_ok = rules.start.unknown_design_counts_as_randomised
    flags = [t.randomised is True or (t.randomised is None and unknown_ok) for t in trials]
    ok = all(flags) if rules.start.all_randomised_required else any(flags)
    non = [t.label for t in trials if t.randomised is False]
    unknown = [t.label for t in trials if t.randomised is None]
    why = "Randomised trials." if ok else f"Not randomised: {', '.join(non or unknown)}."
    if ok and unknown:
        why = f"Randomised trials (design not recorded for {len(unknown)} of {len(trials)}, counted as randomised)."
    return ok, why


def combine(start: str, judgements: Sequence[Judgement]) -> str:
    """Move ``start`` by the judgements' levels and clamp to very low .. high."""
    idx = LEVELS.index(start) + sum(j.levels for j in judgements)
    return LEVELS[max(0, min(len(LEVELS) - 1, idx))]


def grade(
    pooled: PooledEffect,
    trials: Sequence[TrialFacts],
    outcome: OutcomeSpec,
    ctx: QuestionContext | None = None,
    rules: Rules | None = None,
    tsa: TsaSummary | None = None,
    target: Target | None = None,
) -> Certainty:
    """Rate the certainty of one question's evidence for ``target`` (default: Core GRADE 2's choice)."""
    rules = rules or load_rules()
    ctx = ctx or QuestionContext()
    target = target or choose_target(pooled, outcome, rules)
    randomised, why = is_randomised(trials, rules)
    start = rules.start.randomised if randomised else rules.start.observational
    down = [
        rate_risk_of_bias(trials, outcome, target.value, rules),
        rate_inconsistency(pooled, trials, target.value, rules.inconsistency),
        rate_indirectness(trials, outcome, ctx, rules.indirectness),
        rate_imprecision(pooled, outcome, target, rules, tsa),
        rate_publication_bias(pooled, trials, ctx, rules.publication_bias),
    ]
    downgraded = any(j.levels < 0 for j in down)
    up = rate_upgrading(pooled, ctx, randomised, downgraded, rules.upgrading)
    judgements = (*down, up)
    return Certainty(start, combine(start, judgements), randomised, judgements, why, target)

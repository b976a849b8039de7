"""Grade one question's outcome end to end: certainty, effect size, statement and what the verdict reads.

The claim "no important benefit" gets its own certainty (:func:`grade` with the target from
:func:`immunograde.grading.thresholds.benefit_excluded`) when the 95% CI excludes an important benefit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from immunograde.grading.certainty import Certainty, grade
from immunograde.grading.config import Rules
from immunograde.grading.inputs import (
    OutcomeSpec,
    PooledEffect,
    QuestionContext,
    TrialFacts,
    TsaSummary,
)
from immunograde.grading.statements import EffectSize, effect_size, statement
from immunograde.grading.thresholds import benefit_excluded
from immunograde.grading.verdict import OutcomeGrade


@dataclass(frozen=True)
class GradedOutcome:
    certainty: Certainty
    size: EffectSize
    statement: str
    grade: OutcomeGrade
    no_benefit: Certainty | None


def grade_outcome(
    question_id: str,
    intervention: str,
    pooled: PooledEffect,
    trials: Sequence[TrialFacts],
    spec: OutcomeSpec,
    ctx: QuestionContext,
    rules: Rules,
    tsa: TsaSummary | None = None,
) -> GradedOutcome:
    """Certainty for Core GRADE's target, the statement, and the verdict's inputs for one question."""
    cert = grade(pooled, trials, spec, ctx, rules, tsa)
    size = effect_size(pooled, spec, rules)
    text = statement(intervention, spec.name, cert.level, size, rules)
    target = benefit_excluded(pooled, spec, rules)
    nb = None if target is None else grade(pooled, trials, spec, ctx, rules, tsa, target=target)
    og = OutcomeGrade(
        question_id,
        spec.name,
        spec.importance,
        cert.level,
        size,
        pooled.participants,
        text,
        None if nb is None else nb.level,
        "" if target is None else target.text,
    )
    return GradedOutcome(cert, size, text, og, nb)

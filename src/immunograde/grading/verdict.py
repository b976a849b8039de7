"""Verdict per substance x form x indication, with the Natural Medicines crosswalk beside it.

Rule (``rules.yaml: verdicts``): use the critical outcomes (the important ones when none is critical);
the deciding outcome is the one with the highest certainty (ties: more participants, then question id);
its certainty and effect class (benefit / trivial / harm) give the verdict from ``verdicts.matrix``.
Safety outcomes (``verdicts.safety_outcome_terms``) never decide, unless there is nothing else.  Any
critical outcome showing harm with moderate or high certainty makes it ``net_harm``.  No outcomes at
all gives ``no_controlled_evidence``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from immunograde.grading.config import LEVELS, Rules, load_rules
from immunograde.grading.statements import EffectSize


@dataclass(frozen=True)
class OutcomeGrade:
    """What the verdict reads from one graded question."""

    question_id: str
    outcome: str
    importance: str
    certainty: str
    effect: EffectSize
    participants: int
    statement: str


@dataclass(frozen=True)
class Verdict:
    """The verdict, its label, why (one paragraph) and the Natural Medicines crosswalk."""

    key: str
    label: str
    why: str
    deciding_question: str | None
    natural_medicines: str
    natural_medicines_note: str


def is_safety_outcome(name: str, rules: Rules) -> bool:
    """A safety outcome by name (``verdicts.safety_outcome_terms``): counts for harm only."""
    low = name.casefold()
    return any(term in low for term in rules.verdicts.safety_outcome_terms)


def _candidates(grades: Sequence[OutcomeGrade]) -> list[OutcomeGrade]:
    critical = [g for g in grades if g.importance == "critical"]
    return critical or [g for g in grades if g.importance == "important"] or list(grades)


def _deciding(pool: Sequence[OutcomeGrade], rules: Rules) -> OutcomeGrade:
    efficacy = [g for g in pool if not is_safety_outcome(g.outcome, rules)] or list(pool)
    return max(efficacy, key=lambda g: (LEVELS.index(g.certainty), g.participants, g.question_id))


def _crosswalk(key: str, authorised: bool, rules: Rules) -> tuple[str, str]:
    nm = rules.natural_medicines
    level = nm["crosswalk"][key]
    if key == "proven_benefit" and not authorised:
        level = nm["proven_without_regulator"]
    return level, " ".join(nm["note"].split())


def decide(
    grades: Sequence[OutcomeGrade],
    *,
    subject: str,
    authorised: bool = False,
    rules: Rules | None = None,
) -> Verdict:
    """The verdict for one substance x form x indication from its graded questions."""
    rules = rules or load_rules()
    labels = rules.verdicts.labels
    if not grades:
        key = "no_controlled_evidence"
        why = f"There are no controlled trials of {subject} in the knowledge base, so nothing supports or refutes the claims made for it."
        return Verdict(key, labels[key], why, None, *_crosswalk(key, authorised, rules))
    pool = _candidates(grades)
    best = _deciding(pool, rules)
    harm = [g for g in pool if g.effect.effect_class == "harm" and LEVELS.index(g.certainty) >= 2]
    decider = harm[0] if harm else best
    key = "net_harm" if harm else rules.verdicts.matrix[best.certainty][best.effect.effect_class]
    why = _paragraph(subject, decider, key, len(pool), rules)
    return Verdict(key, labels[key], why, decider.question_id, *_crosswalk(key, authorised, rules))


def _paragraph(subject: str, g: OutcomeGrade, key: str, n: int, rules: Rules) -> str:
    level = rules.certainty_levels["levels"][g.certainty]["label"].lower()
    size = {
        "trivial": "little or no",
        "small": "a small",
        "moderate": "a moderate",
        "large": "a large",
    }
    what = "benefit" if g.effect.desirable else "harm"
    effect = (
        f"{size[g.effect.size]} effect"
        if g.effect.size == "trivial"
        else f"{size[g.effect.size]} {what}"
    )
    return (
        f"The verdict for {subject} rests on {g.outcome} ({g.participants} participants), the "
        f"best-supported of its {n} {g.importance} outcome(s).  The evidence shows {effect}, with {level} "
        f"certainty: {g.statement}  Under ImmunoGrade's rules that makes the verdict "
        f'"{rules.verdicts.labels[key]}".'
    )

"""Verdict per substance x form x indication, with the Natural Medicines crosswalk beside it.

Rule (``rules.yaml: verdicts``): use the critical outcomes (the important ones when none is critical);
the deciding outcome is the one with the highest certainty (ties: more participants, then question id).
Any critical outcome showing harm with moderate or high certainty makes it ``net_harm``.  A benefit
(small, moderate or large effect in the desirable direction) gives the matrix's benefit verdict.
Otherwise, when the deciding outcome's 95% CI excludes an important benefit and that claim is rated at
least ``excludes_benefit_min_level``, the verdict is ``no_important_benefit``; else the matrix decides.
With no graded outcome the verdict is one of the "unknown" keys, chosen from :class:`EvidenceState`
(trials not poolable, trials registered without results, no trials found, a form whose route is not
stated while the substance's trials sit under the route they tested) -- never a "no".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from immunograde.grading.config import LEVELS, Rules, load_rules
from immunograde.grading.statements import EffectSize


@dataclass(frozen=True)
class OutcomeGrade:
    """What the verdict reads from one graded question.

    ``no_benefit_certainty`` is the certainty of the claim "no important benefit" (imprecision judged
    against the important benefit) when the 95% CI excludes an important benefit, else None.
    """

    question_id: str
    outcome: str
    importance: str
    certainty: str
    effect: EffectSize
    participants: int
    statement: str
    no_benefit_certainty: str | None = None
    no_benefit_text: str = ""


@dataclass(frozen=True)
class UnpoolableTrial:
    """A trial found for the question whose report cannot be pooled, and what it reported."""

    label: str
    reported: str
    trial_id: str = ""


@dataclass(frozen=True)
class EvidenceState:
    """What is known about a question or form when nothing can be pooled (filled from the knowledge base)."""

    searched_on: dt.date | None = None
    sources: tuple[str, ...] = ()
    registered_without_results: tuple[str, ...] = ()
    unpoolable_trials: tuple[UnpoolableTrial, ...] = ()
    #: for a form whose route is not stated: the routes the substance's trials tested (shown there)
    tested_routes: tuple[str, ...] = ()

    @property
    def trial_ids(self) -> tuple[str, ...]:
        """Ids of the unpoolable trials (those that have one)."""
        return tuple(t.trial_id for t in self.unpoolable_trials if t.trial_id)


@dataclass(frozen=True)
class Verdict:
    """The verdict, its label, why (one paragraph) and the Natural Medicines crosswalk.

    ``certainty`` is the certainty of the verdict's own claim (None for the "unknown" verdicts).
    """

    key: str
    label: str
    why: str
    deciding_question: str | None
    natural_medicines: str
    natural_medicines_note: str
    certainty: str | None = None


#: the verdicts that say what is known when nothing could be graded (no GRADE answer)
UNKNOWN_VERDICTS = frozenset(
    {
        "trials_not_poolable",
        "trials_registered_no_results",
        "no_trials_found",
        "route_not_stated",
        "no_controlled_evidence",
    }
)


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


def no_evidence_key(state: EvidenceState | None) -> str:
    """Which "unknown" verdict the state supports (the most specific known fact first)."""
    if state is None:
        return "no_controlled_evidence"
    if state.tested_routes and not state.unpoolable_trials:
        return "route_not_stated"
    if state.unpoolable_trials:
        return "trials_not_poolable"
    if state.registered_without_results:
        return "trials_registered_no_results"
    return "no_trials_found" if state.searched_on else "no_controlled_evidence"


def _sources_text(sources: Sequence[str], most: int = 4) -> str:
    """``a, b, c, d and 3 more sources`` (the whole list is on the search log)."""
    if len(sources) <= most:
        return ", ".join(sources)
    return f"{', '.join(sources[:most])} and {len(sources) - most} more sources"


def _no_evidence(subject: str, state: EvidenceState | None, rules: Rules) -> tuple[str, str]:
    key = no_evidence_key(state)
    s = state or EvidenceState()
    text = rules.verdicts.no_evidence[key].format(
        subject=subject,
        n=len(s.unpoolable_trials) or len(s.registered_without_results),
        trials="; ".join(f"{t.label} ({t.reported})" for t in s.unpoolable_trials),
        ids=", ".join(s.registered_without_results),
        sources=_sources_text(s.sources) or "the sources listed in the search log",
        searched_on=s.searched_on.isoformat() if s.searched_on else "an unrecorded date",
        routes=" or ".join(s.tested_routes),
    )
    return key, text


def _key(best: OutcomeGrade, rules: Rules) -> tuple[str, str]:
    """Verdict key for the deciding outcome and the certainty of that verdict's claim."""
    cls = best.effect.effect_class
    min_level = LEVELS.index(rules.verdicts.excludes_benefit_min_level)
    nb = best.no_benefit_certainty
    if cls != "benefit" and nb is not None and LEVELS.index(nb) >= min_level:
        return "no_important_benefit", nb
    return rules.verdicts.matrix[best.certainty][cls], best.certainty


def decide(
    grades: Sequence[OutcomeGrade],
    *,
    subject: str,
    authorised: bool = False,
    rules: Rules | None = None,
    state: EvidenceState | None = None,
) -> Verdict:
    """The verdict for one substance x form x indication from its graded questions (``state``: what is
    known when none could be graded)."""
    rules = rules or load_rules()
    labels = rules.verdicts.labels
    if not grades:
        key, why = _no_evidence(subject, state, rules)
        return Verdict(key, labels[key], why, None, *_crosswalk(key, authorised, rules))
    pool = _candidates(grades)
    best = _deciding(pool, rules)
    harm = [g for g in pool if g.effect.effect_class == "harm" and LEVELS.index(g.certainty) >= 2]
    decider = harm[0] if harm else best
    key, level = ("net_harm", decider.certainty) if harm else _key(best, rules)
    why = _paragraph(subject, decider, key, level, len(pool), rules)
    nm = _crosswalk(key, authorised, rules)
    return Verdict(key, labels[key], why, decider.question_id, *nm, certainty=level)


def _paragraph(subject: str, g: OutcomeGrade, key: str, level: str, n: int, rules: Rules) -> str:
    words = rules.certainty_levels["levels"][level]["label"].lower()
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
    claim = (
        f"The claim rated is {g.no_benefit_text}, with {words} certainty."
        if key == "no_important_benefit"
        else f"The evidence shows {effect}, with {words} certainty:"
    )
    return (
        f"The verdict for {subject} rests on {g.outcome} ({g.participants} participants), the "
        f"best-supported of its {n} {g.importance} outcome(s).  {claim} {g.statement}  Under "
        f'ImmunoGrade\'s rules that makes the verdict "{rules.verdicts.labels[key]}".'
    )

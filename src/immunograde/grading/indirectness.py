"""Indirectness: surrogate outcomes, population, comparator and intervention form.

Rule (``rules.yaml: indirectness``; Guyatt 2011, GRADE guidelines 8): count the sources of indirectness
-- a surrogate outcome; a population that differs; a comparator that differs; trials whose route or dose
form differs from the question's carrying at least ``indirect_share_serious`` of the weight (a trial of
injected interferon is indirect evidence for a suppository).  One source rates down one level, two or
more rate down ``max_levels``.
"""

from __future__ import annotations

from collections.abc import Sequence

from immunograde.grading.config import IndirectnessRules
from immunograde.grading.inputs import Judgement, OutcomeSpec, QuestionContext, TrialFacts

DOMAIN = "indirectness"


def _norm(text: str | None) -> str | None:
    return None if text is None else " ".join(text.lower().split())


def form_differs(trial: TrialFacts, ctx: QuestionContext) -> bool:
    """True when the trial's route (or dose form, when both are stated) differs from the question's."""
    known = {None, "unknown"}
    if ctx.route not in known and trial.route not in known and trial.route != ctx.route:
        return True
    q, t = _norm(ctx.dose_form), _norm(trial.dose_form)
    return q is not None and t is not None and q != t


def rate_indirectness(
    trials: Sequence[TrialFacts],
    outcome: OutcomeSpec,
    ctx: QuestionContext,
    rules: IndirectnessRules,
) -> Judgement:
    """Judge indirectness (see module docstring)."""
    total = sum(t.weight for t in trials) or 1.0
    other_form = [t for t in trials if form_differs(t, ctx)]
    share = sum(t.weight for t in other_form) / total
    sources = []
    if outcome.surrogate:
        sources.append(f"the outcome ({outcome.name}) is a surrogate")
    if ctx.population_differs:
        sources.append("the trials' population differs from the question's")
    if ctx.comparator_differs:
        sources.append("the trials' comparator differs from the question's")
    if other_form and share >= rules.indirect_share_serious:
        forms = sorted(
            {f"{t.route or '?'}{' ' + t.dose_form if t.dose_form else ''}" for t in other_form}
        )
        sources.append(
            f"{share:.0%} of the weight comes from trials of another form ({', '.join(forms)}; "
            f"question: {ctx.route or '?'}{' ' + ctx.dose_form if ctx.dose_form else ''})"
        )
    inputs = {
        "surrogate": outcome.surrogate,
        "population_differs": ctx.population_differs,
        "comparator_differs": ctx.comparator_differs,
        "question_route": ctx.route,
        "question_dose_form": ctx.dose_form,
        "other_form_trials": [t.label for t in other_form],
        "other_form_weight_share": round(share, 4),
    }
    if not sources:
        return Judgement(
            DOMAIN,
            0,
            "Population, intervention form, comparator and outcome match the question.",
            inputs,
        )
    levels = min(len(sources), rules.max_levels)
    reason = "; ".join(sources)
    return Judgement(DOMAIN, -levels, reason[0].upper() + reason[1:] + ".", inputs)

"""The trial sequential analysis fed to imprecision (the recipe that uses it: evidence.answers).

The TSA uses GRADE's own relative risk reduction for the optimal information size
(``rules.yaml: information_size.relative_risk_reduction``), alpha 0.05 and beta 0.2, so the two
information sizes answer the same question; the TSA's boundary crossing and explanation go into the
imprecision judgement (:class:`immunograde.grading.inputs.TsaSummary`).
"""

from __future__ import annotations

from immunograde.errors import InputError
from immunograde.evidence.tsa import QuestionTSA, imprecision_input, question_tsa
from immunograde.grading.config import load_rules
from immunograde.grading.inputs import TsaSummary
from immunograde.kb.queries import KnowledgeBase

CROSSED = {
    "benefit_established": "benefit",
    "harm_established": "harm",
    "futility_established": "futility",
}


def tsa_summary(r: QuestionTSA) -> TsaSummary:
    """The TSA as the imprecision domain's explained input."""
    return TsaSummary(
        required_information_size=float(r.required_information_size),
        boundary_crossed=CROSSED.get(r.conclusion),
        explanation=str(imprecision_input(r)["explanation"]),
    )


def question_tsa_for_grading(kb: KnowledgeBase, question_id: str) -> QuestionTSA | None:
    """TSA at GRADE's relative risk reduction, or None when the question does not allow one
    (not a binary RR/OR outcome, fewer than two trials with counts)."""
    rrr = load_rules().information_size.relative_risk_reduction
    try:
        return question_tsa(kb, question_id, rrr=rrr)
    except (InputError, ValueError):
        return None

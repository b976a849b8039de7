"""Verdict summaries: one row per substance x form x indication, for surfaces that set something beside
the evidence (spending, sales, claims, the evidence map).

This is the stable interface other features read verdicts through; it does not grade anything itself
(it reads the substance appraisal).
"""

from __future__ import annotations

from dataclasses import dataclass

from immunograde.evidence.answers import Answers
from immunograde.kb.queries import KnowledgeBase


@dataclass(frozen=True)
class VerdictSummary:
    """The verdict for one substance x form x indication and the certainty of the question deciding it."""

    substance_id: str
    substance: str
    indication: str | None
    form: str
    route: str
    verdict: str
    verdict_label: str
    certainty: str | None  #: very_low | low | moderate | high, None when nothing was graded
    deciding_question_id: str | None
    question_ids: tuple[str, ...]
    product_ids: tuple[str, ...]  #: marketed products in this form (route)


def substance_verdicts(kb: KnowledgeBase, substance_id: str) -> list[VerdictSummary]:
    """Every verdict of one substance (``NotFoundError`` for an unknown id)."""
    sa = Answers(kb).substance(kb.get_substance(substance_id).id)
    by_q = {a.question_id: a for a in sa.questions}
    products = kb.products_for(sa.substance_id)
    out = []
    for v in sa.verdicts:
        deciding = by_q.get(v.deciding_question_id or "")
        out.append(
            VerdictSummary(
                substance_id=sa.substance_id,
                substance=sa.name,
                indication=v.indication,
                form=v.form,
                route=v.route,
                verdict=v.verdict,
                verdict_label=v.verdict_label,
                certainty=deciding.certainty if deciding else None,
                deciding_question_id=v.deciding_question_id,
                question_ids=tuple(v.question_ids),
                product_ids=tuple(p.id for p in products if p.route == v.route),
            )
        )
    return out


def all_verdicts(kb: KnowledgeBase) -> list[VerdictSummary]:
    """Verdicts of every substance in the catalogue (substances without trials included)."""
    return [v for s in kb.list_substances() for v in substance_verdicts(kb, s.id)]

"""Published certainty ratings and pooled results (the ``published`` blocks of data/questions) against
ours.  Every disagreement must be listed, with its reason, in published_differences.yaml; a listed case
that agrees fails too, so the list stays true.  Direction and interval overlap must always agree."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from immunograde.evidence.analysis import analyse
from immunograde.evidence.question import appraise_question
from immunograde.kb.models import Question
from immunograde.kb.queries import KnowledgeBase

DIFF = yaml.safe_load((Path(__file__).parent / "published_differences.yaml").read_text())


def _published(kb: KnowledgeBase) -> list[tuple[Question, object]]:
    return [(q, p) for q in kb.all_questions() for p in q.published]


def _ours_in(kb: KnowledgeBase, q: Question, measure: str) -> tuple[float, float, float]:
    """Our pooled estimate in the published measure (same data, same model)."""
    if measure != q.outcome.measure:
        q = q.model_copy(update={"outcome": q.outcome.model_copy(update={"measure": measure})})
    fit = analyse(q, kb.outcome_data(q.id)).fit
    assert fit is not None
    return tuple(math.exp(v) for v in (fit.estimate, fit.ci_low, fit.ci_high))  # type: ignore[return-value]


def test_published_certainty(kb: KnowledgeBase) -> None:
    differ = set()
    cases = [(q, p) for q, p in _published(kb) if p.certainty]  # type: ignore[attr-defined]
    assert cases, "no published certainty in data/questions"
    for q, p in cases:
        ours = appraise_question(kb, q.id).certainty
        if ours != p.certainty.replace(" ", "_").lower():  # type: ignore[attr-defined]
            differ.add(q.id)
    assert differ == set(DIFF["certainty"])


def test_published_estimates(kb: KnowledgeBase) -> None:
    differ = set()
    cases = [(q, p) for q, p in _published(kb) if p.estimate is not None]  # type: ignore[attr-defined]
    assert cases
    for q, p in cases:
        est, lo, hi = _ours_in(kb, q, p.measure)  # type: ignore[attr-defined]
        pub = (p.estimate, p.ci_low, p.ci_high)  # type: ignore[attr-defined]
        # always: same side of the null and overlapping intervals
        assert (est < 1) == (pub[0] < 1), q.id
        assert lo <= pub[2] and pub[1] <= hi, q.id
        if tuple(round(v, 2) for v in (est, lo, hi)) != tuple(pub):
            differ.add(q.id)
    assert differ == set(DIFF["estimate"])


@pytest.mark.parametrize("kind", ["certainty", "estimate"])
def test_every_difference_has_a_reason(kind: str) -> None:
    for qid, entry in DIFF[kind].items():
        assert len(entry["reason"].split()) >= 8, qid

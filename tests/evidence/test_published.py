"""Published results against ours.

Certainty: the calibration benchmark (``immunograde calibrate``) over every published rating that comes
with its verbatim sentence; the test fails when agreement falls below the figures recorded in
benchmarks/results/calibration.json (no frozen list of disagreements: each one is reported with the
domains behind it).  Pooled estimates: direction and interval overlap must always agree."""

from __future__ import annotations

import json
import math
from pathlib import Path

from immunograde.evidence.analysis import analyse
from immunograde.evidence.calibration import calibrate, level_of
from immunograde.kb.models import Question
from immunograde.kb.queries import KnowledgeBase
from immunograde.stats.measures import is_ratio

RECORDED = json.loads(
    (Path(__file__).parents[2] / "benchmarks" / "results" / "calibration.json").read_text()
)


def test_calibration_does_not_fall_below_the_recorded_agreement(kb: KnowledgeBase) -> None:
    c = calibrate(kb)
    assert c.n >= RECORDED["n"]
    assert sum(map(sum, c.confusion)) == c.n
    if RECORDED["weighted_kappa"] is not None:
        assert (
            c.weighted_kappa is not None and c.weighted_kappa >= RECORDED["weighted_kappa"] - 1e-9
        )
    if RECORDED["exact_agreement"] is not None:
        assert c.exact_agreement is not None
        assert c.exact_agreement >= RECORDED["exact_agreement"] - 1e-9
    for d in c.disagreements:  # every disagreement names the domains behind ImmunoGrade's rating
        assert d["why"] and d["published"] != d["ours"]


def test_published_levels_are_grade_levels(kb: KnowledgeBase) -> None:
    for q in kb.all_questions():
        for p in q.published:
            if p.certainty:
                level_of(p.certainty)


def _ours_in(kb: KnowledgeBase, q: Question, measure: str) -> tuple[float, float, float]:
    """Our pooled estimate in the published measure (same data, same model), on the measure's own scale."""
    if measure != q.outcome.measure:
        q = q.model_copy(update={"outcome": q.outcome.model_copy(update={"measure": measure})})
    fit = analyse(q, kb.outcome_data(q.id)).fit
    assert fit is not None
    values = (fit.estimate, fit.ci_low, fit.ci_high)
    if not is_ratio(measure):  # a difference (MD, SMD, RD): the fit is already on its scale
        return values  # type: ignore[return-value]
    return tuple(math.exp(v) for v in values)  # type: ignore[return-value]


def test_published_estimates_same_direction_and_overlap(kb: KnowledgeBase) -> None:
    # questions that hold a review's pooled result but none of its per-trial rows (e.g. the Cochrane
    # influenza-vaccine summaries) have nothing of ours to compare: they are shown as published only
    cases = [
        (q, p)
        for q in kb.all_questions()
        for p in q.published
        if p.estimate is not None and kb.outcome_data(q.id)
    ]
    assert len(cases) >= 20  # 22 when the influenza-vaccine summaries landed
    for q, p in cases:
        est, lo, hi = _ours_in(kb, q, p.measure)
        null = 1.0 if is_ratio(p.measure) else 0.0
        assert (est < null) == (p.estimate < null), q.id
        if p.ci_low is not None and p.ci_high is not None:
            assert lo <= p.ci_high and p.ci_low <= hi, q.id
        else:  # a summary that gives the point estimate only: it must fall inside our interval
            assert lo <= p.estimate <= hi, q.id

"""Every claim gets an assessment with its reasons, derived from the stored answers (issue 17).

The expected categories are not typed here: each is derived from the verdict stored for the question (or
form verdict) the assessment names, through the mapping the issue states."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from immunograde.evidence.answers import Answers
from immunograde.evidence.claim_assess import CATEGORIES, assess
from immunograde.evidence.claim_records import ClaimAssessment, all_claims
from immunograde.evidence.claims import NameIndex, read_claim
from immunograde.kb.queries import KnowledgeBase
from immunograde.settings import shared_data_dir

#: the issue's mapping, for a claim of benefit (a list's "unproven" is the mirror image)
FOR_BENEFIT = {
    "proven_benefit": "supported", "probable_benefit": "supported", "possible_benefit": "supported",
    "uncertain": "not_supported", "trials_not_poolable": "not_supported",
    "trials_registered_no_results": "not_supported", "no_important_benefit": "contradicted",
    "net_harm": "contradicted", "no_trials_found": "no_evidence", "no_controlled_evidence": "no_evidence",
}  # fmt: skip
FOR_UNPROVEN = {
    **{v: "supported" for v in FOR_BENEFIT},
    "proven_benefit": "contradicted", "probable_benefit": "contradicted",
    "no_trials_found": "no_evidence", "no_controlled_evidence": "no_evidence",
}  # fmt: skip


@pytest.fixture(scope="module")
def answers(kb_path: Path) -> Iterator[Answers]:
    kb = KnowledgeBase(kb_path)
    try:
        yield Answers(kb)
    finally:
        kb.close()


@pytest.fixture(scope="module")
def names(answers: Answers) -> NameIndex:
    return NameIndex(answers.kb.name_entries())


@pytest.fixture(scope="module")
def assessed(answers: Answers, names: NameIndex) -> list[ClaimAssessment]:
    return all_claims(answers, names, shared_data_dir())


def test_every_claim_has_an_assessment_with_reasons(
    answers: Answers, assessed: list[ClaimAssessment]
) -> None:
    ids = [c.id for c in assessed]
    assert len(ids) == len(set(ids))
    assert {c.id for c in answers.kb.list_claims()} <= set(ids)
    for c in assessed:
        assert c.category in CATEGORIES and c.reasons and all(c.reasons), c.id
    shared = shared_data_dir() / "claims_published"
    if shared.exists():  # every published row: a record cites it, or it is shown as a ruling
        cited = {(c.source_file, c.source_row) for c in assessed}
        for name in ("label_and_promo_claims.csv", "regulator_statements.csv"):
            with (shared / name).open(encoding="utf-8") as f:
                rows = len(list(csv.DictReader(f)))
            for row in range(1, rows + 1):
                assert (f"claims_published/{name}", row) in cited, (name, row)


def _decisive(sentence_assessment):  # the stored answer whose statement is the permitted wording
    a = sentence_assessment.assessment
    return [e for e in a.evidence if e.statement == a.permitted_wording]


def test_categories_follow_the_stored_verdicts(
    answers: Answers, assessed: list[ClaimAssessment]
) -> None:
    checked = 0
    for c in assessed:
        for s in c.sentences:
            a = s.assessment
            rows = _decisive(s)
            if a.category not in ("supported", "not_supported", "contradicted") or not rows:
                continue
            stored = answers.question(rows[0].question_id)  # the stored verdict, read back
            table = FOR_UNPROVEN if s.reading["direction"] == "no_benefit" else FOR_BENEFIT
            assert a.category == table[stored.verdict], (c.id, s.text)
            assert a.permitted_wording == stored.statement
            checked += 1
    assert checked >= 10


def test_regulators_rulings_are_rulings(assessed: list[ClaimAssessment]) -> None:
    rulings = [c for c in assessed if (c.source_file or "").endswith("regulator_statements.csv")]
    assert len(rulings) >= 10
    for c in rulings:
        assert c.category == "ruling"
    fas = next(c for c in assessed if c.id == "published-r01")
    assert "not whether the product works" in fas.reasons[0]


def test_a_mechanism_claim_is_not_testable(assessed: list[ClaimAssessment]) -> None:
    kagocel = next(c for c in assessed if c.id == "published-c01")
    assert kagocel.category == "not_testable"
    assert "not a clinical benefit" in " ".join(kagocel.reasons)


def test_no_evidence_gives_the_search_date(
    answers: Answers, assessed: list[ClaimAssessment]
) -> None:
    dated = [s.assessment for c in assessed for s in c.sentences if s.assessment.searched_on]
    assert dated
    for a in dated:
        assert a.category == "no_evidence" and a.searched_on in " ".join(a.reasons)


def test_arbidol_covid_follows_the_stored_form_verdict(answers: Answers, names: NameIndex) -> None:
    a = assess(answers, read_claim("Arbidol treats COVID-19", names))
    form = next(
        v for v in answers.substance("umifenovir").verdicts if "COVID" in (v.indication or "")
    )
    assert a.category == FOR_BENEFIT[form.verdict]
    if form.deciding_question_id:
        assert a.permitted_wording == answers.question(form.deciding_question_id).statement

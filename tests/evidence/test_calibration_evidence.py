"""Did the source rate the question's body of evidence?  ``evidence_match`` in ``immunograde calibrate``.

Hand-derived cases: the figures per ``evidence_match`` (a breakdown beside the headline figures), the
sentence a disagreement gains when the source rated another body of evidence, and the schema's rule that
'different' says how.  Then the project's data: every rated item records it, and the groups add up to n.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from immunograde.evidence.calibration import EVIDENCE_WHY, Item, by_evidence, calibrate, compare
from immunograde.kb.model_evidence import PublishedResult
from immunograde.kb.queries import KnowledgeBase


def _item(published: str, ours: str, match: str | None) -> Item:
    return Item("q", "src", published, ours, "quote", [], {}, (), match)


def test_figures_per_evidence_match_by_hand() -> None:
    items = [
        _item("high", "high", "same"),
        _item("moderate", "moderate", "same"),
        _item("moderate", "high", "different"),
        _item("high", "moderate", "different"),
        _item("low", "low", None),
    ]
    out = by_evidence(items)
    assert list(out) == [
        "same",
        "different",
        "not_recorded",
    ]  # no 'previous_version' item: left out
    # same: two agreements on moderate and high.  Linear weights (k = 4): w = 1 - |i - j| / 3, so
    # p_o = 1; margins 1 / 1 on moderate and high: p_e = (1 + 2/3 + 2/3 + 1) / 4 = 5/6;
    # kappa = (1 - 5/6) / (1 - 5/6) = 1
    assert out["same"]["n"] == 2 and out["same"]["disagreements"] == 0
    assert out["same"]["exact_agreement"] == 1.0
    assert out["same"]["weighted_kappa"] == pytest.approx(1.0)
    # different: the two swapped.  p_o = (2/3 + 2/3) / 2 = 2/3, p_e = 5/6 as above;
    # kappa = (2/3 - 5/6) / (1 - 5/6) = -1
    assert out["different"]["n"] == 2 and out["different"]["disagreements"] == 2
    assert out["different"]["exact_agreement"] == 0.0
    assert out["different"]["weighted_kappa"] == pytest.approx(-1.0)
    # one item: p_e = 1, kappa undefined (None), never 0 or 1 made up
    assert out["not_recorded"] == {
        "n": 1,
        "disagreements": 0,
        "exact_agreement": 1.0,
        "weighted_kappa": None,
    }


def test_disagreement_says_when_the_source_rated_other_evidence() -> None:
    c = compare(_item("moderate", "high", "different"))
    assert c["evidence_match"] == "different"
    assert c["why"].endswith("; " + EVIDENCE_WHY["different"])
    c = compare(_item("moderate", "high", "previous_version"))
    assert c["why"].endswith("; " + EVIDENCE_WHY["previous_version"])
    c = compare(_item("moderate", "high", "same"))
    assert c["evidence_match"] == "same"
    assert not any(w in c["why"] for w in EVIDENCE_WHY.values())


def test_different_needs_a_note() -> None:
    base = {"measure": "RR", "certainty": "low", "quote": "low-certainty evidence", "source": {"doi": "10.1002/14651858.CD000001"}}  # fmt: skip
    with pytest.raises(ValidationError, match="evidence_match"):
        PublishedResult.model_validate({**base, "evidence_match": "different"})
    ok = PublishedResult.model_validate(
        {**base, "evidence_match": "different", "note": "another trial set (24 vs 25 trials)"}
    )
    assert ok.evidence_match == "different"
    assert PublishedResult.model_validate({**base, "evidence_match": "same"}).note is None


def test_every_rated_item_says_which_evidence_the_source_rated(kb: KnowledgeBase) -> None:
    c = calibrate(kb)
    assert "not_recorded" not in c.by_evidence
    assert sum(g["n"] for g in c.by_evidence.values()) == c.n
    assert sum(g["disagreements"] for g in c.by_evidence.values()) == len(c.disagreements)
    for d in c.disagreements:
        if d["evidence_match"] in EVIDENCE_WHY:
            assert d["why"].endswith(EVIDENCE_WHY[d["evidence_match"]])

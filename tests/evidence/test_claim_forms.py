"""A claim about one dose form is answered by that form's trials only (evidence attaches to the form tested).

«Полиоксидоний свечи помогают при ОРВИ» was assessed with the intranasal spray's trial, and its permitted
wording said "(intranasal)": the claim reader did not see the form.  It now reads a dose form named beside a
product's or substance's name (evidence/claim_vocabulary.yaml ``forms``) and keeps only that route's
verdicts; a form word elsewhere in a long text ("one tablet cannot raise immunity") is not the claim's form.
"""

from __future__ import annotations

from immunograde.evidence.claim_check import check_claim
from immunograde.kb.queries import KnowledgeBase


def test_suppositories_are_not_answered_by_the_nasal_spray(kb: KnowledgeBase) -> None:
    for text in (
        "Полиоксидоний свечи помогают при ОРВИ",
        "Azoximer bromide suppositories shorten ARVI",
    ):
        r = check_claim(kb, text)
        assert r["recognised"]["routes"] == ["rectal"], text
        a = r["assessment"]
        assert a["category"] == "no_evidence", text
        assert r["detail"]["other_forms"] == "intranasal"
        assert "tested other forms (intranasal), not the form named" in a["reasons"][0]
    # the same claim without a form: the spray's trial, named as such
    plain = check_claim(kb, "Полиоксидоний помогает при ОРВИ")
    assert (
        plain["assessment"]["category"] != "no_evidence" and plain["detail"]["form"] == "intranasal"
    )


def test_the_form_named_chooses_its_own_trials(kb: KnowledgeBase) -> None:
    r = check_claim(kb, "Виферон свечи сокращают длительность ОРВИ у детей")
    assert r["recognised"]["routes"] == ["rectal"]
    assert r["detail"]["form"].startswith("rectal")


def test_a_form_word_far_from_any_name_is_not_the_claims_form(kb: KnowledgeBase) -> None:
    text = "Полиоксидоний помогает при ОРВИ, хотя иммунитет слишком сложен, чтобы одна таблетка его поднимала"
    r = check_claim(kb, text)
    assert r["recognised"]["routes"] == []
    assert r["detail"]["form"] == "intranasal"

"""The source's stated reasons beside ImmunoGrade's domains in ``immunograde calibrate``.

Hand-made cases: which domains differ, what a disagreement says when the source states no reason or its
reasons are not recorded, and the tally by domain.  Then the command's JSON on the project's data: every
disagreement carries both sides, and the source's side is exactly the question's recorded ``reasons``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from immunograde.cli.main import main
from immunograde.evidence.calibration import (
    NONE_STATED,
    NOT_FOUND,
    NOT_RECORDED,
    Item,
    compare,
    differing_domains,
    ours_domains,
    source_domains,
    tally,
)
from immunograde.kb.queries import KnowledgeBase


def _item(published: str, ours: str, ours_d: dict[str, int], reasons: list[dict[str, Any]]) -> Item:
    return Item("q", "src", published, ours, "quote", [], ours_d, tuple(reasons))


ROB = {"domain": "risk_of_bias", "levels": -1, "quote": "downgraded for risk of bias", "locator": "fn 1"}  # fmt: skip
IMP2 = {"domain": "imprecision", "levels": -2, "quote": "very serious imprecision", "locator": "fn 2"}  # fmt: skip
INC = {"domain": "inconsistency", "quote": "heterogeneity", "locator": "fn 3"}  # levels not stated
NONE = {"domain": "none_stated", "quote": "moderate-certainty evidence", "locator": "abstract"}


def test_ours_domains_from_judgements() -> None:
    judgements = [
        {"domain": "risk_of_bias", "levels": 0},
        {"domain": "imprecision", "levels": -2},
        {"domain": "upgrading", "levels": 1},
    ]
    assert ours_domains(judgements) == {"imprecision": -2, "upgrade": 1}


def test_differing_domains() -> None:
    # the source rated down risk of bias (we did not); both rated imprecision down, by 1 and by 2
    assert differing_domains({"imprecision": -1}, {"risk_of_bias": -1, "imprecision": -2}) == [
        "risk_of_bias",
        "imprecision",
    ]
    # levels not stated by the source: only presence is compared
    assert differing_domains({"inconsistency": -2}, {"inconsistency": None}) == []
    assert differing_domains({}, {"inconsistency": None}) == ["inconsistency"]
    assert differing_domains({"publication_bias": -1}, {}) == ["publication_bias"]


def test_compare_side_by_side() -> None:
    # CD000478-like: the source low (risk of bias -1, imprecision -1), ImmunoGrade high
    c = compare(_item("low", "high", {}, [ROB, {**IMP2, "levels": -1}]))
    assert c["ours_domains"] == {}
    assert c["source_domains"] == {"risk_of_bias": -1, "imprecision": -1}
    assert c["differing_domains"] == ["risk_of_bias", "imprecision"]
    assert c["why"] == (
        "ImmunoGrade rated higher; ImmunoGrade: no domain rated down; "
        "source: risk_of_bias -1, imprecision -1; differ on risk_of_bias, imprecision"
    )
    lower = compare(_item("moderate", "very_low", {"imprecision": -3}, [INC]))
    assert lower["why"].startswith("ImmunoGrade rated lower; ImmunoGrade: imprecision -3; ")
    assert "source: inconsistency ?" in lower["why"]


def test_no_reason_is_said_never_guessed() -> None:
    assert source_domains(()) is None
    assert source_domains((NONE,)) == {}
    c = compare(_item("moderate", "high", {}, [NONE]))
    assert c["differing_domains"] is None and c["why"].endswith(f"source: {NONE_STATED}")
    c = compare(_item("low", "moderate", {"imprecision": -1}, []))
    assert c["differing_domains"] is None and c["why"].endswith(f"source: {NOT_RECORDED}")
    c = compare(_item("low", "moderate", {"imprecision": -1}, [{**NONE, "domain": "not_found"}]))
    assert c["source_domains"] is None and c["why"].endswith(f"source: {NOT_FOUND}")
    # CD005187-like: the row states inconsistency, its other footnotes are not reachable: imprecision
    # (ours) is not called a difference, inconsistency (the source's) is
    part = [INC, {**NONE, "domain": "not_found"}]
    c = compare(_item("very_low", "low", {"imprecision": -2}, part))
    assert c["source_domains"] == {"inconsistency": None}
    assert c["differing_domains"] == ["inconsistency"]
    assert "other reasons not in the text reachable here" in c["why"]
    # rated high by the source: nothing was rated down there, so our downgrades are the difference
    c = compare(_item("high", "moderate", {"imprecision": -1}, [NONE]))
    assert c["differing_domains"] == ["imprecision"]
    assert "source: no domain rated down" in c["why"]


def test_tally_counts_disagreements_per_domain() -> None:
    rows = [
        {**compare(_item("low", "high", {}, [ROB, {**IMP2, "levels": -1}])), "published": "low"},
        {**compare(_item("moderate", "high", {}, [ROB])), "published": "moderate"},
        {**compare(_item("moderate", "high", {}, [NONE])), "published": "moderate"},
        {**compare(_item("low", "moderate", {}, [])), "published": "low"},
        {
            **compare(_item("low", "moderate", {}, [{**NONE, "domain": "not_found"}])),
            "published": "low",
        },
        {**compare(_item("high", "moderate", {"imprecision": -1}, [NONE])), "published": "high"},
    ]
    assert tally(rows) == {
        "imprecision": 2,
        "risk_of_bias": 2,
        NONE_STATED: 1,
        NOT_RECORDED: 1,
        NOT_FOUND: 1,
    }


def test_calibrate_json_reports_both_sides(
    kb: KnowledgeBase, kb_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["calibrate", "--format", "json", "--db", str(kb_path)])
    assert exc.value.code == 0
    out = json.loads(capsys.readouterr().out)
    reasons = {
        q.id: [r.model_dump(mode="json", exclude_none=True) for p in q.published for r in p.reasons]
        for q in kb.all_questions()
    }
    assert out["reasons_recorded"] == sum(
        1 for q in kb.all_questions() for p in q.published if p.certainty and p.quote and p.reasons
    )
    total = 0
    for d in out["disagreements"]:
        assert set(d) >= {"ours_domains", "source_domains", "source_reasons", "differing_domains"}
        assert d["source_reasons"] == [
            r for r in reasons[d["question_id"]] if r in d["source_reasons"]
        ]
        if d["source_domains"] is None:
            assert NOT_RECORDED in d["why"] or NOT_FOUND in d["why"]
        elif d["differing_domains"] is not None:
            expected = differing_domains(d["ours_domains"], d["source_domains"])
            if any(r["domain"] == "not_found" for r in d["source_reasons"]):  # partly read
                expected = [x for x in expected if x in d["source_domains"]]
            assert d["differing_domains"] == expected
            total += len(d["differing_domains"])
    tallied = sum(
        v for k, v in out["domain_tally"].items() if k not in (NONE_STATED, NOT_RECORDED, NOT_FOUND)
    )
    assert tallied == total

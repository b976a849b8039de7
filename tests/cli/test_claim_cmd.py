"""``immunograde claim`` (issue 17): JSON equal to the evidence layer's answer with the issue's keys,
plain text, and empty or too long text as one clear line with exit code 3 (never a traceback)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from immunograde.evidence.claim_check import check_claim
from immunograde.evidence.claims import MAX_CHARS
from immunograde.kb.queries import KnowledgeBase

from .conftest import run_cli


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(db, "claim", *args)


def test_json_is_the_evidence_layers_answer(db: Path) -> None:
    text = "Эргоферон сокращает длительность ОРВИ"
    result = run(db, text, "--format", "json")
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    kb = KnowledgeBase(db)
    try:
        want = check_claim(kb, text)
    finally:
        kb.close()
    assert got == json.loads(json.dumps(want))
    assert {"recognised", "assessment", "evidence", "permitted_wording", "unrecognised"} <= set(got)
    assert {"substance", "product", "indication", "outcome", "direction"} <= set(got["recognised"])
    assert got["recognised"]["substance"] == ["ergoferon"]
    assert got["recognised"]["indication"] == ["arvi"] and got["recognised"]["outcome"] == [
        "duration"
    ]
    for e in got["evidence"]:
        assert {"question_id", "verdict", "certainty", "estimate"} <= set(e)


def test_text_says_what_was_understood_and_what_not(db: Path) -> None:
    result = run(db, "Allokin-alfa cures COVID-19")
    assert result.returncode == 0, result.stderr
    assert "Not recognised:" in result.stdout and "Allokin-alfa" in result.stdout
    assert "not testable as stated" in result.stdout


@pytest.mark.parametrize("text", ["", "   ", "x" * (MAX_CHARS + 1)])
def test_bad_text_exits_3_with_a_message(db: Path, text: str) -> None:
    result = run(db, text)
    assert result.returncode == 3
    assert "Traceback" not in result.stderr and "text" in result.stderr

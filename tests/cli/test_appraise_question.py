"""``immunograde appraise QUESTION_ID``: one question's stored answer (a user copies the id from a page).

The JSON is the substance's stored answer narrowed to the question: the same ``appraisal`` object the
evidence layer stored for that question (compared with :class:`Answers` itself, field by field), and the
same entry, verdict included, as the question's row in ``appraise SUBSTANCE``.  An id that is neither a substance nor a question stays "not found" (4).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from immunograde.cli.exitcodes import ExitCode
from immunograde.evidence.answers import Answers
from immunograde.jsonable import to_jsonable
from immunograde.kb.queries import open_kb

# a substance question (HCQ), a question about a product, a class question (several substances' answers)
QUESTIONS = (
    "hydroxychloroquine-covid19-mortality",
    "anaferon-oral-arvi-children-duration-of-illness",
)


@pytest.mark.parametrize("question_id", QUESTIONS)
def test_a_question_id_gives_that_question(answers_cli, answers_db: Path, question_id: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = answers_cli("appraise", question_id, "--format", "json")
    assert code == 0, err
    entries = json.loads(out)
    assert [e["question_id"] for e in entries] == [question_id]
    with open_kb(answers_db) as kb:
        stored = to_jsonable(Answers(kb).question(question_id))
    assert entries[0]["appraisal"] == stored
    assert entries[0]["form_verdict"] is not None
    code, out, err = answers_cli(
        "appraise", substance_of(answers_db, question_id), "--format", "json"
    )
    assert code == 0, err
    assert [e for e in json.loads(out) if e["question_id"] == question_id] == entries


def substance_of(db: Path, question_id: str) -> str:
    with open_kb(db) as kb:
        i = kb.get_question(question_id).intervention
        return i.substance or kb.get_product(str(i.product)).substances[0]


def test_a_class_question_id(answers_cli, answers_db: Path) -> None:  # type: ignore[no-untyped-def]
    with open_kb(answers_db) as kb:
        ids = [q.id for q in kb.all_questions() if q.intervention.drug_class]
    assert ids, "the repository's data has class questions"
    code, out, err = answers_cli("appraise", ids[0], "--format", "json")
    assert code == 0, err
    assert [e["question_id"] for e in json.loads(out)] == [ids[0]]


def test_neither_a_substance_nor_a_question(answers_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = answers_cli("appraise", "hydroxychloroquine-covid19-nothing")
    assert code == ExitCode.NOT_FOUND and out == ""
    assert (
        "no substance named 'hydroxychloroquine-covid19-nothing'" in err and "Traceback" not in err
    )

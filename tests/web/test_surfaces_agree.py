"""One answer per question (issue 12): every surface shows the same appraisal object, field by field.

For every question of the knowledge base built as ``immunograde build`` builds it (``web_db``: stored
answers and the evidence history beside it), the appraisal from

- the recipe itself, recomputed now (:func:`compute_question`) -- so the stored answers are not stale and
  no surface can get away with a recipe of its own,
- the stored answer (:class:`Answers`),
- the question page's JSON twin (``appraisal``) and the API's question (same function),
- the substance page's JSON twin (``appraisals``) and ``/api/v1/appraisals/{substance}``,
- ``immunograde appraise SUBSTANCE --format json`` (``appraisal`` of each entry),
- the evidence history's entry for this data version,

are equal.  Any surface that assembles its own appraisal (another TSA, another double-zero policy,
no registry lookup) makes this fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from immunograde.cli.main import main
from immunograde.evidence.answers import Answers, compute_question
from immunograde.evidence.history import question_history
from immunograde.jsonable import to_jsonable
from immunograde.kb.queries import KnowledgeBase


def _normal(obj: object) -> object:
    """JSON text and back: the form every surface serves (tuples as lists, NaN as null)."""
    return json.loads(json.dumps(to_jsonable(obj), sort_keys=True))


@pytest.fixture(scope="module")
def truth(web_db: Path) -> dict[str, object]:
    kb = KnowledgeBase(web_db)
    try:
        answers = Answers(kb)
        assert answers.stored, "web_db must hold the stored answers (immunograde build stores them)"
        stored = {q.id: _normal(answers.question(q.id)) for q in kb.all_questions()}
        recomputed = {q.id: _normal(compute_question(kb, q.id)) for q in kb.all_questions()}
    finally:
        kb.close()
    differ = [q for q in stored if stored[q] != recomputed[q]]
    assert not differ, f"stored answers differ from the recipe for {len(differ)}: {differ[:5]}"
    assert len(stored) > 500  # every question of the repository's knowledge base
    return stored


def test_question_twins_and_api_show_the_stored_answer(
    client: TestClient, truth: dict[str, object]
) -> None:
    for qid, expected in truth.items():
        assert client.get(f"/questions/{qid}.json").json()["appraisal"] == expected, qid
    for qid in list(truth)[:: max(1, len(truth) // 40)]:  # the API is the same function: a sample
        assert client.get(f"/api/v1/questions/{qid}").json()["appraisal"] == truth[qid], qid


def test_substance_twins_api_and_cli_show_the_stored_answer(
    client: TestClient,
    web_db: Path,
    truth: dict[str, object],
    capsys: pytest.CaptureFixture[str],
) -> None:
    kb = KnowledgeBase(web_db)
    try:
        with_questions = [s.id for s in kb.list_substances() if kb.questions_for(s.id)]
    finally:
        kb.close()
    seen: set[str] = set()
    for sid in with_questions:
        twin = client.get(f"/substances/{sid}.json").json()["appraisals"]
        api = client.get(f"/api/v1/appraisals/{sid}").json()["questions"]
        with pytest.raises(SystemExit) as exc:
            main(["appraise", sid, "--format", "json", "--db", str(web_db)])
        assert exc.value.code in (0, None)
        cli = [e["appraisal"] for e in json.loads(capsys.readouterr().out) if e["question_id"]]
        for surface in (twin, api, cli):
            assert [a["question_id"] for a in surface] == [a["question_id"] for a in twin]
            for a in surface:
                assert a == truth[a["question_id"]], (sid, a["question_id"])
        seen |= {a["question_id"] for a in twin}
    # every question that belongs to a substance was compared on the substance surfaces too
    kb = KnowledgeBase(web_db)
    try:
        belongs = {q.id for q in kb.all_questions() if q.intervention.substance_ids()}
    finally:
        kb.close()
    assert belongs <= seen


def test_history_holds_the_same_answer(web_db: Path, truth: dict[str, object]) -> None:
    hist = web_db.parent / "history.duckdb"
    for qid, expected in truth.items():
        entries = question_history(qid, hist)
        assert entries and entries[-1]["appraisal"] == expected, qid
        a = expected
        assert isinstance(a, dict)
        assert entries[-1]["verdict"] == a["verdict"] and entries[-1]["certainty"] == a["certainty"]
        assert entries[-1]["tsa_conclusion"] == (a["tsa"] or {}).get("conclusion")

"""The question page shows each trial's risk-of-bias judgement per RoB 2 domain, and who made it: the
published judgement with its source, or ImmunoGrade's own assessment from the recorded design, marked
as such (issue 13: "the page shows the per-trial judgements").  Expectations come from the data."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi.testclient import TestClient

from immunograde.kb.queries import KnowledgeBase


def _questions(web_db: Path) -> tuple[str, str, str]:
    """A question with a trial whose RoB is published (its label) and one with a trial that has none."""
    kb = KnowledgeBase(web_db)
    try:
        published = own = None
        for q in kb.all_questions():
            if not kb.outcome_data(q.id):
                continue
            tqs = kb.trials_for_question(q.id)
            if published is None:
                hit = [t for t in tqs if t.rob and t.rob.overall != "not_assessed"]
                if hit:
                    published = (q.id, hit[0].trial.label)
            if own is None and tqs and all(t.rob is None for t in tqs):
                own = q.id
            if published and own:
                return published[0], published[1], own
    finally:
        kb.close()
    raise AssertionError("no question with published and none with own risk-of-bias judgements")


def test_question_page_shows_rob_per_domain_and_who_judged(
    client: TestClient, web_db: Path
) -> None:
    qid, label, own_qid = _questions(web_db)
    page = html.unescape(client.get(f"/questions/{qid}").text)
    assert "Randomisation process" in page and "Selection of the reported result" in page
    assert "Published judgement:" in page
    twin = client.get(f"/questions/{qid}.json").json()
    rows = [t for t in twin["trials"] if t["label"] == label]
    assert rows and rows[0]["rob_assessment"]["verified"] is True
    assert [d["domain"] for d in rows[0]["rob_assessment"]["domains"]] == [
        "d1_randomisation", "d2_deviations", "d3_missing", "d4_measurement", "d5_selection",
    ]  # fmt: skip
    assert rows[0]["rob_assessment"]["source"] in page

    own = html.unescape(client.get(f"/questions/{own_qid}").text)
    assert "(ImmunoGrade's own assessment)" in own
    assert "Assessed by ImmunoGrade from the recorded design (not verified):" in own
    twin = client.get(f"/questions/{own_qid}.json").json()
    assessed = [t["rob_assessment"] for t in twin["trials"] if t["rob_assessment"]]
    assert assessed and all(a["verified"] is False for a in assessed)


def test_russian_question_page_translates_the_rob_labels(client: TestClient, web_db: Path) -> None:
    qid, _, _ = _questions(web_db)
    page = html.unescape(client.get(f"/questions/{qid}?lang=ru").text)
    assert "Процесс рандомизации" in page and "Опубликованная оценка:" in page

"""The experience page, its JSON twin and /api/v1/experience (issue 17): the three read the evidence
layer's one answer; bad input is a 400 with the problem named (a missing indication on the API: 422);
Russian through the catalogue."""

from __future__ import annotations

import html
import json
from pathlib import Path

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from immunograde.evidence.experience import Observation, experience
from immunograde.jsonable import to_jsonable
from immunograde.kb.queries import KnowledgeBase

CASE = "indication=ARVI&outcome=complete-recovery-96h&treated=40&improved=34&substance=Arbidol"


def _answer(db: Path) -> object:
    kb = KnowledgeBase(db)
    try:
        exp = experience(kb, "ARVI", outcome="complete-recovery-96h", obs=Observation(40, 34),
                         substance="Arbidol")  # fmt: skip
        return json.loads(json.dumps(to_jsonable(exp)))
    finally:
        kb.close()


def test_api_twin_and_evidence_layer_agree(client: TestClient, web_db: Path) -> None:
    api = client.get(f"/api/v1/experience?{CASE}")
    twin = client.get(f"/experience.json?{CASE}")
    assert api.status_code == twin.status_code == 200
    want = _answer(web_db)
    assert api.json() == want
    assert twin.json()["result"] == want
    assert twin.json()["explanation"][0].startswith("In the control arms of 2 trial(s)")


def test_page_shows_the_numbers_with_their_sources(client: TestClient) -> None:
    page = client.get(f"/experience?{CASE}")
    assert page.status_code == 200
    data = client.get(f"/experience.json?{CASE}").json()["result"]
    text = page.text
    for arm in data["arms"]:  # every pooled number links to its question and names its trial
        assert f"/questions/{arm['question_id']}" in text and arm["trial_id"] in text
    assert f"{data['comparison']['expected']:.1f}" in text
    for t in data["product_trials"]:
        assert f"/questions/{t['question_id']}" in text
    assert "regression to the mean" in text


def test_russian_page(client: TestClient) -> None:
    page = client.get(f"/experience?{CASE}&lang=ru")
    assert page.status_code == 200
    assert "Что показывает мой опыт?" in page.text
    assert "регрессия к среднему" in page.text
    assert "полное выздоровление в течение 96 часов" in page.text
    # the card's probability with a decimal comma (34 or more of 40 at the pooled 56.5%: 0.00012)
    assert '<p class="big">0,00012</p>' in page.text
    english = client.get(f"/experience?{CASE}&lang=en").text
    assert '<p class="big">0.00012</p>' in english


def test_empty_form_and_no_natural_course(client: TestClient) -> None:
    assert client.get("/experience").status_code == 200
    r = client.get("/experience.json?indication=psoriasis&treated=10&improved=5").json()["result"]
    assert r["status"] == "no_control_arms" and r["pool"] is None and r["searched"]["questions"]


def test_bad_input(client: TestClient) -> None:
    page = client.get(
        "/experience?indication=ARVI&outcome=complete-recovery-96h&treated=4&improved=5"
    )
    assert page.status_code == 400 and "must be between 0 and treated = 4" in page.text
    twin = client.get("/experience.json?treated=abc&improved=1")
    assert twin.status_code == 400 and twin.json()["errors"][0]["field"] == "treated"
    api = client.get("/api/v1/experience?indication=nope&treated=4&improved=1")
    assert api.status_code == 400 and "unknown indication" in api.json()["error"]["message"]
    api = client.get(
        "/api/v1/experience?indication=ARVI&treated=-4&improved=1&outcome=complete-recovery-96h"
    )
    assert api.status_code == 400 and api.json()["error"]["problems"][0]["field"] == "treated"
    assert client.get("/api/v1/experience").status_code == 422


def test_questions_can_be_left_out(client: TestClient) -> None:
    q = "umifenovir-oral-influenza-arvi-recovery-96h"
    url = f"indication=ARVI&outcome=complete-recovery-96h&treated=40&improved=34&question={q}"
    api = client.get(f"/api/v1/experience?{url}").json()
    assert api["pool"]["k"] == 1 and [a["question_id"] for a in api["arms"]] == [q]
    page = client.get(f"/experience?{url}").text
    assert f'value="{q}" checked' in page
    other = "enisamium-iodide-oral-influenza-ili-complete-recovery-96h"
    assert f'value="{other}" >' in page  # offered, not ticked


TEXT = st.one_of(st.sampled_from(["", "0", "1", "40", "-1", "1e400", "nan", "3.5", "abc", "10,5"]),
                 st.text(max_size=12))  # fmt: skip


@given(treated=TEXT, improved=TEXT, mean=TEXT, sd=TEXT,
       indication=st.sampled_from(["ARVI", "ОРВИ", "psoriasis", "", "<b>x</b>"]),
       outcome=st.sampled_from(["", "complete-recovery-96h", "duration-of-cold-days", "x"]))  # fmt: skip
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_input_gets_an_answer_or_a_clear_error(
    client: TestClient,
    treated: str,
    improved: str,
    mean: str,
    sd: str,
    indication: str,
    outcome: str,
) -> None:
    params = {"indication": indication, "outcome": outcome, "treated": treated,
              "improved": improved, "mean": mean, "sd": sd}  # fmt: skip
    api = client.get("/api/v1/experience", params=params)
    assert api.status_code in (200, 400, 422), api.text
    if api.status_code != 200:
        assert api.json()["error"]["message"]
    page = client.get("/experience", params=params)
    assert page.status_code in (200, 400) and "Traceback" not in page.text


def test_methods_page_is_generated_from_the_reviewed_file(client: TestClient) -> None:
    from immunograde.evidence.natural_course import load

    data = client.get("/methods.json").json()["natural_course"]
    assert data["review"]["file"] == "src/immunograde/evidence/natural_course.yaml"
    page = html.unescape(client.get("/methods").text)
    for g in load().groups:
        for o in g.outcomes:
            assert o.name in page
            for q in o.questions:
                assert f"/questions/{q}" in page
    assert "Естественное течение" in client.get("/methods?lang=ru").text

"""Claims pages (issue 17): every claim assessed on /claims and on its substance page (the same stored
object twice), the checker's form, page and API (JSON twin, 422 on empty or too long text), Russian."""

from __future__ import annotations

from fastapi.testclient import TestClient

from immunograde.evidence.claim_assess import CATEGORIES
from immunograde.evidence.claims import MAX_CHARS

ERGOFERON = "Эргоферон сокращает длительность ОРВИ"


def test_claims_page_assesses_every_claim(client: TestClient) -> None:
    data = client.get("/claims.json").json()
    assert data["total"] == len(data["claims"]) == sum(k["n"] for k in data["counts"])
    assert [k["category"] for k in data["counts"]] == list(CATEGORIES)
    for c in data["claims"]:
        assert c["category"] in CATEGORIES and c["reasons"], c["id"]
    page = client.get("/claims").text
    for k in data["counts"]:
        if k["n"]:
            assert f'id="{k["category"]}"' in page
    assert client.get("/api/v1/claims").json() == data


def test_substance_page_shows_the_same_assessments(client: TestClient) -> None:
    everything = {c["id"]: c for c in client.get("/claims.json").json()["claims"]}
    for sid in ("kagocel", "umifenovir", "oscillokokcinum"):
        claims = client.get(f"/substances/{sid}.json").json()["claims"]
        assert claims
        for c in claims:
            a = c["assessment"]
            assert a is not None, c["id"]
            assert a["category"] == everything[c["id"]]["category"]
            assert a["reasons"] == everything[c["id"]]["reasons"]
    page = client.get("/substances/kagocel").text
    assert "not testable as stated" in page and "A mechanism is not a clinical benefit" in page


def test_a_ruling_is_shown_as_a_ruling(client: TestClient) -> None:
    page = client.get("/claims").text
    section = page[page.index('id="ruling"') :]
    assert "not whether the product works" in section


def test_checker_page_json_twin_and_api_agree(client: TestClient) -> None:
    twin = client.get("/claims/check.json", params={"text": ERGOFERON}).json()["result"]
    api = client.post("/api/v1/claims/check", json={"text": ERGOFERON}).json()
    get = client.get("/api/v1/claims/check", params={"text": ERGOFERON}).json()
    assert api == get
    assert {k: twin[k] for k in api if k not in ("recognised", "detail")} == {
        k: api[k] for k in api if k not in ("recognised", "detail")
    }
    assert api["recognised"]["substance"] == ["ergoferon"]
    html = client.get("/claims/check", params={"text": ERGOFERON}).text
    assert "What was understood" in html and "What the evidence says" in html


def test_empty_and_too_long_text_are_422_with_a_message(client: TestClient) -> None:
    for text in ("", "   ", "x" * (MAX_CHARS + 1)):
        r = client.post("/api/v1/claims/check", json={"text": text})
        assert r.status_code == 422 and "text" in r.json()["error"]["message"], text
    r = client.get("/claims/check", params={"text": "  "})
    assert r.status_code == 422 and "empty" in r.text
    assert client.get("/claims/check.json", params={"text": "  "}).status_code == 422
    assert client.get("/claims/check").status_code == 200  # the empty form


def test_russian_pages(client: TestClient) -> None:
    page = client.get("/claims/check", params={"text": ERGOFERON, "lang": "ru"}).text
    assert "Что удалось понять" in page and "Что говорят данные" in page
    assert "острая респираторная вирусная инфекция" in page  # the vocabulary's Russian label
    assert "Заявления и что говорят данные" in client.get("/claims?lang=ru").text


def test_a_claim_about_another_form_says_so_in_both_languages(client: TestClient) -> None:
    """«Полиоксидоний свечи помогают при ОРВИ»: the trials found are of the nasal spray, not the form named."""
    text = "Полиоксидоний свечи помогают при ОРВИ"
    en = client.get("/claims/check", params={"text": text}).text
    ru = client.get("/claims/check", params={"text": text, "lang": "ru"}).text
    assert "not the form named." in en and "not the product named" not in en
    assert "а не названную лекарственную форму." in ru

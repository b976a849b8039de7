"""Search that answers (issue 18): a name typed exactly opens its page (the JSON twin still lists the
hit), and a form or an indication in the query («свечи виферон», "interferon nasal", «ОРВИ»,
"COVID-19") lists the verdicts concerned: the evidence map's cells, each linking to its card.

Expected hits are derived from the map's JSON twin and the reviewed Russian indications, not typed in.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from immunograde.web import i18n_glossary


def _cells(client: TestClient) -> list[dict[str, Any]]:
    return list(client.get("/map.json").json()["cells"])


def _key(c: dict[str, Any]) -> tuple[str, str, str | None]:
    return c["substance_id"], c["form"], c["indication"]


@pytest.mark.parametrize(
    ("query", "page"),
    [
        ("Кагоцел", "/substances/kagocel"),  # Cyrillic brand (data/substances/kagocel.yaml)
        ("Kagocel", "/substances/kagocel"),
        ("tocilizumab", "/substances/tocilizumab"),  # INN
        ("RoActemra", "/substances/tocilizumab"),  # EMA brand (data/products/ema.yaml)
        (
            "Actemra",
            "/substances/tocilizumab",
        ),  # US brands (CMS Part D file, tools/seed_catalogue.py)
        ("Plaquenil", "/substances/hydroxychloroquine"),
    ],
)
def test_an_exact_name_opens_its_page(client: TestClient, query: str, page: str) -> None:
    response = client.get("/search", params={"q": query}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == page
    data = client.get("/search.json", params={"q": query}).json()
    assert data["opens"] == page
    assert any(r["match"] == "exact" and r["href"] == page for r in data["results"])
    russian = client.get("/search", params={"q": query, "lang": "ru"}, follow_redirects=False)
    assert russian.headers["location"] == f"{page}?lang=ru"  # the reader's choice is kept


def test_a_name_that_is_not_exact_lists_the_hits(client: TestClient) -> None:
    response = client.get("/search", params={"q": "interferon"}, follow_redirects=False)
    assert response.status_code == 200
    assert client.get("/search.json", params={"q": "interferon"}).json()["opens"] is None


def test_a_name_with_a_form_lists_that_forms_verdicts(client: TestClient) -> None:
    data = client.get("/search.json", params={"q": "interferon nasal"}).json()
    named = {h["substance_id"] for h in client.get("/search.json", params={"q": "interferon"}).json()["results"]
             if h["kind"] != "class"}  # fmt: skip
    expected = [
        _key(c) for c in _cells(client) if c["route"] == "intranasal" and c["substance_id"] in named
    ]
    assert expected and [_key(c) for c in data["evidence"]] == expected
    assert data["opens"] is None


def test_a_brand_with_its_russian_form_word(client: TestClient) -> None:
    data = client.get("/search.json", params={"q": "свечи виферон"}).json()
    assert {"viferon-suppositories"} <= {r["id"] for r in data["results"]}
    assert data["evidence"] and all(c["route"] == "rectal" for c in data["evidence"])
    assert "interferon-alfa-2b" in {c["substance_id"] for c in data["evidence"]}


def _indication_has(cell: dict[str, Any], word: str) -> bool:
    texts = (
        cell["indication"] or "",
        i18n_glossary.indications("ru").get(cell["indication"] or "", ""),
    )
    return any(re.search(rf"(?<!\w){re.escape(word)}", t, re.I) for t in texts)


@pytest.mark.parametrize("query", ["ОРВИ", "COVID-19", "influenza"])
def test_an_indication_lists_its_verdicts(client: TestClient, query: str) -> None:
    data = client.get("/search.json", params={"q": query}).json()
    expected = [_key(c) for c in _cells(client) if _indication_has(c, query)]
    assert expected and [_key(c) for c in data["evidence"]] == expected[:40]
    html = client.get("/search", params={"q": query, "lang": "ru"}).text
    first = data["evidence"][0]
    assert f'href="/substances/{first["substance_id"]}?lang=ru#{first["anchor"]}"' in html
    assert f'id="{first["anchor"]}"' in client.get(f"/substances/{first['substance_id']}").text
    assert html.count('<span class="badge v-') >= len(data["evidence"])

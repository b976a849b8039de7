"""The market page, its JSON twin, charts, the unmapped names, the substance section and /api/v1/market,
over the knowledge base with the shipped files imported."""

from __future__ import annotations

import csv
import io
import warnings
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from immunograde.kb.queries import KnowledgeBase
from immunograde.market import measures
from immunograde.market.query import Filters, market_rows

warnings.filterwarnings("ignore", message=".*httpx2.*")
from fastapi.testclient import TestClient  # noqa: E402

from immunograde.web.app import create_app  # noqa: E402


@pytest.fixture(scope="module")
def client(market_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(market_db)) as c:
        yield c


def test_page_and_twin_agree(client: TestClient, kb: KnowledgeBase) -> None:
    html = client.get("/market?country=US&year=2017")
    assert html.status_code == 200
    twin = client.get("/market.json?country=US&year=2017").json()
    expected = measures.shares(
        measures.by_certainty(market_rows(kb, Filters(country="US", year=2017)).rows)
    )
    assert twin["shares"] == expected
    part_d = next(s for s in expected if s["programme"] == "Medicare Part D")
    assert f"{100 * part_d['share_low_or_unknown']:.0f} %" in html.text
    assert 'src="/market/certainty.svg?country=US&amp;year=2017"' in html.text
    assert "best-evidenced indication" in html.text


def test_money_beside_the_verdict(client: TestClient) -> None:
    page = client.get("/market.json?country=US&year=2017&programme=Medicare%20Part%20D").json()
    actemra = next(p for p in page["products"] if p["product"] == "Actemra*")
    assert (actemra["money"], actemra["money_unit"], actemra["use"], actemra["use_unit"]) == (
        86_400_039.01,
        "USD",
        27_279,
        "claims",
    )
    assert actemra["money_text"] == "86.4 mln USD"
    order = ["high", "moderate", "low", "very_low"]
    graded = [v["certainty"] for v in actemra["verdicts"] if v["certainty"]]
    assert graded and actemra["certainty"] == min(
        graded, key=order.index
    )  # best-evidenced indication
    html = client.get("/market?country=US&year=2017&programme=Medicare%20Part%20D").text
    assert "Actemra*" in html and "86.4 mln USD" in html
    assert all(v["verdict_label"] in html for v in actemra["verdicts"])  # shown with all of them


def test_reports_show_their_source(client: TestClient) -> None:
    page = client.get("/market.json?country=RU&year=2025").json()
    names = {p["product"] for p in page["reports"]}
    assert {"Ингавирин", "Арбидол", "Кагоцел"} <= names
    html = client.get("/market?country=RU&year=2025").text
    assert 'href="https://www.kommersant.ru/doc/8025736"' in html


def test_chart_spec_bars_add_up_to_one(client: TestClient) -> None:
    spec = client.get("/market/certainty.vl.json").json()
    shares: dict[str, float] = defaultdict(float)
    for v in spec["data"]["values"]:
        shares[v["bar"]] += v["share"]
    assert shares and all(abs(s - 1.0) < 1e-9 for s in shares.values())
    svg = client.get("/market/certainty.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    trend = client.get("/market/trend.svg?country=US&programme=Medicaid")
    assert trend.status_code == 200 and b"<svg" in trend.content


def test_unmapped_page(client: TestClient) -> None:
    twin = client.get("/market/unmapped.json?dataset=au_pbs").json()
    (r05,) = [n for n in twin["names"] if n["code"] == "R05"]
    assert r05["volumes"]["scripts (scripts)"] > 0
    assert "COUGH AND COLD PREPARATIONS" in client.get("/market/unmapped?dataset=au_pbs").text


def test_substance_page_has_a_market_section(client: TestClient) -> None:
    html = client.get("/substances/tocilizumab").text
    assert 'id="market"' in html and "Actemra*" in html
    twin = client.get("/substances/tocilizumab.json").json()
    assert any(
        p["product"] == "Actemra" and p["programme"] == "Medicare Part B"
        for p in twin["market"]["products"]
    )


def test_api(client: TestClient) -> None:
    body = client.get(
        "/api/v1/market/figures?country=US&year=2017&substance=tocilizumab&limit=1000"
    ).json()
    assert body["total"] == len(body["items"]) > 0
    got = client.get(
        "/api/v1/market/figures?country=US&year=2017&substance=tocilizumab&format=csv&limit=1000"
    )
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert any(r["product"] == "Actemra*" and r["value"] == "86400039.01" for r in rows)
    assert client.get("/api/v1/market/certainty?country=AU").json()["shares"]
    assert client.get("/api/v1/market/substances/Кагоцел").json()["products"]
    assert client.get("/api/v1/market/unmapped?limit=5").json()["total"] > 5
    assert client.get("/market?year=abc").status_code == 400

"""The web app as a reader uses it: every page answers, its JSON twin holds the same data, search finds
names in any script, errors are readable, links are not broken, and data is escaped.

Expected facts come from the reviewed files the knowledge base is built from (data/ and ../shared/data):
e.g. Kagocel's Cyrillic name «Кагоцел» is in data/substances (from the unproven-drug lists) and
tocilizumab's ATC code L04AC07 from the WHO ATC extract.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from immunograde.grading.config import load_rules

PAGES = ["/", "/classes", "/map", "/methods", "/changes", "/workbench", "/substances/tocilizumab",
         "/search?q=interferon"]  # fmt: skip


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (
                (tag == "a" and name == "href")
                or (tag in ("img", "script", "link") and name in ("src", "href"))
            ):
                self.links.append(value)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


@pytest.mark.parametrize("path", PAGES)
def test_page_and_its_json_twin(client: TestClient, path: str) -> None:
    html = client.get(path)
    assert html.status_code == 200, html.text[:300]
    assert html.headers["content-type"].startswith("text/html")
    base, _, query = path.partition("?")
    twin = ("/index" if base == "/" else base) + ".json" + (f"?{query}" if query else "")
    data = client.get(twin)
    assert data.status_code == 200
    same = client.get(path + ("&" if query else "?") + "format=json")
    assert data.json() == same.json()
    # the page advertises its twin (issue 12), in a Link header and in the footer, query included
    # (the footer's link dropped it: /search.json without q)
    assert html.headers["link"] == f'<{twin}>; rel="alternate"; type="application/json"'
    assert f'href="{escape(twin)}"' in html.text


HTML_TAG = re.compile(
    r"<(table|thead|tbody|tr|td|th|div|span|p|a|svg|ol|ul|li|strong|em|br)\b", re.I
)


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def test_json_twins_carry_data_not_html(client: TestClient) -> None:
    """Issue 12: "JSON twins carry data, never rendered HTML" -- the question page's twin carried its
    Summary of Findings as an HTML table (``sof_html``) until the template rendered it from the data."""
    sub = client.get("/substances/tocilizumab.json").json()
    qid = sub["evidence"][0]["questions"][0]["question_id"]
    paths = [p for p in PAGES if p != "/workbench"] + [
        f"/questions/{qid}",
        "/claims",
        "/experience",
    ]
    for path in paths:
        base, _, query = path.partition("?")
        data = client.get(
            ("/index" if base == "/" else base) + ".json" + (f"?{query}" if query else "")
        )
        assert data.status_code == 200, path
        html = [s[:80] for s in _strings(data.json()) if HTML_TAG.search(s)]
        assert not html, f"{path}: HTML in the JSON twin: {html[:3]}"
    q = client.get(f"/questions/{qid}.json").json()
    assert q["appraisal"]["sof"] and "sof_html" not in q
    # the HTML page still shows the table, rendered from the same data
    assert '<table class="sof">' in client.get(f"/questions/{qid}").text


def test_substance_page_shows_catalogue_and_evidence(client: TestClient) -> None:
    page = client.get("/substances/tocilizumab").text
    assert "L04AC07" in page  # WHO ATC code of tocilizumab
    assert "Does it work, and how sure are we?" in page
    data = client.get("/substances/tocilizumab.json").json()
    assert data["substance"]["id"] == "tocilizumab"
    assert data["evidence"], "tocilizumab has seeded COVID-19 questions"
    for card in data["evidence"]:
        assert card["verdict"] in set(load_rules().verdicts.order)
        assert card["explanation"]
    assert "Spontaneous reports" in data["safety"]["caveat"]


@pytest.mark.parametrize("query", ["Кагоцел", "kagocel", "Kagocell"])
def test_search_any_script_and_typos(client: TestClient, query: str) -> None:
    results = client.get("/search.json", params={"q": query}).json()["results"]
    assert results and results[0]["href"].startswith("/substances/kagocel"), results[:3]


def test_typeahead_fragment(client: TestClient) -> None:
    html = client.get("/search/suggest", params={"q": "Кагоц"}).text
    assert "/substances/kagocel" in html


def test_unknown_substance_is_404_with_suggestions(client: TestClient) -> None:
    r = client.get("/substances/tocilizumabb")
    assert r.status_code == 404
    assert "tocilizumab" in r.text
    j = client.get("/substances/tocilizumabb.json")
    assert j.status_code == 404
    assert "tocilizumab" in j.json()["error"]["suggestions"]


def test_api_lists_paginate_and_download_csv(client: TestClient) -> None:
    first = client.get("/api/v1/substances", params={"limit": 5}).json()
    assert len(first["items"]) == 5 and first["total"] > 5 and first["next"]
    second = client.get(first["next"]).json()
    assert second["offset"] == 5 and second["items"][0]["id"] != first["items"][0]["id"]
    csv_text = client.get("/api/v1/questions", params={"format": "csv"}).text
    assert csv_text.splitlines()[0].startswith("id,title")
    bad = client.get("/api/v1/substances", params={"limit": 0})
    assert bad.status_code == 422 and "limit" in bad.json()["error"]["message"]


def test_openapi_document(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/substances" in doc["paths"] and "/api/v1/workbench" in doc["paths"]


def test_methods_page_is_generated_from_rules(client: TestClient) -> None:
    from immunograde.grading.config import load_rules

    rules = load_rules()
    # a term's first use is wrapped in <abbr title=...> (web/i18n_terms.py); the text itself is unchanged
    page = re.sub(r'<abbr class="term"[^>]*>(.*?)</abbr>', r"\1", client.get("/methods").text)
    # the page escapes quotes (Jinja autoescape), so compare with the escaped sentence
    expected = str(escape(rules.imprecision.rationale.split(".")[0][:60]))
    assert expected in page.replace("\n", " ")


def test_methods_page_shows_settings_as_they_read_not_python_reprs(client: TestClient) -> None:
    """The Methods page printed Python's repr of the rules' mappings and lists ("{'high': {...}}",
    "[{'below': 1.0, ...}]") and "reviewed by None" (issue 12): each setting is a table or a list,
    cell by cell from rules.yaml, and an empty value is a dash."""
    import html

    rules = load_rules()
    page = html.unescape(client.get("/methods").text)
    assert not re.search(r"\{'|\['|'\}|'\]|\bNone\b", page)
    for level, row in rules.verdicts.matrix.items():
        cells = "".join(
            f'<tr><th lang="en">{effect}</th><td><code>{verdict}</code></td></tr>'
            for effect, verdict in row.items()
        )
        assert (
            f'<th lang="en">{level.replace("_", " ")}</th><td><table class="settings">{cells}'
            in page
        )
    for ois in rules.imprecision.ois_levels:
        assert (
            f'<th lang="en">below</th><td><code>{ois.below}</code></td></tr>'
            f'<tr><th lang="en">levels</th><td><code>{ois.levels}</code>'
        ) in page
    assert rules.review.reviewed_by is not None or re.search(r"reviewed by</th><td>—</td>", page)


def test_forest_plot_images(client: TestClient) -> None:
    qid = client.get("/substances/tocilizumab.json").json()["evidence"][0]["questions"][0][
        "question_id"
    ]
    svg = client.get(f"/plots/questions/{qid}/forest.svg")
    assert svg.status_code == 200 and svg.text.startswith("<svg")
    png = client.get(f"/plots/questions/{qid}/forest.png")
    assert png.content[:4] == b"\x89PNG"


def test_map_filters(client: TestClient) -> None:
    everything = client.get("/map.json").json()["cells"]
    boosters = client.get("/map.json", params={"view": "boosters"}).json()["cells"]
    assert boosters and len(boosters) < len(everything)
    assert all(c["booster"] for c in boosters)
    grey = [c for c in boosters if c["verdict"] == "no_controlled_evidence"]
    assert grey, "some marketed immune boosters have no controlled evidence in the knowledge base"


def test_no_broken_links_from_home(client: TestClient) -> None:
    """Follow every same-site link on the home page and on the pages it links to."""
    seen: set[str] = set()
    frontier = ["/"]
    for _depth in range(2):
        nxt: list[str] = []
        for page in frontier:
            r = client.get(page)
            assert r.status_code == 200, f"{page} -> {r.status_code}"
            if not r.headers["content-type"].startswith("text/html"):
                continue
            for link in links_of(r.text):
                url = urldefrag(urljoin("http://testserver" + page, link))[0]
                parsed = urlparse(url)
                if parsed.netloc != "testserver" or parsed.path.startswith("/static/vendor"):
                    continue
                target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
                if target not in seen:
                    seen.add(target)
                    nxt.append(target)
        frontier = nxt
    broken = [u for u in sorted(seen) if client.get(u).status_code >= 400]
    assert not broken, broken
    assert len(seen) > 15


def test_html_escapes_data(client: TestClient) -> None:
    r = client.get("/search", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert re.search(r"<script[^>]*>alert", r.text) is None


def test_page_cache_serves_repeats_and_forgets_a_rebuilt_database(
    web_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole responses are kept per database version: a rebuild (a new file) is never served stale,
    nor are pages after new safety scores are saved beside it."""
    import os
    import shutil

    from immunograde.web.app import create_app

    monkeypatch.setenv("IMMUNOGRADE_SAFETY", str(tmp_path / "safety"))
    monkeypatch.setenv("IMMUNOGRADE_HISTORY", str(tmp_path / "history.duckdb"))
    db = tmp_path / "kb.duckdb"
    shutil.copy(web_db, db)
    with TestClient(create_app(db, warm=False)) as c:
        store = c.app.state.kb.responses  # type: ignore[attr-defined]
        first = c.get("/substances/tocilizumab.json")
        assert store.urls() == [("/substances/tocilizumab.json", b"")]
        again = c.get("/substances/tocilizumab.json")
        assert (
            again.content == first.content and again.headers["content-type"] == "application/json"
        )
        # not kept: errors, searches, the workbench, other methods
        assert c.get("/substances/tocilizumabb").status_code == 404
        c.get("/search", params={"q": "Кагоцел"}, follow_redirects=False)
        c.get("/workbench")
        assert store.urls() == [("/substances/tocilizumab.json", b"")]
        c.get("/map", params={"view": "boosters"})
        assert ("/map", b"view=boosters") in store.urls()
        # a rebuild replaces the file (temp file + rename): the next request sees the new version
        shutil.copy(web_db, tmp_path / "new.duckdb")
        os.replace(tmp_path / "new.duckdb", db)
        assert c.get("/methods").status_code == 200
        assert store.urls() == [("/methods", b"")]
        # new safety scores (safety.store.save_results writes meta.json into a renamed folder)
        (tmp_path / "safety").mkdir()
        (tmp_path / "safety" / "meta.json").write_text("{}")
        c.get("/map")
        assert store.urls() == [("/map", b"")]


def test_warm_up_fills_the_caches_the_pages_read(
    web_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the start-up warm-up, the map and a substance page are served without computing them."""
    from itertools import islice

    from immunograde.web import evidence
    from immunograde.web.app import create_app, warm_jobs

    app = create_app(web_db, warm=False)
    store = app.state.kb
    # the map, its filters, home, classes, then the first substance of the map
    store.warm(lambda kb: islice(warm_jobs(kb), 5)).join()
    first = next(k for k in store._cache if k[1] == "substance")[2]

    def must_not_run(*args: object) -> None:
        raise AssertionError("computed again: the warm-up used another cache key")

    monkeypatch.setattr(evidence, "map_cells", must_not_run)
    monkeypatch.setattr(evidence, "substance_page", must_not_run)
    with TestClient(app) as c:
        assert c.get("/map.json").status_code == 200
        assert c.get(f"/substances/{first}.json").json()["substance"]["id"] == first


def test_dossier_route_is_the_report(client: TestClient) -> None:
    html = client.get("/substances/tocilizumab/report.html")
    assert html.status_code == 200 and "L04AC07" in html.text and "<svg" in html.text
    assert client.get("/substances/nonexistent-x/report.html").status_code == 404


def test_chart_specification_is_served(client: TestClient) -> None:
    spec = client.get("/plots/questions/bcg-vaccine-tuberculosis/forest.vl.json").json()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")

"""The reader's language: ``?lang=`` first (kept in the page's links and forms), then Accept-Language,
else English; ``<html lang>`` and the switch on every page; the page cache keeps one copy per language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from immunograde.web import i18n


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("ru", "ru"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("en-GB,en;q=0.9,ru;q=0.8", "en"),
        ("de-DE,de;q=0.9,ru;q=0.5", "ru"),  # German is not offered: the next one that is
        ("en;q=0.3, ru;q=0.7", "ru"),  # weights, not order
        ("ru;q=0, en", "en"),  # q=0 means "not this one"
        ("fr, de", None),
    ],
)
def test_accept_language(header: str | None, expected: str | None) -> None:
    assert i18n.parse_accept_language(header) == expected


def test_query_wins_over_header_and_unknown_values_are_ignored() -> None:
    assert i18n.negotiate("ru", "en") == ("ru", True)
    assert i18n.negotiate("EN", "ru") == ("en", True)
    assert i18n.negotiate("xx", "ru") == ("ru", False)
    assert i18n.negotiate(None, None) == ("en", False)


def _html_lang(html: str) -> str:
    found = re.search(r'<html lang="([a-z]+)">', html)
    assert found, html[:200]
    return found.group(1)


@pytest.mark.parametrize(
    "path", ["/", "/classes", "/methods", "/substances/tocilizumab", "/substances/nope"]
)
def test_lang_in_url_sets_html_lang_and_the_switch(client: TestClient, path: str) -> None:
    r = client.get(path, params={"lang": "ru"})
    assert _html_lang(r.text) == "ru"
    assert r.headers["content-language"] == "ru"
    # the switch offers this very page in English, and marks Russian as the current language
    assert f'href="{path}?lang=en"' in r.text
    assert '<strong lang="ru" aria-current="true">Русский</strong>' in r.text
    en = client.get(path)
    assert _html_lang(en.text) == "en"
    assert f'href="{path}?lang=ru"' in en.text


def test_lang_is_kept_in_internal_links_and_forms(client: TestClient) -> None:
    html = client.get("/", params={"lang": "ru"}).text
    internal = [h for h in re.findall(r'href="(/[^"]*)"', html)
                if not h.startswith(("/static/", "/api/")) and not h.endswith((".json", ".atom"))]  # fmt: skip
    assert internal, "no internal links found"
    assert all("lang=" in h for h in internal), [h for h in internal if "lang=" not in h]
    assert '<input type="hidden" name="lang" value="ru">' in html
    assert 'hx-get="/search/suggest?lang=ru"' in html
    # chosen by the header instead: the links stay clean (the header comes with every request)
    plain = client.get("/", headers={"Accept-Language": "ru"}).text
    assert 'href="/map"' in plain and 'name="lang"' not in plain


def test_accept_language_picks_russian_and_defaults_to_english(client: TestClient) -> None:
    ru = client.get("/methods", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert _html_lang(ru.text) == "ru" and "Методы" in ru.text
    assert "Accept-Language" in ru.headers["vary"]
    en = client.get("/methods", headers={"Accept-Language": "de"})
    assert _html_lang(en.text) == "en" and "Методы" not in en.text


def test_page_cache_keeps_one_copy_per_language(web_db: Path) -> None:
    from immunograde.web.app import create_app

    with TestClient(create_app(web_db, warm=False)) as c:
        en = c.get("/classes")
        ru = c.get("/classes", headers={"Accept-Language": "ru"})
        again = c.get("/classes")
        assert _html_lang(en.text) == "en" and _html_lang(ru.text) == "ru"
        assert again.text == en.text


def test_link_helper_leaves_static_api_and_foreign_links_alone() -> None:
    i18n.use("ru")
    token = i18n._in_url.set(True)
    try:
        assert i18n.link("/substances/x#products") == "/substances/x?lang=ru#products"
        assert i18n.link("/map?view=boosters&lang=en") == "/map?view=boosters&lang=ru"
        assert i18n.link("/static/style.css") == "/static/style.css"
        assert i18n.link("/api/v1/docs") == "/api/v1/docs"
        assert (
            i18n.link("https://pubmed.ncbi.nlm.nih.gov/1/") == "https://pubmed.ncbi.nlm.nih.gov/1/"
        )
    finally:
        i18n._in_url.reset(token)
        i18n.use("en")


def test_term_translates_a_forms_route_and_keeps_its_dose_form() -> None:
    i18n.use("ru")
    try:
        assert i18n.term("oral, film-coated tablet") == "внутрь, film-coated tablet"
        assert i18n.term("not_submitted") == i18n.tr("not submitted") != "not submitted"
        assert i18n.term("something new") == "something new"  # no translation: shown as it is
    finally:
        i18n.use("en")


def test_home_search_box_has_the_headers_typeahead(client: TestClient) -> None:
    html = client.get("/", params={"lang": "ru"}).text
    assert html.count('hx-get="/search/suggest?lang=ru"') == 2  # the header's and the home page's
    assert 'hx-target="#suggest-home"' in html and 'id="suggest-home"' in html
    fragment = client.get("/search/suggest", params={"q": "Кагоц", "lang": "ru"}).text
    assert 'href="/substances/kagocel?lang=ru"' in fragment and ">вещество<" in fragment

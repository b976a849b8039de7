"""The claims pages in a real browser (issue 17), as tests/web/test_browser.py drives the app: type a claim
into the form, read what was understood and what the evidence says, in English and Russian, on a desktop
and at a 375 px phone width (nothing runs off the screen); the assessment badges keep WCAG AA contrast.

Expected facts come from the stored answers (the checker's own API for the same text), not typed here.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from immunograde.settings import project_home

from .conftest import text_contrast

pytestmark = pytest.mark.browser
ARTIFACTS = project_home() / "tests" / "_artifacts"
NAVIGATION_TIMEOUT_MS = 180_000
ERGOFERON = "Эргоферон сокращает длительность ОРВИ"


def _page(browser: Browser, base_url: str, width: int, locale: str = "en-GB") -> Page:
    context = browser.new_context(base_url=base_url, locale=locale,
                                  viewport={"width": width, "height": 900})  # fmt: skip
    context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
    return context.new_page()


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-{name}.png"), full_page=True)


def _fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1


@pytest.mark.parametrize("width", [1280, 375])
def test_type_a_claim_and_read_the_answer(browser: Browser, base_url: str, width: int) -> None:
    page = _page(browser, base_url, width)
    try:
        want = page.request.get("/api/v1/claims/check", params={"text": ERGOFERON}).json()
        page.goto("/claims")
        expect(page.locator("main h1")).to_have_text("Claims, and what the evidence says")
        _fits(page)
        page.locator("#claim-text").fill(ERGOFERON)
        page.locator("form.claim-form button").click()
        page.wait_for_url("**/claims/check?**")
        result = page.locator("section.claim-result")
        expect(result.locator("dl.reading")).to_contain_text("Эргоферон")
        expect(result.locator("dl.reading")).to_contain_text("acute respiratory viral infection")
        expect(result.locator(".claim-badge")).to_have_text(want["assessment"]["label"])
        category = want["assessment"]["category"]
        assert text_contrast(page, f".claim-badge.cl-{category}") >= 4.5
        _fits(page)
        _shot(page, f"claim-check-{width}")
    finally:
        page.context.close()


def test_a_russian_reader_checks_a_claim_on_a_phone(browser: Browser, base_url: str) -> None:
    page = _page(browser, base_url, 375, locale="ru-RU")
    try:
        page.goto("/claims/check")
        expect(page.locator("main h1")).to_have_text("Проверить утверждение")
        page.locator("#claim-text").fill("Allokin-alfa cures COVID-19")
        page.locator("form.claim-form button").click()
        page.wait_for_url("**/claims/check?**")
        expect(page.locator("ul.unrecognised")).to_contain_text("Allokin-alfa")
        expect(page.locator(".claim-badge")).to_have_text("в такой формулировке не проверяется")
        _fits(page)
        page.locator("#claim-text").fill("   ")
        page.locator("form.claim-form button").click()
        expect(page.locator("p.error")).to_contain_text("пуст")
        _shot(page, "claim-check-ru-375")
    finally:
        page.context.close()

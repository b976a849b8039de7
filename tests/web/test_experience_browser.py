"""The experience page in a real browser (chromium through Playwright, as tests/web/test_browser.py):
fill in the form, read the answer, on a desktop and at 375 px phone width, in English and Russian."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from immunograde.settings import project_home

pytestmark = pytest.mark.browser

ARTIFACTS = project_home() / "tests" / "_artifacts"
TIMEOUT_MS = 180_000  # a hang guard on a busy 2-core machine, not a speed check


@pytest.mark.parametrize(("width", "lang"), [(1280, "en"), (375, "en"), (375, "ru")])
def test_fill_in_the_form_and_read_the_answer(browser: Browser, base_url: str, width: int,
                                              lang: str) -> None:  # fmt: skip
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"/experience?lang={lang}")
        page.select_option("#outcome", "complete-recovery-96h")
        page.fill("#treated", "40")
        page.fill("#improved", "34")
        page.fill("#substance", "Arbidol")
        page.locator("#experience-form button[type=submit]").click()
        page.wait_for_url("**/experience?*treated=40*")
        data = page.request.get(page.url.replace("/experience?", "/experience.json?")).json()
        c = data["result"]["comparison"]
        cards = page.locator("#summary .card")
        expect(cards).to_have_count(3)
        expected = f"{c['expected']:.1f}"  # as the page writes it: a decimal comma in Russian
        expect(cards.nth(0)).to_contain_text(
            expected.replace(".", ",") if lang == "ru" else expected
        )
        expect(cards.nth(1)).to_contain_text("34")
        expect(page.locator("#explanation li")).to_have_count(len(data["explanation"]))
        expect(page.locator("#explanation")).to_contain_text(data["explanation"][2])
        expect(page.locator("#arms a")).to_have_count(len(data["result"]["arms"]))
        expect(page.locator("#product-trials .badge").first).to_be_visible()
        if lang == "ru":
            expect(page.locator("h1")).to_have_text("Что показывает мой опыт?")
        # nothing runs off a phone screen: wide tables scroll inside their own box
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow} px wider than the {width} px screen"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / f"browser-experience-{width}-{lang}.png"), full_page=True
        )
    finally:
        context.close()


def test_bad_input_is_shown_in_the_form(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, viewport={"width": 375, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(
            "/experience?indication=ARVI&outcome=complete-recovery-96h&treated=10&improved=12"
        )
        expect(page.locator("#errors")).to_contain_text("must be between 0 and treated = 10")
        expect(page.locator("#treated")).to_have_value("10")
    finally:
        context.close()

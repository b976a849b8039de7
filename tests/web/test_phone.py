"""The pages on a 375 px phone screen (an iPhone SE / mini's CSS width), in English and in Russian, in
Debian's chromium: no page is wider than the screen (wide tables and plots scroll inside their own box),
the header's links fold into a menu, and the Summary of Findings shows each outcome's effect and
certainty on the screen.  Screenshots go to tests/_artifacts/phone-*.png for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from immunograde.settings import project_home

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
ARTIFACTS = project_home() / "tests" / "_artifacts"
TIMEOUT_MS = 180_000  # a hang guard: the first /map reads every stored appraisal on a busy machine
# one page of each kind; the question and class are tocilizumab's (COVID-19 mortality, SoF and plots)
PAGES = {
    "home": "/",
    "search": "/search?q=interferon",
    "substance": "/substances/tocilizumab",
    "substance-no-trials": "/substances/kagocel",
    "question": "/questions/tocilizumab-covid19-mortality-on-corticosteroids",
    "class": "/classes/l04ac",
    "classes": "/classes",
    "map": "/map",
    "market": "/market",
    "methods": "/methods",
    "workbench": "/workbench",
    "changes": "/changes",
    "api-docs": "/api/v1/docs",  # Swagger UI under the package's api_docs.css
}


@pytest.fixture(params=["en", "ru"])
def phone(request: pytest.FixtureRequest, browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url, viewport=PHONE, locale=request.param,
                                  is_mobile=True, has_touch=True)  # fmt: skip
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def _lang(path: str, page: Page) -> str:
    """The path in the phone's language, kept in the URL as the switch keeps it."""
    lang = page.evaluate("navigator.language")
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def _too_wide(page: Page) -> list[str]:
    """Elements reaching past the screen's right edge with no scrolling box of their own around them."""
    return list(page.evaluate(
        """w => [...document.querySelectorAll('body *')].filter(el => {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.right <= w + 1) return false;
            for (let p = el.parentElement; p; p = p.parentElement)
              if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)
                  && p.getBoundingClientRect().right <= w + 1) return false;
            return true;
          }).slice(0, 8).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
                                   + ' to ' + Math.round(el.getBoundingClientRect().right) + ' px')""",
        PHONE["width"],
    ))  # fmt: skip


def test_no_page_is_wider_than_a_phone(phone: Page) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    lang = phone.evaluate("navigator.language")
    wide = {}
    for name, path in PAGES.items():
        response = phone.goto(_lang(path, phone))
        assert response is not None and response.ok, path
        if name == "api-docs" and phone.locator("#swagger-ui").count():
            phone.locator(
                ".opblock-summary"
            ).first.wait_for()  # Swagger UI has drawn the operations
            phone.locator(
                ".opblock-summary-control"
            ).first.click()  # one open: parameters, responses
            phone.locator(".opblock.is-open .responses-table").first.wait_for()
        expect(phone.locator("html")).to_have_attribute("lang", lang)
        width = phone.evaluate("document.documentElement.scrollWidth")
        phone.screenshot(path=str(ARTIFACTS / f"phone-{lang}-{name}.png"), full_page=True)
        if width > PHONE["width"] + 1:
            wide[path] = (width, _too_wide(phone))
    assert not wide, f"pages wider than {PHONE['width']} px ({lang}): {wide}"


def test_the_menu_folds_on_a_phone(phone: Page) -> None:
    phone.goto(_lang("/", phone))
    link = phone.locator("header details.menu nav a").first
    expect(link).to_be_hidden()
    phone.locator("header details.menu > summary").click()
    expect(link).to_be_visible()
    link.click()
    phone.wait_for_url("**/map?lang=*")


def test_the_menu_is_open_on_a_wide_screen(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.locator("header details.menu > summary")).to_be_hidden()
        expect(page.locator("header nav a").first).to_be_visible()
    finally:
        context.close()


def test_summary_of_findings_shows_effect_and_certainty_on_a_phone(phone: Page) -> None:
    phone.goto(_lang(PAGES["question"], phone))
    row = phone.locator("table.sof tbody tr").first
    cells = row.locator("td")
    # risk with intervention, relative effect, certainty: each on the screen, after its column's label
    for i in (1, 2, 4):
        cell = cells.nth(i)
        cell.scroll_into_view_if_needed()
        expect(cell).to_be_in_viewport(ratio=1)
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        label = cell.get_attribute("data-label")
        heading = phone.locator("table.sof thead th").nth(i + 1).inner_text()
        assert label and label == heading
    expect(cells.nth(4)).to_contain_text("⊕")


def test_terms_are_explained_with_a_tap(phone: Page) -> None:
    """No hover on a phone: the explanations of OIS, I², RoB … open with a tap and fit the screen."""
    phone.goto(_lang(PAGES["question"], phone))
    box = phone.locator("details.terms").first
    line = box.locator("li").first
    expect(line).to_be_hidden()
    box.locator("summary").tap()
    expect(line).to_be_visible()
    line.scroll_into_view_if_needed()
    found = line.bounding_box()
    assert found is not None and found["x"] + found["width"] <= PHONE["width"]

"""The evidence map on a 375 px phone and on a 1280 px screen, and the technical terms explained at their
first use on a page (issue 18), in English and Russian, in Debian's chromium.

On a phone the ~2,100 px chart would only scroll inside its figure; the page shows the map's cells as a
list instead (substance, indication, form, the verdict badge, certainty, trials, participants, each value
labelled), the chart one tap away.  A term's first use is an ``<abbr>`` a tap or the Tab key focuses; its
explanation then shows beside it.  Screenshots go to tests/_artifacts/ for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from immunograde.settings import project_home
from immunograde.web import i18n
from immunograde.web.i18n_terms import TERMS

pytestmark = pytest.mark.browser

ARTIFACTS = project_home() / "tests" / "_artifacts"
TIMEOUT_MS = 180_000  # a hang guard: the first /map reads every stored appraisal on a busy machine
SIZES = {"phone": {"width": 375, "height": 740}, "wide": {"width": 1280, "height": 900}}
QUESTION = "/questions/tocilizumab-covid19-mortality-on-corticosteroids"


@pytest.fixture(params=[(size, lang) for size in SIZES for lang in ("en", "ru")],
                ids=lambda p: f"{p[0]}-{p[1]}")  # fmt: skip
def screen(request: pytest.FixtureRequest, browser: Browser, base_url: str) -> Iterator[Page]:
    size, lang = request.param
    phone = size == "phone"
    context = browser.new_context(base_url=base_url, viewport=SIZES[size], locale=lang,
                                  is_mobile=phone, has_touch=phone)  # fmt: skip
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def _size_lang(page: Page) -> tuple[str, str]:
    width = page.viewport_size["width"] if page.viewport_size else 0
    return ("phone" if width < 700 else "wide"), str(page.evaluate("navigator.language"))


def test_the_map_is_readable_at_this_width(screen: Page) -> None:
    size, lang = _size_lang(screen)
    response = screen.goto(f"/map?lang={lang}")
    assert response is not None and response.ok
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screen.screenshot(path=str(ARTIFACTS / f"map-{size}-{lang}.png"), full_page=False)
    chart, note = screen.locator("figure.map-chart"), screen.locator("p.map-note")
    rows = screen.locator("#map-table tr")
    if size == "wide":
        expect(chart).to_be_visible()
        expect(note).to_be_hidden()
        expect(screen.locator("#map-table th").first).to_be_visible()
        return
    expect(chart).to_be_hidden()  # no 2,100 px chart scrolled inside a 375 px box
    expect(note).to_be_visible()
    expect(note.locator("a")).to_have_attribute("href", "/map.svg?lang=" + lang)
    width = screen.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES["phone"]["width"] + 1
    # an entry: its name, its badge and its labelled numbers all on the screen, no sideways scrolling
    entry = rows.nth(1)
    for part in ("td.m-name", "td.m-verdict .badge", "td.m-cert", "td.num >> nth=0"):
        cell = entry.locator(part)
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert (
            box is not None and box["x"] >= 0 and box["x"] + box["width"] <= SIZES["phone"]["width"]
        )
    label = screen.evaluate("el => getComputedStyle(el, '::before').content",
                            entry.locator("td.m-cert").element_handle())  # fmt: skip
    assert i18n.translations(lang).gettext("Certainty") in label
    expect(rows.first).to_be_hidden()  # the column headings: each value carries its label
    assert screen.locator("#map-table .badge").count() == rows.count() - 1


def test_a_term_is_explained_where_it_is_first_used(screen: Page) -> None:
    """Tap (phone) or Tab (keyboard) focuses the first OIS / I² / CI of the page; its explanation shows."""
    size, lang = _size_lang(screen)
    screen.goto(f"{QUESTION}?lang={lang}")
    terms = screen.locator("main abbr.term")
    assert terms.count() >= 2  # the certainty symbols and the SoF table's "95% CI"
    first = terms.first
    key = next(k for k, (_label, text) in TERMS.items()
               if i18n.translations(lang).gettext(text) == first.get_attribute("title"))  # fmt: skip
    explanation = i18n.translations(lang).gettext(TERMS[key][1])
    after = "el => getComputedStyle(el, '::after').content"
    if size == "phone":
        first.scroll_into_view_if_needed()
        first.tap()
    else:
        screen.locator("body").click(position={"x": 5, "y": 5})
        for _ in range(200):  # keyboard only: Tab until the first term has the focus
            screen.keyboard.press("Tab")
            if screen.evaluate("document.activeElement.classList.contains('term')"):
                break
    assert screen.evaluate("document.activeElement.classList.contains('term')")
    shown = screen.evaluate(after, screen.evaluate_handle("document.activeElement"))
    assert explanation in shown
    screen.screenshot(path=str(ARTIFACTS / f"term-{size}-{lang}.png"), full_page=False)
    screen.evaluate("document.activeElement.blur()")
    assert explanation not in screen.evaluate(after, first.element_handle())

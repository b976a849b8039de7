"""The web app in a real browser: Playwright drives Debian's chromium against the real server (uvicorn on
a free loopback port) over a knowledge base built from the repository's reviewed files.

Expected facts come from those files: Kagocel's Cyrillic name «Кагоцел» (data/substances, from the
unproven-drug lists), the BCG vaccine trials (../shared/data/trials/metadat/dat.bcg.csv) whose pooled risk
ratio is metafor's (validation/metafor/ref_rma.json, written by R's metafor 3.8-1).  Screenshots go to
tests/_artifacts/ (gitignored) for a person to look at; assertions are on content, not pixels.

chromium is required (the Makefile installs it): without it these tests fail, they do not skip.  The server and
browser fixtures are in conftest.py (test_phone.py uses them too).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from immunograde.settings import project_home, shared_data_dir

from .conftest import text_contrast

pytestmark = pytest.mark.browser

ARTIFACTS = project_home() / "tests" / "_artifacts"
# a hang guard, not a speed check: the first /map computes every appraisal on a busy 2-core machine
NAVIGATION_TIMEOUT_MS = 180_000


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)  # fmt: skip
    context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
    p = context.new_page()
    yield p
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-{name}.png"), full_page=True)


def test_search_a_cyrillic_brand_name_and_land_on_its_page(page: Page) -> None:
    page.goto("/")
    box = page.locator("header form.search input[name=q]")
    box.click()
    box.press_sequentially("Кагоцел")
    if page.evaluate("typeof window.htmx !== 'undefined'"):
        # htmx is vendored: the typeahead offers the substance under its Latin name
        suggestion = page.locator("#suggest a", has_text="Kagocel").first
        expect(suggestion).to_be_visible()
        shot(page, "typeahead-kagocel")
        suggestion.click()
    else:  # without the vendored htmx the form still works: a name typed exactly opens its page
        box.press("Enter")
    page.wait_for_url("**/substances/kagocel")
    expect(page.locator("h1")).to_have_text("Kagocel")
    expect(page.locator("article.substance")).to_contain_text("Кагоцел")  # "also known as"
    shot(page, "substance-kagocel")


def test_read_the_verdict_on_a_substance_page(page: Page) -> None:
    page.goto("/substances/tocilizumab")
    data = page.request.get("/substances/tocilizumab.json").json()
    cards = page.locator("section.card.evidence")
    expect(cards).to_have_count(len(data["evidence"]))
    for i, card in enumerate(data["evidence"]):
        badge = cards.nth(i).locator(".badge").first
        expect(badge).to_be_visible()
        expect(badge).to_have_text(card["verdict_label"])
        expect(badge).to_have_class(f"badge v-{card['verdict']}")
    # tocilizumab's COVID-19 card stands on graded questions: a certainty is shown in words
    expect(page.locator(".question h4").first).to_contain_text(
        data["evidence"][0]["questions"][0]["certainty_label"]
    )
    shot(page, "substance-tocilizumab")


def _table_substances(page: Page) -> list[str]:
    return page.locator("#map-table tr td:first-child a").all_inner_texts()


def test_open_the_evidence_map_and_filter_it(page: Page) -> None:
    page.goto("/map")
    everything = _table_substances(page)
    assert everything, "the map lists the substances with evidence or with claims"
    page.select_option("select[name=view]", "boosters")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/map?*view=boosters*")
    expect(page.locator("h1")).to_contain_text("Immune boosters")
    boosters = _table_substances(page)
    expected = page.request.get("/map.json?view=boosters").json()["cells"]
    assert boosters == [c["substance"] for c in expected]
    assert 0 < len(boosters) < len(everything)
    graded = {c["substance_id"] for c in expected if c["verdict"] != "no_controlled_evidence"}
    shown = {c["substance_id"] for c in expected}
    expect(page.locator("p.summary")).to_contain_text(f"{len(graded)} of {len(shown)} substances")
    shot(page, "map-boosters")
    # a class: only its members stay (the class page lists them)
    page.goto("/map")
    page.select_option("select[name=class_id]", "l04ac")  # WHO ATC L04AC interleukin inhibitors
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/map?*class_id=l04ac*")
    chosen = set(_table_substances(page))
    members = page.request.get("/classes/l04ac.json").json()["members"]
    assert chosen and chosen <= {m["name"] for m in members}
    assert "tocilizumab" in chosen
    shot(page, "map-interleukin-inhibitors")


def _bcg_csv(path: Path) -> Path:
    with (shared_data_dir() / "trials/metadat/dat.bcg.csv").open() as f:
        rows = list(csv.DictReader(f))
    lines = ["study,year,ai,bi,ci,di"] + [
        f"{r['author']},{r['year']},{r['tpos']},{r['tneg']},{r['cpos']},{r['cneg']}" for r in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _metafor_bcg_rr() -> dict[str, list[float]]:
    ref = json.loads((project_home() / "validation/metafor/ref_rma.json").read_text())
    return next(m["metafor"] for m in ref["models"]["bcg_RR"]
                if m["method"] == "REML" and m["test"] == "z")  # fmt: skip


def test_workbench_on_an_uploaded_csv_and_download_the_plot(page: Page, tmp_path: Path) -> None:
    page.goto("/workbench")
    page.set_input_files("input[name=csv_file]", str(_bcg_csv(tmp_path / "bcg.csv")))
    page.select_option("select[name=measure]", "RR")
    page.select_option("select[name=method]", "REML")
    page.get_by_role("button", name="Analyse").click()
    result = page.locator("#result table.result tr").nth(1).locator("td")
    expect(result.first).to_have_text("13")  # k: the 13 BCG trials
    ref = _metafor_bcg_rr()
    rr, lo, hi = (math.exp(ref[k][0]) for k in ("b", "ci.lb", "ci.ub"))
    expect(result.nth(2)).to_have_text(f"{rr:.3f}")
    expect(result.nth(3)).to_have_text(f"{lo:.3f} to {hi:.3f}")
    shot(page, "workbench-bcg")
    link = page.locator("#result a[href^='/workbench/plot/forest.svg']")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "forest.svg"
    saved = tmp_path / "forest.svg"
    download.save_as(saved)
    svg = saved.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "Aronson" in svg  # the first trial of dat.bcg, labelled


def test_russian_reader_switches_language_and_reads_badges(browser: Browser, base_url: str) -> None:
    """A browser that prefers Russian gets Russian pages; the switch gives English and back, and the
    choice stays in the links; verdict badges keep WCAG AA contrast as rendered."""
    context = browser.new_context(
        base_url=base_url, locale="ru-RU", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        expect(page.locator("main h1")).to_have_text(
            "Работает ли? Насколько мы уверены? Безопасно ли?"
        )
        page.locator("nav.lang a", has_text="English").click()
        page.wait_for_url("**/?lang=en")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.locator("nav.lang a", has_text="Русский").click()
        page.wait_for_url("**/?lang=ru")
        page.locator("header nav a", has_text="Карта доказательств").click()
        page.wait_for_url("**/map?lang=ru")
        expect(page.locator("main h1")).to_have_text("Карта доказательств")
        page.goto("/substances/tocilizumab?lang=ru")
        expect(page.locator("#evidence")).to_have_text("Работает ли — и насколько мы уверены?")
        for verdict in ("proven_benefit", "possible_benefit", "uncertain", "net_harm"):
            if page.locator(f".badge.v-{verdict}").count():
                assert text_contrast(page, f".badge.v-{verdict}") >= 4.5, verdict
        shot(page, "substance-tocilizumab-ru")
    finally:
        context.close()

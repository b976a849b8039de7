"""No English vocabulary inside the Russian pages' own sentences (issue 18): routes ("subcutaneous"), dose
forms ("film-coated tablets"), verdict and certainty labels, trial statuses, Natural Medicines' ratings and
"any indication" are words the pages put into translated sentences; each must come out in Russian.

The crawl reads every substance page and, for the questions, a representative set (every question of eleven
substances chosen to cover each kind of source and verdict: Cochrane extractions, data-set rows, single
trials with reported-only results, "route not stated" products, no-evidence verdicts) -- all 629 questions
take ~4 min, and the eleven substances' questions exercise every sentence form the question pages use.  Text
a page marks ``lang="en"`` (the data's own words: question titles, populations, quotes, claims in
English, curators' conclusions) is left out: it is shown as written, and says so to screen readers.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import get_args

import pytest
import yaml
from fastapi.testclient import TestClient

from immunograde.evidence.rules import load_rules
from immunograde.kb import model_base as mb
from immunograde.web import i18n

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
        "wbr"}  # fmt: skip
SKIPPED = {"script", "style", "svg", "code"}
URL = re.compile(r"https?://\S+")
QUESTION_SUBSTANCES = ("tocilizumab", "anaferon", "dupilumab", "zinc", "interferon-gamma", "kagocel",
                       "hydrocortisone", "adalimumab", "azoximer-bromide", "baricitinib", "ergoferon")  # fmt: skip


class _Russian(HTMLParser):
    """The text of ``<main>`` outside elements marked ``lang="en"`` (and scripts, styles, charts, code)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.out: list[str] = []
        self.main = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.main = self.main or tag == "main"
        if tag not in VOID:  # the page's own language (<html lang>) is not a marked passage
            self.stack.append(tag in SKIPPED or (tag != "html" and dict(attrs).get("lang") == "en"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.main = False
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.main and not any(self.stack):
            self.out.append(data)


def russian_text(html: str) -> str:
    parser = _Russian()
    parser.feed(html)
    return URL.sub(" ", re.sub(r"\s+", " ", " ".join(parser.out)))


def vocabulary() -> set[str]:
    """The English words and phrases the pages interpolate into translated sentences."""
    rules = load_rules()
    words = {r for r in get_args(mb.Route) if r not in ("other", "unknown")}
    words |= {s.replace("_", " ") for s in get_args(mb.TrialStatus) if s != "unknown"}
    words |= {s.replace("_", " ") for s in get_args(mb.RegStatus) if s != "unknown"}
    words |= {label for label in rules.verdicts.labels.values()}
    words |= set(rules.natural_medicines["crosswalk"].values())
    words |= {"any indication", "route not stated", "not stated", "placebo-controlled", "double blind",
              "randomisation not stated", "film-coated", "tablets", "capsules", "suppositories",
              "lyophilisate", "solution for", "nasal spray", "nasal drops", "no market data imported"}  # fmt: skip
    return words


def english_words(text: str, words: set[str]) -> list[str]:
    return sorted(w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, re.I))


@pytest.fixture(scope="module")
def pages(client: TestClient) -> list[str]:
    substances = [
        s["id"] for s in client.get("/api/v1/substances", params={"limit": 1000}).json()["items"]
    ]
    questions = sorted({q["question_id"] for sid in QUESTION_SUBSTANCES
                        for c in client.get(f"/substances/{sid}.json").json()["evidence"]
                        for q in c["questions"]})  # fmt: skip
    assert len(substances) > 200 and len(questions) > 30
    return [*(f"/substances/{s}" for s in substances), *(f"/questions/{q}" for q in questions)]


@pytest.fixture(scope="module")
def russian_pages(client: TestClient, pages: list[str]) -> dict[str, str]:
    """Each page's Russian HTML, read once for the tests below."""
    html = {}
    for path in pages:
        response = client.get(path, params={"lang": "ru"})
        assert response.status_code == 200, path
        html[path] = response.text
    return html


@pytest.fixture(scope="module")
def russian_texts(russian_pages: dict[str, str]) -> dict[str, str]:
    """Each page's own Russian text (``russian_text``)."""
    return {path: russian_text(html) for path, html in russian_pages.items()}


def test_russian_pages_hold_no_english_vocabulary(russian_texts: dict[str, str]) -> None:
    words = vocabulary()
    found: dict[str, list[str]] = {}
    for path, text in russian_texts.items():
        hits = english_words(text, words)
        if hits:
            found[path] = hits
    assert not found, (
        f"{len(found)} Russian pages show English vocabulary: {dict(list(found.items())[:15])}"
    )


#: dotted numbers that are names, not quantities: a review's analysis or a handbook's section number, a
#: DOI, a version, a date
IDENTIFIERS = re.compile(
    r"(?:doi:?|DOI)?\s*\b10\.\d{4,}/\S+|(?:Analysis|анализ\w*|Handbook|section|Table|metafor)\s*\d[\d.]*"
    r"|\b\d{1,2}\.\d{1,2}\.\d{4}\b|\b\d+\.\d+\.\d+"
)
DECIMAL_POINT = re.compile(r"-?\d+\.\d+")


def test_russian_pages_write_numbers_with_a_decimal_comma(
    russian_texts: dict[str, str], russian_pages: dict[str, str]
) -> None:
    """Estimates, intervals, SoF footnotes, TSA sentences and follow-up times in the pages' own Russian
    text use «0,85», never «0.85» (issue 18); the English pages keep the point (checked once below)."""
    found = {}
    for path, text in russian_texts.items():
        hits = DECIMAL_POINT.findall(IDENTIFIERS.sub(" ", text))
        if hits:
            found[path] = hits[:5]
    assert not found, (
        f"{len(found)} Russian pages show decimal points: {dict(list(found.items())[:15])}"
    )
    # the Summary-of-Findings tables whole (their effect cells are marked lang="en", left out above)
    sof = {path: DECIMAL_POINT.findall(IDENTIFIERS.sub(" ", re.sub(r"<[^>]+>", " ", ENGLISH.sub(" ", table))))
           for path, html in russian_pages.items() for table in SOF.findall(html)}  # fmt: skip
    sof = {path: hits[:5] for path, hits in sof.items() if hits}
    assert not sof, (
        f"{len(sof)} Russian SoF tables show decimal points: {dict(list(sof.items())[:15])}"
    )
    sample = russian_pages["/questions/tocilizumab-covid19-mortality-on-corticosteroids"]
    assert re.search(r"[OR]R \d,\d\d \(\d,\d\d–\d,\d\d\)", sample)


SOF = re.compile(r'<table class="sof.*?</table>', re.S)
#: a passage in the data's own English (a statement, a reason) -- but not an effect cell ("OR 0,77 (…)")
ENGLISH = re.compile(r'<span lang="en">(?![A-Z]{2,4} -?\d)[^<]*</span>')


def test_the_crawl_would_see_the_words_it_looks_for(client: TestClient) -> None:
    """The same crawl on the English page finds them (the test is not blind), and the Russian page shows
    the catalogue's words in their place."""
    english = russian_text(client.get("/substances/dupilumab", params={"lang": "en"}).text)
    assert {"any indication", "subcutaneous", "not stated"} <= set(
        english_words(english, vocabulary())
    )
    russian = russian_text(client.get("/substances/dupilumab", params={"lang": "ru"}).text)
    catalogue = i18n.translations("ru")
    assert catalogue.gettext("any indication").capitalize() in russian  # the card's heading
    assert f"«{catalogue.gettext('subcutaneous')}»" in russian  # the route inside the sentence


def test_every_dose_form_and_agency_has_russian(client: TestClient, web_db: Path) -> None:
    """Each dose form and regulator in the knowledge base has its Russian in locale/ru/forms.yaml."""
    import duckdb

    glossary = yaml.safe_load((i18n.LOCALE_DIR / "ru" / "forms.yaml").read_text(encoding="utf-8"))
    for key in ("source", "translated_by", "checked_by", "date_reviewed", "next_review"):
        assert key in glossary
    with duckdb.connect(str(web_db), read_only=True) as con:
        forms = {
            f for (f,) in con.execute("SELECT DISTINCT dose_form FROM products").fetchall() if f
        }
        agencies = {a for (a,) in con.execute("SELECT DISTINCT agency FROM regulatory").fetchall()}
    assert forms - set(glossary["dose_forms"]) == set()
    known = set(glossary["agencies"]) | {"EMA", "FDA"}  # the acronyms readers know, kept
    assert agencies - known == set()

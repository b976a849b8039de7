"""Technical terms explained where they appear (issue 18): on every page crawled here, in English and
Russian, a term the visible text uses (OIS, TSA, MID, RoB, I², tau², PI, CI, the GRADE certainty
symbols) has its one-line explanation on the same page, in a box a tap opens (no hover needed)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from immunograde.web import i18n
from immunograde.web.i18n_terms import TERMS

USED = {
    "ois": r"\bOIS\b", "tsa": r"\bTSA\b", "mid": r"\bMID\b", "rob": r"\bRoB\b", "i2": r"\bI[²2]\b",
    "tau2": r"\btau[²2]", "pi": r"\b(?:PI|ПИ)\b", "ci": r"\b(?:CI|ДИ)\b", "certainty": "⊕",
}  # fmt: skip
BOX = re.compile(r'<details class="terms">.*?</details>', re.S)
PAGES = ["/", "/map", "/methods", "/classes/l04ac", "/market", "/changes", "/search?q=COVID-19",
         "/substances/tocilizumab", "/substances/zinc", "/substances/interferon-gamma",
         "/substances/kagocel"]  # fmt: skip


def _text(html: str) -> str:
    main = html.split("<main>", 1)[-1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", main))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_term_used_is_explained_on_the_page(client: TestClient, lang: str) -> None:
    questions = [q["question_id"] for c in client.get("/substances/tocilizumab.json").json()["evidence"]
                 for q in c["questions"]][:6]  # fmt: skip
    unexplained = {}
    i18n.use(lang)
    try:
        for path in [*PAGES, *(f"/questions/{q}" for q in questions)]:
            html = client.get(path, params={"lang": lang}).text
            boxes = " ".join(_text(b) for b in BOX.findall(html))
            text = _text(BOX.sub(" ", html))
            missing = [k for k, used in USED.items() if re.search(used, text)
                       and i18n.gettext(TERMS[k][1]) not in boxes]  # fmt: skip
            if missing:
                unexplained[path] = missing
    finally:
        i18n.use("en")
    assert not unexplained, f"terms used without their explanation ({lang}): {unexplained}"


def test_every_explanation_has_its_russian() -> None:
    ru = i18n.translations("ru")
    for label, text in TERMS.values():
        assert ru.gettext(text) != text and re.search("[а-я]", ru.gettext(text)), label


ABBR = re.compile(r'<abbr class="term" tabindex="0" title="([^"]*)">([^<]*)</abbr>')


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_each_term_is_explained_at_its_first_use(client: TestClient, lang: str) -> None:
    """Besides the box, the first use of each term in a page's text is an <abbr> with its explanation
    (focusable: a tap or the Tab key shows it), once per term and page; later uses stay as written."""
    questions = [q["question_id"] for c in client.get("/substances/tocilizumab.json").json()["evidence"]
                 for q in c["questions"]][:3]  # fmt: skip
    catalogue = i18n.translations(lang)
    explained = {catalogue.gettext(text): key for key, (_label, text) in TERMS.items()}
    problems = {}
    for path in [*PAGES, *(f"/questions/{q}" for q in questions)]:
        html = client.get(path, params={"lang": lang}).text
        main = html.split("<main>", 1)[-1].split("</main>", 1)[0]
        found = [(explained.get(unescape(title)), word) for title, word in ABBR.findall(main)]
        keys = [k for k, _w in found]
        text = _text(BOX.sub(" ", html))
        used = {k for k in ("ois", "tsa", "mid", "rob") if re.search(USED[k], text)}
        if None in keys or len(keys) != len(set(keys)) or not used <= set(keys):
            problems[path] = (found, sorted(used - set(keys)))
        # the first occurrence in the text is the marked one (links, menus and the boxes left aside)
        for key, word in found:
            before = BOX.sub(" ", main[: main.index(f">{word}</abbr>")])
            before = re.sub(r"<(a|summary|option|code|svg)\b.*?</\1>", " ", before, flags=re.S)
            assert word not in _text(before), (path, key)
    assert not problems, f"terms not explained at first use ({lang}): {problems}"

"""The pages in Russian, read as a reader would (no browser): Russian words where English ones were, the
switch back to English, and JSON twins that stay the same data whatever the language.

Expected words are the catalogue's own translations (src/immunograde/locale/ru/LC_MESSAGES/messages.po),
looked up through gettext, so the test checks that pages use the catalogue, not a second copy of it.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from immunograde.grading.config import load_rules
from immunograde.web import i18n

CYRILLIC_WORD = re.compile(r"[А-Яа-яЁё]{3,}")


def ru(message: str) -> str:
    translated = i18n.translations("ru").gettext(message)
    assert translated != message, f"no Russian for {message!r}"
    return translated


def visible_text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style|svg)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_home_in_russian(client: TestClient) -> None:
    page = client.get("/?lang=ru").text
    text = visible_text(page)
    for message in ("Does it work, how sure are we, is it safe?", "Evidence map", "Methods",
                    "Recent changes to the evidence", "Search"):  # fmt: skip
        assert ru(message) in text
    assert "Does it work, how sure are we" not in text
    assert len(CYRILLIC_WORD.findall(text)) > 100
    assert 'href="/?lang=en"' in page  # the switch back


def test_substance_page_in_russian(client: TestClient) -> None:
    data = client.get("/substances/tocilizumab.json").json()
    page = client.get("/substances/tocilizumab?lang=ru").text
    text = visible_text(page)
    for message in ("Does it work, and how sure are we?", "Products and forms", "Regulatory status",
                    "What is claimed, and what the evidence says", "Is it safe? Spontaneous reports"):  # fmt: skip
        assert ru(message) in text
    # verdict badges and certainty labels come from rules.yaml and are translated when shown
    labels = load_rules().verdicts.labels
    for card in data["evidence"]:
        assert ru(labels[card["verdict"]]) in text
        for q in card["questions"]:
            if q["certainty"]:
                assert ru(q["certainty_label"]) in text
    assert 'href="/substances/tocilizumab?lang=en"' in page
    # links inside the page keep the language
    assert re.search(r'href="/questions/[^"]+\?lang=ru"', page)


@pytest.mark.parametrize("path", ["/map", "/classes/l04ac", "/methods", "/market", "/workbench",
                                  "/search?q=интерферон", "/search?q=ОРВИ", "/changes"])  # fmt: skip
def test_pages_answer_in_russian(client: TestClient, path: str) -> None:
    r = client.get(path, headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert r.status_code == 200
    assert '<html lang="ru">' in r.text
    assert len(CYRILLIC_WORD.findall(visible_text(r.text.split("<main>")[1]))) >= 5


def test_accept_language_russian_matches_lang_ru(client: TestClient) -> None:
    by_header = client.get("/methods", headers={"Accept-Language": "ru"}).text
    by_url = client.get("/methods?lang=ru").text
    # the same words; only the links differ (?lang=ru is kept when chosen in the URL)
    assert visible_text(by_header) == visible_text(by_url)


@pytest.mark.parametrize("path", ["/index.json", "/substances/tocilizumab.json", "/map.json",
                                  "/classes/l04ac.json", "/methods.json"])  # fmt: skip
def test_json_twins_are_language_neutral(client: TestClient, path: str) -> None:
    english = client.get(path).json()
    assert client.get(path, params={"lang": "ru"}).json() == english
    assert client.get(path, headers={"Accept-Language": "ru"}).json() == english
    assert not CYRILLIC_WORD.search(str(english.get("evidence", "")))  # data keeps its own words


def test_cli_appraise_table_in_russian(web_db: object, capsys: pytest.CaptureFixture[str]) -> None:
    """``immunograde appraise ... --lang ru``: the table's headings, forms, verdicts and certainty in
    Russian; the default stays English; an unknown language is a usage error."""
    from immunograde.cli.exitcodes import ExitCode
    from immunograde.cli.main import main

    def run(*argv: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exc:
            main(["appraise", "baricitinib", "--db", str(web_db), *argv])
        out = capsys.readouterr()
        return int(exc.value.code or 0), out.out, out.err

    try:
        code, out, _ = run("--lang", "ru")
        assert code == 0
        for word in ("вопросы", "Форма", "Вывод", "внутрь", ru("High")):
            assert word in out, word
        code, out, _ = run()
        assert code == 0 and "Form" in out and not CYRILLIC_WORD.search(out.split("Why")[0])
        code, _, err = run("--lang", "de")
        assert code == ExitCode.USAGE and "--lang" in err
    finally:
        i18n.use("en")


def test_summary_of_findings_in_russian(client: TestClient) -> None:
    """The stored SoF table: headings, certainty labels, 'per 1000', ranges, trials and footnote
    prefixes in Russian; the English page keeps the stored table byte for byte, each cell only labelled
    with its column for the phone layout."""
    from immunograde.evidence.answers import appraisal_from_json
    from immunograde.evidence.rules import sof_html
    from immunograde.grading.sof import HEADERS

    data = client.get("/substances/baricitinib.json").json()
    a = next(
        appraisal_from_json(q["appraisal"])
        for c in data["evidence"]
        for q in c["questions"]
        if q["appraisal"]["sof"]
    )
    stored = sof_html([a.sof])  # the table as the stored appraisal gives it
    english = client.get("/substances/baricitinib").text
    assert 'data-label="Certainty of the evidence (GRADE)"' in english
    # each cell labelled for phones, and a term's first use wrapped in <abbr> (web/i18n_terms.py)
    english = re.sub(r'<abbr class="term"[^>]*>(.*?)</abbr>', r"\1", english)
    assert stored in re.sub(r' data-label="[^"]*"', "", english)
    text = visible_text(client.get("/substances/baricitinib?lang=ru").text)
    for heading in HEADERS:
        assert ru(heading) in text
    assert " на 1000" in text and " per 1000" not in text
    assert re.search(r"\(от [\d.]+ до [\d.]+\)", text)
    assert re.search(r"\d+ \(\d+ РКИ\)", text)
    assert "понижено на" in text and "rated down" not in text


def test_dossier_in_russian_is_kept_apart_from_the_english_one(client: TestClient) -> None:
    english = client.get("/substances/tocilizumab/report.html").text
    russian = client.get("/substances/tocilizumab/report.html?lang=ru").text
    assert '<html lang="en">' in english and ru("ImmunoGrade dossier") not in english
    assert '<html lang="ru">' in russian and ru("ImmunoGrade dossier") in russian
    assert client.get("/substances/tocilizumab/report.html").text == english  # cached per language


def test_chart_titles_in_russian(client: TestClient) -> None:
    """Axis, column and legend titles of the charts follow the language; the English chart is unchanged
    (each is cached apart); the page's chart images ask for the page's language."""
    data = client.get("/substances/tocilizumab.json").json()
    qid = data["evidence"][0]["questions"][0]["question_id"]
    english = client.get(f"/plots/questions/{qid}/forest.svg").text
    russian = client.get(f"/plots/questions/{qid}/forest.svg", params={"lang": "ru"}).text
    assert ">Study<" in english and ">Study<" not in russian
    for title in ("Study", "Weight"):
        assert f">{ru(title)}<" in russian
    assert ru("favours intervention") in russian
    assert client.get(f"/plots/questions/{qid}/forest.svg").text == english
    # the same URL answers in the header's language: caches must keep the languages apart
    by_header = client.get(f"/plots/questions/{qid}/forest.svg", headers={"Accept-Language": "ru"})
    assert by_header.text == russian and "Accept-Language" in by_header.headers["vary"]
    page = client.get(f"/questions/{qid}", params={"lang": "ru"}).text
    assert f'src="/plots/questions/{qid}/forest.svg?lang=ru"' in page
    legend = client.get("/map.svg", params={"lang": "ru"}).text
    assert ru("Verdict") in legend and ru("proven benefit")[:10] in legend
    assert "тоцилизумаб" in legend and "tocilizumab" in client.get("/map.svg").text  # axis labels


def test_workbench_in_russian_with_russian_chart_titles(client: TestClient) -> None:
    import html

    csv_text = "study,ai,bi,ci,di\nA,4,119,11,128\nB,6,300,29,274\nC,3,228,11,209\n"
    page = client.post("/workbench?lang=ru", data={"csv_text": csv_text, "measure": "RR"}).text
    assert '<html lang="ru">' in page and ru("Result") in page and ru("Forest plot") in page
    images = [html.unescape(s) for s in re.findall(r'<img src="(/workbench/plot/[^"]+)"', page)]
    assert images and all("lang=ru" in src for src in images)  # drawn when the page asks for them
    svgs = [client.get(src).text for src in images]
    assert any(f">{ru('Study')}<" in s for s in svgs)
    english = client.post("/workbench", data={"csv_text": csv_text, "measure": "RR"}).text
    assert ru("Result") not in english

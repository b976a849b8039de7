"""GRADE's plain-language statements in Russian (locale/ru/statements.yaml, reviewed data): every cell of
rules.yaml has its Russian cell with the same placeholders, a stored English statement is shown in Russian
exactly when it is one cell filled in, and anything else is left in English."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from immunograde.web import i18n
from immunograde.web.i18n_glossary import outcome
from immunograde.web.i18n_statements import english_cells, translate, translated_cells

VALUES = {"intervention": "tocilizumab", "outcome": "all-cause mortality (28 days)", "n": "2",
          "subject": "Kagocel (oral) for influenza", "trials": "Smith 2010 (reported as text)",
          "ids": "NCT01234567", "sources": "PubMed, ClinicalTrials.gov", "searched_on": "2026-11-30",
          "routes": "subcutaneous"}  # fmt: skip


@pytest.fixture
def russian() -> object:
    i18n.use("ru")
    yield None
    i18n.use("en")


def _russian(path: tuple[str, ...]) -> str:
    node: object = translated_cells("ru")
    for key in path:
        assert isinstance(node, dict) and key in node, path
        node = node[key]
    assert isinstance(node, str)
    return node


def test_the_russian_file_is_reviewed_data_with_every_cell() -> None:
    data = translated_cells("ru")
    for field in (
        "source",
        "russian_wording",
        "translated_by",
        "checked_by",
        "date_reviewed",
        "next_review",
    ):
        assert field in data, field
    for path, english, _ in english_cells():
        assert set(re.findall(r"\{(\w+)\}", _russian(path))) == set(
            re.findall(r"\{(\w+)\}", english)
        ), path


def _in_russian(values: dict[str, str]) -> dict[str, str]:
    """The values as the Russian sentence holds them: the intervention (a substance of
    locale/ru/substances.yaml: «тоцилизумаб»), the outcome, the subject ("Kagocel (oral) for
    influenza") and the routes in Russian; trial labels, sources and registry ids as written, marked
    with their language."""
    from immunograde.web.i18n_glossary import routes
    from immunograde.web.i18n_statements import AS_WRITTEN, as_written, subject

    out = {**values, "outcome": outcome(values["outcome"]), "subject": subject(values["subject"]),
           "routes": routes(values["routes"]), "intervention": "тоцилизумаб"}  # fmt: skip
    return {k: (as_written(v) if k in AS_WRITTEN else v) for k, v in out.items()}


def test_the_subject_and_routes_are_translated_too(russian: object) -> None:
    from immunograde.web.i18n_statements import subject

    # the substance by its Russian name too (locale/ru/substances.yaml: kagocel, acridone)
    assert subject("Kagocel (oral) for influenza (treatment)") == (
        "Кагоцел (внутрь) по показанию «грипп (лечение)»"
    )
    assert subject("Kagocel (oral, tablets)") == "Кагоцел (внутрь, таблетки)"
    assert subject("acridone for any indication") == "акридон по любому показанию"
    assert (
        subject("влияние на что-то") == '<span lang="ru">влияние на что-то</span>'
    )  # another form


def test_every_cell_round_trips(russian: object) -> None:
    from markupsafe import Markup, escape

    for path, english, sentence in english_cells():
        text = english.format(**VALUES)
        expected = Markup(escape(_russian(path))).format(**_in_russian(VALUES))
        if sentence:  # as grading.statements.statement() writes it
            text, expected = (
                text[0].upper() + text[1:] + ".",
                expected[0].upper() + expected[1:] + ".",
            )
        assert translate(text) == expected, path


def test_the_most_specific_cell_wins_and_other_text_stays(russian: object) -> None:
    from markupsafe import escape

    assert "немного" in translate("Tocilizumab may reduce mortality slightly.")
    assert "немного" not in translate("Tocilizumab may reduce mortality.")
    # the page's substance is named in Russian, at the start of the sentence with a capital
    assert translate("Tocilizumab may reduce mortality.", "tocilizumab", "tocilizumab").startswith(
        "Тоцилизумаб может снижать"
    )
    # another substance than the page's is named in Russian too; a name of no known substance stays
    assert translate("Tocilizumab may reduce mortality.", "baricitinib", "baricitinib").startswith(
        "Тоцилизумаб может снижать"
    )
    assert translate("Zyxolimab may reduce mortality.").startswith("Zyxolimab может снижать")
    explanation = ("The verdict for X rests on Y. The evidence shows a benefit, with low certainty: "
                   "X may reduce Y.  Under ImmunoGrade's rules that makes the verdict \"possible benefit\".")  # fmt: skip
    assert translate(explanation) == f'<span lang="en">{escape(explanation)}</span>'  # as written
    i18n.use("en")
    assert translate("Tocilizumab may reduce mortality.") == "Tocilizumab may reduce mortality."


def test_substance_page_statements_in_russian(client: TestClient) -> None:
    data = client.get("/substances/tocilizumab.json").json()
    page = client.get("/substances/tocilizumab?lang=ru").text
    english = client.get("/substances/tocilizumab").text
    statements = [
        q["statement"] for c in data["evidence"] for q in c["questions"] if q["statement"]
    ]
    assert statements
    i18n.use("ru")
    try:
        shown = [translate(s, "tocilizumab", "tocilizumab") for s in statements]
    finally:
        i18n.use("en")
    translated = [s for s, t in zip(statements, shown, strict=True) if s != t]
    assert len(translated) == len(statements), [
        s for s, t in zip(statements, shown, strict=True) if s == t
    ]
    from markupsafe import escape

    for s, t in zip(statements, shown, strict=True):  # the statement under each outcome's heading
        assert f'<p class="statement">{escape(t)}</p>' in page
        assert f'<p class="statement">{escape(s)}</p>' in english


def test_verdict_explanations_in_russian(client: TestClient, russian: object) -> None:
    """The explanation paragraph is rebuilt in Russian when it has grading/verdict.py's form (the
    'evidence shows' variant); other forms stay English; nothing is lost: numbers and label survive."""
    from immunograde.web.i18n_statements import PARAGRAPH, explanation

    i18n.use("en")
    cards = client.get("/substances/tocilizumab.json").json()["evidence"]
    i18n.use("ru")
    shown = [(c, explanation(c["explanation"], "tocilizumab", "tocilizumab")) for c in cards]
    rebuilt = [(c, t) for c, t in shown if PARAGRAPH.match(c["explanation"])]
    assert rebuilt, "no explanation of the usual form"
    for card, text in rebuilt:
        found = PARAGRAPH.match(card["explanation"])
        assert found and text != card["explanation"] and text.startswith("Тоцилизумаб")
        participants = i18n.number(int(found["participants"]), ",d", lang="ru")  # «7 271»
        assert f"участников: {participants}" in text
        assert f"«{i18n.tr(card['verdict_label'])}»" in text
    other = "The verdict for x rests on y. Something else entirely."
    assert explanation(other) == f'<span lang="en">{other}</span>'  # as written, marked English


def test_no_important_benefit_explanation_in_russian(russian: object) -> None:
    from markupsafe import escape

    from immunograde.web.i18n_statements import explanation

    english = (
        "The verdict for hydroxychloroquine (oral) for COVID-19 (treatment) rests on all-cause mortality "
        "(6877 participants), the best-supported of its 1 critical outcome(s).  The claim rated is no "
        "important benefit (the 95% CI excludes a ratio of 0.75; no sourced MID: appreciable ratio "
        "0.75 / 1.25), with high certainty. Hydroxychloroquine probably results in little to no "
        "difference in all-cause mortality.  Under ImmunoGrade's rules that makes the verdict "
        '"no important benefit".'
    )
    text = explanation(english, "hydroxychloroquine", "hydroxychloroquine")
    assert text.startswith("Гидроксихлорохин (внутрь), показание «COVID-19 (лечение)»")
    assert "(участников: 6\u00a0877)" in text  # digits grouped the Russian way (web/i18n.number)
    assert (
        "95% ДИ исключает отношение 0,75; MID в источниках нет: значимое отношение 0,75 / 1,25"
        in text
    )
    assert "достоверность: высокая" in text and f"«{i18n.tr('no important benefit')}»" in text
    other = english.replace("appreciable ratio", "some other basis")
    assert explanation(other) == f'<span lang="en">{escape(other)}</span>'  # as written, marked

"""Loose ends of the Russian review (issue 18, /work/coord/ru_checklist.md), each held here: a chart that
cannot be drawn says why in the reader's language (the library's message kept through the chart code);
the wording a claim may use says what is true of each case where nothing can be pooled."""

from __future__ import annotations

import html
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from fastapi.testclient import TestClient

from immunograde.kb.queries import KnowledgeBase
from immunograde.web import charts


def _chart_failures(web_db: Path) -> tuple[str, str]:
    """A question whose cumulative chart cannot be drawn (one effect) and one with no forest plot."""
    kb = KnowledgeBase(web_db)
    one = empty = ""
    for q in kb.all_questions():
        if not one:
            try:
                charts.question_cumulative(kb, q.id)
            except ValueError:
                one = q.id
        if not empty:
            try:
                charts.question_forest(kb, q.id)
            except ValueError:
                empty = q.id
        if one and empty:
            return one, empty
    raise AssertionError("the knowledge base has no question without a chart")


def test_chart_errors_in_russian(client: TestClient, web_db: Path) -> None:
    one, empty = _chart_failures(web_db)
    cases = [
        (f"/plots/questions/{one}/cumulative.svg",
         f"questions/{one}.yaml: data: a cumulative meta-analysis needs at least two analysable "
         f"effects; {one} has 1",
         f"questions/{one}.yaml: data: для кумулятивного метаанализа нужны хотя бы два пригодных для "
         f"анализа эффекта; у {one} их 1"),
        (f"/plots/questions/{empty}/forest.svg",
         f"question {empty} has no analysable outcome data",
         f"у вопроса {empty} нет данных об исходе, пригодных для анализа"),
    ]  # fmt: skip
    for path, english, russian in cases:
        for lang in ("en", "ru"):  # JSON: the library's English, in every language, unchanged
            as_json = client.get(path, params={"format": "json", "lang": lang})
            assert as_json.status_code == 404
            assert as_json.json()["error"]["message"] == english
        page = client.get(path, params={"lang": "ru"})
        assert page.status_code == 404
        assert f'<p class="message">{html.escape(russian, quote=True)}</p>' in page.text, path
        assert english not in html.unescape(page.text)
        page_en = client.get(path)
        assert f'<p class="message">{html.escape(english, quote=True)}</p>' in page_en.text


UNKNOWN_WHY = {  # what is true of a form with nothing to pool, by its verdict (hand-written: rules.yaml's cases)
    "trials_not_poolable": ("no trial reported a result that can be pooled",
                            "ни одно испытание не сообщило результата, который можно объединить"),
    "trials_registered_no_results": ("the trials registered have not reported results",
                                     "зарегистрированные испытания не опубликовали результатов"),
    "no_trials_found": ("no controlled trial was found in the sources searched",
                        "в просмотренных источниках не найдено ни одного контролируемого испытания"),
    "route_not_stated": ("the product's route is not stated, and the trials of this substance are "
                         "attached to the route they tested",
                         "путь введения препарата не указан, а испытания этого вещества отнесены к тому "
                         "пути введения, который в них изучали"),
    "no_controlled_evidence": ("no controlled trial is in the knowledge base",
                               "в базе знаний нет ни одного контролируемого испытания"),
}  # fmt: skip


def test_permitted_wording_says_what_is_true_of_each_unknown_verdict() -> None:
    """The claims' "What the evidence permits" said "no trial reported a result that can be pooled" for
    every unknown verdict but one, also when no trial had been found at all; now each case says its own
    (the command's JSON, the page in English and in Russian)."""
    from immunograde.evidence.claim_assess import _unknown_wording
    from immunograde.grading.verdict import UNKNOWN_VERDICTS
    from immunograde.web import i18n
    from immunograde.web.templating import templates

    macros = templates.env.get_template("_claims.html").module
    assert set(UNKNOWN_WHY) == set(UNKNOWN_VERDICTS)
    for verdict, (english, russian) in UNKNOWN_WHY.items():
        v = SimpleNamespace(verdict=verdict, form="oral", indication="influenza")
        json_text = _unknown_wording("Anaferon", v)  # type: ignore[arg-type]
        assert (
            json_text == f"It is not known whether Anaferon (oral) helps in influenza: {english}."
        )
        d = {"kind": "verdict", "subject": "Anaferon", "substance_id": "anaferon", "form": "oral",
             "indication": "influenza", "verdict": verdict, "certainty": None, "outcome": None, "why": "",
             "direction": "benefit", "wording": "unknown"}  # fmt: skip
        shown = {"category": "not_supported", "detail": d, "permitted_wording": json_text}
        for lang, expected in (("en", english), ("ru", russian)):
            i18n.use(lang)
            try:
                text = " ".join(html.unescape(str(macros.detail(shown))).split())
            finally:
                i18n.use("en")
            assert expected + "." in text, (verdict, lang, text)
            others = [w[0 if lang == "en" else 1] for k, w in UNKNOWN_WHY.items() if k != verdict]
            assert not [o for o in others if o in text], (verdict, lang)


def _legend_expr(spec: dict[str, Any]) -> str:
    """The verdict legend's ``labelExpr`` of a map specification."""
    return str(spec["encoding"]["color"]["legend"]["labelExpr"])


def test_map_legend_labels_wrap_whole_in_russian(client: TestClient) -> None:
    """The longest Russian verdict label («неизвестно: путь введения не указан (испытания отнесены к
    другой форме)», 71 characters) was cut at the legend's 400 px; a long label is now lines of at most
    40 characters that say the whole label; the English legend is unchanged."""
    import json

    from immunograde.web.i18n_charts import LEGEND_LINE, MAP_LEGEND

    english = client.get("/map.vl.json").json()
    assert _legend_expr(english) == MAP_LEGEND
    expr = _legend_expr(client.get("/map.vl.json", params={"lang": "ru"}).json())
    labels = json.loads(expr[: expr.index("[datum.label]")])
    route = labels["route_not_stated"]
    assert route == ["неизвестно: путь введения не указан", "(испытания отнесены к другой форме)"]
    for label in labels.values():
        lines = label if isinstance(label, list) else [label]
        assert all(len(line) <= LEGEND_LINE for line in lines), label
    assert labels["proven_benefit"] == "доказанная польза"  # a short one stays one line

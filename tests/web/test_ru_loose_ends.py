"""Loose ends of the Russian review (issue 18, /work/coord/ru_checklist.md), each held here: a chart that
cannot be drawn says why in the reader's language (the library's message kept through the chart code)."""

from __future__ import annotations

import html
from pathlib import Path

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

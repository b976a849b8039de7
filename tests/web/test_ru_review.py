"""What a Russian-reading review of every page type found (issue 18, /work/coord/ru_checklist.md), each
fixed and held here: a class found by search is named in Russian; the market page's "no data" notice is
Russian; the evidence history of a substance page and of its dossier names each question by its title
(the data's English, marked) instead of its id; the dossier shows Natural Medicines' rating in Russian
with the original beside it, as the substance page does; the source locator of a reported-not-pooled
result is marked as the data's own words."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))  # importlib import mode
from test_russian_vocabulary import russian_text


def _ru(client: TestClient, path: str) -> str:
    response = client.get(path + ("&" if "?" in path else "?") + "lang=ru")
    assert response.status_code == 200, path
    return response.text


def test_search_names_classes_in_russian(client: TestClient) -> None:
    text = russian_text(_ru(client, "/search?q=интерферон"))
    assert "Интерфероны группа" in text  # locale/ru/classes.yaml
    assert "Interferons" not in text


def test_market_notice_in_russian(client: TestClient) -> None:
    html = _ru(client, "/market")
    if 'class="notice"' in html:  # a knowledge base without market data
        notice = re.search(r'<div class="notice">(.*?)</div>', html, re.S)
        assert notice and "данные о рынке не загружены" in notice.group(1)
        assert "no market data" not in html


def test_history_names_questions_by_title(client: TestClient) -> None:
    for path in ("/substances/kagocel", "/substances/kagocel/report.html"):
        html = _ru(client, path)
        history = html[html.index('id="history"') :]
        assert (
            "Kagocel tablets for preventing acute respiratory viral infections in children"
            in history
        )
        assert "<td>kagocel-oral-arvi-children-prevention</td>" not in history
        assert "kagocel-oral-arvi-children-prevention" not in russian_text(history)


def test_dossier_natural_medicines_in_russian(client: TestClient) -> None:
    text = russian_text(_ru(client, "/substances/kagocel/report.html"))
    assert "Шкала Natural Medicines: недостаточно надёжных данных" in text
    assert "Insufficient Reliable Evidence" not in text


def test_reported_result_locator_is_marked(client: TestClient) -> None:
    html = _ru(client, "/questions/interferon-alfa-2b-rectal-arvi-children-time-to-recovery")
    assert "publication abstract (English)" in html
    assert "publication abstract" not in russian_text(html)


def test_map_class_filter_has_no_two_same_labels(client: TestClient) -> None:
    # WHO ATC names L01EJ and L04AF alike ("Janus-associated kinase (JAK) inhibitors"): the code tells
    # them apart, in both languages
    for lang in ("ru", "en"):
        html = client.get(f"/map?lang={lang}").text
        select = html[html.index('name="class_id"') :]
        labels = re.findall(
            r"<option value=\"[^\"]+\"[^>]*>([^<]+)</option>", select[: select.index("</select>")]
        )
        assert len(labels) == len(set(labels)) and any(
            label.endswith(" · L04AF") for label in labels
        )


def test_class_page_in_russian_words_and_numbers(client: TestClient) -> None:
    html = _ru(client, "/classes/l04ac")
    assert "<th>АТХ</th>" in html and "ATC" not in russian_text(html)
    # participant counts of four and more digits (canakinumab: 10304) grouped the Russian way: «10 304»
    assert re.search(r'<td class="num">\d{1,3}(?:\u00a0\d{3})+</td>', html)
    assert not re.search(r'<td class="num">\d{4,}</td>', html)


def test_search_tells_a_brands_products_apart(client: TestClient) -> None:
    # three products named Виферон (data/products: gel, ointment, suppositories) were three alike lines
    html = _ru(client, "/search?q=свечи+виферон")
    forms = re.findall(
        r'Виферон</span></a> <span class="small">\(<span[^>]*>([^<]*)</span>\)', html
    )
    assert sorted(forms) == ["гель", "мазь", "суппозитории"]


def test_the_route_other_is_said_as_a_route() -> None:
    from immunograde.web import i18n, i18n_glossary

    i18n.use("ru")
    try:
        assert i18n_glossary.routes("other") == "другой путь введения"  # was «другое»
        assert i18n_glossary.routes("oral, other") == "внутрь, другой путь введения"
    finally:
        i18n.use(i18n.DEFAULT)
    assert i18n_glossary.routes("other") == "other"

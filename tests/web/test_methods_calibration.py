"""The Methods page reports the recorded calibration (benchmarks/results/calibration.json): n, sources,
exact agreement, weighted kappa, the confusion matrix and the tally by domain, from the file itself."""

from __future__ import annotations

import html
import json
import re

from fastapi.testclient import TestClient

from immunograde import settings


def test_methods_page_shows_the_recorded_calibration(client: TestClient) -> None:
    rec = json.loads(
        settings.project_home().joinpath("benchmarks", "results", "calibration.json").read_text()
    )
    twin = client.get("/methods.json").json()["calibration"]
    assert twin["n"] == rec["n"] and twin["weighted_kappa"] == rec["weighted_kappa"]
    assert twin["confusion"] == rec["confusion"]
    assert twin["disagreements"] == len(rec["disagreements"])
    assert twin["domain_tally"] == rec.get("domain_tally")
    page = html.unescape(client.get("/methods").text)
    kappa = f"{rec['weighted_kappa']:.2f}"
    assert f"compared with {rec['n']} published GRADE ratings" in page and kappa in page
    ru = html.unescape(client.get("/methods?lang=ru").text)
    assert "Согласие с опубликованными оценками достоверности" in ru


def test_methods_page_breaks_the_figures_down_by_the_evidence_rated(client: TestClient) -> None:
    rec = json.loads(
        settings.project_home().joinpath("benchmarks", "results", "calibration.json").read_text()
    )
    twin = client.get("/methods.json").json()["calibration"]
    assert twin["by_evidence"] == rec["by_evidence"]
    assert sum(g["n"] for g in rec["by_evidence"].values()) == rec["n"]
    labels = {"same": "the trials of the question",
              "previous_version": "a previous version of the same review",
              "different": "another body of evidence (other trials, time point or analysis)"}  # fmt: skip
    page = html.unescape(client.get("/methods").text)
    table = page.split("Which evidence the source rated", 1)[1].split("</table>", 1)[0]
    for k, g in rec["by_evidence"].items():
        row = table.split(labels[k], 1)[1].split("</tr>", 1)[0]
        kappa = "—" if g["weighted_kappa"] is None else f"{g['weighted_kappa']:.2f}"
        cells = [str(g["n"]), str(g["disagreements"]), f"{100 * g['exact_agreement']:.0f}%", kappa]
        assert re.findall(r'<td class="num">([^<]*)</td>', row) == cells
    ru = html.unescape(client.get("/methods?lang=ru").text)
    assert "Какие данные оценивал источник" in ru and "предыдущая версия того же обзора" in ru


def test_methods_page_shows_each_rules_core_grade_passage(client: TestClient) -> None:
    """Every rule's Core GRADE standing and quoted passages are on the page (en and ru) and in its twin."""
    twin = client.get("/methods.json").json()
    sections = twin["grading"] + twin["data_sections"]
    assert {s["key"] for s in twin["data_sections"]} == {
        "certainty_levels",
        "statements",
        "natural_medicines",
        "profile",
    }
    for lang, said in (
        ("en", {"quoted": "Core GRADE: the rule is the quoted Core GRADE passage.",
                "partial": "Core GRADE governs part of this rule; the rest, and why:",
                "silent": "Core GRADE has no passage on this rule; why, and the nearest guidance:"}),
        ("ru", {"quoted": "Core GRADE: правило — это приведённая цитата из Core GRADE.",
                "partial": "Core GRADE определяет часть этого правила; остальное и почему:",
                "silent": "В Core GRADE нет положения об этом правиле; почему, и ближайшее руководство:"}),
    ):  # fmt: skip
        page = html.unescape(client.get(f"/methods?lang={lang}").text)
        for s in sections:
            section = page.split(f'id="{s["key"]}"', 1)[1].split("</section>", 1)[0]
            assert said[s["core_grade"]["status"]] in section, (lang, s["key"])
            if s["core_grade"]["reason"]:
                assert s["core_grade"]["reason"] in section, (lang, s["key"])
            for c in s["citations"]:
                assert f"“{c['quote']}”" in section and c["source"] in section, (lang, s["key"])
                if c["url"]:
                    assert f'href="{c["url"]}"' in section

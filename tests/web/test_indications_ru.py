"""Indications in Russian from reviewed data (locale/ru/indications.yaml): well-formed, used by the pages,
and the indications of the knowledge base not yet translated are listed (a warning, not a failure: new
questions may add indications before a translator sees them)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from immunograde.kb.queries import KnowledgeBase
from immunograde.web import i18n
from immunograde.web.i18n_glossary import indication, indications

FILE = i18n.LOCALE_DIR / "ru" / "indications.yaml"


def test_glossary_is_reviewed_data() -> None:
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    for field in ("source", "translated_by", "checked_by", "date_reviewed", "next_review"):
        assert field in data, field
    entries = indications("ru")
    assert entries and all(isinstance(v, str) and v.strip() for v in entries.values())


def test_knowledge_base_indications_are_translated(web_db: Path) -> None:
    kb = KnowledgeBase(web_db)
    try:
        rows = kb.con.execute(
            "SELECT DISTINCT json_extract_string(record_json, '$.indication') FROM questions"
        ).fetchall()
    finally:
        kb.close()
    found = {r[0] for r in rows if r[0]}
    assert found, "no indications read from the questions"
    missing = sorted(found - set(indications("ru")))
    if missing:
        warnings.warn(f"{len(missing)} of {len(found)} indications have no Russian in {FILE.name}: "
                      f"{missing}", stacklevel=1)  # fmt: skip
    assert len(missing) < len(found)


def test_pages_show_translated_indications(client: TestClient) -> None:
    cells = client.get("/map.json").json()["cells"]
    known = [c["indication"] for c in cells if c["indication"] in indications("ru")]
    assert known
    page = client.get("/map", params={"lang": "ru"}).text
    assert indications("ru")[known[0]] in page
    i18n.use("ru")
    try:
        assert indication("something new") == "something new"
    finally:
        i18n.use("en")
    assert indication(known[0]) == known[0]  # English: as written


def test_class_names_in_russian(client: TestClient) -> None:
    from immunograde.web.i18n_glossary import class_names

    data = yaml.safe_load((i18n.LOCALE_DIR / "ru" / "classes.yaml").read_text(encoding="utf-8"))
    for field in ("source", "translated_by", "checked_by", "date_reviewed", "next_review"):
        assert field in data, field
    classes = client.get("/classes.json").json()["classes"]
    missing = [c["id"] for c in classes if c["id"] not in class_names("ru")]
    if missing:
        warnings.warn(f"{len(missing)} classes have no Russian name: {missing}", stacklevel=1)
    page = client.get("/classes/l04ac", params={"lang": "ru"}).text
    assert f"<h1>{class_names('ru')['l04ac']}</h1>" in page
    english = client.get("/classes/j07").text
    assert "<h1>Vaccines</h1>" in english  # English ATC capitals shown capitalised, as before


def test_substance_names_in_russian(client: TestClient) -> None:
    from immunograde.web.i18n_glossary import _glossary

    names = _glossary("ru", "substances")
    data = yaml.safe_load((i18n.LOCALE_DIR / "ru" / "substances.yaml").read_text(encoding="utf-8"))
    for field in ("source", "translated_by", "checked_by", "date_reviewed", "next_review"):
        assert field in data, field
    cells = client.get("/map.json").json()["cells"]
    kb_names = {c["substance_id"]: c["substance"] for c in cells}
    missing = [i for i, n in kb_names.items() if i not in names and not re.search("[А-Яа-я]", n)]
    if missing:
        warnings.warn(f"{len(missing)} substances have no Russian name: {missing}", stacklevel=1)
    page = client.get("/substances/tocilizumab", params={"lang": "ru"}).text
    assert (
        f'<h1>{names["tocilizumab"]} <span class="small" lang="en">tocilizumab</span></h1>' in page
    )
    assert "<h1>tocilizumab</h1>" in client.get("/substances/tocilizumab").text
    hits = client.get("/search", params={"q": "Кагоц", "lang": "ru"}).text  # a prefix: the list
    assert f">{names['kagocel']}</a>" in hits


def test_outcomes_and_follow_up_times_in_russian(web_db: Path, client: TestClient) -> None:
    from immunograde.web.i18n_glossary import _glossary, outcome, time_point

    data = yaml.safe_load((i18n.LOCALE_DIR / "ru" / "outcomes.yaml").read_text(encoding="utf-8"))
    for field in ("source", "translated_by", "checked_by", "date_reviewed", "next_review"):
        assert field in data, field
    kb = KnowledgeBase(web_db)
    try:
        rows = kb.con.execute(
            "SELECT DISTINCT json_extract_string(record_json, '$.outcome.name') FROM questions"
        ).fetchall()
    finally:
        kb.close()
    found = {r[0] for r in rows if r[0]}
    missing = sorted(found - set(_glossary("ru", "outcomes")))
    if missing:
        warnings.warn(
            f"{len(missing)} of {len(found)} outcomes have no Russian: {missing}", stacklevel=1
        )
    i18n.use("ru")
    try:
        assert outcome("all-cause mortality (28 days)") == "смертность от всех причин (28 дн.)"
        assert (
            time_point("> 26 weeks") == "> 26 нед." and time_point("6 to 12 weeks") == "6–12 нед."
        )
        assert (
            time_point("mean 3.1 years") == "в среднем 3,1 г." and time_point("day 7") == "7-й день"
        )
        assert (
            outcome("an outcome nobody translated (28 days)")
            == "an outcome nobody translated (28 days)"
        )
    finally:
        i18n.use("en")
    assert outcome("all-cause mortality (28 days)") == "all-cause mortality (28 days)"
    page = client.get("/substances/baricitinib", params={"lang": "ru"}).text
    assert "восстановление роста волос ≥ 75%" in page and "(наблюдение: " in page


def test_profile_details_in_russian() -> None:
    from immunograde.web.i18n_glossary import profile_detail

    english = ("Smith 2010, Jones 2012 and 3 more; 2 trial(s) with a significant benefit, 1 independently "
               "funded, funding not recorded for 1")  # fmt: skip
    i18n.use("ru")
    try:
        text = profile_detail(english)
        assert text.startswith("Smith 2010, Jones 2012 и ещё 3; ")
        assert "испытаний со значимой пользой: 2" in text and "финансирование не указано: 1" in text
        assert profile_detail("OIS 8058") == "оптимальный размер информации: 8058"
    finally:
        i18n.use("en")
    assert profile_detail(english) == english


def test_trial_design_in_russian(client: TestClient) -> None:
    from immunograde.web.i18n_glossary import design

    i18n.use("ru")
    try:
        assert design("randomised, double blind, control: placebo") == (
            "рандомизированное, двойное слепое, контроль: плацебо"
        )
        assert design("randomised, blinding unknown, control: something new") == (
            "рандомизированное, ослепление неизвестно, control: something new"
        )
    finally:
        i18n.use("en")
    assert (
        design("randomised, double blind, control: placebo")
        == "randomised, double blind, control: placebo"
    )


def test_tsa_summary_in_russian() -> None:
    from immunograde.web.i18n_glossary import tsa_summary

    english = ("Conclusion (relative risk reduction 25%): not yet. Information fraction 0.02 of a required information size of 14,631 "
               "participants (diversity D² = 0.45). 14,286 more participants are needed to reach the "
               "required information size (14,631). The 2 registered trials without results would bring "
               "the information fraction from 0.02 to 0.10.")  # fmt: skip
    i18n.use("ru")
    try:
        text = tsa_summary(english)
        assert text.startswith("Заключение (относительное снижение риска на 25%): пока нет.")
        assert "14\u00a0631" in text
        desirable = english.replace(
            "relative risk reduction 25%", "25% relative reduction in not achieving the outcome"
        )
        md = english.replace("relative risk reduction 25%", "mean difference 0.5")
        assert tsa_summary(md).startswith("Заключение (разность средних 0,5): пока нет.")
        assert tsa_summary(desirable).startswith(
            "Заключение (относительное снижение на 25% доли тех, у кого исход не достигнут): пока нет."
        )
        assert (
            "нужно ещё участников: 14\u00a0286" in text
            and "(2) увеличили бы долю информации" in text
        )
        assert tsa_summary("Something else.") == "Something else."
    finally:
        i18n.use("en")
    assert tsa_summary(english) == english

"""Claim assessments name substances in Russian on Russian pages and in ``claim --lang ru`` (issue 18):
the statements of what the evidence permits and the stored verdicts' sentences use the Russian name of
locale/ru/substances.yaml (Кагоцел, тоцилизумаб - capitalised when it opens a sentence, Акогриппин), a
claim about several substances lists their names (not their ids), and the claims' own words (claimant,
subject as written, statement) are marked with their language."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from immunograde.web import i18n, i18n_statements


def _check(client: TestClient, text: str) -> str:
    response = client.get("/claims/check", params={"text": text, "lang": "ru"})
    assert response.status_code == 200
    return response.text


def test_no_trials_statement_names_the_product_in_russian(client: TestClient) -> None:
    page = _check(client, "Кагоцел эффективен против гриппа")
    assert "контролируемого испытания препарата Кагоцел по показанию «грипп»" in page
    assert "Kagocel" not in page


def test_verdict_sentence_opens_with_a_capital(client: TestClient) -> None:
    page = _check(client, "Тоцилизумаб снижает смертность при COVID-19")
    assert "<p>Тоцилизумаб при показании «COVID-19" in page
    assert "Tocilizumab" not in page


def test_claims_page_names(client: TestClient) -> None:
    page = client.get("/claims", params={"lang": "ru"}).text
    # a claim on four substances: each by its name (Imudon and Ismigen have Cyrillic catalogue names)
    assert re.search(r'href="/substances/ismigen\?lang=ru#claims">Исмиген</a>', page)
    assert re.search(r'href="/substances/imudon\?lang=ru#claims">Имудон</a>', page)
    # a product named "X for indication (ARVI)" in a no-evidence statement: the bracket is the
    # indication's, the product is Акогриппин
    assert "препарата Acogryppin" not in page and "препарата Акогриппин" in page
    # the claimants and statements are the data's own words, marked with their language
    assert re.search(r'<strong lang="(en|ru)">', page)
    assert re.search(r'“<span lang="en">', page)


def test_split_subject_keeps_an_indication_bracket() -> None:
    assert i18n_statements.split_subject("Acogryppin for influenza (ARVI)") == (
        "Acogryppin",
        None,
        "influenza (ARVI)",
    )
    assert i18n_statements.split_subject("Viferon (rectal) for ARVI (treatment)") == (
        "Viferon",
        "rectal",
        "ARVI (treatment)",
    )


def test_another_substance_in_a_statement_is_named_in_russian() -> None:
    i18n.use("ru")
    try:
        text = i18n_statements.translate(
            "Hydrocortisone reduces 28-day all-cause mortality (28 days) slightly."
        )
    finally:
        i18n.use(i18n.DEFAULT)
    assert isinstance(text, str) and text.startswith("Гидрокортизон ")


@pytest.mark.usefixtures("client")
def test_claim_command_in_russian(
    cli_main: Callable[..., tuple[int, str, str]], web_db: Path
) -> None:
    code, out, _err = cli_main(
        "claim", "--lang", "ru", "--db", str(web_db), "Кагоцел эффективен против гриппа"
    )
    assert code == 0
    assert "препарата Кагоцел по показанию «грипп»" in out and "Kagocel" not in out

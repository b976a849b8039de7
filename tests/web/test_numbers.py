"""One helper writes every number shown as text (issue 18): ``immunograde.web.i18n.number`` (and
``estimate`` for an estimate with its interval) in the reader's language -- Russian «0,85» and «1 036»
with the decimal sign and the no-break space of Babel's CLDR data for ``ru`` -- used by the pages'
``num`` filter, the SoF tables, the footnotes and TSA sentences, the charts' axes and every command's
text.  JSON, CSV and URLs keep Python's ``0.85``."""

from __future__ import annotations

import re

import pytest
from babel.numbers import format_decimal
from fastapi.testclient import TestClient

from immunograde.web import i18n


@pytest.mark.parametrize(
    ("value", "spec", "en", "ru"),
    [(0.853, ".2f", "0.85", "0,85"), (1036, ",d", "1,036", "1\xa0036"), (12345.678, ",.2f", "12,345.68",
      "12\xa0345,68"), (-0.5, ".3g", "-0.5", "-0,5"), (0.25, ".0%", "25%", "25%"), (None, ".2f", "—", "—"),
     ("0.72", ".2f", "0.72", "0,72"), ("n/a", ".2f", "n/a", "n/a")],
)  # fmt: skip
def test_number_in_each_language(value: object, spec: str, en: str, ru: str) -> None:
    assert i18n.number(value, spec, lang="en") == en
    assert i18n.number(value, spec, lang="ru") == ru


def test_russian_symbols_are_babels() -> None:
    """The same characters as Babel's own Russian formatting (CLDR), not a second copy of them."""
    assert i18n.number(12345.678, ",.2f", lang="ru") == format_decimal(
        12345.678, format="#,##0.00", locale="ru"
    )


def test_estimate_with_its_interval() -> None:
    assert i18n.estimate(0.85, 0.72, 0.99, lang="en") == "0.85 (0.72 to 0.99)"
    assert i18n.estimate(0.85, 0.72, 0.99, lang="ru") == "0,85 (0,72–0,99)"
    # a dash between negative bounds would read as a minus: words instead
    assert i18n.estimate(-1.03, -1.9, -0.17, lang="ru") == "-1,03 (от -1,90 до -0,17)"
    assert i18n.estimate(0.85, None, None, lang="ru") == "0,85"


def test_numbers_inside_sentences_but_not_identifiers_by_position() -> None:
    assert i18n.localise_numbers("RR 0.85 (0.72 to 0.99)", lang="ru") == "RR 0,85 (0,72 to 0,99)"
    assert i18n.localise_numbers("RR 0.85", lang="en") == "RR 0.85"
    assert i18n.localise_numbers("end of study.", lang="ru") == "end of study."


def test_json_and_csv_keep_the_point(client: TestClient) -> None:
    qid = "tocilizumab-covid19-mortality-on-corticosteroids"
    page = client.get(f"/questions/{qid}", params={"lang": "ru"}).text
    assert re.search(r"[OR]R \d,\d\d \(\d,\d\d–\d,\d\d\)", page)  # the page: commas
    twin = client.get(f"/questions/{qid}.json", params={"lang": "ru"}).text
    assert re.search(r'"estimate_exp": ?\d+\.\d+', twin) and "\xa0" not in twin  # JSON: numbers
    csv = client.get("/api/v1/substances", params={"format": "csv", "lang": "ru"}).text
    assert "\xa0" not in csv and not re.search(r"\d,\d\d\b", csv.split("\n", 1)[0])
    english = client.get(f"/questions/{qid}", params={"lang": "en"}).text
    assert re.search(r"[OR]R \d\.\d\d \(\d\.\d\d to \d\.\d\d\)", english)

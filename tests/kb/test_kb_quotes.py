"""Reading numbers out of verbatim quotes (:mod:`immunograde.kb.quotes`).

The quotes are copied from the sources the knowledge base cites (the ARBITR abstract, PMID 31094461, and
its Russian full text on omnidoctor.ru); the expected values are read off them by hand.
"""

from __future__ import annotations

import pytest

from immunograde.kb.quotes import missing_from_quote, numbers_in

ARBITR = (
    "treated by Arbidol (umifenovir) at a dosage of 800 mg/day (2 capsules) for 5 days (n=181), and a group "
    "of patients receiving placebo 4 times a day for 5 days (n=178). … The number of cases of complete "
    "recovery after 96 hours was 98 patients (54.1%) and 77 (43.3%),"
)
ARBITR_RU = (
    "Пациентов рандомизировали в две группы: группа пациентов (группа терапии), получавших умифеновир 200 мг "
    "4 раза в сутки в течение 5 дней (n=181), и группа пациентов, получавших плацебо 4 раза в сутки в "
    "течение 5 дней (n=178)."
)


def test_numbers_of_the_arbitr_abstract() -> None:
    assert {98.0, 181.0, 77.0, 178.0, 54.1, 43.3, 96.0, 800.0} <= numbers_in(ARBITR)
    assert missing_from_quote({"ai": 98, "n1i": 181, "ci": 77, "n2i": 178}, ARBITR) == []


def test_a_mistyped_number_is_named() -> None:
    assert missing_from_quote({"ai": 89, "n1i": 181, "ci": 77, "n2i": 187}, ARBITR) == ["ai", "n2i"]


def test_several_excerpts_count_as_one_quote() -> None:
    numbers = {"n1i": 181, "dose": 200}
    assert missing_from_quote(numbers, [ARBITR, ARBITR_RU]) == []
    assert missing_from_quote(numbers, ARBITR) == ["dose"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,036 children", 1036.0),  # thousands separator (English)
        ("1 036 детей", 1036.0),  # thousands separator (Russian, space)
        ("1\u00a0036 детей", 1036.0),  # no-break space
        ("3,5 дня", 3.5),  # decimal comma
        ("20,3±4,1", 4.1),  # "±" between a decimal-comma mean and its spread
        ("p = .05", 0.05),  # leading decimal point
        ("difference \u22120.5 days", 0.5),  # Unicode minus: signs are ignored
        ("1 234,5 ME", 1234.5),  # grouped digits with a decimal comma
    ],
)
def test_written_forms(text: str, value: float) -> None:
    assert value in numbers_in(text)


def test_ambiguous_comma_reads_both_ways() -> None:
    assert {1036.0, 1.036} <= numbers_in("1,036")
    assert missing_from_quote({"x": 1.036}, "1,036") == []


def test_a_number_inside_another_does_not_match() -> None:
    assert missing_from_quote({"n": 18}, "n=181") == ["n"]
    assert missing_from_quote({"m": 4.1}, "4.15") == ["m"]

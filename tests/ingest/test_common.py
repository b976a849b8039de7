"""Value helpers shared by the JSON and AACT readers (hand-derived cases)."""

from __future__ import annotations

import pytest

from immunograde.errors import InputError
from immunograde.ingest.common import (
    clean_text,
    funding,
    partial_date,
    split_p_value,
    strip_type_prefix,
    to_float,
    to_int,
)


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2015-09", "2015-09"),
        ("2014-08-05", "2014-08-05"),
        ("September 2015", "2015-09"),  # pre-2017 ClinicalTrials.gov / AACT month_year spelling
        ("September 30, 2015", "2015-09-30"),
        ("  2015 ", "2015"),
        (None, None),
    ],
)
def test_partial_date(raw: str | None, iso: str | None) -> None:
    assert partial_date(raw) == iso


@pytest.mark.parametrize(
    ("raw", "split"),
    [
        ("<0.001", (0.001, "<")),  # as AACT splits it: modifier = non-digits, value = digits
        ("0.0386", (0.0386, None)),
        ("<= 0.05", (0.05, "<=")),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_split_p_value(raw: str | None, split: tuple[float | None, str | None]) -> None:
    assert split_p_value(raw) == split


def test_numbers_and_text() -> None:
    assert (to_float("7.0"), to_float("NA"), to_float(">12.5"), to_float(None)) == (
        7.0,
        None,
        12.5,
        None,
    )
    assert to_int("158", where="NCT00000000", field="f") == 158
    with pytest.raises(InputError, match="expected a whole number"):
        to_int("15.5", where="NCT00000000", field="f")
    assert clean_text("  two\n\n lines ") == "two lines"
    assert clean_text(" \n ") is None


@pytest.mark.parametrize(
    ("lead", "collaborators", "expected"),
    [
        ("INDUSTRY", [], "industry"),
        ("OTHER", ["INDUSTRY"], "mixed"),
        ("NIH", [], "public"),
        ("OTHER_GOV", ["OTHER"], "public"),
        ("OTHER", ["OTHER"], "unknown"),
        (None, [], "unknown"),
    ],
)
def test_funding_from_sponsor_classes(
    lead: str | None, collaborators: list[str], expected: str
) -> None:
    assert funding(lead, collaborators) == expected


def test_strip_type_prefix() -> None:
    assert strip_type_prefix("Drug: Dupilumab") == "Dupilumab"
    assert strip_type_prefix("Dietary Supplement: Vitamin D") == "Vitamin D"
    assert strip_type_prefix("IL-2: low dose") == "IL-2: low dose"  # not an intervention type

"""Published results carry the sentence they were read from: every number and the rating are in it.

A ``PublishedResult`` with a ``quote`` must contain each of its numbers (``estimate``, ``ci_low``,
``ci_high``, ``k``, ``n``) and its GRADE ``certainty`` in that quote, so a reader can go from a number to
the sentence in one step and a typo in either shows up here.
"""

from __future__ import annotations

import math
import re
from typing import Any

from immunograde.kb.loader import load_kb
from immunograde.kb.specs import load_specs
from immunograde.settings import data_dir

#: a number as journals print it: 0.89, 0·89 (Lancet), 1,234 or 1 234 (thousands), −0.5 (Unicode minus)
_NUMBER = re.compile(r"(?<![\w.])([-−–]?)(\d{1,3}(?:[,\u2009\u202f ]\d{3})+|\d+)(?:[.·](\d+))?")


def numbers_in(text: str) -> list[float]:
    """Every number written in ``text`` (thousands separators and decimal middle dots understood)."""
    out = []
    for sign, whole, frac in _NUMBER.findall(text):
        value = float(re.sub(r"[,\u2009\u202f ]", "", whole) + (f".{frac}" if frac else ""))
        if sign == "–":  # an en dash not after a digit may be a minus or a bullet: take both
            out.append(-value)
        out.append(-value if sign in ("-", "−") else value)
    return out


def missing_from_quote(p: Any) -> list[str]:
    """The fields of a published result whose value is not written in its quote."""
    found = numbers_in(p.quote)
    gone = [
        name
        for name in ("estimate", "ci_low", "ci_high", "k", "n")
        if (v := getattr(p, name)) is not None
        and not any(math.isclose(v, f, rel_tol=0, abs_tol=1e-9) for f in found)
    ]
    if p.certainty and not re.search(rf"\b{p.certainty}\b", p.quote, re.IGNORECASE):
        gone.append("certainty")
    return gone


def test_number_reading_on_hand_written_sentences() -> None:
    assert numbers_in("RR 0.89, 95% CI 0.84 to 0.95; 72 studies, 12,345 participants") == [
        0.89, 95, 0.84, 0.95, 72, 12345,
    ]  # fmt: skip
    assert numbers_in("MD −0·50 (−0·81 to −0·19)") == [-0.5, -0.81, -0.19]
    assert numbers_in("HR 0.61 (0.52–0.72)") == [0.61, 0.52, 0.72]  # a dash after a digit: a range
    assert numbers_in("SMD –0.4 (–0.6 to –0.2)") == [-0.4, 0.4, -0.6, 0.6, -0.2, 0.2]
    assert numbers_in("CD011381.pub3, I² = 0%") == [0]  # digits glued to letters are not numbers


def _published() -> list[tuple[str, int, Any]]:
    root = data_dir()
    out = []
    for loc in load_kb(root).of("questions"):
        out += [(loc.file, i, p) for i, p in enumerate(loc.record.published)]
    for loc in load_specs(root).questions:
        out += [(loc.file, i, p) for i, p in enumerate(loc.record.published)]
    return out


def test_every_published_number_is_in_its_quote() -> None:
    quoted = [(f"{f}:published.{i}", p) for f, i, p in _published() if p.quote]
    assert len(quoted) >= 2  # the generated questions and their specs (Crins 2014 at least)
    assert [(where, missing_from_quote(p)) for where, p in quoted if missing_from_quote(p)] == []


def test_a_wrong_number_or_rating_is_caught() -> None:
    from immunograde.kb.models import PublishedResult

    quote = "probably reduces mortality (RR 0.89, 95% CI 0.84 to 0.95; moderate-certainty evidence)"
    ok = PublishedResult(
        measure="RR", estimate=0.89, ci_low=0.84, ci_high=0.95, certainty="moderate",
        quote=quote, source={"doi": "10.1002/14651858.CD002243.pub5"},
    )  # fmt: skip
    assert missing_from_quote(ok) == []
    typo = ok.model_copy(update={"ci_high": 0.96, "certainty": "low"})
    assert missing_from_quote(typo) == ["ci_high", "certainty"]

"""A published rating's ``reasons``: why the source rated the certainty down or up, in its own words.

Schema cases by hand, then the project's data: every recorded reason has its quote and locator, a stated
domain appears once, and where the source gives every domain's levels they add up to its rating (GRADE
starts randomised evidence at high: high + the levels = the published level)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from immunograde.kb.loader import load_kb
from immunograde.kb.models import PublishedReason, PublishedResult
from immunograde.kb.specs import load_specs
from immunograde.settings import data_dir

LEVELS = ["very low", "low", "moderate", "high"]
BASE: dict[str, Any] = {
    "measure": "RR",
    "certainty": "low",
    "quote": "RR 0.68 (0.54 to 0.86) 232 (4 studies) low",
    "source": {"doi": "10.1002/14651858.CD000478.pub4"},
}
ROB = {"domain": "risk_of_bias", "levels": -1, "quote": "Downgraded one level due to risk of bias", "locator": "SoF footnote 2"}  # fmt: skip


def test_reasons_are_optional_and_read() -> None:
    assert PublishedResult(**BASE).reasons == ()
    p = PublishedResult(**BASE, reasons=[ROB, {**ROB, "domain": "imprecision"}])
    assert [(r.domain, r.levels) for r in p.reasons] == [("risk_of_bias", -1), ("imprecision", -1)]
    assert PublishedReason(domain="inconsistency", quote="q", locator="l").levels is None


@pytest.mark.parametrize(
    ("reasons", "message"),
    [
        ([{**ROB, "domain": "bias"}], "domain"),
        ([{**ROB, "levels": 1}], "rating up is 'upgrade'"),
        ([{**ROB, "domain": "upgrade", "levels": -1}], "rating up is 'upgrade'"),
        ([{**ROB, "levels": 0}], "0 is no rating change"),
        ([{**ROB, "levels": -4}], "levels"),
        ([{**ROB, "domain": "none_stated"}], "none_stated has no levels"),
        ([{**ROB, "domain": "none_stated", "levels": None}, ROB], "none_stated stands alone"),
        ([{**ROB, "domain": "not_found"}], "not_found has no levels"),
        ([ROB, ROB], "one entry per domain"),
        ([{**ROB, "why": "x"}], "Extra inputs are not permitted"),
        ([{k: v for k, v in ROB.items() if k != "quote"}], "quote"),
    ],
)
def test_reasons_reject(reasons: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PublishedResult(**BASE, reasons=reasons)


def test_reasons_need_a_rating() -> None:
    with pytest.raises(ValidationError, match="only for a published certainty"):
        PublishedResult(**{**BASE, "certainty": None}, reasons=[ROB])


def _published() -> list[tuple[str, PublishedResult]]:
    root = data_dir()
    out = [
        (f"{loc.file}:published.{i}", p)
        for loc in load_kb(root).of("questions")
        for i, p in enumerate(loc.record.published)
    ]
    out += [
        (f"{loc.file}:published.{i}", p)
        for loc in load_specs(root).questions
        for i, p in enumerate(loc.record.published)
    ]
    return out


def test_stated_levels_add_up_to_the_published_rating() -> None:
    bad = []
    for where, p in _published():
        stated = [r for r in p.reasons if r.domain != "none_stated"]
        if not stated or any(r.levels is None for r in stated) or p.certainty is None:
            continue
        if LEVELS.index("high") + sum(int(r.levels or 0) for r in stated) != LEVELS.index(
            p.certainty
        ):
            bad.append((where, p.certainty, [(r.domain, r.levels) for r in stated]))
    assert bad == []

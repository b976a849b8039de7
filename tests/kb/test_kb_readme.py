"""data/README.md stays true: each enumeration it documents equals the schema's, and every layout path it
names exists in the committed data folder."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import pytest

from immunograde.kb import models

DATA = Path(__file__).resolve().parents[2] / "data"
README = (DATA / "README.md").read_text(encoding="utf-8")


def _enumeration(label: str) -> set[str]:
    """The values written right after ``label``: a backticked list, or the rest of an open backtick."""
    rest = README[README.index(label) + len(label) :].lstrip()
    chunk = rest[1 : rest.index("`", 1)] if rest.startswith("`") else rest[: rest.index("`")]
    return {w for w in re.split(r"[,|\s]+", chunk) if w}


@pytest.mark.parametrize(
    ("label", "literal"),
    [
        ("intervention `route`:", models.Route),
        ("claim `claimant_kind`:", models.ClaimantKind),
        ("`claim_kind`:", models.ClaimKind),
        ("regulatory `status:", models.RegStatus),
        ("`funding:", models.Funding),
        ("`control:", models.Control),
        ("`blinding:", models.Blinding),
        ("`allocation_concealment:", models.Allocation),
        ("outcome `type:", models.OutcomeType),
        ("`importance:", models.Importance),
        ("trial `status:", models.TrialStatus),
        ("`dispersion:", models.Dispersion),
        ("`denominator:", models.Denominator),
        ("reported result `kind:", models.ReportedKind),
        ("search log `finding:", models.Finding),
    ],
)
def test_documented_enumerations_match_the_schema(label: str, literal: Any) -> None:
    assert _enumeration(label) == set(get_args(literal))


def test_rob_levels_match() -> None:
    assert "`low|some_concerns|high|not_assessed`" in README
    assert set(get_args(models.RobLevel)) == {"low", "some_concerns", "high", "not_assessed"}


def test_layout_paths_exist() -> None:
    for path in ("classes.yaml", "substances/", "products/", "regulatory/", "claims/", "sources/",
                 "trials/", "questions/", "search_logs/"):  # fmt: skip
        assert f"`{path}" in README and (DATA / path).exists(), path

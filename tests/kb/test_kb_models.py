"""The pydantic schema: each model accepts a well-formed record and rejects each kind of mistake."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from immunograde.kb.models import (
    Claim,
    DrugClass,
    Intervention,
    Outcome,
    OutcomeData,
    Product,
    Substance,
    Trial,
    registry_of,
)

REVIEW: dict[str, Any] = {
    "source": {"file": "atc/atc_immunomodulator_extract.csv", "row": 1},
    "extracted_by": "script:tools/seed_catalogue.py",
    "date_reviewed": dt.date(2026, 11, 24),
    "next_review": dt.date(2027, 11, 24),
}


def test_substance_names_in_any_script_each_once() -> None:
    s = Substance(id="kagocel", name="Kagocel", synonyms=("Кагоцел", "Kagocel"),
                  classes=("interferon-inducers",), **REVIEW)  # fmt: skip
    assert s.all_names() == ("Kagocel", "Кагоцел")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"next_review": dt.date(2025, 1, 1)}, "next_review"),
        ({"verified": True, "extracted_by": "alice"}, "verified"),
        ({"source": {"row": 3}}, "source"),
        ({"classes": ()}, "classes"),
        ({"atc_codes": ("L04 AC07",)}, "atc_codes"),
        ({"id": "Has Spaces"}, "id"),
    ],
)
def test_substance_rejects(change: dict[str, Any], field: str) -> None:
    rec = {"id": "x", "name": "x", "classes": ("l04ac",), **REVIEW, **change}
    with pytest.raises(ValidationError) as err:
        Substance(**rec)
    assert field in str(err.value)


def test_verified_needs_a_checker_unless_scripted() -> None:
    rec = {**REVIEW, "extracted_by": "alice", "checked_by": "bob", "verified": True}
    assert Substance(id="x", name="x", classes=("c",), **rec).verified is True


def test_class_kind_and_atc_code_agree() -> None:
    DrugClass(id="l04ac", name="Interleukin inhibitors", kind="atc", atc_code="L04AC", **REVIEW)
    with pytest.raises(ValidationError, match="atc_code"):
        DrugClass(id="bacterial-lysates", name="Bacterial lysates", kind="no_atc", atc_code="L03AX",
                  **REVIEW)  # fmt: skip


def test_products_with_different_routes_are_different_records() -> None:
    supp = Product(id="viferon-suppositories", brand="Виферон", substances=("interferon-alfa-2b",),
                   dose_form="суппозитории", route="rectal", **REVIEW)  # fmt: skip
    inj = Product(id="alpharona-injection", brand="Альфарона", substances=("interferon-alfa-2b",),
                  dose_form="раствор для инъекций", route="parenteral", **REVIEW)  # fmt: skip
    assert supp.substances == inj.substances and supp.route != inj.route
    with pytest.raises(ValidationError, match="route"):
        Product(id="p", brand="b", substances=("s",), dose_form="x", route="by mouth", **REVIEW)


def test_intervention_names_what_and_how() -> None:
    iv = Intervention(substance="dexamethasone", substances=("dexamethasone", "hydrocortisone"),
                      route="oral")  # fmt: skip
    assert iv.substance_ids() == ("dexamethasone", "hydrocortisone")
    with pytest.raises(ValidationError):
        Intervention(substance="dexamethasone")  # type: ignore[call-arg]  # route is required
    with pytest.raises(ValidationError, match="substance"):
        Intervention(route="oral")


def test_trial_international_is_computed_from_countries() -> None:
    base = {"id": "t", "label": "T 2020", **REVIEW}
    assert Trial(**base, countries=("GB", "US")).international is True
    assert Trial(**base, countries=("GB",)).international is False
    assert Trial(**base).international is None
    with pytest.raises(ValidationError, match="registry"):
        Trial(**base, registry_ids=("NCT123",))
    with pytest.raises(ValidationError, match="countries"):
        Trial(**base, countries=("GBR",))


@pytest.mark.parametrize(
    ("rid", "registry"),
    [("NCT04381936", "NCT"), ("ISRCTN50189673", "ISRCTN"), ("ChiCTR2000029308", "ChiCTR"),
     ("2020-001113-21", "EudraCT"), ("ACTRN12620000445976", "ACTRN"), ("nct0438", None)],
)  # fmt: skip
def test_registry_of(rid: str, registry: str | None) -> None:
    assert registry_of(rid) == registry


@pytest.mark.parametrize(
    ("values", "form"),
    [
        ({"ai": 4, "n1i": 123, "ci": 11, "n2i": 139}, "binary"),
        ({"ai": 4, "bi": 119, "ci": 11, "di": 128}, "binary"),
        ({"m1i": 1.0, "sd1i": 0.5, "n1i": 10, "m2i": 2.0, "sd2i": 0.6, "n2i": 12}, "continuous"),
        ({"yi": -0.5, "vi": 0.04}, "generic"),
        ({"yi": -0.5, "sei": 0.2}, "generic"),
        ({"estimate": 0.8, "ci_low": 0.6, "ci_high": 1.1}, "estimate"),
    ],
)
def test_outcome_data_forms(values: dict[str, float], form: str) -> None:
    assert OutcomeData(trial="t", **values).form() == form


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"ai": 4}, "one complete form"),
        ({"ai": 4, "ci": 11}, "n1i and n2i"),
        ({"ai": 130, "n1i": 123, "ci": 11, "n2i": 139}, "larger than n1i"),
        ({"estimate": 1.2, "ci_low": 0.6, "ci_high": 1.1}, "inside"),
        ({"yi": 0.1, "vi": -1.0}, "greater than or equal"),
    ],
)
def test_outcome_data_rejects(values: dict[str, float], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        OutcomeData(trial="t", **values)


def test_mid_needs_its_source() -> None:
    base = {"name": "mortality", "type": "binary", "measure": "RR", "importance": "critical"}
    with pytest.raises(ValidationError, match="mid_source"):
        Outcome(**base, mid=0.02)
    assert Outcome(**base, mid=0.02, mid_source={"pmid": "12345678"}).mid == 0.02


def test_claim_is_about_something() -> None:
    base = {"id": "c", "subject_name": "Кагоцел", "claimant": "x", "claimant_kind": "satirical_wiki",
            "statement": "s", "claim_kind": "unproven", "language": "ru", **REVIEW}  # fmt: skip
    assert Claim(**base, substances=("kagocel",)).claimant_kind == "satirical_wiki"
    with pytest.raises(ValidationError, match="substances"):
        Claim(**base)

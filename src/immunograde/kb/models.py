"""The knowledge-base schema: pydantic models for every reviewed record under ``data/``.

These models are the authoritative schema (``data/README.md`` explains it).  One model per record kind:

- catalogue: :class:`DrugClass`, :class:`Substance`, :class:`Product`, :class:`RegulatoryStatus`,
  :class:`Claim`, :class:`SourceEntry` (bibliography);
- evidence: :class:`Trial` (design, arms, risk of bias, status, sponsor), :class:`Question` (PICO +
  outcome) with its :class:`OutcomeData` rows in metafor's columns and its :class:`ReportedResult`
  entries (shown, never pooled);
- hand curation: :class:`SearchLog` (the dated search behind "no trial found") — see
  :mod:`.model_curation`.

Every record carries the review fields of :class:`Reviewed` (source, extracted_by, checked_by,
date_reviewed, next_review, verified).  Cross-references (a product's substances, a question's trials)
are checked by :mod:`immunograde.kb.check`, not here: a model validates one record on its own.

Evidence attaches to the form that was tested: a :class:`Product` has a ``route`` and ``dose_form``, an
:class:`Intervention` names the substance *and* the route/dose form, and so does every trial
:class:`Arm`.  Interferon alfa by injection and interferon alfa as rectal suppositories are different
products, and a question about one says nothing about the other.

"Unknown" is a value, never a guess: enumerations include ``unknown`` and optional facts are ``None``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import Field, model_validator

from immunograde.errors import Msg
from immunograde.kb.model_base import (
    ATC_PATTERN,
    COUNTRY_PATTERN,
    ID_PATTERN,
    REGISTRY_PATTERNS,
    Allocation,
    Blinding,
    ClaimantKind,
    ClaimKind,
    ClassKind,
    Control,
    Denominator,
    Dispersion,
    Funding,
    Importance,
    Measure,
    OutcomeType,
    RegStatus,
    Reviewed,
    RobLevel,
    Route,
    SourceRef,
    TrialStatus,
)
from immunograde.kb.model_curation import (
    ExcludedItem,
    Finding,
    FoundItem,
    ReportedKind,
    ReportedResult,
    Search,
    SearchLog,
)
from immunograde.kb.model_evidence import (
    Arm,
    Design,
    Intervention,
    Outcome,
    OutcomeData,
    PublishedReason,
    PublishedResult,
    Question,
    RobJudgement,
    Trial,
    registry_of,
)

__all__ = [
    "ATC_PATTERN",
    "COUNTRY_PATTERN",
    "ID_PATTERN",
    "RECORD_MODELS",
    "REGISTRY_PATTERNS",
    "Allocation",
    "Arm",
    "Blinding",
    "Claim",
    "ClaimKind",
    "ClaimantKind",
    "ClassKind",
    "Control",
    "Denominator",
    "Design",
    "Dispersion",
    "DrugClass",
    "ExcludedItem",
    "Finding",
    "FoundItem",
    "Funding",
    "Importance",
    "Intervention",
    "Measure",
    "Outcome",
    "OutcomeData",
    "OutcomeType",
    "Product",
    "PublishedReason",
    "PublishedResult",
    "Question",
    "RegStatus",
    "RegulatoryStatus",
    "ReportedKind",
    "ReportedResult",
    "Reviewed",
    "RobJudgement",
    "RobLevel",
    "Route",
    "Search",
    "SearchLog",
    "SourceEntry",
    "SourceRef",
    "Substance",
    "Trial",
    "TrialStatus",
    "registry_of",
]  # fmt: skip

# ---------------------------------------------------------------- catalogue


class SourceEntry(Reviewed):
    """A bibliography entry (publication or data file) that records cite by ``source.ref``."""

    id: str = Field(pattern=ID_PATTERN)
    kind: Literal["publication", "dataset", "web", "list", "label"]
    citation: str = Field(min_length=1)
    licence: str | None = None


class DrugClass(Reviewed):
    """A class: an ATC group (``kind: atc``) or a class for products with no ATC code."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    kind: ClassKind
    atc_code: str | None = Field(None, pattern=ATC_PATTERN)
    parent: str | None = Field(None, pattern=ID_PATTERN)
    synonyms: tuple[str, ...] = ()
    description: str | None = None

    @model_validator(mode="after")
    def _atc_matches_kind(self) -> DrugClass:
        if (self.kind == "atc") != (self.atc_code is not None):
            raise ValueError(
                Msg("atc_code: kind 'atc' needs atc_code; kind 'no_atc' must not have one")
            )
        return self


class Substance(Reviewed):
    """An active substance (INN or common name) with every name people search it by."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, description="INN or common name (Latin script)")
    inn: str | None = None
    synonyms: tuple[str, ...] = Field((), description="other names, any script")
    brand_names: tuple[str, ...] = Field((), description="brand names, any script")
    atc_codes: tuple[str, ...] = ()
    classes: tuple[str, ...] = Field(min_length=1, description="class ids; the first is primary")
    mechanism: str | None = Field(None, description="one line")
    notes: str | None = None
    cautions: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _codes(self) -> Substance:
        for code in self.atc_codes:
            if not re.match(ATC_PATTERN, code):
                raise ValueError(Msg("atc_codes: %(code)s is not an ATC code", code=repr(code)))
        return self

    def all_names(self) -> tuple[str, ...]:
        """Name, INN, synonyms and brands, each once, in that order."""
        seen: dict[str, None] = {}
        for n in (self.name, self.inn or "", *self.synonyms, *self.brand_names):
            if n and n not in seen:
                seen[n] = None
        return tuple(seen)


class Product(Reviewed):
    """A marketed form of one or more substances: brand, dose form, route, strength, markets."""

    id: str = Field(pattern=ID_PATTERN)
    brand: str = Field(min_length=1)
    substances: tuple[str, ...] = Field(min_length=1)
    dose_form: str = Field(
        min_length=1, description="words from the source, e.g. 'rectal suppositories'"
    )
    route: Route
    strength: str | None = None
    markets: tuple[str, ...] = Field((), description="ISO country codes or 'EU'")
    atc_code: str | None = Field(None, pattern=ATC_PATTERN)
    synonyms: tuple[str, ...] = ()
    notes: str | None = None


class RegulatoryStatus(Reviewed):
    """One regulatory status: agency / country, status, date.  ``unknown`` is a value, not a guess."""

    substance: str = Field(pattern=ID_PATTERN)
    product: str | None = Field(None, pattern=ID_PATTERN, description="product id, if one")
    product_name: str | None = None
    agency: str = Field(min_length=1)
    country: str = Field(description="ISO 3166-1 alpha-2, or EU")
    status: RegStatus
    date: dt.date | None = None
    note: str | None = None


class Claim(Reviewed):
    """A statement made about a product or substance by someone: evidence to test, never a verdict."""

    id: str = Field(pattern=ID_PATTERN)
    substances: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    subject_name: str = Field(min_length=1, description="the name as the claimant wrote it")
    claimant: str = Field(min_length=1)
    claimant_kind: ClaimantKind
    statement: str = Field(min_length=1, description="the claim, in the claimant's words")
    language: str = Field("en", pattern=r"^[a-z]{2}$")
    claim_kind: ClaimKind
    date: dt.date | None = None
    label: str | None = None

    @model_validator(mode="after")
    def _has_subject(self) -> Claim:
        if not (self.substances or self.products):
            raise ValueError(Msg("substances: a claim needs at least one substance or product"))
        return self


RECORD_MODELS: dict[str, type[Reviewed]] = {
    "classes": DrugClass,
    "substances": Substance,
    "products": Product,
    "regulatory": RegulatoryStatus,
    "claims": Claim,
    "sources": SourceEntry,
    "trials": Trial,
    "questions": Question,
    "search_logs": SearchLog,
}

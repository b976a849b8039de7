"""The knowledge-base schema: pydantic models for every reviewed record under ``data/``.

These models are the authoritative schema (``data/README.md`` explains it).  One model per record kind:

- catalogue: :class:`DrugClass`, :class:`Substance`, :class:`Product`, :class:`RegulatoryStatus`,
  :class:`Claim`, :class:`SourceEntry` (bibliography);
- evidence: :class:`Trial` (design, arms, risk of bias), :class:`Question` (PICO + outcome) with its
  :class:`OutcomeData` rows in metafor's columns.

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

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

ID_PATTERN = r"^[a-z0-9][a-z0-9_.\-]*$"
ATC_PATTERN = r"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
#: Trial registry id formats (prefix -> regular expression).
REGISTRY_PATTERNS: dict[str, str] = {
    "NCT": r"^NCT[0-9]{8}$",
    "ISRCTN": r"^ISRCTN[0-9]{8}$",
    "ChiCTR": r"^ChiCTR[0-9A-Za-z\-]+$",
    "EudraCT": r"^(EudraCT[ :]?)?[0-9]{4}-[0-9]{6}-[0-9]{2}$",
    "EUCTR": r"^EUCTR[0-9]{4}-[0-9]{6}-[0-9]{2}(-[A-Z]{2})?$",
    "CTRI": r"^CTRI/[0-9]{4}/[0-9]{2,3}/[0-9]+$",
    "ACTRN": r"^ACTRN[0-9]{14}$",
    "DRKS": r"^DRKS[0-9]{8}$",
    "IRCT": r"^IRCT[0-9A-Za-z]+$",
    "JPRN": r"^JPRN-[A-Za-z0-9]+$",
    "NTR": r"^NTR[0-9]+$",
    "KCT": r"^KCT[0-9]{7}$",
    "PACTR": r"^PACTR[0-9]+$",
    "RBR": r"^RBR-[0-9a-z]+$",
    "TCTR": r"^TCTR[0-9]+$",
}

Route = Literal[
    "oral",
    "sublingual",
    "buccal",
    "intravenous",
    "intramuscular",
    "subcutaneous",
    "intradermal",
    "percutaneous",
    "parenteral",
    "rectal",
    "vaginal",
    "intranasal",
    "inhalation",
    "topical",
    "ophthalmic",
    "intravesical",
    "intralesional",
    "other",
    "unknown",
]
ClassKind = Literal["atc", "no_atc"]
RegStatus = Literal["authorised", "withdrawn", "refused", "suspended", "not_submitted", "unknown"]
ClaimantKind = Literal[
    "satirical_wiki",  # e.g. the Encyclopedia Pathologica "execution list"
    "professional_body",  # a formulary committee or medical society
    "regulator",
    "manufacturer",
    "label",
    "advertisement",
    "activist",
    "other",
]
Verdict = Literal["unproven", "not_recommended", "homeopathic", "effective", "other"]
Allocation = Literal["adequate", "inadequate", "unclear", "unknown"]
Blinding = Literal["double", "single", "open", "unknown"]
Control = Literal["placebo", "active", "usual_care", "none", "unknown"]
Funding = Literal["industry", "manufacturer", "public", "mixed", "none", "unknown"]
RobLevel = Literal["low", "some_concerns", "high", "not_assessed"]
OutcomeType = Literal["binary", "continuous", "time_to_event"]
Importance = Literal["critical", "important", "not_important"]
Measure = Literal["RR", "OR", "RD", "HR", "MD", "SMD", "ROM", "IRR", "GEN"]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, coerce_numbers_to_str=True
    )


class SourceRef(_Model):
    """Where a record's content comes from: a shared data file and row, or a publication."""

    ref: str | None = Field(None, pattern=ID_PATTERN, description="id in data/sources/*.yaml")
    file: str | None = Field(None, description="path under ../shared/data")
    row: int | None = Field(None, ge=1, description="1-based data row (header is row 0)")
    key: str | None = Field(None, description="entry key in a JSON/YAML source file")
    pmid: str | None = Field(None, pattern=r"^[0-9]{1,9}$")
    doi: str | None = Field(None, pattern=r"^10\.[0-9]{4,9}/\S+$")
    nct: str | None = Field(None, pattern=REGISTRY_PATTERNS["NCT"])
    url: str | None = Field(None, pattern=r"^https?://\S+$")
    locator: str | None = Field(None, description="table / figure / page in a publication")

    @model_validator(mode="after")
    def _at_least_one(self) -> SourceRef:
        if not any((self.ref, self.file, self.pmid, self.doi, self.nct, self.url)):
            raise ValueError("source: needs at least one of ref, file, pmid, doi, nct, url")
        if self.row is not None and self.file is None:
            raise ValueError("source.row: a row needs its file")
        return self


class Reviewed(_Model):
    """Provenance and review fields carried by every record."""

    source: SourceRef
    extracted_by: str = Field(min_length=1)
    checked_by: str | None = None
    date_reviewed: dt.date
    next_review: dt.date
    verified: bool = False

    @model_validator(mode="after")
    def _review_consistent(self) -> Reviewed:
        if self.next_review < self.date_reviewed:
            raise ValueError("next_review: is before date_reviewed")
        scripted = self.extracted_by.startswith("script:")
        if self.verified and not (self.checked_by or scripted):
            raise ValueError("verified: true needs checked_by (or a script: extractor)")
        return self


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
            raise ValueError("atc_code: kind 'atc' needs atc_code; kind 'no_atc' must not have one")
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
                raise ValueError(f"atc_codes: {code!r} is not an ATC code")
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
    claim_kind: Verdict
    date: dt.date | None = None
    label: str | None = None

    @model_validator(mode="after")
    def _has_subject(self) -> Claim:
        if not (self.substances or self.products):
            raise ValueError("substances: a claim needs at least one substance or product")
        return self


# ---------------------------------------------------------------- evidence


class Arm(_Model):
    """One trial arm: what was given, how, and how many were randomised to it."""

    label: str = Field(min_length=1)
    substance: str | None = Field(None, pattern=ID_PATTERN)
    product: str | None = Field(None, pattern=ID_PATTERN)
    dose: str | None = None
    route: Route = "unknown"
    n: int | None = Field(None, ge=0)
    control: bool = False


class RobJudgement(_Model):
    """Cochrane RoB 2 judgements for one trial and one outcome (question)."""

    question: str | None = Field(None, pattern=ID_PATTERN, description="None = all outcomes")
    d1_randomisation: RobLevel = "not_assessed"
    d2_deviations: RobLevel = "not_assessed"
    d3_missing: RobLevel = "not_assessed"
    d4_measurement: RobLevel = "not_assessed"
    d5_selection: RobLevel = "not_assessed"
    overall: RobLevel = "not_assessed"
    source: SourceRef | None = None


class Design(_Model):
    """Design attributes used by GRADE's risk-of-bias and indirectness judgements."""

    randomised: bool | None = None
    allocation_concealment: Allocation = "unknown"
    blinding: Blinding = "unknown"
    control: Control = "unknown"


class Trial(Reviewed):
    """A trial: identifiers, design, size, countries, funding, arms and risk of bias."""

    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1, description="e.g. 'RECOVERY 2021' (author/acronym, year)")
    registry_ids: tuple[str, ...] = ()
    pmid: str | None = Field(None, pattern=r"^[0-9]{1,9}$")
    doi: str | None = Field(None, pattern=r"^10\.[0-9]{4,9}/\S+$")
    year: int | None = Field(None, ge=1900, le=2100)
    design: Design = Design()
    n_randomised: int | None = Field(None, ge=0)
    countries: tuple[str, ...] = ()
    multicentre: bool | None = None
    funding: Funding = "unknown"
    arms: tuple[Arm, ...] = ()
    rob: tuple[RobJudgement, ...] = ()
    notes: str | None = None

    @model_validator(mode="after")
    def _ids(self) -> Trial:
        for rid in self.registry_ids:
            if registry_of(rid) is None:
                raise ValueError(f"registry_ids: {rid!r} matches no known registry format")
        for c in self.countries:
            if not re.match(COUNTRY_PATTERN, c):
                raise ValueError(f"countries: {c!r} is not an ISO 3166-1 alpha-2 code")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def international(self) -> bool | None:
        """True when the trial recruited in more than one country; None when countries are unknown."""
        return len(set(self.countries)) > 1 if self.countries else None


class Intervention(_Model):
    """What a question is about: a substance or product *in a given form* (route, dose form, dose)."""

    substance: str | None = Field(None, pattern=ID_PATTERN)
    substances: tuple[str, ...] = Field((), description="several substances pooled in one question")
    product: str | None = Field(None, pattern=ID_PATTERN)
    drug_class: str | None = Field(
        None, pattern=ID_PATTERN, description="class id, for class questions"
    )
    route: Route
    dose_form: str | None = None
    dose: str | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _named(self) -> Intervention:
        if not (self.substance or self.product or self.substances or self.drug_class):
            raise ValueError(
                "substance: an intervention needs a substance, substances, a product or a drug_class"
            )
        return self

    def substance_ids(self) -> tuple[str, ...]:
        """The substance and the pooled substances, each once."""
        return tuple(
            dict.fromkeys(([self.substance] if self.substance else []) + list(self.substances))
        )


class Outcome(_Model):
    """The outcome of a question: kind, time point, importance and minimal important difference."""

    name: str = Field(min_length=1)
    type: OutcomeType
    measure: Measure
    time_point: str | None = None
    importance: Importance
    higher_is_better: bool = False
    surrogate: bool = False
    mid: float | None = Field(
        None, description="minimal important difference, on the measure's scale"
    )
    mid_source: SourceRef | None = None

    @model_validator(mode="after")
    def _mid_sourced(self) -> Outcome:
        if self.mid is not None and self.mid_source is None:
            raise ValueError("mid_source: a minimal important difference needs mid_source")
        return self


_BINARY = ("ai", "ci")
_CONT = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")


class OutcomeData(_Model):
    """One trial's outcome data for a question, in one of metafor's input forms.

    Forms: binary ``ai, n1i, ci, n2i`` (or ``ai, bi, ci, di``); continuous
    ``m1i, sd1i, n1i, m2i, sd2i, n2i``; generic ``yi`` with ``vi`` or ``sei``; reported estimate
    ``estimate, ci_low, ci_high`` (ratio measures on the natural scale).  Group 1 is the intervention.
    """

    trial: str = Field(pattern=ID_PATTERN)
    arm1: str | None = None
    arm2: str | None = None
    ai: int | None = Field(None, ge=0)
    bi: int | None = Field(None, ge=0)
    ci: int | None = Field(None, ge=0)
    di: int | None = Field(None, ge=0)
    n1i: float | None = Field(None, ge=0)
    n2i: float | None = Field(None, ge=0)
    m1i: float | None = None
    sd1i: float | None = Field(None, ge=0)
    m2i: float | None = None
    sd2i: float | None = Field(None, ge=0)
    yi: float | None = None
    vi: float | None = Field(None, ge=0)
    sei: float | None = Field(None, ge=0)
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    subgroup: str | None = None
    note: str | None = None
    source: SourceRef | None = None

    def form(self) -> str:
        """Which input form the row uses: ``binary``, ``continuous``, ``generic`` or ``estimate``."""
        if all(getattr(self, f) is not None for f in _BINARY):
            return "binary"
        if all(getattr(self, f) is not None for f in _CONT):
            return "continuous"
        if self.yi is not None and (self.vi is not None or self.sei is not None):
            return "generic"
        if None not in (self.estimate, self.ci_low, self.ci_high):
            return "estimate"
        return "incomplete"

    @model_validator(mode="after")
    def _complete(self) -> OutcomeData:
        form = self.form()
        if form == "incomplete":
            raise ValueError(
                "outcome data need one complete form: ai,n1i,ci,n2i | ai,bi,ci,di | "
                "m1i,sd1i,n1i,m2i,sd2i,n2i | yi,vi | yi,sei | estimate,ci_low,ci_high"
            )
        if form == "binary":
            if (self.n1i is None or self.n2i is None) and (self.bi is None or self.di is None):
                raise ValueError("n1i: binary data need n1i and n2i, or bi and di")
            if self.n1i is not None and self.ai is not None and self.ai > self.n1i:
                raise ValueError("ai: is larger than n1i")
            if self.n2i is not None and self.ci is not None and self.ci > self.n2i:
                raise ValueError("ci: is larger than n2i")
        if form == "estimate" and not (self.ci_low <= self.estimate <= self.ci_high):  # type: ignore[operator]
            raise ValueError("estimate: is not inside [ci_low, ci_high]")
        return self


class PublishedResult(_Model):
    """A pooled result as published (for comparison with ours), with its source."""

    measure: str
    model: str | None = None
    method: str | None = None
    subgroup: str | None = None
    k: int | None = Field(None, ge=0)
    n: int | None = Field(None, ge=0)
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    certainty: str | None = None
    note: str | None = None
    source: SourceRef
    verified: bool = False


class Question(Reviewed):
    """An evidence question (PICO + one outcome) with its per-trial outcome data."""

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    population: str = Field(min_length=1)
    indication: str | None = None
    intervention: Intervention
    comparator: str = Field(min_length=1)
    outcome: Outcome
    model: str | None = Field(None, description="preferred model, e.g. 'random' or 'fixed'")
    method: str | None = Field(
        None, description="preferred tau2 estimator (metafor name, e.g. REML)"
    )
    subgroup_by: str | None = None
    published: tuple[PublishedResult, ...] = ()
    data: tuple[OutcomeData, ...] = ()
    notes: str | None = None


def registry_of(registry_id: str) -> str | None:
    """The registry a trial id belongs to (``NCT``, ``ISRCTN``, ``ChiCTR``, …), or None."""
    for name, pattern in REGISTRY_PATTERNS.items():
        if re.match(pattern, registry_id):
            return name
    return None


#: Record kinds by folder/file (used by the loader and the checker).
RECORD_MODELS: dict[str, type[Reviewed]] = {
    "classes": DrugClass,
    "substances": Substance,
    "products": Product,
    "regulatory": RegulatoryStatus,
    "claims": Claim,
    "sources": SourceEntry,
    "trials": Trial,
    "questions": Question,
}

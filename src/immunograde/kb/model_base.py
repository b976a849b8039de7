"""Shared pieces of the knowledge-base schema: patterns, vocabularies, the source and review fields.

Re-exported by :mod:`immunograde.kb.models` (import from there).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from immunograde.errors import Msg

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
ClaimKind = Literal[  # what the claimant says; a claim is never our verdict
    "unproven", "not_recommended", "homeopathic", "effective", "other"
]
Allocation = Literal["adequate", "inadequate", "unclear", "unknown"]
Blinding = Literal["double", "single", "open", "unknown"]
Control = Literal["placebo", "active", "usual_care", "none", "unknown"]
Funding = Literal["industry", "manufacturer", "public", "mixed", "none", "unknown"]
RobLevel = Literal["low", "some_concerns", "high", "not_assessed"]
OutcomeType = Literal["binary", "continuous", "time_to_event"]
Importance = Literal["critical", "important", "not_important"]
Measure = Literal["RR", "OR", "RD", "HR", "MD", "SMD", "ROM", "IRR", "GEN"]
TrialStatus = Literal[  # ClinicalTrials.gov overall status, lower case
    "completed",
    "terminated",
    "withdrawn",
    "recruiting",
    "active_not_recruiting",
    "not_yet_recruiting",
    "unknown",
]
#: What the "±" or the spread of a continuous outcome is: a standard deviation, a standard error, an
#: interquartile range, or not said by the source (``unclear`` rows are never pooled).
Dispersion = Literal["sd", "se", "iqr", "unclear"]
#: Which participants an outcome row counts: those randomised (intention to treat) or those analysed.
Denominator = Literal["randomised", "analysed", "unclear"]


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
    quote: str | None = Field(
        None,
        min_length=1,
        description="verbatim sentence or table row holding the numbers (excerpts joined by ' … ')",
    )
    accessed: dt.date | None = Field(None, description="date the source was read")

    @model_validator(mode="after")
    def _at_least_one(self) -> SourceRef:
        if not any((self.ref, self.file, self.pmid, self.doi, self.nct, self.url)):
            raise ValueError(Msg("source: needs at least one of ref, file, pmid, doi, nct, url"))
        if self.row is not None and self.file is None:
            raise ValueError(Msg("source.row: a row needs its file"))
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
            raise ValueError(Msg("next_review: is before date_reviewed"))
        scripted = self.extracted_by.startswith("script:")
        if self.verified and not (self.checked_by or scripted):
            raise ValueError(Msg("verified: true needs checked_by (or a script: extractor)"))
        return self

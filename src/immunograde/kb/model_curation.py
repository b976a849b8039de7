"""Hand-curation models: results reported but not poolable, and the search log of a product.

Re-exported by :mod:`immunograde.kb.models` (import from there).  ``/work/shared/CURATION.md`` is the
procedure these records follow; ``data/README.md`` ("Hand-curated evidence") explains the fields.

- :class:`ReportedResult` — what a trial reported that cannot be pooled as it stands (an estimate with its
  CI for a measure the question does not use, a difference without spread, medians, a p-value, words).
  It is shown beside the trial's design, never pooled.
- :class:`SearchLog` — one product's (or substance's) dated search: where, with which terms, how many
  hits, what was found and what was excluded and why, and the finding it supports.  "No randomised trial
  found" is a finding only with its log and its date.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, computed_field, model_validator

from immunograde.errors import Msg
from immunograde.kb.model_base import (
    ID_PATTERN,
    Dispersion,
    Reviewed,
    SourceRef,
    _Model,
)

ReportedKind = Literal[
    "estimate", "difference", "medians", "means", "proportions", "p_value", "text"
]
Finding = Literal[
    "randomised_trials_found",  # at least one randomised controlled trial is in the knowledge base
    # controlled trials are in the knowledge base, none known to be randomised: the review listing them
    # admitted randomised and quasi-randomised trials and did not say which each one is (randomised: null)
    "controlled_trials_found",
    "registered_no_results",  # registered trials found, no results public
    "non_randomised_only",  # only non-randomised or uncontrolled studies found
    "no_randomised_trial_found",  # nothing controlled found in the sources searched
]
#: Fields of a reported result that hold numbers read from the source (each must be in the quote).
REPORTED_NUMBERS = (
    "estimate", "ci_low", "ci_high", "value1", "value2", "n1", "n2", "p_value",
)  # fmt: skip
_NEEDS: dict[str, tuple[str, ...]] = {
    "estimate": ("measure", "estimate", "ci_low", "ci_high"),
    "difference": ("measure", "estimate"),
    "medians": ("value1", "value2"),
    "means": ("value1", "value2"),
    "proportions": ("value1", "value2"),
    "p_value": ("p_value",),
    "text": ("text",),
}


class ReportedResult(_Model):
    """A result a trial reported that is shown beside its design and never pooled."""

    trial: str = Field(pattern=ID_PATTERN)
    outcome: str = Field(min_length=1, description="the outcome as the source names it")
    time_point: str | None = None
    arm1: str | None = Field(None, description="intervention arm label, as in the trial record")
    arm2: str | None = Field(None, description="comparator arm label, as in the trial record")
    kind: ReportedKind
    measure: str | None = Field(None, description="e.g. HR, RR, OR, mean difference (days)")
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float | None = Field(None, gt=0, lt=100, description="e.g. 95 (per cent)")
    value1: float | None = Field(None, description="arm 1 summary: mean, median or per cent")
    value2: float | None = Field(None, description="arm 2 summary: mean, median or per cent")
    spread1: tuple[float, ...] = Field((), description="arm 1 spread: one SD/SE, or IQR low, high")
    spread2: tuple[float, ...] = Field((), description="arm 2 spread: one SD/SE, or IQR low, high")
    dispersion: Dispersion | Literal["range"] | None = None
    unit: str | None = None
    n1: int | None = Field(None, ge=0)
    n2: int | None = Field(None, ge=0)
    p_value: float | None = Field(None, ge=0, le=1)
    p_relation: Literal["=", "<", "<=", ">", ">="] = "="
    text: str | None = Field(None, description="the result in words, when it has no numbers")
    why_not_pooled: str = Field(min_length=1)
    note: str | None = None
    source: SourceRef

    @model_validator(mode="after")
    def _complete(self) -> ReportedResult:
        missing = [f for f in _NEEDS[self.kind] if getattr(self, f) in (None, "")]
        if missing:
            raise ValueError(
                Msg(
                    "%(field)s: kind %(kind)s needs %(fields)s",
                    field=missing[0],
                    kind=repr(self.kind),
                    fields=", ".join(_NEEDS[self.kind]),
                )
            )
        bounds = (self.ci_low, self.estimate, self.ci_high)
        if None not in bounds and not bounds[0] <= bounds[1] <= bounds[2]:  # type: ignore[operator]
            raise ValueError(Msg("estimate: is not inside [ci_low, ci_high]"))
        if (self.spread1 or self.spread2) and self.dispersion is None:
            raise ValueError(
                Msg("dispersion: a spread needs its kind (sd, se, iqr, range or unclear)")
            )
        return self

    def numbers(self) -> dict[str, float]:
        """Every number read from the source, by field (``spread1.0`` for spreads)."""
        out = {f: float(v) for f in REPORTED_NUMBERS if (v := getattr(self, f)) is not None}
        for name in ("spread1", "spread2"):
            out |= {f"{name}.{i}": float(v) for i, v in enumerate(getattr(self, name))}
        return out


class Search(_Model):
    """One search: where, how, with which terms, when, and how many hits."""

    source: str = Field(min_length=1, description="registry / database / journal site searched")
    via: str | None = Field(None, description="how it was reached, e.g. a mirror or a search tool")
    terms: str = Field(min_length=1, description="the query as typed (Latin or Cyrillic)")
    date: dt.date
    hits: int | None = Field(None, ge=0, description="results returned; None when not counted")
    relevant: int | None = Field(None, ge=0, description="hits about the product")
    note: str | None = None


class _Item(_Model):
    registry_ids: tuple[str, ...] = ()
    pmid: str | None = Field(None, pattern=r"^[0-9]{1,9}$")
    doi: str | None = Field(None, pattern=r"^10\.[0-9]{4,9}/\S+$")
    url: str | None = Field(None, pattern=r"^https?://\S+$")
    what: str = Field(min_length=1, description="what it is, in one line")


class FoundItem(_Item):
    """A study found: the trial record it became (``trial``) and/or its identifiers."""

    trial: str | None = Field(None, pattern=ID_PATTERN, description="trial id in data/trials")

    @model_validator(mode="after")
    def _identified(self) -> FoundItem:
        if not (self.trial or self.registry_ids or self.pmid or self.doi or self.url):
            raise ValueError(
                Msg("trial: a found item needs a trial id, registry_ids, pmid, doi or url")
            )
        return self


class ExcludedItem(_Item):
    """A study or record looked at and left out, with the reason."""

    reason: str = Field(min_length=1)


class SearchLog(Reviewed):
    """The dated search for one substance's products: the record behind "nothing found"."""

    source: SourceRef | None = None  # type: ignore[assignment]
    id: str = Field(pattern=ID_PATTERN)
    substance: str = Field(pattern=ID_PATTERN)
    products: tuple[str, ...] = ()
    searches: tuple[Search, ...] = Field(min_length=1)
    found: tuple[FoundItem, ...] = ()
    excluded: tuple[ExcludedItem, ...] = ()
    finding: Finding
    conclusion: str = Field(min_length=1, description="one line, as a page would show it")
    notes: str | None = None

    @model_validator(mode="after")
    def _finding_has_support(self) -> SearchLog:
        if self.finding != "no_randomised_trial_found" and not self.found:
            raise ValueError(
                Msg(
                    "found: finding %(finding)s needs the studies found", finding=repr(self.finding)
                )
            )
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def searched_on(self) -> dt.date:
        """The date of the latest search (what "as of" means on a page)."""
        return max(s.date for s in self.searches)

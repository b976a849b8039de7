"""Reviewed spec files: the editorial choices the generators in ``tools/`` turn into knowledge-base records.

- :class:`QuestionSpec` (``data/specs/questions/<id>.yaml``): one evidence question's PICO, outcome,
  preferred analysis, published results, notes, and the :class:`Dataset` selector naming where its rows
  are (a shared file, a review analysis and its subgroups, the arm substances);
- :class:`CatalogueSpec` (``data/specs/catalogue.yaml``): which ATC codes and list entries the catalogue
  takes, and how entries without an ATC code are grouped.

Both carry the review fields (``extracted_by``, ``checked_by``, ``date_reviewed``, ``next_review``,
``verified``) and forbid unknown keys, so a misspelt key is an error naming file, line and key.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from immunograde.errors import Msg
from immunograde.kb.model_base import (
    ATC_PATTERN,
    ID_PATTERN,
    Allocation,
    Blinding,
    Control,
    Funding,
    Reviewed,
    Route,
    SourceRef,
    _Model,
)
from immunograde.kb.model_evidence import Intervention, Outcome, PublishedResult

REVIEW_PATTERN = r"^CD[0-9]{6}(\.pub[0-9]+)?$"
ANALYSIS_PATTERN = r"^[0-9]+\.[0-9]+$"


class SpecReviewed(Reviewed):
    """Review fields of a spec file; its ``source`` is optional (a selector may name the data)."""

    source: SourceRef | None = None  # type: ignore[assignment]


class FromAnalysis(_Model):
    """Take a per-study value from the subgroup a study sits in in another analysis of the same review."""

    analysis: str = Field(pattern=ANALYSIS_PATTERN)
    label: str | None = Field(None, description="subgroup label prefix: '<label>: <subgroup>'")
    map: dict[str, str] = Field(
        default_factory=dict, description="subgroup name -> substance id (for substance_from)"
    )


class QualityFrom(_Model):
    """Allocation concealment / low overall risk of bias from membership of a sensitivity analysis."""

    analysis: str = Field(pattern=ANALYSIS_PATTERN)
    allocation_adequate: str = Field(
        description="subgroup listing trials with adequate concealment"
    )
    rob_low: str = Field(description="subgroup listing trials judged at low risk of bias")


class Dataset(_Model):
    """Where a question's rows come from and how a row becomes an arm and a data row.

    ``reader`` names the reader in ``tools/seed_evidence*.py``.  ``pairwise70`` is general (a Cochrane
    review analysis from the Pairwise70 extraction); the other readers know one shared file each;
    ``publication`` questions are hand-extracted in the reader; ``none`` means no outcome data.
    """

    reader: Literal[
        "pairwise70",
        "metadat-bcg",
        "metadat-axfors",
        "metadat-bauer",
        "metadat-huber",
        "bayesmeta-crins",
        "albuquerque-tsb",
        "who-react",
        "albuquerque-cap",
        "publication",
        "none",
    ]
    file: str | None = Field(None, description="path under ../shared/data (file readers)")
    where: dict[str, str] = Field(
        default_factory=dict, description="keep rows whose columns equal these values"
    )
    columns: dict[str, str] = Field(
        default_factory=dict, description="outcome-data field -> source column"
    )
    # ---- pairwise70
    review: str | None = Field(None, pattern=REVIEW_PATTERN, description="e.g. CD002243.pub5")
    analysis: str | None = Field(None, pattern=ANALYSIS_PATTERN, description="group.number")
    form: Literal["binary", "continuous", "generic"] | None = None
    subgroups: tuple[str, ...] = Field((), description="keep only rows in these subgroups")
    exclude_studies: tuple[str, ...] = Field(
        (), description="leave these studies out (say why in notes)"
    )
    studies: tuple[str, ...] = Field(
        (), description="keep only these studies (e.g. the one trial with a given comparator)"
    )
    substance: str | None = Field(
        None, pattern=ID_PATTERN, description="experimental arm substance"
    )
    substance_by_footnote: dict[str, str] = Field(default_factory=dict)
    substance_from: FromAnalysis | None = None
    comparator_substance: str | None = Field(
        None, pattern=ID_PATTERN, description="control arm substance (active comparator)"
    )
    arm_label: str = Field("experimental", min_length=1, description="experimental arm label")
    comparator_label: str = Field("control", min_length=1, description="control arm label")
    arm_route: Route | None = Field(None, description="route of the experimental arm, if stated")
    subgroup_from: FromAnalysis | None = None
    quality_from: QualityFrom | None = None
    randomised: bool | None = Field(None, description="only when the review's criteria state it")
    control: Control = "unknown"
    comparator_by_footnote: dict[str, str] = Field(
        default_factory=dict,
        description="row footnote -> control arm substance (the review names the active comparator "
        "in a footnote); such a trial's control is 'active'",
    )
    swap_arms: bool = Field(
        False,
        description="the question's intervention is the review's control arm: group 1 takes the "
        "Control.* columns, group 2 the Experimental.* columns (binary and continuous rows only)",
    )

    @model_validator(mode="after")
    def _complete(self) -> Dataset:
        if self.reader == "pairwise70":
            for name in ("review", "analysis", "form"):
                if getattr(self, name) is None:
                    raise ValueError(
                        Msg("%(name)s: the pairwise70 reader needs %(name)s", name=name)
                    )
        if self.swap_arms and self.form == "generic":
            raise ValueError(
                Msg("swap_arms: a generic (yi) row cannot swap arms; use binary or continuous")
            )
        return self

    @property
    def p70_file(self) -> str:
        """The Pairwise70 CSV of the review (path under ../shared/data)."""
        return "trials/cochrane_pairwise70/" + str(self.review).replace(".", "_") + "_data.csv"


class QuestionSpec(SpecReviewed):
    """The written part of one evidence question; the generator adds the rows from ``dataset``."""

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    dataset: Dataset
    population: str = Field(min_length=1)
    indication: str | None = None
    intervention: Intervention
    comparator: str = Field(min_length=1)
    outcome: Outcome
    model: str | None = Field(None, description="preferred model: random or fixed")
    method: str | None = Field(None, description="preferred tau2 estimator (metafor name)")
    subgroup_by: str | None = None
    published: tuple[PublishedResult, ...] = ()
    notes: tuple[str, ...] = ()


#: the design facts a trial spec may give (fields of :class:`~immunograde.kb.model_evidence.Design`)
FACTS = ("randomised", "blinding", "allocation_concealment")
#: the other trial facts a trial spec may give (fields of :class:`~immunograde.kb.model_evidence.Trial`)
TRIAL_FACTS = ("funding", "population")


class TrialDesignFacts(_Model):
    """Design facts (and funding, population) of one generated trial, read by hand from a publication (a review's
    'Characteristics of included studies' table, the trial's paper or registry record).

    The generator writes them into the trial's ``design`` (``funding`` and ``population`` into the trial) and adds ``source`` (with its verbatim
    ``quote``, which must contain the fact's words) to the trial's ``more_sources``; a fact not given
    is left as the generator found it."""

    trial: str = Field(pattern=ID_PATTERN, description="id of the generated trial")
    randomised: bool | None = None
    blinding: Blinding | None = None
    allocation_concealment: Allocation | None = None
    funding: Funding | None = None
    population: str | None = Field(
        None, min_length=1, description="who was enrolled, in the source's words (in the quote)"
    )
    source: SourceRef
    note: str | None = None

    @model_validator(mode="after")
    def _a_fact_with_its_quote(self) -> TrialDesignFacts:
        if all(getattr(self, name) is None for name in (*FACTS, *TRIAL_FACTS)):
            raise ValueError(
                Msg(
                    "blinding: give randomised, blinding, allocation_concealment, funding or population"
                )
            )
        if not self.source.quote:
            raise ValueError(
                Msg("source.quote: the verbatim sentence or table row the facts were read from")
            )
        return self


class TrialSpec(SpecReviewed):
    """``data/specs/trials/<group>.yaml``: hand-read design facts for trials of one generated group
    (``id`` = file stem = the generated ``data/trials/<group>.yaml``)."""

    id: str = Field(pattern=ID_PATTERN)
    trials: tuple[TrialDesignFacts, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_value_per_fact(self) -> TrialSpec:
        seen: dict[tuple[str, str], str] = {}
        for i, t in enumerate(self.trials):
            for name in (*FACTS, *TRIAL_FACTS):
                value = getattr(t, name)
                if value is None:
                    continue
                have = seen.setdefault((t.trial, name), value)
                if have != value:
                    raise ValueError(
                        Msg(
                            "%(field)s: %(trial)s is already %(value)s",
                            field=".".join(("trials", str(i), name)),
                            trial=t.trial,
                            value=repr(have),
                        )
                    )
        return self


class ListSubstance(_Model):
    """A list entry taken as a substance: linked to an ATC substance, or a substance of its own."""

    key: str = Field(min_length=1, description="id of the entry in the flat list CSV")
    atc: str | None = Field(None, pattern=ATC_PATTERN)
    id: str | None = Field(None, pattern=ID_PATTERN)
    name: str | None = None
    classes: tuple[str, ...] = ()
    extra_classes: tuple[str, ...] = ()
    names: tuple[str, ...] = Field((), description="restrict the entry's names to these")
    same_as: SourceRef | None = Field(
        None,
        description="for an ``atc`` link whose ATC name is not among the entry's names: a public source "
        "whose quote names the entry's product and its active substance (e.g. an instruction's Состав)",
    )

    @model_validator(mode="after")
    def _linked_or_named(self) -> ListSubstance:
        if not self.atc and not (self.id and self.name and self.classes):
            raise ValueError(Msg("atc: an entry needs atc, or id, name and classes"))
        if self.same_as is not None and not (self.atc and self.same_as.quote):
            raise ValueError(Msg("same_as: needs atc and a source quote"))
        return self


class ListProduct(_Model):
    """A product a list names, with its dose form in the source's words (``quote`` is in the entry)."""

    id: str = Field(pattern=ID_PATTERN)
    key: str = Field(min_length=1)
    brand: str = Field(min_length=1)
    substances: tuple[str, ...] = Field(min_length=1)
    dose_form: str = Field(min_length=1)
    route: Route
    quote: str = Field(min_length=1)
    strength: str | None = None


class MergedSubstance(_Model):
    name: str = Field(min_length=1)
    codes: tuple[str, ...] = Field(min_length=1)


class NoAtcClass(_Model):
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    file: str = Field(min_length=1, description="shared README that describes the group")


class CatalogueSpec(SpecReviewed):
    """The editorial part of the catalogue seed (which entries to take and how to group them)."""

    atc_all_of: tuple[str, ...]
    atc_extra: tuple[str, ...]
    atc_merged: dict[str, MergedSubstance]
    no_atc_classes: dict[str, NoAtcClass]
    list_substances: tuple[ListSubstance, ...]
    list_products: tuple[ListProduct, ...]
    homeo_pattern: str
    homeo_also: tuple[str, ...]
    release_active_producer: str
    release_active_text: str
    fk_substances: dict[str, str]

    @model_validator(mode="after")
    def _valid(self) -> CatalogueSpec:
        for i, code in enumerate(self.atc_extra):
            if not re.match(ATC_PATTERN, code):
                raise ValueError(
                    Msg(
                        "%(field)s: %(code)s is not an ATC code",
                        field=".".join(("atc_extra", str(i))),
                        code=repr(code),
                    )
                )
        for name in ("homeo_pattern", "release_active_producer", "release_active_text"):
            try:
                re.compile(getattr(self, name))
            except re.error as exc:
                raise ValueError(
                    Msg(
                        "%(name)s: not a regular expression (%(reason)s)",
                        name=name,
                        reason=str(exc),
                    )
                ) from exc
        return self

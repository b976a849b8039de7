"""Evidence models: trials (design, arms, risk of bias) and questions with their outcome data.

Re-exported by :mod:`immunograde.kb.models` (import from there).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Literal

from pydantic import Field, computed_field, model_validator

from immunograde.errors import Msg
from immunograde.kb.model_base import (
    COUNTRY_PATTERN,
    ID_PATTERN,
    REGISTRY_PATTERNS,
    Allocation,
    Blinding,
    Control,
    Denominator,
    Dispersion,
    Funding,
    Importance,
    Measure,
    OutcomeType,
    Reviewed,
    RobLevel,
    Route,
    SourceRef,
    TrialStatus,
    _Model,
)
from immunograde.kb.model_curation import ReportedResult


class Arm(_Model):
    """One trial arm: what was given (product, dose form, route, dose, duration) and to how many."""

    label: str = Field(min_length=1)
    substance: str | None = Field(None, pattern=ID_PATTERN)
    product: str | None = Field(None, pattern=ID_PATTERN)
    dose_form: str | None = Field(None, description="words from the source, e.g. 'tablets'")
    dose: str | None = None
    duration: str | None = Field(None, description="e.g. '5 days'")
    route: Route = "unknown"
    n: int | None = Field(None, ge=0, description="participants randomised to the arm")
    n_analysed: int | None = Field(None, ge=0, description="participants analysed, if different")
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
    sponsor: str | None = Field(None, description="sponsor as the registry or paper names it")
    status: TrialStatus = "unknown"
    results_posted: bool | None = Field(None, description="results posted on the registry")
    results_posted_date: dt.date | None = None
    population: str | None = Field(None, description="who was enrolled, in one line")
    arms: tuple[Arm, ...] = ()
    rob: tuple[RobJudgement, ...] = ()
    more_sources: tuple[SourceRef, ...] = Field(
        (), description="further sources of design facts (registry record, paper), with quotes"
    )
    notes: str | None = None

    @model_validator(mode="after")
    def _ids(self) -> Trial:
        if self.results_posted_date is not None and self.results_posted is not True:
            raise ValueError(Msg("results_posted_date: needs results_posted: true"))
        for rid in self.registry_ids:
            if registry_of(rid) is None:
                raise ValueError(
                    Msg("registry_ids: %(id)s matches no known registry format", id=repr(rid))
                )
        for c in self.countries:
            if not re.match(COUNTRY_PATTERN, c):
                raise ValueError(
                    Msg("countries: %(code)s is not an ISO 3166-1 alpha-2 code", code=repr(c))
                )
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
                Msg(
                    "substance: an intervention needs a substance, substances, a product or a drug_class"
                )
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
    objective: bool | None = Field(
        None,
        description="measured without judgement (e.g. all-cause mortality, a laboratory result); "
        "None = not recorded.  Read by the risk-of-bias assessment (RoB 2 domain 4).",
    )
    mid: float | None = Field(
        None, description="minimal important difference, on the measure's scale"
    )
    mid_source: SourceRef | None = None

    @model_validator(mode="after")
    def _mid_sourced(self) -> Outcome:
        if self.mid is not None and self.mid_source is None:
            raise ValueError(Msg("mid_source: a minimal important difference needs mid_source"))
        return self


#: The metafor columns stored for every outcome row (the table and the query API use these).
METAFOR_COLUMNS = (
    "ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "sd1i", "m2i", "sd2i",
    "yi", "vi", "sei", "estimate", "ci_low", "ci_high",
)  # fmt: skip
_BINARY = ("ai", "ci")
_CONT = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")
_CONT_SE = ("m1i", "se1i", "n1i", "m2i", "se2i", "n2i")
#: Columns of an outcome row that hold numbers read from the source (each must be in the quote).
ROW_NUMBERS = (
    "ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "sd1i", "se1i", "m2i", "sd2i", "se2i",
    "yi", "vi", "sei", "estimate", "ci_low", "ci_high",
)  # fmt: skip


class OutcomeData(_Model):
    """One trial's outcome data for a question, in one of metafor's input forms.

    Forms: binary ``ai, n1i, ci, n2i`` (or ``ai, bi, ci, di``); continuous
    ``m1i, sd1i, n1i, m2i, sd2i, n2i`` (or ``se1i, se2i`` for standard errors, ``dispersion: se``);
    generic ``yi`` with ``vi`` or ``sei``; reported estimate ``estimate, ci_low, ci_high`` (ratio
    measures on the natural scale).  Group 1 is the intervention.  A continuous row whose spread is
    not known to be an SD or an SE (``dispersion: unclear``) is kept with its reason and never pooled.
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
    se1i: float | None = Field(None, ge=0, description="standard error, arm 1 (dispersion: se)")
    se2i: float | None = Field(None, ge=0, description="standard error, arm 2 (dispersion: se)")
    yi: float | None = None
    vi: float | None = Field(None, ge=0)
    sei: float | None = Field(None, ge=0)
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    dispersion: Dispersion | None = Field(None, description="continuous rows: sd, se or unclear")
    dispersion_note: str | None = Field(None, description="why the spread is unclear")
    denominator: Denominator | None = Field(
        None, description="n1i/n2i count those randomised (ITT) or those analysed"
    )
    subgroup: str | None = None
    note: str | None = None
    source: SourceRef | None = None

    def form(self) -> str:
        """Which input form the row uses: ``binary``, ``continuous``, ``generic`` or ``estimate``."""
        if all(getattr(self, f) is not None for f in _BINARY):
            return "binary"
        if all(getattr(self, f) is not None for f in _CONT) or all(
            getattr(self, f) is not None for f in _CONT_SE
        ):
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
                Msg(
                    "outcome data need one complete form: ai,n1i,ci,n2i | ai,bi,ci,di | "
                    "m1i,sd1i,n1i,m2i,sd2i,n2i | yi,vi | yi,sei | estimate,ci_low,ci_high"
                )
            )
        if form == "binary":
            if (self.n1i is None or self.n2i is None) and (self.bi is None or self.di is None):
                raise ValueError(Msg("n1i: binary data need n1i and n2i, or bi and di"))
            if self.n1i is not None and self.ai is not None and self.ai > self.n1i:
                raise ValueError(Msg("ai: is larger than n1i"))
            if self.n2i is not None and self.ci is not None and self.ci > self.n2i:
                raise ValueError(Msg("ci: is larger than n2i"))
        if form == "estimate" and not (self.ci_low <= self.estimate <= self.ci_high):  # type: ignore[operator]
            raise ValueError(Msg("estimate: is not inside [ci_low, ci_high]"))
        self._check_dispersion(form)
        return self

    def _check_dispersion(self, form: str) -> None:
        has_se = self.se1i is not None or self.se2i is not None
        if self.dispersion is not None and form != "continuous":
            raise ValueError(Msg("dispersion: only continuous rows (means with a spread) have one"))
        if self.dispersion == "iqr":
            raise ValueError(
                Msg(
                    "dispersion: medians with an IQR are not means with SDs; record them under reported:"
                )
            )
        if has_se and self.dispersion != "se":
            raise ValueError(
                Msg("dispersion: se1i/se2i are standard errors and need dispersion: se")
            )
        if self.dispersion == "se" and not has_se:
            raise ValueError(Msg("dispersion: se needs se1i and se2i (sd1i/sd2i are SDs)"))
        if has_se and (self.sd1i is not None or self.sd2i is not None):
            raise ValueError(Msg("se1i: give SDs or SEs, not both"))
        if self.dispersion == "unclear" and not self.dispersion_note:
            raise ValueError(
                Msg("dispersion_note: say why the spread is unclear (quote the source's words)")
            )

    def not_pooled_reason(self) -> str | None:
        """Why the row is kept but never pooled (None when it is poolable)."""
        if self.dispersion == "unclear":
            return f"spread not stated as SD or SE: {self.dispersion_note}"
        return None

    def metafor_values(self) -> dict[str, float | None]:
        """metafor's columns; SDs derived from SEs as SD = SE * sqrt(n) (Cochrane Handbook 6.5.2.2)."""
        out = {c: getattr(self, c) for c in METAFOR_COLUMNS}
        if self.dispersion == "se":
            out["sd1i"] = self.se1i * math.sqrt(self.n1i)  # type: ignore[operator,arg-type]
            out["sd2i"] = self.se2i * math.sqrt(self.n2i)  # type: ignore[operator,arg-type]
        return out


#: GRADE domains a source may give as its reason for a rating (the engine's own domain names), ``upgrade``
#: for rating up (large effect, dose-response, plausible confounding), ``none_stated`` when the source was
#: read and gives no reason (at "high": nothing rated down), ``not_found`` when the source gives reasons
#: somewhere (e.g. Summary-of-findings footnotes) that the text reachable here does not contain.
ReasonDomain = Literal[
    "risk_of_bias",
    "inconsistency",
    "indirectness",
    "imprecision",
    "publication_bias",
    "upgrade",
    "none_stated",
    "not_found",
]


class PublishedReason(_Model):
    """One reason a source states for its certainty rating, in its own words.

    ``levels`` is signed (-1, -2, -3 down; +1, +2 up) and None when the source names the domain without
    saying by how much.  ``domain: none_stated`` records that the source was read (``locator``) and gives
    no reason (it stands alone); ``not_found`` that its reasons (footnote markers, a full text) exist but
    were not in the text reachable (``locator`` says what was read) -- alone, or beside the reasons that
    could be read.  Neither has levels.  ``source`` is given only when the reason is read from
    another document or copy than the rating."""

    domain: ReasonDomain
    levels: int | None = Field(None, ge=-3, le=2)
    quote: str = Field(min_length=1, description="the source's words, copied exactly")
    locator: str = Field(
        min_length=1, description="where: SoF footnote, abstract, evidence profile"
    )
    source: SourceRef | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _levels(self) -> PublishedReason:
        if self.domain in ("none_stated", "not_found"):
            if self.levels is not None:
                raise ValueError(Msg("levels: %(domain)s has no levels", domain=self.domain))
        elif self.levels == 0:
            raise ValueError(Msg("levels: 0 is no rating change (omit the reason)"))
        elif self.levels is not None and (self.levels > 0) != (self.domain == "upgrade"):
            raise ValueError(
                Msg(
                    "levels: %(levels)s for %(domain)s: rating up is 'upgrade' with levels > 0,"
                    " every other domain rates down (levels < 0)",
                    levels=self.levels,
                    domain=self.domain,
                )
            )
        return self


class PublishedResult(_Model):
    """A pooled result or certainty rating as published (for comparison with ours), with its source.

    ``quote`` is the verbatim sentence (or sentences, joined by `` [...] ``) the numbers and the rating
    were read from; every number given here appears in it (a test checks).  ``certainty`` is GRADE's
    rating exactly as published, never inferred."""

    measure: str
    model: str | None = None
    method: str | None = None
    subgroup: str | None = None
    k: int | None = Field(None, ge=0)
    n: int | None = Field(None, ge=0)
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    certainty: Literal["high", "moderate", "low", "very low"] | None = None
    quote: str | None = Field(
        None,
        min_length=1,
        description="the verbatim sentence of the source that states the certainty or result",
    )
    note: str | None = None
    reasons: tuple[PublishedReason, ...] = Field(
        (),
        description="why the source rated the certainty down or up, verbatim; empty = not yet recorded",
    )
    evidence_match: Literal["same", "previous_version", "different"] | None = Field(
        None,
        description=(
            "whether the source rated the body of evidence the question's rows hold: 'same' (the same"
            " trials and analysis), 'previous_version' (a previous version of the same review, whose"
            " trials the rows reproduce), 'different' (other trials, time point, analysis, adjustment"
            " or a network estimate; the note says how); empty = not recorded"
        ),
    )
    source: SourceRef
    verified: bool = False

    @model_validator(mode="after")
    def _reasons(self) -> PublishedResult:
        if self.evidence_match == "different" and not self.note:
            raise ValueError(Msg("evidence_match: 'different' needs a note saying how"))
        domains = [r.domain for r in self.reasons]
        if "none_stated" in domains and len(domains) > 1:
            raise ValueError(Msg("reasons: none_stated stands alone"))
        if len(set(domains)) != len(domains):
            raise ValueError(Msg("reasons: one entry per domain"))
        if self.reasons and self.certainty is None:
            raise ValueError(Msg("reasons: only for a published certainty rating"))
        return self


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
    reported: tuple[ReportedResult, ...] = Field(
        (), description="results shown beside the trial's design, never pooled"
    )
    notes: str | None = None


def registry_of(registry_id: str) -> str | None:
    """The registry a trial id belongs to (``NCT``, ``ISRCTN``, ``ChiCTR``, …), or None."""
    for name, pattern in REGISTRY_PATTERNS.items():
        if re.match(pattern, registry_id):
            return name
    return None


#: Record kinds by folder/file (used by the loader and the checker).

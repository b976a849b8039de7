"""The one reviewed configuration of the GRADE rules (``grading/rules.yaml``), typed.

:func:`load_rules` reads the packaged file (or another path, for tests) into :class:`Rules`;
:func:`rules_as_text` renders it as structured sections for the web Methods page, so the page and the
code cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from immunograde.stats.measures import is_ratio

LEVELS = ("very_low", "low", "moderate", "high")


@dataclass(frozen=True)
class Review:
    version: int
    written_by: str
    reviewed_by: str | None
    date_reviewed: dt.date
    next_review: dt.date


#: The seven Core GRADE articles (Guyatt et al., BMJ 2025;389), by number: the series every rule is
#: measured against (issue 13).
CORE_GRADE_ARTICLES = {
    1: "overview (e081903)",
    2: "target of the certainty rating and imprecision (e081904)",
    3: "inconsistency (e081905)",
    4: "risk of bias, publication bias and rating up (e083864)",
    5: "indirectness (e083865)",
    6: "summary of findings tables (e083866)",
    7: "evidence to recommendations and decisions (e083867)",
}

#: How far Core GRADE governs a section: ``quoted`` (the cited Core GRADE passages are the rule),
#: ``partial`` (Core GRADE is quoted for part of it; the reason names what comes from elsewhere and
#: why), ``silent`` (no Core GRADE passage governs it; the reason says why, and the citations give
#: the nearest authoritative passage instead).
CORE_GRADE_STATUSES = ("quoted", "partial", "silent")

_CITATION_KEYS = {"quote", "source", "url", "core_grade"}


@dataclass(frozen=True)
class Citation:
    """A short verbatim passage from a source and where it was read.

    ``core_grade`` is the number of the Core GRADE article the passage is from (1-7), ``None`` for
    any other source; ``url`` is the page the quote was read from, when recorded.
    """

    quote: str
    source: str
    url: str | None = None
    core_grade: int | None = None


@dataclass(frozen=True)
class CoreGradeNote:
    """A section's standing against Core GRADE: ``status`` (see CORE_GRADE_STATUSES) and why."""

    status: str
    reason: str | None = None


@dataclass(frozen=True)
class Section:
    """Common documentation of a rule section: the rule in words, its reference and quoted passages,
    and how far Core GRADE governs it (``core_grade``)."""

    rationale: str
    reference: str
    citations: tuple[Citation, ...]
    core_grade: CoreGradeNote


@dataclass(frozen=True)
class InformationSizeRules(Section):
    """The one declared relative risk reduction (OIS, TSA, appreciable effect) with alpha and power."""

    relative_risk_reduction: float
    alpha: float
    power: float
    desirable_events: str = "complement"  #: "complement" (reduce failures) or "increase"

    def complements(self, higher_is_better: bool) -> bool:
        """Whether the declared reduction applies to not achieving the outcome (a desirable one)."""
        return higher_is_better and self.desirable_events == "complement"

    def event_risk(self, p0: float, higher_is_better: bool) -> tuple[float, str]:
        """The risk the declared reduction applies to, and its name.

        For an undesirable event it is the comparator risk ``p0``; for a desirable one (response,
        recovery, remission) with ``desirable_events: complement`` it is the risk of not achieving
        it, ``1 - p0`` (see ``rules.yaml: information_size``).
        """
        if self.complements(higher_is_better):
            return 1.0 - p0, "risk of not achieving the outcome"
        return p0, "comparator risk"


DOUBLE_ZERO_POLICIES = ("drop", "keep", "drop_ratios")


@dataclass(frozen=True)
class TrialEffectRules(Section):
    """How each trial's effect size is computed before pooling (the double-zero policy), declared once."""

    #: "drop" (metafor's drop00 = TRUE for every binary measure), "keep", or "drop_ratios" (dropped for
    #: the ratio measures, whose effect a double-zero trial does not define; kept for the risk difference,
    #: defined as 0 there - the Cochrane Handbook's account)
    double_zero: str
    continuity_correction: float  #: added to every cell of a 2x2 table with a zero cell

    def drop00(self, measure: str) -> bool:
        """Whether a double-zero trial is dropped from an analysis of ``measure``."""
        if self.double_zero == "drop_ratios":
            return is_ratio(measure)
        return self.double_zero == "drop"


@dataclass(frozen=True)
class TargetRules(Section):
    """The target of the certainty rating (Core GRADE 2): documentation only, no settings."""


@dataclass(frozen=True)
class StartRules(Section):
    randomised: str
    observational: str
    all_randomised_required: bool
    unknown_design_counts_as_randomised: bool


@dataclass(frozen=True)
class RobRules(Section):
    high_share_serious: float
    high_share_if_results_differ: float
    max_levels: int
    #: a published "some concerns" (the review that assessed the trial found limitations) is classified
    #: with the trials at high risk; ImmunoGrade's own "some concerns" (often: not recorded) never is
    published_some_concerns_as_high: bool = False


@dataclass(frozen=True)
class RobAssessmentRules(Section):
    low_attrition_max: float
    high_attrition_min: float


@dataclass(frozen=True)
class InconsistencyRules(Section):
    i2_very_serious: float
    q_p_corroborates: float
    i2_corroborates: float
    #: the test of heterogeneity corroborates only in a body of fewer trials than this (its p < 0.10
    #: cut-off answers the test's low power with few trials; with many it detects unimportant
    #: differences), where I2 alone does
    q_test_below_k: int = 10


@dataclass(frozen=True)
class IndirectnessRules(Section):
    indirect_share_serious: float
    max_levels: int


@dataclass(frozen=True)
class OisLevel:
    below: float
    levels: int


@dataclass(frozen=True)
class ImprecisionRules(Section):
    large_relative_effect: float
    default_smd_appreciable: float
    ois_levels: tuple[OisLevel, ...]
    max_levels: int
    #: what a large effect's sample size is compared with: "ois" (GRADE's optimal information size, a
    #: conventional sample size for one adequately powered trial) or "tsa" (the trial sequential
    #: analysis's heterogeneity-adjusted required information size, where a TSA exists)
    large_effect_information: str = "ois"


@dataclass(frozen=True)
class PublicationBiasRules(Section):
    asymmetry_min_k: int
    asymmetry_p_threshold: float
    small_trial_participants: int
    small_share_serious: float
    missing_share_serious: float
    max_levels: int


@dataclass(frozen=True)
class UpgradingRules(Section):
    large_rr: float
    very_large_rr: float
    requires_no_downgrade: bool
    max_levels: int


@dataclass(frozen=True)
class EffectSizeRules(Section):
    ratio_small_below: float
    large_ratio: float
    smd_bounds: tuple[float, float, float]
    mid_small_max_multiple: float
    mid_large_multiple: float


@dataclass(frozen=True)
class VerdictRules(Section):
    order: tuple[str, ...]
    labels: dict[str, str]
    matrix: dict[str, dict[str, str]]
    excludes_benefit_min_level: str
    safety_outcome_terms: tuple[str, ...]
    no_evidence: dict[str, str]


@dataclass(frozen=True)
class ReconciliationRules(Section):
    agree: dict[str, list[str]]
    sentences: dict[str, str]
    why: dict[str, str]


@dataclass(frozen=True)
class DataSection:
    """A section kept as a plain mapping (wording, crosswalks), with its Core GRADE standing."""

    key: str
    title: str
    source: str
    citations: tuple[Citation, ...]
    core_grade: CoreGradeNote


#: the sections of rules.yaml read as plain mappings, with their Methods-page titles (``review`` is
#: the file's review record, not a rule)
DATA_SECTION_TITLES = {
    "certainty_levels": "Certainty levels and their definitions",
    "statements": "Plain-language statements",
    "natural_medicines": "Natural Medicines crosswalk",
    "profile": "Evidence profile questions",
}


@dataclass(frozen=True)
class Rules:
    """Every threshold and wording the grading uses, with the review record of the file."""

    review: Review
    trial_effects: TrialEffectRules
    information_size: InformationSizeRules
    start: StartRules
    target: TargetRules
    risk_of_bias: RobRules
    rob_assessment: RobAssessmentRules
    inconsistency: InconsistencyRules
    indirectness: IndirectnessRules
    imprecision: ImprecisionRules
    publication_bias: PublicationBiasRules
    upgrading: UpgradingRules
    effect_size: EffectSizeRules
    verdicts: VerdictRules
    reconciliation: ReconciliationRules
    certainty_levels: dict[str, Any]
    statements: dict[str, Any]
    natural_medicines: dict[str, Any]
    profile: dict[str, Any]
    path: str
    #: the Core GRADE standing of the sections kept as plain mappings (certainty_levels, statements,
    #: natural_medicines, profile): their ``core_grade`` note and quoted passages
    data_sections: dict[str, DataSection] = field(default_factory=dict)


_SECTIONS: dict[str, type[Section]] = {
    "trial_effects": TrialEffectRules,
    "information_size": InformationSizeRules,
    "start": StartRules,
    "target": TargetRules,
    "risk_of_bias": RobRules,
    "rob_assessment": RobAssessmentRules,
    "inconsistency": InconsistencyRules,
    "indirectness": IndirectnessRules,
    "imprecision": ImprecisionRules,
    "publication_bias": PublicationBiasRules,
    "upgrading": UpgradingRules,
    "effect_size": EffectSizeRules,
    "verdicts": VerdictRules,
    "reconciliation": ReconciliationRules,
}


def parse_citations(raw: list[dict[str, Any]] | None, name: str) -> tuple[Citation, ...]:
    """The section's quoted passages; ``ValueError`` names an unknown key or a Core GRADE number
    that the source does not name."""
    out = []
    for i, c in enumerate(raw or [], 1):
        extra = set(c) - _CITATION_KEYS
        if extra or "quote" not in c or "source" not in c:
            raise ValueError(
                f"rules.yaml: section {name!r}: citation {i}: needs quote and source, "
                f"unknown {sorted(extra)}"
            )
        number = c.get("core_grade")
        if number is not None and (
            number not in CORE_GRADE_ARTICLES or f"Core GRADE {number}" not in str(c["source"])
        ):
            raise ValueError(
                f"rules.yaml: section {name!r}: citation {i}: core_grade {number!r} must be 1-7 "
                f"and its source must name 'Core GRADE {number}'"
            )
        url = c.get("url")
        out.append(
            Citation(
                str(c["quote"]),
                str(c["source"]),
                None if url is None else str(url),
                None if number is None else int(number),
            )
        )
    return tuple(out)


def parse_core_grade(
    raw: dict[str, Any] | None, citations: tuple[Citation, ...], name: str
) -> CoreGradeNote:
    """The section's ``core_grade`` note, checked against its citations.

    ``quoted`` and ``partial`` need at least one Core GRADE citation; ``partial`` and ``silent``
    need a reason (what comes from elsewhere, or why Core GRADE does not speak to the rule).
    """
    if not isinstance(raw, dict) or set(raw) - {"status", "reason"} or "status" not in raw:
        raise ValueError(
            f"rules.yaml: section {name!r}: core_grade must be a mapping with status "
            f"({', '.join(CORE_GRADE_STATUSES)}) and reason"
        )
    status, reason = raw["status"], raw.get("reason")
    if status not in CORE_GRADE_STATUSES:
        raise ValueError(
            f"rules.yaml: section {name!r}: core_grade status {status!r} is not one of "
            f"{', '.join(CORE_GRADE_STATUSES)}"
        )
    if status in ("quoted", "partial") and not any(c.core_grade for c in citations):
        raise ValueError(
            f"rules.yaml: section {name!r}: core_grade {status!r} but no citation is from a "
            "Core GRADE article (core_grade: N)"
        )
    if status in ("partial", "silent") and not (reason and str(reason).strip()):
        raise ValueError(f"rules.yaml: section {name!r}: core_grade {status!r} needs a reason")
    return CoreGradeNote(str(status), None if reason is None else " ".join(str(reason).split()))


def _build(cls: type[Section], raw: dict[str, Any], name: str) -> Section:
    names = {f.name for f in fields(cls)}
    missing = names - set(raw)
    extra = set(raw) - names
    if missing or extra:
        raise ValueError(
            f"rules.yaml: section {name!r}: missing {sorted(missing)}, unknown {sorted(extra)}"
        )
    values = dict(raw)
    values["citations"] = parse_citations(raw["citations"], name)
    values["core_grade"] = parse_core_grade(raw["core_grade"], values["citations"], name)
    if cls is ImprecisionRules:
        values["ois_levels"] = tuple(
            OisLevel(float(x["below"]), int(x["levels"])) for x in raw["ois_levels"]
        )
    if cls is ImprecisionRules and raw["large_effect_information"] not in ("ois", "tsa"):
        raise ValueError(
            f"rules.yaml: section {name!r}: large_effect_information must be 'ois' or 'tsa'"
        )
    if cls is InformationSizeRules and raw["desirable_events"] not in ("complement", "increase"):
        raise ValueError(
            f"rules.yaml: section {name!r}: desirable_events must be 'complement' or 'increase'"
        )
    if cls is TrialEffectRules and raw["double_zero"] not in DOUBLE_ZERO_POLICIES:
        raise ValueError(
            f"rules.yaml: section {name!r}: double_zero must be one of {', '.join(DOUBLE_ZERO_POLICIES)}"
        )
    if cls is EffectSizeRules:
        values["smd_bounds"] = tuple(float(x) for x in raw["smd_bounds"])
    if cls is VerdictRules:
        values["order"] = tuple(raw["order"])
        values["safety_outcome_terms"] = tuple(raw["safety_outcome_terms"])
    return cls(**values)


def parse_rules(raw: dict[str, Any], path: str = "<memory>") -> Rules:
    """Build :class:`Rules` from the parsed YAML mapping; ``ValueError`` names a bad section."""
    sections = {name: _build(cls, raw[name], name) for name, cls in _SECTIONS.items()}
    data_sections = {}
    for name, title in DATA_SECTION_TITLES.items():
        part = raw[name]
        citations = parse_citations(part.get("citations"), name)
        source = part.get("source") or part.get("rationale") or ""
        data_sections[name] = DataSection(
            name,
            title,
            " ".join(str(source).split()),
            citations,
            parse_core_grade(part.get("core_grade"), citations, name),
        )
    return Rules(
        review=Review(**raw["review"]),
        certainty_levels=raw["certainty_levels"],
        statements=raw["statements"],
        natural_medicines=raw["natural_medicines"],
        profile=raw["profile"],
        path=path,
        data_sections=data_sections,
        **sections,  # type: ignore[arg-type]
    )


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> Rules:
    """Load the reviewed rules (the packaged ``rules.yaml`` unless ``path`` is given)."""
    if path is None:
        text = resources.files("immunograde.grading").joinpath("rules.yaml").read_text("utf-8")
        where = "immunograde/grading/rules.yaml"
    else:
        text = Path(path).read_text(encoding="utf-8")
        where = path
    return parse_rules(yaml.safe_load(text), where)


@dataclass(frozen=True)
class MethodsSection:
    """One section of the Methods page: title, the numbers used, the rule in words, the reference."""

    key: str
    title: str
    settings: dict[str, Any]
    rationale: str
    reference: str
    citations: tuple[Citation, ...] = ()
    core_grade: CoreGradeNote | None = None


_TITLES = {
    "information_size": "Relative risk reduction, optimal information size and TSA",
    "start": "Starting level",
    "target": "Target of the certainty rating",
    "risk_of_bias": "Risk of bias",
    "rob_assessment": "Risk of bias per trial (when no published judgement is reachable)",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision and optimal information size",
    "publication_bias": "Publication bias",
    "upgrading": "Rating up (observational evidence only)",
    "effect_size": "Size of effect (for statements and verdicts)",
    "verdicts": "Verdicts",
    "reconciliation": "Verdict and trial sequential analysis",
}


def rules_as_text(rules: Rules | None = None) -> list[MethodsSection]:
    """The rules as Methods-page sections, in the order GRADE applies them."""
    rules = rules or load_rules()
    return [_as_text(rules, key, title) for key, title in _TITLES.items()]


#: the Methods-page title of the section that precedes grading (how each trial's effect is computed)
TRIAL_EFFECTS_TITLE = "Each trial's effect size, before pooling"


def trial_effects_as_text(rules: Rules | None = None) -> MethodsSection:
    """The declared double-zero policy and continuity correction as a Methods-page section."""
    return _as_text(rules or load_rules(), "trial_effects", TRIAL_EFFECTS_TITLE)


def _as_text(rules: Rules, key: str, title: str) -> MethodsSection:
    section = getattr(rules, key)
    settings = {
        f.name: getattr(section, f.name)
        for f in fields(section)
        if f.name not in ("rationale", "reference", "citations", "core_grade")
    }
    return MethodsSection(
        key,
        title,
        settings,
        section.rationale,
        section.reference,
        section.citations,
        section.core_grade,
    )


def data_sections_as_text(rules: Rules | None = None) -> list[DataSection]:
    """The sections kept as plain mappings (wording, crosswalks), for the Methods page."""
    rules = rules or load_rules()
    return list(rules.data_sections.values())

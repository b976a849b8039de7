"""The one reviewed configuration of the GRADE rules (``grading/rules.yaml``), typed.

:func:`load_rules` reads the packaged file (or another path, for tests) into :class:`Rules`;
:func:`rules_as_text` renders it as structured sections for the web Methods page, so the page and the
code cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

LEVELS = ("very_low", "low", "moderate", "high")


@dataclass(frozen=True)
class Review:
    version: int
    written_by: str
    reviewed_by: str | None
    date_reviewed: dt.date
    next_review: dt.date


@dataclass(frozen=True)
class Section:
    """Common documentation of a rule section."""

    rationale: str
    reference: str


@dataclass(frozen=True)
class StartRules(Section):
    randomised: str
    observational: str
    all_randomised_required: bool
    unknown_design_counts_as_randomised: bool


@dataclass(frozen=True)
class RobRules(Section):
    serious_high_share: float
    serious_concerns_share: float
    very_serious_high_share: float
    not_assessed_counts_as: str
    all_not_assessed_levels: int


@dataclass(frozen=True)
class InconsistencyRules(Section):
    i2_serious: float
    i2_very_serious: float
    q_p_threshold: float


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
    default_relative_mid: float
    default_smd_mid: float
    alpha: float
    power: float
    ois_relative_reduction: float
    ois_levels: tuple[OisLevel, ...]
    max_levels: int
    ois_levels_when_ci_clear: int


@dataclass(frozen=True)
class PublicationBiasRules(Section):
    egger_min_k: int
    egger_p_threshold: float
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
    safety_outcome_terms: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    """Every threshold and wording the grading uses, with the review record of the file."""

    review: Review
    start: StartRules
    risk_of_bias: RobRules
    inconsistency: InconsistencyRules
    indirectness: IndirectnessRules
    imprecision: ImprecisionRules
    publication_bias: PublicationBiasRules
    upgrading: UpgradingRules
    effect_size: EffectSizeRules
    verdicts: VerdictRules
    certainty_levels: dict[str, Any]
    statements: dict[str, Any]
    natural_medicines: dict[str, Any]
    profile: dict[str, Any]
    path: str


_SECTIONS: dict[str, type[Section]] = {
    "start": StartRules,
    "risk_of_bias": RobRules,
    "inconsistency": InconsistencyRules,
    "indirectness": IndirectnessRules,
    "imprecision": ImprecisionRules,
    "publication_bias": PublicationBiasRules,
    "upgrading": UpgradingRules,
    "effect_size": EffectSizeRules,
    "verdicts": VerdictRules,
}


def _build(cls: type[Section], raw: dict[str, Any], name: str) -> Section:
    names = {f.name for f in fields(cls)}
    missing = names - set(raw)
    extra = set(raw) - names
    if missing or extra:
        raise ValueError(
            f"rules.yaml: section {name!r}: missing {sorted(missing)}, unknown {sorted(extra)}"
        )
    values = dict(raw)
    if cls is ImprecisionRules:
        values["ois_levels"] = tuple(
            OisLevel(float(x["below"]), int(x["levels"])) for x in raw["ois_levels"]
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
    return Rules(
        review=Review(**raw["review"]),
        certainty_levels=raw["certainty_levels"],
        statements=raw["statements"],
        natural_medicines=raw["natural_medicines"],
        profile=raw["profile"],
        path=path,
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


_TITLES = {
    "start": "Starting level",
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision and optimal information size",
    "publication_bias": "Publication bias",
    "upgrading": "Rating up (observational evidence only)",
    "effect_size": "Size of effect (for statements and verdicts)",
    "verdicts": "Verdicts",
}


def rules_as_text(rules: Rules | None = None) -> list[MethodsSection]:
    """The rules as Methods-page sections, in the order GRADE applies them."""
    rules = rules or load_rules()
    out = []
    for key, title in _TITLES.items():
        section = getattr(rules, key)
        settings = {
            f.name: getattr(section, f.name)
            for f in fields(section)
            if f.name not in ("rationale", "reference")
        }
        out.append(MethodsSection(key, title, settings, section.rationale, section.reference))
    return out

"""Inputs and outputs of the grading: small frozen dataclasses, filled by the appraise layer.

Effects are on the analysis scale (log for ratio measures RR, OR, HR, ROM, IRR), like metafor's ``yi``.
Weights are shares of the pooled weight (they sum to one over the trials of a question).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from immunograde.stats.measures import is_ratio
from immunograde.stats.mh import i2_from_q


@dataclass(frozen=True)
class TrialFacts:
    """What the grading needs to know about one trial in one question."""

    id: str
    label: str
    weight: float = 0.0
    randomised: bool | None = None
    rob_overall: str = "not_assessed"
    rob_domains: tuple[tuple[str, str], ...] = ()
    rob_source: str | None = (
        None  #: who published the judgement (review, table); None = none reachable
    )
    allocation_concealment: str = "unknown"  #: adequate | inadequate | unclear | unknown
    analysed_share: float | None = None  #: participants with outcome data / randomised (attrition)
    blinding: str = "unknown"
    control: str = "unknown"
    countries: tuple[str, ...] = ()
    funding: str = "unknown"
    participants: int | None = None
    year: int | None = None
    registry_ids: tuple[str, ...] = ()
    route: str | None = None
    dose_form: str | None = None
    yi: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True)
class PooledEffect:
    """The pooled result of one question (from ``stats``), on the analysis scale."""

    measure: str
    k: int
    participants: int
    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float | None = None
    pi_high: float | None = None
    tau2: float | None = None
    i2: float | None = None
    q_p: float | None = None
    q: float | None = None  #: Cochran's Q (metafor's QE) and its degrees of freedom
    q_df: float | None = None
    asymmetry_p: float | None = None  #: small-study test p (Peters for binary ratios, else Egger)
    asymmetry_test: str | None = None  #: "Peters" or "Egger"
    control_risk: float | None = None
    sd_pooled: float | None = None
    overall_risk: float | None = None  # events / participants in both arms (OIS when p0 is 0)

    @property
    def i2_from_q(self) -> float | None:
        """Higgins and Thompson's I2 from Cochran's Q, ``max(0, (Q - df) / Q)`` in percent: the statistic
        the Cochrane Handbook's interpretation ranges describe (the random-effects fit's ``i2`` comes
        from its tau2 estimate instead and can be 0% while Q is large)."""
        if self.q is None or self.q_df is None or self.q <= 0:
            return None
        return i2_from_q(self.q, self.q_df)

    @property
    def is_ratio(self) -> bool:
        """Judged on the log scale (the one vocabulary: :mod:`immunograde.stats.measures`)."""
        return is_ratio(self.measure)


@dataclass(frozen=True)
class OutcomeSpec:
    """The outcome as the question defines it."""

    name: str
    type: str = "binary"
    importance: str = "critical"
    higher_is_better: bool = False
    mid: float | None = None
    surrogate: bool = False
    objective: bool | None = (
        None  #: measured without judgement (e.g. all-cause mortality); None = not recorded
    )


@dataclass(frozen=True)
class QuestionContext:
    """Facts about the question that the indirectness and publication-bias rules read."""

    route: str | None = None
    dose_form: str | None = None
    population_differs: bool = False
    comparator_differs: bool = False
    missing_results: tuple[tuple[str, int], ...] = ()  # (registry id, planned participants)
    dose_response: bool = False
    confounding_reduces_effect: bool = False


@dataclass(frozen=True)
class TsaSummary:
    """A trial sequential analysis, fed to imprecision as an explained input."""

    required_information_size: float
    boundary_crossed: str | None = None  # "benefit" | "harm" | "futility" | None
    source: str = "trial sequential analysis"
    explanation: str = ""


@dataclass(frozen=True)
class Judgement:
    """One GRADE domain: how many levels it moves the rating (negative = down), why, and from what."""

    domain: str
    levels: int
    reason: str
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def concern(self) -> str:
        """GRADE's words for the judgement: not serious / serious / very serious / extremely serious."""
        n = abs(self.levels)
        if self.levels > 0:
            return "rated up"
        return ("not serious", "serious", "very serious", "extremely serious")[min(n, 3)]

"""Risk of bias per trial: the published RoB 2 judgement, else ImmunoGrade's own from the trial's design.

Rule (``rules.yaml: rob_assessment``; Sterne 2019, RoB 2): a judgement published by the review or
guideline that assessed the trial wins.  Otherwise each RoB 2 domain is assessed from what the
knowledge base records -- allocation concealment (D1), blinding (D2), the share of randomised
participants with outcome data (D3), blinding together with the outcome's objectivity (D4), a registry
record (D5) -- with a reason per domain; the overall judgement is the least favourable assessed domain.
The result is marked as ImmunoGrade's own assessment, not verified.
"""

from __future__ import annotations

from dataclasses import dataclass

from immunograde.grading.config import RobAssessmentRules
from immunograde.grading.inputs import OutcomeSpec, TrialFacts

OWN = "ImmunoGrade's own assessment from the recorded design (not verified)"
ORDER = ("low", "some_concerns", "high")
BLINDED = frozenset({"double", "triple"})


@dataclass(frozen=True)
class DomainJudgement:
    domain: str
    judgement: str  # low | some_concerns | high | not_assessed
    reason: str


@dataclass(frozen=True)
class TrialRob:
    """One trial's risk of bias: overall, per domain, and who judged it."""

    trial: str
    overall: str
    domains: tuple[DomainJudgement, ...]
    source: str
    verified: bool


def _d1(t: TrialFacts) -> DomainJudgement:
    name = "d1_randomisation"
    if t.randomised is False:
        return DomainJudgement(name, "high", "not randomised")
    ac = t.allocation_concealment
    if ac == "adequate":
        return DomainJudgement(name, "low", "allocation concealment adequate")
    if ac == "inadequate":
        return DomainJudgement(name, "high", "allocation concealment inadequate")
    return DomainJudgement(name, "some_concerns", "allocation concealment not reported")


def _d2(t: TrialFacts) -> DomainJudgement:
    name = "d2_deviations"
    if t.blinding in BLINDED:
        return DomainJudgement(name, "low", f"{t.blinding}-blind")
    if t.blinding in ("single", "open"):
        return DomainJudgement(name, "some_concerns", f"{t.blinding} label: participants or carers aware")  # fmt: skip
    return DomainJudgement(name, "some_concerns", "blinding not recorded")


def _d3(t: TrialFacts, rules: RobAssessmentRules) -> DomainJudgement:
    name = "d3_missing"
    s = t.analysed_share
    if s is None:
        return DomainJudgement(name, "not_assessed", "participants with outcome data not recorded")
    missing = max(0.0, 1.0 - s)
    text = f"outcome data missing for {missing:.0%} of those randomised"
    if missing <= rules.low_attrition_max:
        return DomainJudgement(name, "low", text)
    return DomainJudgement(name, "high" if missing >= rules.high_attrition_min else "some_concerns", text)  # fmt: skip


def _d4(t: TrialFacts, outcome: OutcomeSpec) -> DomainJudgement:
    name = "d4_measurement"
    if outcome.objective:
        return DomainJudgement(name, "low", f"objective outcome ({outcome.name}): not influenced by knowing the allocation")  # fmt: skip
    if t.blinding in BLINDED:
        return DomainJudgement(name, "low", f"{t.blinding}-blind outcome assessment")
    if outcome.objective is None:
        return DomainJudgement(name, "some_concerns", "outcome objectivity not recorded and not double-blind")  # fmt: skip
    if t.blinding == "open":
        return DomainJudgement(name, "high", "subjective outcome assessed open label")
    return DomainJudgement(name, "some_concerns", f"subjective outcome, blinding {t.blinding}")


def _d5(t: TrialFacts) -> DomainJudgement:
    name = "d5_selection"
    if t.registry_ids:
        return DomainJudgement(name, "low", f"registered ({', '.join(t.registry_ids)})")
    return DomainJudgement(name, "some_concerns", "no registry record in the knowledge base")


def overall(domains: tuple[DomainJudgement, ...]) -> str:
    """RoB 2's overall judgement: the least favourable assessed domain."""
    judged = [d.judgement for d in domains if d.judgement in ORDER]
    return max(judged, key=ORDER.index) if judged else "not_assessed"


def assess_trial(t: TrialFacts, outcome: OutcomeSpec, rules: RobAssessmentRules) -> TrialRob:
    """The trial's risk of bias: published when recorded, else derived from its design."""
    if t.rob_overall != "not_assessed":
        domains = tuple(DomainJudgement(n, j, "published") for n, j in t.rob_domains)
        return TrialRob(
            t.label, t.rob_overall, domains, t.rob_source or "published judgement", True
        )
    domains = (_d1(t), _d2(t), _d3(t, rules), _d4(t, outcome), _d5(t))
    return TrialRob(t.label, overall(domains), domains, OWN, False)

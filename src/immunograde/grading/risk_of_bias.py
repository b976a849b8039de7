"""Risk of bias: RoB 2 overall judgements weighted by each trial's share of the pooled weight.

Rule (``rules.yaml: risk_of_bias``; Guyatt 2011, GRADE guidelines 4): with ``w_high`` the weight share
of trials at high risk and ``w_concern`` that of trials at high risk or with some concerns, rate down
two levels when ``w_high >= very_serious_high_share``, one level when ``w_high >= serious_high_share``
or ``w_concern >= serious_concerns_share``.  Trials not assessed count as ``not_assessed_counts_as``.
"""

from __future__ import annotations

from collections.abc import Sequence

from immunograde.grading.config import RobRules
from immunograde.grading.inputs import Judgement, TrialFacts

DOMAIN = "risk_of_bias"


def _shares(trials: Sequence[TrialFacts]) -> dict[str, float]:
    total = sum(t.weight for t in trials)
    if total <= 0:
        raise ValueError("trial weights must sum to a positive number")
    shares = {"low": 0.0, "some_concerns": 0.0, "high": 0.0, "not_assessed": 0.0}
    for t in trials:
        shares[t.rob_overall] = shares.get(t.rob_overall, 0.0) + t.weight / total
    return shares


def _pct(x: float) -> str:
    return f"{100.0 * x:.0f}%"


def rate_risk_of_bias(trials: Sequence[TrialFacts], rules: RobRules) -> Judgement:
    """Judge risk of bias for a body of trials (see module docstring for the rule)."""
    shares = _shares(trials)
    na = [t.label for t in trials if t.rob_overall == "not_assessed"]
    inputs = {"weight_shares": {k: round(v, 4) for k, v in shares.items()}, "not_assessed": na}
    if shares["not_assessed"] >= 1.0 - 1e-12:
        return Judgement(
            DOMAIN,
            -rules.all_not_assessed_levels,
            "Risk of bias not assessed for any trial; rated down as the rules require.",
            inputs,
        )
    high = shares["high"] + (
        shares["not_assessed"] if rules.not_assessed_counts_as == "high" else 0
    )
    concern = shares["high"] + shares["some_concerns"] + shares["not_assessed"]
    na_note = (
        f" Not assessed: {', '.join(na)} ({_pct(shares['not_assessed'])} of the weight, counted as "
        f"{rules.not_assessed_counts_as.replace('_', ' ')})."
        if na
        else ""
    )
    if high >= rules.very_serious_high_share:
        return Judgement(
            DOMAIN,
            -2,
            f"Trials at high risk of bias carry {_pct(high)} of the weight.{na_note}",
            inputs,
        )
    if high >= rules.serious_high_share or concern >= rules.serious_concerns_share:
        why = (
            f"Trials at high risk of bias carry {_pct(high)} of the weight"
            if high >= rules.serious_high_share
            else f"Trials at high risk or with some concerns carry {_pct(concern)} of the weight"
        )
        return Judgement(DOMAIN, -1, why + "." + na_note, inputs)
    return Judgement(
        DOMAIN,
        0,
        f"Trials at low risk of bias carry {_pct(shares['low'])} of the weight.{na_note}",
        inputs,
    )

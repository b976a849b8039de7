"""Hand-derived cases for each GRADE domain rule in rules.yaml (risk of bias, inconsistency,
indirectness, publication bias, rating up).  Each case states the inputs and the rule that applies."""

from __future__ import annotations

import math

import pytest

from immunograde.grading.config import load_rules
from immunograde.grading.inconsistency import non_overlapping_pairs, rate_inconsistency
from immunograde.grading.indirectness import rate_indirectness
from immunograde.grading.inputs import OutcomeSpec, PooledEffect, QuestionContext, TrialFacts
from immunograde.grading.publication_bias import rate_publication_bias
from immunograde.grading.risk_of_bias import rate_risk_of_bias
from immunograde.grading.thresholds import mid_thresholds
from immunograde.grading.upgrading import rate_upgrading

R = load_rules()


def trial(i: int, w: float, **kw: object) -> TrialFacts:
    return TrialFacts(id=f"t{i}", label=f"Trial {i}", weight=w, **kw)  # type: ignore[arg-type]


def pooled(**kw: object) -> PooledEffect:
    base: dict[str, object] = dict(
        measure="RR",
        k=5,
        participants=5000,
        estimate=math.log(0.8),
        ci_low=math.log(0.7),
        ci_high=math.log(0.91),
    )
    base.update(kw)
    return PooledEffect(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("robs", "levels"),
    [
        # 30% of weight at high risk >= 25% -> serious
        ([("high", 0.3), ("low", 0.7)], -1),
        # 60% at high risk >= 50% -> very serious
        ([("high", 0.6), ("low", 0.4)], -2),
        # high 20% (< 25%) but high + some concerns = 55% >= 50% -> serious
        ([("high", 0.2), ("some_concerns", 0.35), ("low", 0.45)], -1),
        # high 10%, some concerns 30%: 40% < 50% -> not serious
        ([("high", 0.1), ("some_concerns", 0.3), ("low", 0.6)], 0),
        # not assessed counts as some concerns: 50% -> serious
        ([("not_assessed", 0.5), ("low", 0.5)], -1),
        # weights need not be normalised: 3 of 10 -> 30% high
        ([("high", 3.0), ("low", 7.0)], -1),
    ],
)
def test_risk_of_bias_weighted(robs: list[tuple[str, float]], levels: int) -> None:
    trials = [trial(i, w, rob_overall=r) for i, (r, w) in enumerate(robs)]
    assert rate_risk_of_bias(trials, R.risk_of_bias).levels == levels


def test_risk_of_bias_not_assessed_is_named() -> None:
    j = rate_risk_of_bias(
        [trial(1, 0.5, rob_overall="not_assessed"), trial(2, 0.5, rob_overall="low")],
        R.risk_of_bias,
    )
    assert "Not assessed: Trial 1" in j.reason and j.inputs["not_assessed"] == ["Trial 1"]
    all_na = rate_risk_of_bias([trial(1, 1.0)], R.risk_of_bias)
    assert all_na.levels == -1 and "not assessed" in all_na.reason


def test_inconsistency_rules() -> None:
    mid = mid_thresholds("RR", None, R.imprecision)  # RR 0.95 / 1.05
    t = [
        trial(1, 0.5, yi=-0.5, ci_low=-0.8, ci_high=-0.2),
        trial(2, 0.5, yi=0.3, ci_low=0.1, ci_high=0.5),
    ]
    assert non_overlapping_pairs(t) == [("Trial 1", "Trial 2")]
    single = rate_inconsistency(pooled(k=1), t[:1], mid, R.inconsistency)
    assert single.levels == 0 and "Single trial" in single.reason
    # I2 60% >= 50, Q p 0.05 < 0.10, PI (-0.6, 0.2) includes 0 -> serious
    j = rate_inconsistency(
        pooled(i2=60.0, q_p=0.05, pi_low=-0.6, pi_high=0.2), t, mid, R.inconsistency
    )
    assert j.levels == -1
    # I2 80% >= 75, PI (log 0.5, log 1.6) beyond log 0.95 and log 1.05 -> very serious
    j = rate_inconsistency(
        pooled(i2=80.0, q_p=0.001, pi_low=math.log(0.5), pi_high=math.log(1.6)),
        t,
        mid,
        R.inconsistency,
    )
    assert j.levels == -2
    # I2 30% < 50 -> not serious even with a wide PI
    j = rate_inconsistency(
        pooled(i2=30.0, q_p=0.2, pi_low=-0.6, pi_high=0.2), t, mid, R.inconsistency
    )
    assert j.levels == 0
    # I2 60% but Q p 0.3 and overlapping CIs -> heterogeneity not supported -> not serious
    ov = [
        trial(1, 0.5, yi=-0.3, ci_low=-0.8, ci_high=0.2),
        trial(2, 0.5, yi=0.1, ci_low=-0.3, ci_high=0.5),
    ]
    j = rate_inconsistency(
        pooled(i2=60.0, q_p=0.3, pi_low=-0.6, pi_high=0.2), ov, mid, R.inconsistency
    )
    assert j.levels == 0


def test_indirectness_form_and_surrogate() -> None:
    ctx = QuestionContext(route="rectal", dose_form="suppositories")
    injected = [trial(1, 0.8, route="intramuscular"), trial(2, 0.2, route="rectal")]
    j = rate_indirectness(injected, OutcomeSpec("recovery"), ctx, R.indirectness)
    assert j.levels == -1 and "80%" in j.reason and j.inputs["other_form_trials"] == ["Trial 1"]
    j = rate_indirectness(
        injected, OutcomeSpec("interferon titre", surrogate=True), ctx, R.indirectness
    )
    assert j.levels == -2
    # only 20% of the weight from the other form (< 50%) -> not serious
    few = [trial(1, 0.2, route="intramuscular"), trial(2, 0.8, route="rectal")]
    assert rate_indirectness(few, OutcomeSpec("recovery"), ctx, R.indirectness).levels == 0
    # unknown routes are not counted as different
    assert (
        rate_indirectness(
            [trial(1, 1.0, route="unknown")], OutcomeSpec("x"), ctx, R.indirectness
        ).levels
        == 0
    )


def test_publication_bias_signals() -> None:
    t = [trial(i, 0.1, participants=300) for i in range(10)]
    assert (
        rate_publication_bias(
            pooled(k=12, egger_p=0.03), t, QuestionContext(), R.publication_bias
        ).levels
        == -1
    )
    not_run = rate_publication_bias(
        pooled(k=5, egger_p=0.03), t[:5], QuestionContext(), R.publication_bias
    )
    assert not_run.levels == 0 and "not run" in not_run.reason
    # 300 planned participants missing of 2000 analysed = 15% >= 10%
    ctx = QuestionContext(missing_results=(("NCT00000001", 300),))
    j = rate_publication_bias(pooled(k=5, participants=2000), t[:5], ctx, R.publication_bias)
    assert j.levels == -1 and "NCT00000001" in j.reason
    # small (<100) industry trials with 60% of the weight
    small = [
        trial(1, 0.6, participants=40, funding="manufacturer"),
        trial(2, 0.4, participants=500, funding="public"),
    ]
    assert (
        rate_publication_bias(pooled(k=2), small, QuestionContext(), R.publication_bias).levels
        == -1
    )


def test_upgrading_observational_only() -> None:
    ctx = QuestionContext()
    assert (
        rate_upgrading(pooled(estimate=math.log(0.3)), ctx, False, False, R.upgrading).levels == 1
    )
    assert (
        rate_upgrading(pooled(estimate=math.log(0.15)), ctx, False, False, R.upgrading).levels == 2
    )
    assert (
        rate_upgrading(pooled(estimate=math.log(0.15)), ctx, True, False, R.upgrading).levels == 0
    )
    assert rate_upgrading(pooled(estimate=math.log(0.3)), ctx, False, True, R.upgrading).levels == 0
    dr = QuestionContext(dose_response=True)
    assert rate_upgrading(pooled(estimate=math.log(0.9)), dr, False, False, R.upgrading).levels == 1

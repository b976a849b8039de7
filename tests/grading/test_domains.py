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


DEATH = OutcomeSpec("death", objective=True)


def _t(i: int, w: float, rob: str, y: float) -> TrialFacts:
    # a trial with estimate y (log RR) and a CI of +-0.2
    return trial(i, w, rob_overall=rob, yi=y, ci_low=y - 0.2, ci_high=y + 0.2)


@pytest.mark.parametrize(
    ("trials", "levels"),
    [
        # 60% of the weight at high risk, and the low-risk trial lies on the other side of the null
        ([_t(1, 0.6, "high", -0.5), _t(2, 0.4, "low", 0.1)], -1),
        # 60% at high risk but the low-risk trial gives a similar result (same side, CIs overlap) -> 0
        ([_t(1, 0.6, "high", -0.3), _t(2, 0.4, "low", -0.2)], 0),
        # 100% at high risk: no trial at lower risk to compare -> 1
        ([_t(1, 0.5, "high", -0.3), _t(2, 0.5, "high", -0.2)], -1),
        # 30% at high risk (>= 25%) and the results differ (CIs -0.9..-0.5 and -0.1..0.3 apart) -> 1
        ([_t(1, 0.3, "high", -0.7), _t(2, 0.7, "some_concerns", 0.1)], -1),
        # 20% at high risk (< 25%) with different results -> 0
        ([_t(1, 0.2, "high", -0.7), _t(2, 0.8, "low", 0.1)], 0),
        # the review's "some concerns" is classified with high risk (Handbook 12.2.d: limitations likely
        # to lower confidence), but the low-risk trial gives a similar result -> 0
        ([_t(1, 0.9, "some_concerns", -0.3), _t(2, 0.1, "low", -0.2)], 0),
        # ... and with a different result (other side of the null) -> 1
        ([_t(1, 0.6, "some_concerns", -0.5), _t(2, 0.4, "low", 0.1)], -1),
        # weights need not be normalised: 6 of 10 at high risk, results differ -> 1
        ([_t(1, 6.0, "high", -0.5), _t(2, 4.0, "low", 0.1)], -1),
    ],
)
def test_risk_of_bias_core_grade(trials: list[TrialFacts], levels: int) -> None:
    assert rate_risk_of_bias(trials, DEATH, 0.0, R).levels == levels


def test_risk_of_bias_never_rated_down_for_a_missing_record() -> None:
    # nothing recorded about the design: ImmunoGrade's own assessment gives some concerns (D1, D2,
    # D4, D5) and not-assessed D3 -> not high -> not rated down; the reason says whose judgement it is
    j = rate_risk_of_bias([trial(1, 1.0)], OutcomeSpec("pain"), 0.0, R)
    assert j.levels == 0 and "ImmunoGrade's own" in j.reason
    assert j.inputs["trials"][0]["overall"] == "some_concerns"
    assert j.inputs["trials"][0]["verified"] is False


def test_only_a_published_some_concerns_counts_with_high_risk() -> None:
    from dataclasses import replace as dc_replace

    differing = [_t(1, 0.6, "some_concerns", -0.5), _t(2, 0.4, "low", 0.1)]
    j = rate_risk_of_bias(differing, DEATH, 0.0, R)
    assert j.levels == -1 and "some concerns in the review's judgement" in j.reason
    # with the rule off, the same published judgements are not high risk -> 0
    off = dc_replace(
        R, risk_of_bias=dc_replace(R.risk_of_bias, published_some_concerns_as_high=False)
    )
    assert rate_risk_of_bias(differing, DEATH, 0.0, off).levels == 0
    # ImmunoGrade's own "some concerns" (nothing recorded about the design) never counts: 60% of the
    # weight from such a trial, results differing -> 0
    own = [trial(1, 0.6, yi=-0.5, ci_low=-0.7, ci_high=-0.3), _t(2, 0.4, "low", 0.1)]
    j = rate_risk_of_bias(own, OutcomeSpec("pain"), 0.0, R)
    assert j.inputs["trials"][0]["overall"] == "some_concerns" and j.levels == 0


def test_published_judgement_wins() -> None:
    t = trial(1, 1.0, rob_overall="high", rob_domains=(("d4_measurement", "high"),), rob_source="CD013719 Fig 3")  # fmt: skip
    d = rate_risk_of_bias([t], DEATH, 0.0, R).inputs["trials"][0]
    assert (d["overall"], d["source"], d["verified"]) == ("high", "CD013719 Fig 3", True)


def test_inconsistency_core_grade() -> None:
    t = [
        trial(1, 0.5, yi=-0.5, ci_low=-0.8, ci_high=-0.2),
        trial(2, 0.5, yi=0.3, ci_low=0.1, ci_high=0.5),
    ]
    assert [(a.label, b.label) for a, b in non_overlapping_pairs(t)] == [("Trial 1", "Trial 2")]
    single = rate_inconsistency(pooled(k=1), t[:1], 0.0, R.inconsistency)
    assert single.levels == 0 and "Single trial" in single.reason
    # non-overlapping CIs on opposite sides of the null, I2 60% -> serious
    assert rate_inconsistency(pooled(i2=60.0, q_p=0.05), t, 0.0, R.inconsistency).levels == -1
    # ... and I2 80% >= 75% -> very serious
    assert rate_inconsistency(pooled(i2=80.0, q_p=0.001), t, 0.0, R.inconsistency).levels == -2
    # the same trials against a threshold of -0.6 (both estimates above it) -> not serious
    j = rate_inconsistency(pooled(i2=80.0, q_p=0.001), t, -0.6, R.inconsistency)
    assert j.levels == 0 and "same side" in j.reason
    # opposite sides but no statistical heterogeneity (Q p 0.21 >= 0.10, I2 0% < 40%: one pair of 24
    # sepsis trials, the ICU-mortality case) -> named, not rated down; Q p 0.09 or I2 40% corroborate
    quiet = rate_inconsistency(pooled(i2=0.0, q_p=0.21), t, 0.0, R.inconsistency)
    assert quiet.levels == 0 and "no statistical heterogeneity" in quiet.reason
    assert quiet.inputs["opposite_sides_pairs"] == [["Trial 1", "Trial 2"]]
    assert rate_inconsistency(pooled(i2=0.0, q_p=0.09), t, 0.0, R.inconsistency).levels == -1
    assert rate_inconsistency(pooled(i2=40.0, q_p=0.5), t, 0.0, R.inconsistency).levels == -1
    # overlapping CIs on both sides of the null -> not serious
    ov = [
        trial(1, 0.5, yi=-0.3, ci_low=-0.8, ci_high=0.2),
        trial(2, 0.5, yi=0.1, ci_low=-0.3, ci_high=0.5),
    ]
    assert rate_inconsistency(pooled(i2=60.0, q_p=0.3), ov, 0.0, R.inconsistency).levels == 0


def test_inconsistency_i2_from_q_and_the_q_test_only_with_few_trials() -> None:
    t = [
        trial(1, 0.5, yi=-0.5, ci_low=-0.8, ci_high=-0.2),
        trial(2, 0.5, yi=0.3, ci_low=0.1, ci_high=0.5),
    ]
    # Higgins & Thompson: I2 = (Q - df) / Q.  Q 95.0 on 70 df -> 26.3%; Q 100 on 30 df -> 70%.
    assert pooled(q=95.0, q_df=70.0).i2_from_q == pytest.approx(25 / 95 * 100)
    assert pooled(q=50.0, q_df=70.0).i2_from_q == 0.0  # Q below its df: 0, never negative
    # 71 trials, Q p 0.016 (< 0.10) but I2 from Q 26% (< 40%), random-effects I2 0%: the Q test does not
    # count with 10 or more trials -> named, not rated down (corticosteroids for sepsis, 28-day mortality)
    many = pooled(k=71, i2=0.0, q=95.0, q_df=70.0, q_p=0.016)
    j = rate_inconsistency(many, t, 0.0, R.inconsistency)
    assert j.levels == 0 and "not used with 10 or more trials" in j.reason
    assert j.inputs["i2_basis"] == "Q" and j.inputs["q_test_counts"] is False
    # the same Q test with 9 trials counts (its low power with few trials): rated down
    few = pooled(k=9, i2=0.0, q=14.0, q_df=8.0, q_p=0.082)
    assert rate_inconsistency(few, t, 0.0, R.inconsistency).levels == -1
    # two levels follow I2 from Q (66%), not the random-effects I2 (76%): one level, both named
    both = pooled(k=31, i2=76.0, q=88.2353, q_df=30.0, q_p=1e-7)
    j = rate_inconsistency(both, t, 0.0, R.inconsistency)
    assert j.levels == -1 and "I2 = 66% (from Q; 76% from the random-effects tau2)" in j.reason


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
            pooled(k=12, asymmetry_p=0.03, asymmetry_test="Peters"),
            t,
            QuestionContext(),
            R.publication_bias,
        ).levels
        == -1
    )
    not_run = rate_publication_bias(
        pooled(k=5, asymmetry_p=0.03, asymmetry_test="Peters"),
        t[:5],
        QuestionContext(),
        R.publication_bias,
    )
    assert not_run.levels == 0 and "no small-study test (k = 5 < 10)" in not_run.reason
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

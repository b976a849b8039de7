"""Imprecision (Core GRADE 2, GRADE 34): the target from the point estimate, the CI against its threshold,
and the OIS for large effects.

Hand-derived: without a sourced MID the threshold is the null and the appreciable effect is a ratio of
0.75 / 1.25 (the declared 25% relative risk reduction); the OIS for p0 = 0.2 and a 25% reduction is
1806 (test_ois_absolute.py).  A large effect is a ratio at or beyond 0.7 (log 0.7 = -0.357).
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from immunograde.grading.config import load_rules
from immunograde.grading.imprecision import ci_check, is_large, rate_imprecision
from immunograde.grading.inputs import OutcomeSpec, PooledEffect, TsaSummary
from immunograde.grading.thresholds import (
    absolute_thresholds,
    benefit_excluded,
    choose_target,
    mid_thresholds,
)

R = load_rules()
DEATH = OutcomeSpec("death")


def rr(est: float, lo: float, hi: float, n: int, p0: float | None = 0.2) -> PooledEffect:
    return PooledEffect("RR", 5, n, math.log(est), math.log(lo), math.log(hi), control_risk=p0)


def judge(p: PooledEffect, o: OutcomeSpec = DEATH, tsa: TsaSummary | None = None) -> int:
    return rate_imprecision(p, o, choose_target(p, o, R), R, tsa).levels


def test_target_follows_the_point_estimate() -> None:
    # no sourced MID: the null is the threshold and the target is the direction of the estimate
    t = choose_target(rr(0.9, 0.8, 1.02, 5000), DEATH, R)
    assert (t.threshold, t.side, t.value) == ("null", "low", 0.0) and "no sourced MID" in t.text
    # a sourced MID of RR 0.9: thresholds log 0.9 / log 1.1; RR 0.85 lies beyond -> important reduction
    o = OutcomeSpec("death", mid=0.9)
    t = choose_target(rr(0.85, 0.8, 0.95, 5000), o, R)
    assert (t.threshold, t.side) == ("mid", "low") and t.value == pytest.approx(math.log(0.9))
    # RR 0.95 lies inside (0.9, 1.1) -> little or no important effect
    assert choose_target(rr(0.95, 0.9, 1.0, 5000), o, R).side == "inside"


def test_null_target() -> None:
    # RR 0.80 (0.70 to 0.91) excludes the null -> not imprecise; RR 0.90 (0.80 to 1.02) crosses it -> 1
    assert judge(rr(0.8, 0.7, 0.91, 5000)) == 0
    assert judge(rr(0.9, 0.8, 1.02, 5000)) == -1
    # RR 1.0 (0.5 to 1.5) includes 0.75 and 1.25 (appreciable benefit and harm) -> 2
    assert judge(rr(1.0, 0.5, 1.5, 5000)) == -2
    # RR 1.08 (0.95 to 1.23): crosses the null only (hydroxychloroquine's shape) -> 1
    assert judge(rr(1.08, 0.95, 1.23, 8000)) == -1


def test_mid_target() -> None:
    o = OutcomeSpec("death", mid=0.9)
    # important reduction RR 0.85 (0.80 to 0.95): the CI crosses the MID 0.9 -> 1
    p = rr(0.85, 0.8, 0.95, 5000)
    assert ci_check(p, choose_target(p, o, R)).crossed == ("MID",)
    assert judge(p, o) == -1
    # RR 0.8 (0.6 to 1.15) reaches the MID in the other direction (1.1) too -> 2
    assert judge(rr(0.8, 0.6, 1.15, 5000), o) == -2
    # little or no effect RR 0.98 (0.95 to 1.02) inside (0.9, 1.1) -> 0; RR 0.98 (0.85 to 1.12) -> 2
    assert judge(rr(0.98, 0.95, 1.02, 5000), o) == 0
    assert judge(rr(0.98, 0.85, 1.12, 5000), o) == -2


@pytest.mark.parametrize(
    ("n", "levels"), [(1806, 0), (1000, -1), (903, -1), (800, -2), (190, -2), (180, -3), (100, -3)]
)
def test_ois_for_large_effects(n: int, levels: int) -> None:
    # RR 0.50 (0.40 to 0.62): a large effect (beyond 0.7) whose CI excludes the null, so the OIS is
    # checked: 1000/1806 = 0.554 and 903/1806 = 0.5 (< 1, not < 0.5) -> 1; 800/1806 = 0.443 and
    # 190/1806 = 0.105 (< 0.5) -> 2; 180/1806 = 0.0997 (< 0.1) -> 3.
    assert judge(rr(0.5, 0.4, 0.62, n)) == levels


def test_ois_not_used_for_modest_effects_or_imprecise_cis() -> None:
    # RR 0.80 (0.70 to 0.91) is not large (0.8 > 0.7): 100 participants do not rate it down
    assert not is_large(rr(0.8, 0.7, 0.91, 100), R)
    assert judge(rr(0.8, 0.7, 0.91, 100)) == 0
    # a CI that crosses the threshold is judged by the CI alone (GRADE 34)
    j = rate_imprecision(p := rr(0.6, 0.3, 1.2, 100), DEATH, choose_target(p, DEATH, R), R)
    assert j.levels == -1 and j.inputs["ois_levels"] == 0


def test_large_effect_is_compared_with_the_ois_not_the_tsa_ris() -> None:
    # GRADE's OIS is a conventional sample size for one adequately powered trial (GRADE 6; KCE 5.5.4):
    # for p0 = 0.2 and a 25% reduction it is 1806, so 5000 participants meet it even when a TSA's
    # heterogeneity-adjusted required information size (here 10000) is larger.
    assert R.imprecision.large_effect_information == "ois"
    tsa = TsaSummary(10000, boundary_crossed=None, source="TSA (RIS, D2 = 40%)")
    p = rr(0.5, 0.4, 0.62, 5000)
    j = rate_imprecision(p, DEATH, choose_target(p, DEATH, R), R, tsa)
    assert j.levels == 0 and j.inputs["information_size_used"] == 1806
    # 900 participants are 900 / 1806 = 49.8% of the OIS: below a half -> two levels
    small = rr(0.5, 0.4, 0.62, 900)
    j = rate_imprecision(small, DEATH, choose_target(small, DEATH, R), R, tsa)
    assert j.levels == -2 and "optimal information size (1806)" in j.reason


def test_tsa_ris_replaces_ois_when_the_rules_say_so() -> None:
    rules = replace(R, imprecision=replace(R.imprecision, large_effect_information="tsa"))
    tsa = TsaSummary(10000, boundary_crossed=None, source="TSA (RIS, D2 = 40%)")
    p = rr(0.5, 0.4, 0.62, 5000)
    j = rate_imprecision(p, DEATH, choose_target(p, DEATH, rules), rules, tsa)
    # 5000 / 10000 = 0.5: below 1 but not below 0.5 -> one level
    assert j.levels == -1 and "TSA (RIS, D2 = 40%)" in j.reason
    assert j.inputs["information_size_used"] == 10000
    crossed = TsaSummary(10000, boundary_crossed="benefit", explanation="TSA: boundary crossed.")
    j = rate_imprecision(p, DEATH, choose_target(p, DEATH, rules), rules, crossed)
    assert j.levels == 0 and "TSA: boundary crossed" in j.reason


def test_continuous_without_mid_uses_null() -> None:
    p = PooledEffect("MD", 3, 300, -1.0, -2.5, 0.5)
    o = OutcomeSpec("days", type="continuous")
    t = choose_target(p, o, R)
    assert t.threshold == "null" and t.appreciable is None
    assert rate_imprecision(p, o, t, R).levels == -1  # no appreciable threshold: at most one level


def test_benefit_excluded_target() -> None:
    # HCQ's shape: OR 1.08 (0.95 to 1.23) excludes OR 0.75 (an important benefit without a MID)
    p = PooledEffect("OR", 16, 8000, math.log(1.08), math.log(0.95), math.log(1.23))
    t = benefit_excluded(p, DEATH, R)
    assert t is not None and t.value == pytest.approx(math.log(0.75)) and "0.75" in t.text
    assert rate_imprecision(p, DEATH, t, R).levels == 0
    # RR 0.80 (0.70 to 0.91) includes an important benefit: no such target
    assert benefit_excluded(rr(0.8, 0.7, 0.91, 5000), DEATH, R) is None
    # a desirable outcome: RR 1.1 (0.9 to 1.2) excludes 1.25
    up = OutcomeSpec("cure", higher_is_better=True)
    assert benefit_excluded(rr(1.1, 0.9, 1.2, 5000), up, R) is not None


def test_sourced_mid_thresholds_per_1000() -> None:
    t = mid_thresholds("RR", 0.95)
    assert t is not None and absolute_thresholds("RR", t, 0.2) == pytest.approx((-10.0, 10.0))
    assert mid_thresholds("RR", None) is None


def test_desirable_outcome_ois_reduces_not_achieving_it() -> None:
    """rules.yaml information_size.desirable_events: complement.  A response rate of 5% on placebo: the
    25% reduction applies to the 95% who do not respond (p0 = 0.95 -> 0.7125), not to the response
    (0.05 -> 0.0625).  Hand-derived with ois_binary's formula (z 1.959964 + 0.841621 = 2.801585):
    complement: per group 7.848880 * (0.95*0.05 + 0.7125*0.2875) / 0.2375^2 = 35.11 -> 36, total 72;
    increase: per group 7.848880 * (0.05*0.95 + 0.0625*0.9375) / 0.0125^2 = 5,329.39 -> 5,330, total
    10,660.  RR 5.0 (3.0 to 8.3) with 1,200 participants is a large effect; 1,200 >= 72: not imprecise;
    against the increase framing's 10,660 it would be rated down two levels (11%)."""
    from immunograde.grading.ois import ois_binary, ois_proportions

    assert ois_binary(0.95, 0.25) == 72
    assert ois_proportions(0.05, 0.0625) == 2 * 5330
    regrowth = OutcomeSpec("hair regrowth", higher_is_better=True)
    p = rr(5.0, 3.0, 8.3, 1200, p0=0.05)
    j = rate_imprecision(p, regrowth, choose_target(p, regrowth, R), R)
    assert j.levels == 0 and j.inputs["ois"] == 72
    assert "risk of not achieving the outcome 1 - 0.050" in str(j.inputs["ois_basis"])
    # an undesirable outcome keeps the comparator risk: 0.05 -> 0.0375, OIS 8,400 (hand: 7.848880 *
    # (0.0475 + 0.0360938) / 0.0125^2 = 4,199.2 -> 4,200 per group); 1,200 is 14% of it -> -2
    assert judge(p, OutcomeSpec("death")) == -2
    # "increase" declared instead: the desirable event itself is increased by 25%
    inc = replace(R, information_size=replace(R.information_size, desirable_events="increase"))
    assert rate_imprecision(p, regrowth, choose_target(p, regrowth, inc), inc).levels == -2


def test_desirable_outcome_at_half_keeps_the_complement_framing() -> None:
    """At a comparator rate of exactly 0.5, 1 - p0 equals p0: the framing must come from the rule, not from
    comparing the two numbers (it once fell into the 'increase' branch there).  Hand-derived: 0.5 -> 0.375,
    per group 7.848880 * (0.25 + 0.234375) / 0.125^2 = 243.3 -> 244, total 488."""
    from immunograde.grading.ois import ois_binary

    assert ois_binary(0.5, 0.25) == 488
    regrowth = OutcomeSpec("hair regrowth", higher_is_better=True)
    p = rr(2.0, 1.6, 2.5, 400, p0=0.5)
    j = rate_imprecision(p, regrowth, choose_target(p, regrowth, R), R)
    assert j.inputs["ois"] == 488 and "relative reduction" in str(j.inputs["ois_basis"])
    assert "risk of not achieving the outcome" in str(j.inputs["ois_basis"])

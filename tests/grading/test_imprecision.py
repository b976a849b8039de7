"""Imprecision (GRADE 2022): CI of the absolute effect against the null and MIDs, and the OIS.

Hand-derived: with comparator risk 0.2 and the default MID (a 5% relative change: RR 0.95 / 1.05) the
thresholds are -10 and +10 per 1000; the OIS for p0 = 0.2 and a 25% reduction is 1806 (see
test_ois_absolute.py).
"""

from __future__ import annotations

import math

import pytest

from immunograde.grading.config import load_rules
from immunograde.grading.imprecision import ci_check, rate_imprecision
from immunograde.grading.inputs import OutcomeSpec, PooledEffect, TsaSummary
from immunograde.grading.thresholds import absolute_thresholds, mid_thresholds

R = load_rules().imprecision


def rr(est: float, lo: float, hi: float, n: int, p0: float | None = 0.2) -> PooledEffect:
    return PooledEffect("RR", 5, n, math.log(est), math.log(lo), math.log(hi), control_risk=p0)


def test_default_thresholds_per_1000() -> None:
    t = mid_thresholds("RR", None, R)
    assert t is not None
    assert absolute_thresholds("RR", t, 0.2) == pytest.approx((-10.0, 10.0))


def test_ci_crosses_one_mid() -> None:
    # RR 0.90 (0.80 to 1.02) at p0 0.2: -20 (-40 to +4) per 1000 crosses -10 and 0, not +10
    p = rr(0.90, 0.80, 1.02, 5000)
    chk = ci_check(p, mid_thresholds("RR", None, R))  # type: ignore[arg-type]
    assert chk.crossed == ("MID (lower)", "null")
    # RR 0.80 (0.70 to 0.91): -40 (-60 to -18) crosses nothing
    assert ci_check(rr(0.8, 0.7, 0.91, 5000), mid_thresholds("RR", None, R)).crossed == ()  # type: ignore[arg-type]
    j = rate_imprecision(p, OutcomeSpec("death"), R)
    assert j.levels == -1 and j.inputs["ois"] == 1806 and j.inputs["ois_levels"] == 0


def test_ci_crosses_both_mids_and_far_below_ois() -> None:
    # RR 1.0 (0.5 to 1.5): -100 to +100 per 1000 crosses both MIDs -> 2 levels
    assert rate_imprecision(rr(1.0, 0.5, 1.5, 5000), OutcomeSpec("death"), R).levels == -2
    # 100 participants are 5.5% of 1806 (< 10%) -> 3 levels, the maximum
    j = rate_imprecision(rr(1.0, 0.5, 1.5, 100), OutcomeSpec("death"), R)
    assert j.levels == -3 and j.inputs["information_ratio"] == pytest.approx(100 / 1806, abs=1e-4)


@pytest.mark.parametrize(
    ("n", "levels"), [(1806, -1), (1000, -1), (903, -1), (800, -2), (190, -2), (180, -3), (100, -3)]
)
def test_ois_ratio_levels(n: int, levels: int) -> None:
    # CI RR 0.90 (0.80 to 1.02): -20 (-40 to +4) per 1000 crosses the lower MID (-10) and the null:
    # 1 level from the CI.  OIS shortfall: 1000/1806 = 0.554 and 903/1806 = 0.5 (< 1, not < 0.5) -> 1;
    # 800/1806 = 0.443 and 190/1806 = 0.105 (< 0.5) -> 2; 180/1806 = 0.0997 (< 0.1) -> 3.  The larger wins.
    assert rate_imprecision(rr(0.9, 0.8, 1.02, n), OutcomeSpec("death"), R).levels == levels


def test_ois_shortfall_alone_rates_down_one_level_at_most() -> None:
    # CI RR 0.50 (0.40 to 0.62): -100 (-120 to -76) per 1000 crosses no threshold; 100/1806 < 0.1
    # would be three levels, but with a clear CI the OIS criterion rates down one level only.
    j = rate_imprecision(rr(0.5, 0.4, 0.62, 100), OutcomeSpec("death"), R)
    assert j.levels == -1 and j.inputs["ci_levels"] == 0
    assert rate_imprecision(rr(0.5, 0.4, 0.62, 1806), OutcomeSpec("death"), R).levels == 0


def test_trivial_effect_precisely_estimated() -> None:
    # RR 0.99 (0.97 to 1.01): -2 (-6 to +2) per 1000, inside +-10: a precise trivial effect
    j = rate_imprecision(rr(0.99, 0.97, 1.01, 20000), OutcomeSpec("death"), R)
    assert j.levels == 0
    # RR 0.98 (0.90 to 1.06): -4 (-20 to +12) crosses both MIDs: two levels
    assert rate_imprecision(rr(0.98, 0.90, 1.06, 20000), OutcomeSpec("death"), R).levels == -2


def test_tsa_replaces_ois_and_is_named() -> None:
    tsa = TsaSummary(
        required_information_size=10000, boundary_crossed=None, source="TSA (RIS, D2 = 40%)"
    )
    j = rate_imprecision(rr(0.5, 0.4, 0.62, 5000), OutcomeSpec("death"), R, tsa)
    # 5000 / 10000 = 0.5: below 1 but not below 0.5 -> one level
    assert (
        j.levels == -1
        and "TSA (RIS, D2 = 40%)" in j.reason
        and j.inputs["information_size_used"] == 10000
    )


def test_continuous_without_mid_uses_null() -> None:
    p = PooledEffect("MD", 3, 300, -1.0, -2.5, 0.5)
    j = rate_imprecision(p, OutcomeSpec("days", type="continuous"), R)
    assert j.levels == -1 and "no MID" in j.reason


def test_tsa_boundary_crossed_removes_the_information_shortfall() -> None:
    # RR 0.90 (0.80 to 1.02) crosses the lower MID (1 level); 100 of 10000 required would be 3 levels,
    # but the TSA's monitoring boundary was crossed: only the CI level remains, and the TSA is explained.
    tsa = TsaSummary(10000, boundary_crossed="benefit", explanation="TSA: boundary crossed.")
    j = rate_imprecision(rr(0.9, 0.8, 1.02, 100), OutcomeSpec("death"), R, tsa)
    assert j.levels == -1 and j.inputs["ois_levels"] == 0 and "TSA: boundary crossed" in j.reason

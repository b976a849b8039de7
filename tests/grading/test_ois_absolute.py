"""Hand-derived cases for the optimal information size and the per-1000 absolute effects."""

from __future__ import annotations

import math

import pytest

from immunograde.grading.absolute import absolute_effect, control_risk, risk_with_intervention
from immunograde.grading.ois import ois_binary, ois_continuous

Z975 = 1.959963984540054  # standard normal 97.5th percentile
Z80 = 0.8416212335729143  # standard normal 80th percentile


def test_ois_binary_p0_020_rrr_025() -> None:
    # p1 = 0.2 * 0.75 = 0.15; n/group = (1.95996 + 0.84162)^2 * (0.2*0.8 + 0.15*0.85) / 0.05^2
    per_group = (Z975 + Z80) ** 2 * (0.2 * 0.8 + 0.15 * 0.85) / 0.05**2
    assert per_group == pytest.approx(902.6212, abs=1e-3)
    assert ois_binary(0.2, 0.25) == 2 * 903 == 1806


def test_ois_continuous_smd_02() -> None:
    per_group = 2 * (Z975 + Z80) ** 2 / 0.2**2  # sd = 1, delta = 0.2
    assert per_group == pytest.approx(392.4440, abs=1e-3)
    assert ois_continuous(1.0, 0.2) == 786


def test_ois_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="comparator risk"):
        ois_binary(0.0, 0.25)
    with pytest.raises(ValueError, match="relative reduction"):
        ois_binary(0.2, 1.5)


def test_risk_with_intervention_rr_or_hr() -> None:
    assert risk_with_intervention("RR", 0.8, 0.2) == pytest.approx(0.16)
    # OR: 0.8 * 0.2 / (1 - 0.2 + 0.8 * 0.2) = 0.16 / 0.96
    assert risk_with_intervention("OR", 0.8, 0.2) == pytest.approx(0.16 / 0.96)
    # HR: 1 - (1 - 0.2) ** 0.8
    assert risk_with_intervention("HR", 0.8, 0.2) == pytest.approx(1 - 0.8**0.8)
    assert risk_with_intervention("RD", -0.05, 0.2) == pytest.approx(0.15)
    with pytest.raises(ValueError, match="no absolute effect"):
        risk_with_intervention("SMD", 0.5, 0.2)


def test_absolute_effect_per_1000_with_ci() -> None:
    eff = absolute_effect("RR", 0.80, 0.70, 0.91, 0.2)
    assert eff.risk_comparator_per_1000 == pytest.approx(200)
    assert eff.risk_intervention_per_1000 == pytest.approx(160)
    assert (
        eff.risk_intervention_ci_low_per_1000,
        eff.risk_intervention_ci_high_per_1000,
    ) == pytest.approx((140, 182))
    assert eff.difference_per_1000 == pytest.approx(-40)
    assert (eff.difference_ci_low_per_1000, eff.difference_ci_high_per_1000) == pytest.approx(
        (-60, -18)
    )


def test_control_risk_is_pooled_control_arms() -> None:
    assert control_risk([10, 30], [100, 300]) == pytest.approx(0.1)
    assert math.isclose(control_risk([0], [50]), 0.0)

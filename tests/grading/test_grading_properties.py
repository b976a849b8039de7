"""Invariants of the grading (hypothesis): order and scale of weights do not matter, more concerns never
raise certainty, per-1000 risks grow with the ratio, and the same inputs give the same grade."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from immunograde.grading.absolute import risk_with_intervention
from immunograde.grading.certainty import combine, grade
from immunograde.grading.config import LEVELS, load_rules
from immunograde.grading.inputs import Judgement, OutcomeSpec, PooledEffect, TrialFacts
from immunograde.grading.risk_of_bias import rate_risk_of_bias

R = load_rules()
ROB = st.sampled_from(["low", "some_concerns", "high", "not_assessed"])
TRIALS = st.lists(st.tuples(ROB, st.floats(0.01, 10.0)), min_size=1, max_size=8)


def _facts(items: list[tuple[str, float]], scale: float = 1.0) -> list[TrialFacts]:
    return [
        TrialFacts(f"t{i}", f"T{i}", w * scale, rob_overall=r) for i, (r, w) in enumerate(items)
    ]


@given(TRIALS, st.floats(0.1, 100.0))
def test_rob_ignores_order_and_weight_scale(items: list[tuple[str, float]], scale: float) -> None:
    o = OutcomeSpec("death")
    a = rate_risk_of_bias(_facts(items), o, 0.0, R).levels
    assert rate_risk_of_bias(_facts(items[::-1]), o, 0.0, R).levels == a
    assert rate_risk_of_bias(_facts(items, scale), o, 0.0, R).levels == a


@given(st.sampled_from(LEVELS), st.lists(st.integers(-3, 2), max_size=6), st.integers(1, 3))
def test_more_concern_never_raises_certainty(start: str, moves: list[int], extra: int) -> None:
    js = [Judgement("x", m, "") for m in moves]
    before = LEVELS.index(combine(start, js))
    after = LEVELS.index(combine(start, [*js, Judgement("y", -extra, "")]))
    assert after <= before


@given(
    st.sampled_from(["RR", "OR", "HR"]),
    st.floats(0.01, 0.6),
    st.floats(0.05, 1.5),
    st.floats(1.01, 1.5),
)
def test_risk_grows_with_ratio(measure: str, p0: float, r: float, f: float) -> None:
    assert (
        risk_with_intervention(measure, r, p0) <= risk_with_intervention(measure, r * f, p0) + 1e-15
    )
    assert math.isclose(risk_with_intervention(measure, 1.0, p0), p0)


@settings(max_examples=30)
@given(st.floats(0.2, 3.0), st.floats(0.02, 0.5), st.integers(20, 50000), TRIALS)
def test_same_inputs_same_grade(
    ratio: float, se: float, n: int, items: list[tuple[str, float]]
) -> None:
    y = math.log(ratio)
    p = PooledEffect("RR", len(items), n, y, y - 1.96 * se, y + 1.96 * se, control_risk=0.2)
    trials = [
        TrialFacts(t.id, t.label, t.weight, randomised=True, rob_overall=t.rob_overall)
        for t in _facts(items)
    ]
    assert grade(p, trials, OutcomeSpec("death")) == grade(p, list(trials), OutcomeSpec("death"))

"""The appraisal's numbers against metafor 3.8-1 (escalc -> rma.uni REML -> regtest), computed by
``reference/appraise_metafor.R`` from the shared CSV files the questions were seeded from."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from immunograde.errors import InputError
from immunograde.evidence.analysis import analyse
from immunograde.evidence.question import appraise_question
from immunograde.kb.queries import KnowledgeBase

REF = json.loads((Path(__file__).parent / "reference" / "ref_appraise.json").read_text())
CASES = {c["name"]: c for c in REF["cases"]}
# REML is solved iteratively by both tools (metafor: Fisher scoring to 1e-10); jsonlite writes 15
# significant digits.  1e-6 relative covers both.
REL = 1e-6


def test_reference_grid_is_complete() -> None:
    assert set(CASES) == {"bcg", "cap"}
    assert REF["metafor_version"].startswith("3.8")


@pytest.mark.parametrize("name", sorted(CASES))
def test_pooled_numbers_match_metafor(kb: KnowledgeBase, name: str) -> None:
    ref = CASES[name]
    a = appraise_question(kb, ref["question"])
    assert a.k == ref["k"] and a.participants == ref["participants"]
    for ours, theirs in (
        (a.estimate, ref["estimate"]),
        (a.ci_low, ref["ci_low"]),
        (a.ci_high, ref["ci_high"]),
    ):
        assert ours == pytest.approx(theirs, rel=REL)
    assert a.pi_low_exp == pytest.approx(math.exp(ref["pi_low"]), rel=REL)
    assert a.pi_high_exp == pytest.approx(math.exp(ref["pi_high"]), rel=REL)
    assert a.tau2 == pytest.approx(ref["tau2"], rel=REL)
    assert a.i2 == pytest.approx(ref["i2"], rel=REL)
    assert a.risk_comparator_per_1000 == pytest.approx(1000 * ref["control_risk"], rel=1e-12)
    pb = next(j for j in a.judgements if j["domain"] == "publication_bias")
    # binary counts in every trial: Peters' test (R's lm reference), not Egger's
    assert pb["inputs"]["asymmetry_test"] == "Peters"
    assert pb["inputs"]["asymmetry_p"] == pytest.approx(ref["peters_p"], rel=1e-9)


@pytest.mark.parametrize("name", sorted(CASES))
def test_weights_match_metafor(kb: KnowledgeBase, name: str) -> None:
    ref = CASES[name]
    q = kb.get_question(ref["question"])
    fit = analyse(q, kb.outcome_data(q.id)).fit
    assert fit is not None
    assert sorted(fit.weights) == pytest.approx(sorted(ref["weights"]), rel=REL)


def test_absolute_effect_from_metafor_estimate(kb: KnowledgeBase) -> None:
    # per 1000 with RR: p1 = RR * p0, with p0 = control events / control participants (metafor row sums)
    ref = CASES["cap"]
    a = appraise_question(kb, ref["question"])
    p0 = ref["control_risk"]
    assert a.risk_intervention_per_1000 == pytest.approx(
        1000 * p0 * math.exp(ref["estimate"]), rel=REL
    )
    assert a.risk_intervention_ci_low_per_1000 == pytest.approx(
        1000 * p0 * math.exp(ref["ci_low"]), rel=REL
    )


def test_stated_population_risk(kb: KnowledgeBase) -> None:
    # a stated comparator risk of 10% replaces the control arms: p1 = RR * 0.10
    ref = CASES["cap"]
    a = appraise_question(kb, ref["question"], baseline_risk=0.10)
    assert a.risk_comparator_per_1000 == pytest.approx(100.0)
    assert a.risk_intervention_per_1000 == pytest.approx(100.0 * math.exp(ref["estimate"]), rel=REL)
    assert a.risk_comparator_source == "stated population risk"
    assert appraise_question(kb, ref["question"]).risk_comparator_source == "control arms"
    with pytest.raises(InputError, match="baseline_risk"):
        appraise_question(kb, ref["question"], baseline_risk=1.5)

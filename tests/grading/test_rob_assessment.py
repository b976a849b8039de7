"""ImmunoGrade's own RoB 2 assessment from a trial's recorded design (rules.yaml: rob_assessment).

Each case states the recorded design and the domain judgement the rule gives; the overall judgement is
the least favourable assessed domain (RoB 2)."""

from __future__ import annotations

from immunograde.grading.config import load_rules
from immunograde.grading.inputs import OutcomeSpec, TrialFacts
from immunograde.grading.rob_assessment import OWN, assess_trial

R = load_rules().rob_assessment
MORTALITY = OutcomeSpec("all-cause mortality", objective=True)
PAIN = OutcomeSpec("pain", objective=False)


def _design(**kw: object) -> TrialFacts:
    return TrialFacts("t1", "Trial 1", 1.0, **kw)  # type: ignore[arg-type]


def _domains(t: TrialFacts, o: OutcomeSpec) -> dict[str, str]:
    return {d.domain: d.judgement for d in assess_trial(t, o, R).domains}


def test_open_label_mortality_is_not_high_risk_in_measurement() -> None:
    # RECOVERY-like: randomised, allocation concealed, open label, 99% followed up, registered
    t = _design(randomised=True, allocation_concealment="adequate", blinding="open",
                analysed_share=0.99, registry_ids=("ISRCTN50189673",))  # fmt: skip
    r = assess_trial(t, MORTALITY, R)
    assert _domains(t, MORTALITY) == {
        "d1_randomisation": "low",
        "d2_deviations": "some_concerns",
        "d3_missing": "low",
        "d4_measurement": "low",
        "d5_selection": "low",
    }
    assert (r.overall, r.source, r.verified) == ("some_concerns", OWN, False)


def test_open_label_subjective_outcome_is_high_risk() -> None:
    t = _design(randomised=True, allocation_concealment="adequate", blinding="open")
    r = assess_trial(t, PAIN, R)
    assert _domains(t, PAIN)["d4_measurement"] == "high" and r.overall == "high"
    # double blind: measurement low
    assert _domains(_design(blinding="double"), PAIN)["d4_measurement"] == "low"


def test_attrition_bands() -> None:
    # 1 - 0.96 = 4% missing (<= 5%) low; 10% some concerns; 25% (>= 20%) high; unknown not assessed
    assert _domains(_design(analysed_share=0.96), MORTALITY)["d3_missing"] == "low"
    assert _domains(_design(analysed_share=0.90), MORTALITY)["d3_missing"] == "some_concerns"
    assert _domains(_design(analysed_share=0.75), MORTALITY)["d3_missing"] == "high"
    assert _domains(_design(), MORTALITY)["d3_missing"] == "not_assessed"


def test_allocation_and_randomisation() -> None:
    assert _domains(_design(allocation_concealment="inadequate"), MORTALITY)["d1_randomisation"] == "high"  # fmt: skip
    assert _domains(_design(allocation_concealment="unclear"), MORTALITY)["d1_randomisation"] == "some_concerns"  # fmt: skip
    assert _domains(_design(randomised=False), MORTALITY)["d1_randomisation"] == "high"


def test_objectivity_not_recorded() -> None:
    unknown = OutcomeSpec("relapse")  # objective: None
    assert _domains(_design(blinding="open"), unknown)["d4_measurement"] == "some_concerns"
    assert _domains(_design(blinding="double"), unknown)["d4_measurement"] == "low"

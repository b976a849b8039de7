"""'What does my experience show?' (issue 17): the natural course from the knowledge base's control arms,
against metafor (validation/metafor/ref_experience.json, the same arms read by experience.R from
data/questions), the reviewed natural-course file against the knowledge base, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from immunograde.errors import InputError
from immunograde.evidence.answers import Answers
from immunograde.evidence.experience import Observation, experience
from immunograde.evidence.natural_course import load
from immunograde.kb.queries import KnowledgeBase

REF = json.loads(
    (Path(__file__).parents[2] / "validation" / "metafor" / "ref_experience.json").read_text()
)
KB_CASES = {c["id"].removeprefix("kb_"): c for c in REF["cases"] if c["id"].startswith("kb_")}
TOL = 1e-8  # issue 17's bar (measured agreement: validation/metafor/README-escalc.md)
RESPIRATORY = ("respiratory", "cold", "influenza", "arvi", "urti", "influenza-like")


def test_every_outcome_of_the_file_has_a_reference() -> None:
    assert sorted(KB_CASES) == sorted(o.id for g in load().groups for o in g.outcomes)


def test_file_matches_the_knowledge_base(kb: KnowledgeBase) -> None:
    questions = {q.id: q for q in kb.all_questions()}
    indications = {q.indication for q in questions.values()}
    for g in load().groups:
        assert set(g.indications) <= indications, "an indication no question has"
        for o in g.outcomes:
            for qid in o.questions:
                assert questions[qid].indication in g.indications, qid
        assert {n.question for n in g.not_used} <= set(questions)
    grouped = {i for g in load().groups for i in g.indications}
    for ind in indications:
        low = (ind or "").lower()
        if "treatment" in low and "prevention" not in low and any(w in low for w in RESPIRATORY):
            assert ind in grouped, f"respiratory treatment indication {ind!r} is in no group"


def test_no_question_with_control_numbers_is_left_unexplained(kb: KnowledgeBase) -> None:
    exp = experience(kb, "ARVI")
    assert exp.status == "choose_outcome"
    unexplained = [u.question_id for u in exp.searched["questions"] if u.used == "unexplained"]
    assert unexplained == []


@pytest.mark.parametrize("outcome", sorted(KB_CASES))
def test_pool_matches_metafor_on_the_same_arms(kb: KnowledgeBase, outcome: str) -> None:
    case = KB_CASES[outcome]
    exp = experience(kb, "acute-respiratory-infection-treatment", outcome=outcome)
    assert exp.status == "natural_course" and exp.pool is not None
    key = ("xi", "ni") if case["measure"] == "PLO" else ("mi", "sdi", "ni")
    got = [(a.question_id, a.trial_id, *(getattr(a, k) for k in key)) for a in exp.arms]
    want = [(a["question"], a["trial"], *(a[k] for k in key)) for a in case["arms"]]
    assert got == want
    names = ["estimate", "se", "tau2", "ci_low", "ci_high", "pi_low", "pi_high"]
    if case["measure"] == "PLO":
        names += ["pr", "pr_ci_low", "pr_ci_high", "pr_pi_low", "pr_pi_high"]
    for name in names:
        assert getattr(exp.pool, name) == pytest.approx(float(case[name]), abs=TOL), name
    assert exp.pool.k == case["k"] and exp.pool.measure == case["measure"]


def test_failure_to_recover_is_turned_into_recovered(kb: KnowledgeBase) -> None:
    exp = experience(kb, "common cold", outcome="cold-over-by-end-of-study")
    rows = kb.outcome_data("zinc-lozenges-common-cold-ongoing-at-end-of-study")
    assert [(a.events, a.xi, a.ni) for a in exp.arms] == [
        (r.values["ci"], r.values["n2i"] - r.values["ci"], r.values["n2i"]) for r in rows
    ]


def test_counts_and_binomial_for_a_case(kb: KnowledgeBase) -> None:
    case = KB_CASES["complete-recovery-96h"]
    exp = experience(kb, "influenza", outcome="complete-recovery-96h", obs=Observation(40, 34))
    c = exp.comparison
    assert exp.status == "compared" and c is not None
    pr, lo, hi = (float(case[k]) for k in ("pr", "pr_pi_low", "pr_pi_high"))
    assert (c.expected, c.expected_low, c.expected_high) == pytest.approx(
        (40 * pr, 40 * lo, 40 * hi)
    )
    assert c.position == ("within" if lo <= 34 / 40 <= hi else "above")
    keys = [r.key for r in exp.explanation]
    assert keys[:4] == ["natural_course", "expected", f"observed_{c.position}", "binomial"]
    assert {"self_limiting", "regression", "selection", "placebo"} <= set(keys)
    assert "34 of 40" in " ".join(r.text for r in exp.explanation)


def test_product_trials_are_the_stored_appraisals(kb: KnowledgeBase) -> None:
    exp = experience(kb, "ARVI", outcome="complete-recovery-96h", obs=Observation(40, 34),
                     substance="Arbidol")  # fmt: skip
    assert exp.substance == "umifenovir" and exp.product_trials
    answers = Answers(kb)
    for t in exp.product_trials:
        a = answers.question(t.question_id)
        assert (t.verdict, t.certainty, t.estimate) == (a.verdict, a.certainty, a.estimate)


def test_mean_time_to_recovery(kb: KnowledgeBase) -> None:
    exp = experience(kb, "common cold", obs=Observation(30, None, 5.0, 2.0))
    assert exp.outcome is not None and exp.outcome.id == "duration-of-cold-days"
    assert exp.comparison is not None and exp.pool is not None
    assert exp.comparison.difference == pytest.approx(5.0 - exp.pool.estimate)


def test_indication_without_natural_course_says_what_was_searched(kb: KnowledgeBase) -> None:
    exp = experience(kb, "psoriasis", obs=Observation(10, 5))
    assert exp.status == "no_control_arms" and exp.pool is None and exp.comparison is None
    assert exp.searched["questions"] and all("psoriasis" in i for i in exp.searched["indications"])
    assert exp.explanation[0].key == "no_group"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"indication": "ARVI", "outcome": "complete-recovery-96h", "obs": Observation(10, 11)}, "improved"),
        ({"indication": "ARVI", "outcome": "complete-recovery-96h", "obs": Observation(10, -1)}, "improved"),
        ({"indication": "ARVI", "outcome": "complete-recovery-96h", "obs": Observation(0, 0)}, "treated"),
        ({"indication": "nosuchthing", "obs": Observation(10, 5)}, "indication"),
        ({"indication": "ARVI", "obs": Observation(10, 5)}, "outcome"),
        ({"indication": "ARVI", "outcome": "nope"}, "outcome"),
        ({"indication": "ARVI", "outcome": "complete-recovery-96h", "obs": Observation(10, None, 5.0)}, "outcome"),
        ({"indication": "ARVI", "outcome": "duration-of-cold-days", "obs": Observation(10, None, 5.0, 0.0)}, "sd"),
        ({"indication": "ARVI", "outcome": "complete-recovery-96h", "substance": "zzzzqqq"}, "substance"),
    ],
)  # fmt: skip
def test_bad_input_is_an_input_error(kb: KnowledgeBase, kwargs: dict[str, Any], field: str) -> None:
    indication = kwargs.pop("indication")
    with pytest.raises(InputError) as err:
        experience(kb, indication, **kwargs)
    assert field in {p.field for p in err.value.problems}


def test_the_user_picks_the_questions(kb: KnowledgeBase) -> None:
    one = ("umifenovir-oral-influenza-arvi-recovery-96h",)
    exp = experience(kb, "ARVI", outcome="complete-recovery-96h", questions=one)
    assert exp.pool is not None and exp.pool.k == 1 and exp.pool.tau2 == 0.0
    assert [a.question_id for a in exp.arms] == list(one)
    with pytest.raises(InputError) as err:
        experience(kb, "ARVI", outcome="complete-recovery-96h",
                   questions=("zinc-lozenges-common-cold-treatment-duration",))  # fmt: skip
    assert err.value.problems[0].field == "question"


def test_a_misspelt_product_is_not_guessed(kb: KnowledgeBase) -> None:
    with pytest.raises(InputError, match="did you mean") as err:
        experience(kb, "ARVI", outcome="complete-recovery-96h", substance="Arbidl")
    assert err.value.problems[0].field == "substance"
    assert (
        experience(kb, "ARVI", outcome="complete-recovery-96h", substance="Арбидол").substance
        == "umifenovir"
    )

"""Certainty (start + domains), statements in Santesso wording, verdicts, profile, SoF renderers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math

import pytest

from immunograde.grading.certainty import combine, grade
from immunograde.grading.config import load_rules
from immunograde.grading.inputs import Judgement, OutcomeSpec, PooledEffect, TrialFacts
from immunograde.grading.profile import RegulatoryFact, evidence_profile, shows_benefit
from immunograde.grading.reconcile import reconcile
from immunograde.grading.sof import SofRow, to_csv, to_html, to_json, to_markdown
from immunograde.grading.statements import effect_size, statement
from immunograde.grading.verdict import EvidenceState, OutcomeGrade, UnpoolableTrial, decide

R = load_rules()


def rr(
    est: float, lo: float, hi: float, n: int = 20000, p0: float = 0.2, **kw: object
) -> PooledEffect:
    return PooledEffect(
        "RR", 4, n, math.log(est), math.log(lo), math.log(hi), control_risk=p0, **kw
    )  # type: ignore[arg-type]


def good_trials(n: int = 4) -> list[TrialFacts]:
    return [
        TrialFacts(f"t{i}", f"T{i}", 1 / n, randomised=True, rob_overall="low", participants=5000)
        for i in range(n)
    ]


def test_combine_clamps() -> None:
    down = [Judgement("a", -2, ""), Judgement("b", -2, "")]
    assert combine("high", down) == "very_low"
    assert combine("low", [Judgement("u", 2, "")]) == "high"
    assert combine("high", [Judgement("a", -1, "")]) == "moderate"


def test_grade_randomised_clean_body_is_high() -> None:
    c = grade(rr(0.6, 0.55, 0.66, i2=0.0, q_p=0.8), good_trials(), OutcomeSpec("death"))
    assert (c.start, c.level, c.randomised) == ("high", "high", True)
    assert not c.downgrades and len(c.judgements) == 6


def test_unknown_design_counts_as_randomised_and_is_named() -> None:
    trials = [
        *good_trials(2),
        TrialFacts("u", "U 2019", 0.2, randomised=None, rob_overall="low", participants=5000),
    ]
    c = grade(rr(0.6, 0.55, 0.66, i2=0.0, q_p=0.8), trials, OutcomeSpec("death"))
    assert c.start == "high" and "design not recorded for 1 of 3" in c.start_reason


def test_grade_observational_starts_low_and_same_inputs_same_grade() -> None:
    trials = [
        TrialFacts("o1", "Cohort", 1.0, randomised=False, rob_overall="low", participants=9000)
    ]
    p = PooledEffect("RR", 1, 9000, math.log(0.3), math.log(0.25), math.log(0.36), control_risk=0.2)
    a, b = grade(p, trials, OutcomeSpec("death")), grade(p, trials, OutcomeSpec("death"))
    assert a == b
    assert a.start_reason == "Not randomised: Cohort."
    # starts low; no downgrade; large effect (RR 0.3 < 0.5) rates up one level -> moderate
    assert (a.start, a.level) == ("low", "moderate")


def test_statements_follow_santesso_cells() -> None:
    out = OutcomeSpec("28-day mortality")
    moderate = effect_size(rr(0.7, 0.6, 0.8), out, R)  # 30% relative reduction: moderate
    assert (moderate.size, moderate.direction, moderate.effect_class) == (
        "moderate",
        "reduction",
        "benefit",
    )
    assert (
        statement("Tocilizumab", "28-day mortality", "moderate", moderate, R)
        == "Tocilizumab probably reduces 28-day mortality."
    )
    assert statement("X", "death", "high", moderate, R) == "X reduces death."
    assert statement("X", "death", "low", moderate, R) == "X may reduce death."
    assert (
        statement("X", "death", "very_low", moderate, R)
        == "The evidence is very uncertain about the effect of X on death."
    )
    small = effect_size(rr(0.85, 0.8, 0.9), out, R)  # 15%: small
    assert statement("X", "death", "low", small, R) == "X may reduce death slightly."
    trivial = effect_size(rr(0.97, 0.8, 1.1), out, R)  # 3% < the 5% MID: trivial
    assert (
        statement("X", "death", "moderate", trivial, R)
        == "X probably results in little to no difference in death."
    )
    large = effect_size(rr(0.45, 0.3, 0.6), out, R)
    assert statement("X", "death", "high", large, R) == "X results in a large reduction in death."
    harm = effect_size(rr(1.4, 1.2, 1.6), out, R)
    assert (
        harm.effect_class == "harm"
        and statement("X", "death", "low", harm, R) == "X may increase death."
    )


def test_effect_size_smd_and_md_with_mid() -> None:
    o = OutcomeSpec("score", type="continuous", higher_is_better=True)
    assert effect_size(PooledEffect("SMD", 3, 300, 0.3, 0.1, 0.5), o, R).size == "small"
    assert effect_size(PooledEffect("SMD", 3, 300, 0.9, 0.7, 1.1), o, R).size == "large"
    with_mid = OutcomeSpec("days", type="continuous", mid=1.0)
    md = effect_size(PooledEffect("MD", 3, 300, -2.5, -3.0, -2.0), with_mid, R)
    assert (md.size, md.effect_class) == ("moderate", "benefit")  # 2.5 MIDs, fewer days is better


def _og(
    qid: str, cert: str, est: float, n: int, imp: str = "critical", nb: str | None = None
) -> OutcomeGrade:
    es = effect_size(rr(est, est * 0.9, est * 1.1), OutcomeSpec("death"), R)
    return OutcomeGrade(qid, "death", imp, cert, es, n, "S.", nb, "no important benefit (test)")


def test_verdict_matrix_and_overrides() -> None:
    assert decide([_og("q1", "moderate", 0.7, 5000)], subject="X").key == "probable_benefit"
    v = decide([_og("q1", "high", 0.7, 5000)], subject="X", authorised=False)
    assert (v.key, v.natural_medicines, v.certainty) == (
        "proven_benefit",
        "Likely Effective",
        "high",
    )
    assert (
        decide([_og("q1", "high", 0.7, 5000)], subject="X", authorised=True).natural_medicines
        == "Effective"
    )
    # RR 0.98 (0.88 to 1.08): CI includes 1 inside 0.75..1.25 -> trivial -> no important benefit
    assert decide([_og("q1", "high", 0.98, 5000)], subject="X").key == "no_important_benefit"
    assert decide([_og("q1", "very_low", 0.5, 50)], subject="X").key == "uncertain"
    # the best-certainty critical outcome decides; an important outcome is ignored when a critical exists
    grades = [
        _og("q1", "low", 0.7, 300),
        _og("q2", "moderate", 0.98, 9000),
        _og("q3", "high", 0.5, 9000, "important"),
    ]
    v = decide(grades, subject="X")
    assert (v.key, v.deciding_question) == ("no_important_benefit", "q2")
    # moderate-certainty harm on a critical outcome -> net harm
    assert (
        decide([_og("q1", "high", 0.7, 5000), _og("q2", "moderate", 1.5, 5000)], subject="X").key
        == "net_harm"
    )


def test_no_important_benefit_instead_of_uncertain() -> None:
    # low certainty, trivial effect: the matrix says "uncertain"; the CI excludes an important benefit
    # and that claim is rated moderate -> "no important benefit" with moderate certainty
    assert decide([_og("q1", "low", 0.98, 5000)], subject="X").key == "uncertain"
    v = decide([_og("q1", "low", 0.98, 5000, nb="moderate")], subject="X")
    assert (v.key, v.certainty, v.label) == (
        "no_important_benefit",
        "moderate",
        "no important benefit",
    )
    assert "no important benefit (test)" in v.why
    # a very low certainty claim is not enough (excludes_benefit_min_level: low)
    assert decide([_og("q1", "low", 0.98, 5000, nb="very_low")], subject="X").key == "uncertain"


def test_nothing_poolable_answers_unknown_never_no() -> None:
    none = decide([], subject="Kagocel tablets")
    assert none.key == "no_controlled_evidence" and "unknown" in none.label
    assert none.natural_medicines == "Insufficient Reliable Evidence to Rate"
    assert "Kagocel tablets" in none.why and none.certainty is None
    searched = EvidenceState(dt.date(2026, 12, 1), ("ClinicalTrials.gov", "PubMed"))
    v = decide([], subject="Kagocel tablets", state=searched)
    assert v.key == "no_trials_found" and "2026-12-01" in v.why and "PubMed" in v.why
    reg = EvidenceState(dt.date(2026, 12, 1), ("ClinicalTrials.gov",), ("NCT01234567",))
    v = decide([], subject="X", state=reg)
    assert v.key == "trials_registered_no_results" and "NCT01234567" in v.why
    unp = EvidenceState(unpoolable_trials=(UnpoolableTrial("Smith 2010", "median duration only"),))
    v = decide([], subject="X", state=unp)
    assert v.key == "trials_not_poolable" and "Smith 2010 (median duration only)" in v.why


def test_reconcile_verdict_and_tsa() -> None:
    # agreeing pairs need no sentence
    assert reconcile("no_important_benefit", "high", "futility_established", 0.25) is None
    assert reconcile("proven_benefit", "high", "benefit_established", 0.25) is None
    assert reconcile("uncertain", "low", "not_yet", 0.25) is None
    # hydroxychloroquine before this change: "uncertain" beside a futility boundary
    text = reconcile("uncertain", "low", "futility_established", 0.25)
    assert text is not None and text.startswith("The TSA's futility boundary excludes a 25% relative reduction; the verdict 'uncertain (insufficient evidence)' (low certainty)")  # fmt: skip
    assert text.endswith(".") and text.count(". ") == 0  # one sentence
    text = reconcile("probable_benefit", "moderate", "not_yet", 0.2)
    assert text is not None and "20% relative reduction" in text
    with pytest.raises(ValueError, match="unknown TSA conclusion"):
        reconcile("uncertain", "low", "maybe", 0.25)
    with pytest.raises(ValueError, match="no pooled result"):
        reconcile("no_trials_found", None, "not_yet", 0.25)


def test_profile_answers_name_trials() -> None:
    trials = [
        TrialFacts(
            "a",
            "A 2020",
            randomised=True,
            control="placebo",
            blinding="double",
            countries=("GB", "FR"),
            funding="public",
            participants=3000,
            ci_low=-0.5,
            ci_high=-0.1,
        ),
        TrialFacts(
            "b",
            "B 2021",
            randomised=True,
            control="active",
            blinding="open",
            countries=("RU",),
            funding="manufacturer",
            participants=120,
            ci_low=-0.9,
            ci_high=-0.2,
        ),
    ]
    assert shows_benefit(trials[0], higher_is_better=False)
    benefit = {t.id for t in trials if shows_benefit(t, False)}
    regs = [RegulatoryFact("EMA", "EU", "authorised", "Brand")]
    ans = {a.key: a for a in evidence_profile(trials, benefit, 1806, regs)}
    assert ans["large_rct"].answer == "yes" and ans["large_rct"].trials == ("A 2020",)
    assert ans["placebo_controlled"].trials == ("A 2020",)
    assert ans["multinational"].answer == "yes"
    assert ans["independent"].trials == ("A 2020",)
    assert ans["replicated"].answer == "yes"
    assert ans["stringent_regulator"].answer == "yes"
    none = {a.key: a for a in evidence_profile(trials[1:], set(), None, [])}
    assert none["large_rct"].answer == "unknown" and none["stringent_regulator"].answer == "unknown"
    assert none["blinded"].answer == "no"


def _row(qid: str, notes: tuple[str, ...]) -> SofRow:
    return SofRow(
        qid,
        "Mortality <28 d>",
        "200 per 1000",
        "160 per 1000 (140 to 182)",
        "RR 0.80 (0.70 to 0.91)",
        "5000 (4 RCTs)",
        "moderate",
        "⊕⊕⊕◯ Moderate",
        notes,
        "X probably reduces mortality | a lot.",
    )


def test_sof_renderers_share_footnote_letters_and_escape() -> None:
    rows = [
        _row("q1", ("Risk of bias: 30% high.",)),
        _row("q2", ("Risk of bias: 30% high.", "Imprecision.")),
    ]
    md = to_markdown(rows, "SoF")
    assert "⊕⊕⊕◯ Moderate (a,b)" in md and "a. Risk of bias: 30% high." in md and "\\|" in md
    html = str(to_html(rows, "SoF <x>"))
    assert "&lt;28 d&gt;" in html and "SoF &lt;x&gt;" in html and "<script" not in html
    parsed = list(csv.reader(io.StringIO(to_csv(rows))))
    assert (
        parsed[0][0] == "question_id"
        and parsed[2][-1] == "a. Risk of bias: 30% high. b. Imprecision."
    )
    assert json.loads(to_json(rows))[1]["footnotes"] == ["Risk of bias: 30% high.", "Imprecision."]


def test_replication_unknown_when_funding_not_recorded() -> None:
    t = [TrialFacts(f"t{i}", f"T{i}", randomised=True, ci_low=-0.5, ci_high=-0.1) for i in range(2)]
    ans = {a.key: a for a in evidence_profile(t, {"t0", "t1"}, None, [])}
    assert ans["replicated"].answer == "unknown" and ans["replicated"].trials == ("T0", "T1")


def test_safety_outcomes_count_for_harm_only() -> None:
    eff = _og("q1", "moderate", 0.7, 3000)
    sae = OutcomeGrade("q2", "serious adverse events", "critical", "high",
                       effect_size(rr(0.99, 0.9, 1.1), OutcomeSpec("x"), R), 9000, "S.")  # fmt: skip
    # the high-certainty trivial SAE outcome does not make it "no benefit"
    v = decide([eff, sae], subject="X")
    assert (v.key, v.deciding_question) == ("probable_benefit", "q1")
    harm = OutcomeGrade("q3", "serious adverse events", "critical", "moderate",
                        effect_size(rr(1.6, 1.3, 1.9), OutcomeSpec("x"), R), 9000, "S.")  # fmt: skip
    assert decide([eff, harm], subject="X").key == "net_harm"

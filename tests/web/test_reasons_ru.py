"""Every GRADE reason a page shows has a Russian rendering (issue 18).

The crawl reads EVERY question stored in a knowledge base built from the repository's reviewed files:
each domain judgement that moves the rating (the Summary-of-Findings footnotes, the question page's
"rated down" list) must be made only of sentence and clause forms web/i18n_reason_forms.py knows, its SoF
footnotes must come out in Russian, and each risk-of-bias domain reason of ImmunoGrade's own assessment
(the question page's trial table) must have its Russian phrase.  The hand-derived cases below produce
the forms the current data does not reach (a sourced MID, small industry-funded trials, registered
trials without results, another form, a surrogate, rating up) with the grading code itself and check
the Russian sentence word for word.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from immunograde.evidence.answers import appraisal_from_json
from immunograde.evidence.rules import sof_html
from immunograde.grading.config import load_rules
from immunograde.grading.imprecision import rate_imprecision
from immunograde.grading.indirectness import rate_indirectness
from immunograde.grading.inputs import OutcomeSpec, PooledEffect, QuestionContext, TrialFacts
from immunograde.grading.publication_bias import rate_publication_bias
from immunograde.grading.risk_of_bias import rate_risk_of_bias
from immunograde.grading.rob_assessment import assess_trial
from immunograde.grading.thresholds import choose_target
from immunograde.grading.upgrading import rate_upgrading
from immunograde.kb.dbfile import open_readonly
from immunograde.web import i18n, i18n_reasons, i18n_rob, i18n_sof

R = load_rules()


@pytest.fixture
def russian() -> Iterator[None]:
    i18n.use("ru")
    yield
    i18n.use(i18n.DEFAULT)


@pytest.fixture(scope="module")
def appraisals(web_db: Path) -> dict[str, dict[str, Any]]:
    con = open_readonly(web_db)
    try:
        rows = con.execute("SELECT question_id, appraisal_json FROM appraisals").fetchall()
    finally:
        con.close()
    return {qid: json.loads(data) for qid, data in rows}


def test_every_stored_reason_has_a_russian_rendering(
    appraisals: dict[str, dict[str, Any]], russian: None
) -> None:
    shown, untranslated = 0, {}
    for qid, a in appraisals.items():
        for j in a["judgements"]:
            if j["levels"] == 0:  # not shown: only the domains that move the rating are listed
                continue
            shown += 1
            rest = i18n_reasons.leftover(j["reason"])
            if rest or i18n_reasons.translate(j["reason"]) == j["reason"]:
                untranslated[f"{qid} {j['domain']}"] = rest or j["reason"]
    assert len(appraisals) > 600 and shown > 250
    assert not untranslated, f"{len(untranslated)} reasons of no known form: {untranslated}"


def test_every_sof_footnote_is_russian(
    appraisals: dict[str, dict[str, Any]], russian: None
) -> None:
    tables = [sof_html([appraisal_from_json(a).sof]) for a in appraisals.values() if a.get("sof")]
    footnotes = [
        str(i18n_sof.translate(t)).partition('<ol class="sof-footnotes"')[2] for t in tables
    ]
    english = [f for f in footnotes if 'lang="en"' in f]
    assert len(tables) > 100 and sum('<li value="1">' in f for f in footnotes) > 100
    assert not english, f"{len(english)} SoF tables keep an English footnote: {english[:2]}"


def test_every_own_risk_of_bias_reason_is_russian(
    appraisals: dict[str, dict[str, Any]], russian: None
) -> None:
    reasons = {
        d["reason"]
        for a in appraisals.values()
        for j in a["judgements"]
        if j["domain"] == "risk_of_bias"
        for t in j["inputs"].get("trials", [])
        for d in t["domains"]
        if d["reason"] != "published"
    }
    assert len(reasons) > 10
    assert not [r for r in reasons if i18n_rob.translate(r) == r]


# --- hand-derived cases: each form the grading code writes, through the grading code itself ---


def _trial(i: int, w: float, **kw: Any) -> TrialFacts:
    return TrialFacts(id=f"t{i}", label=f"Trial {i}", weight=w, **kw)


def _pooled(**kw: Any) -> PooledEffect:
    base: dict[str, Any] = dict(measure="RR", k=5, participants=5000, estimate=math.log(0.8),
                                ci_low=math.log(0.7), ci_high=math.log(0.91), control_risk=0.2)  # fmt: skip
    return PooledEffect(**{**base, **kw})


def _russian(reason: str) -> str:
    assert i18n_reasons.leftover(reason) == "", reason
    return str(i18n_reasons.translate(reason))


def test_imprecision_against_a_sourced_mid(russian: None) -> None:
    # RR 0.85 (0.80 to 0.95) with a sourced MID of RR 0.9: an important reduction, the CI crosses the MID
    o = OutcomeSpec("death", mid=0.9)
    p = _pooled(estimate=math.log(0.85), ci_low=math.log(0.8), ci_high=math.log(0.95))
    j = rate_imprecision(p, o, choose_target(p, o, R), R)
    assert j.reason == "Target: an important reduction (threshold: sourced MID: ratio 0.9). The 95% CI crosses the MID."  # fmt: skip
    assert _russian(j.reason) == (
        "Что проверялось: есть ли значимое снижение (порог — MID из источника: отношение 0,9). "
        "95% ДИ пересекает MID."
    )
    # RR 0.98 (0.85 to 1.12): little or no important effect, both MIDs crossed
    p = _pooled(estimate=math.log(0.98), ci_low=math.log(0.85), ci_high=math.log(1.12))
    j = rate_imprecision(p, o, choose_target(p, o, R), R)
    assert j.levels == -2
    assert _russian(j.reason).startswith(
        "Что проверялось: незначительный эффект или его отсутствие (MID из источника: отношение 0,9). "
        "95% ДИ пересекает нижнюю MID и верхнюю MID"
    )


def test_publication_bias_clauses(russian: None) -> None:
    # small (< 100) manufacturer-funded trials carry 60% of the weight, all of it industry-funded;
    # 300 planned participants without results of 2000 analysed = 15%
    small = [_trial(1, 0.6, participants=40, funding="manufacturer"),
             _trial(2, 0.4, participants=500, funding="public")]  # fmt: skip
    ctx = QuestionContext(missing_results=(("NCT00000001", 300),))
    j = rate_publication_bias(
        _pooled(k=12, participants=2000, asymmetry_p=0.03, asymmetry_test="Peters"), small, ctx,
        R.publication_bias,
    )  # fmt: skip
    assert j.reason == (
        "Peters's test p = 0.03 with 12 trials; small trials (< 100 participants) carry 60% of the "
        "weight, 100% of it industry-funded; registered trials without results (NCT00000001; 300 "
        "planned participants, 15% of those analysed)."
    )
    assert _russian(j.reason) == (
        "Тест Питерса: p = 0,03 (испытаний: 12); на небольшие испытания (менее 100 участников) "
        "приходится 60% веса, из него 100% — испытания, финансируемые производителями; есть "
        "зарегистрированные испытания без опубликованных результатов (NCT00000001; запланировано "
        "участников: 300 — 15% от числа проанализированных)."
    )


def test_indirectness_clauses(russian: None) -> None:
    # 80% of the weight from intramuscular trials for a question about oral capsules; a surrogate
    # outcome; the trials' population and comparator differ (three sources: capped at 2 levels)
    ctx = QuestionContext(route="oral", dose_form="capsules", population_differs=True,
                          comparator_differs=True)  # fmt: skip
    trials = [_trial(1, 0.8, route="intramuscular"), _trial(2, 0.2, route="oral")]
    j = rate_indirectness(trials, OutcomeSpec("death", surrogate=True), ctx, R.indirectness)
    assert j.levels == -2
    assert _russian(j.reason) == (
        "Исход («смерть») — суррогатный; участники испытаний отличаются от популяции вопроса; "
        "группа сравнения в испытаниях отличается от указанной в вопросе; 80% веса приходится на "
        "испытания другой формы препарата (внутримышечно; в вопросе: внутрь, капсулы)."
    )


def test_rating_up_clauses(russian: None) -> None:
    ctx = QuestionContext(dose_response=True, confounding_reduces_effect=True)
    j = rate_upgrading(_pooled(estimate=math.log(0.15)), ctx, False, False, R.upgrading)
    assert j.levels == 2
    assert _russian(j.reason) == (
        "Очень большой эффект (отношение 0,15); зависимость «доза — эффект»; вероятные "
        "искажающие факторы уменьшили бы эффект."
    )
    j = rate_upgrading(
        _pooled(estimate=math.log(0.3)), QuestionContext(), False, False, R.upgrading
    )
    assert _russian(j.reason) == "Большой эффект (отношение 0,30)."


def test_risk_of_bias_with_own_assessments(russian: None) -> None:
    # one open, non-randomised trial (own assessment: high) with 60% of the weight on the other side of
    # the null from a published low-risk trial
    trials = [
        _trial(1, 0.6, randomised=False, blinding="open", yi=-0.5, ci_low=-0.7, ci_high=-0.3),
        _trial(2, 0.4, rob_overall="low", rob_source="review", yi=0.1, ci_low=-0.1, ci_high=0.3),
    ]
    j = rate_risk_of_bias(trials, OutcomeSpec("pain"), 0.0, R)
    assert _russian(j.reason) == (
        "На испытания с высоким риском систематической ошибки приходится 60% веса, а испытания с "
        "более низким риском дают другой результат. Оценок, сделанных самим ImmunoGrade по "
        "записанному дизайну испытаний (не проверены): 1 из 2."
    )
    own = assess_trial(trials[0], OutcomeSpec("pain", objective=False), R.rob_assessment)
    assert [i18n_rob.translate(d.reason) for d in own.domains] == [
        "не рандомизировано",
        "открытое: участники или ухаживающие за ними знают о назначенном лечении",
        "не записано, у скольких участников есть данные об исходе",
        "субъективный исход оценивался открыто",
        "в базе знаний нет записи о регистрации",
    ]


def test_english_stays_as_written() -> None:
    i18n.use(i18n.DEFAULT)
    reason = "Target: an important reduction (threshold: sourced MID: ratio 0.9). The 95% CI crosses the MID."  # fmt: skip
    assert i18n_reasons.translate(reason) == reason
    assert i18n_rob.translate("not randomised") == "not randomised"

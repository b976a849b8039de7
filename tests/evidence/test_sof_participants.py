"""The Summary of Findings never claims zero participants: a body whose rows are reported estimates
without arm sizes (e.g. a review's own risk ratio for one trial) shows a dash, in English and Russian."""

from __future__ import annotations

import math
from pathlib import Path

import yaml

from immunograde.evidence.rules import load_rules, sof_html
from immunograde.evidence.sof_rows import sof_row
from immunograde.grading.certainty import grade
from immunograde.grading.inputs import OutcomeSpec, PooledEffect, TrialFacts
from immunograde.kb.models import Question
from immunograde.web import i18n, i18n_sof

QUESTION = "ustekinumab-sc-crohns-maintenance-no-remission-44w-vs-placebo-cd012804"


def _row(participants: int) -> str:
    rules = load_rules()
    path = Path(__file__).parents[2] / "data" / "questions" / f"{QUESTION}.yaml"
    q = Question.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    # the question's one row: RR 0.76 (0.64 to 0.91), as the review's Analysis 1.3 reports it
    p = PooledEffect("RR", 1, participants, math.log(0.76), math.log(0.64), math.log(0.91))
    trial = TrialFacts("t", "IM-UNITI 2016", 1.0, randomised=True, rob_overall="low")
    cert = grade(p, [trial], OutcomeSpec(q.outcome.name), rules=rules)
    return str(sof_html([sof_row(q, p, None, cert, "statement", rules)]))


def test_unknown_participants_are_a_dash_not_zero() -> None:
    html = _row(0)
    assert ">— (1 RCT)<" in html and ">0 (1 RCT)<" not in html
    assert ">388 (1 RCT)<" in _row(388)  # a known count is shown as before


def test_the_dash_row_is_translated_like_any_other() -> None:
    html = _row(0)
    i18n.use("ru")
    try:
        russian = str(i18n_sof.translate(html))
    finally:
        i18n.use(i18n.DEFAULT)
    assert "— (1 РКИ)" in russian and "1 RCT" not in russian

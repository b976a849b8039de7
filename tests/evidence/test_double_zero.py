"""One double-zero policy, declared once (``rules.yaml: trial_effects``), applied by the pooled result
and the trial sequential analysis alike, and stated by the Methods page from the same declaration.

Issue 12: the Methods page said double-zero studies were kept while the appraisal dropped them, and
``chloroquine-covid19-mortality`` pooled k = 2 while its TSA ran on 5 trials (the TSA kept the three
double-zero trials the pooled result drops).  The rows below are the repository's own data.
"""

from __future__ import annotations

import dataclasses

import pytest

from immunograde.errors import InputError
from immunograde.evidence.analysis import analyse
from immunograde.evidence.effects import counts
from immunograde.evidence.rules import load_rules
from immunograde.evidence.tsa import question_tsa
from immunograde.kb.queries import KnowledgeBase, OutcomeRow

CHLOROQUINE = "chloroquine-covid19-mortality"


def _double_zero(row: OutcomeRow) -> bool:
    c = counts(row.values) if row.form == "binary" else None
    return c is not None and ((c[0] == 0 and c[2] == 0) or (c[0] == c[1] and c[2] == c[3]))


def _label(row: OutcomeRow) -> str:
    return row.label + (f" [{row.subgroup}]" if row.subgroup else "")


def test_the_declared_policy_is_what_the_pooled_result_applies(kb: KnowledgeBase) -> None:
    assert load_rules().trial_effects.double_zero == "drop_ratios"
    rows = kb.outcome_data(CHLOROQUINE)
    zero = [_label(r) for r in rows if _double_zero(r)]
    a = analyse(kb.get_question(CHLOROQUINE), rows)
    assert zero and list(a.dropped) == zero  # exactly the double-zero rows, listed
    assert len(a.effects) == len(rows) - len(zero)


def test_the_tsa_runs_on_the_pooled_results_trials(kb: KnowledgeBase) -> None:
    """Every ratio question with a double-zero trial: the TSA's trials and participants are the
    pooled result's (or, with fewer than two trials left, no TSA)."""
    checked = []
    for q in kb.all_questions():
        if q.outcome.type != "binary" or q.outcome.measure not in ("RR", "OR"):
            continue
        rows = kb.outcome_data(q.id)
        if not any(_double_zero(r) for r in rows):
            continue
        a = analyse(q, rows)
        try:
            t = question_tsa(kb, q.id)
        except InputError:
            assert len([e for e in a.effects if e.control_total is not None]) < 2, q.id
            continue
        assert (t.k, t.participants) == (len(a.effects), a.participants), q.id
        checked.append(q.id)
    assert CHLOROQUINE in checked and len(checked) >= 10


#: a risk-difference question whose review (CD000478) holds trials with no withdrawal in either arm
AZATHIOPRINE_RD = "azathioprine-ulcerative-colitis-withdrawal-ae-vs-placebo-cd000478"


def test_a_risk_difference_keeps_its_double_zero_trials(kb: KnowledgeBase) -> None:
    """The Cochrane Handbook (16.9.3, quoted in rules.yaml): the risk difference is defined (0) for a
    trial with no events in either arm, so such trials are included; for RR and OR they are dropped."""
    q = kb.get_question(AZATHIOPRINE_RD)
    assert q.outcome.measure == "RD"
    rows = kb.outcome_data(q.id)
    zero = [r for r in rows if _double_zero(r)]
    a = analyse(q, rows)
    assert zero and not a.dropped and len(a.effects) == len(rows)
    for r in (
        zero
    ):  # each kept, its risk difference after the continuity correction (by hand, as escalc)
        e = next(e for e in a.effects if (e.label, e.subgroup) == (r.label, r.subgroup))
        ai, n1, ci, n2 = counts(r.values)  # type: ignore[misc]
        add = load_rules().trial_effects.continuity_correction
        assert e.yi == pytest.approx(
            (ai + add) / (n1 + 2 * add) - (ci + add) / (n2 + 2 * add), abs=1e-15
        )


@pytest.mark.parametrize("policy", ["drop", "keep", "drop_ratios"])
def test_the_methods_page_states_what_the_adapter_does(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, policy: str
) -> None:
    """Under either declared policy, the Methods page's sentence and the adapter agree."""
    import immunograde.evidence.analysis as analysis
    from immunograde.web.evidence import pooling_text

    base = load_rules()
    rules = dataclasses.replace(
        base, trial_effects=dataclasses.replace(base.trial_effects, double_zero=policy)
    )
    monkeypatch.setattr(analysis, "load_rules", lambda: rules)
    rows = kb.outcome_data(CHLOROQUINE)
    dropped = bool(analyse(kb.get_question(CHLOROQUINE), rows).dropped)
    sentence = pooling_text(rules)[0]
    assert dropped == (policy in ("drop", "drop_ratios"))  # chloroquine: a risk ratio
    assert ("is dropped and listed" in sentence) == (policy == "drop")
    assert ("is kept with that correction" in sentence) == (policy == "keep")
    kept_for_rd = "dropped from a risk ratio or odds ratio analysis" in sentence
    assert kept_for_rd == (policy == "drop_ratios")
    rd = kb.get_question(AZATHIOPRINE_RD)
    assert bool(analyse(rd, kb.outcome_data(rd.id)).dropped) == (policy == "drop")
    assert f"continuity correction of {rules.trial_effects.continuity_correction:g}" in sentence

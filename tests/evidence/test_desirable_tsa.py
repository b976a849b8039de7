"""The TSA and the optimal information size of a desirable outcome assume the same effect (issue 13):
a 25% relative reduction in NOT achieving it (rules.yaml information_size.desirable_events).  Checked on
baricitinib's hair regrowth (a response rate of a few per cent on placebo) from the question's own counts,
with the RIS formula written out (Wetterslev 2009): RIS = 4 (z_.975 + z_.8)^2 p(1 - p) / (p_c - p_i)^2."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from immunograde.evidence.answers import Answers
from immunograde.evidence.tsa import question_tsa
from immunograde.kb.queries import KnowledgeBase

QID = "baricitinib-alopecia-areata-short-term-regrowth"


def test_desirable_outcome_tsa_reduces_not_achieving_it(kb: KnowledgeBase) -> None:
    q = kb.get_question(QID)
    assert q.outcome.higher_is_better
    r = question_tsa(kb, QID)
    ci = sum(row.ci for row in q.data if row.ci is not None)
    n2i = sum(row.n2i for row in q.data if row.n2i is not None)
    assert r.p_c == pytest.approx(ci / n2i) and r.p_c < 0.1
    fail_c = 1 - r.p_c  # not achieving regrowth on placebo
    fail_i = fail_c * (1 - 0.25)
    p = (fail_c + fail_i) / 2
    z = norm.isf(0.025) + norm.isf(0.2)
    ris = math.ceil(4 * z**2 * p * (1 - p) / (fail_c - fail_i) ** 2)
    assert r.ris_fixed == ris
    assert r.required_information_size == int(np.ceil(ris / (1 - r.diversity)))
    assert r.rrr_applies_to == "risk of not achieving the outcome"
    # the appraisal's TSA block and its imprecision say the same, and the page's box states it
    a = Answers(kb).question(QID)
    assert a.tsa is not None and a.tsa["required_information_size"] == r.required_information_size
    assert a.tsa["rrr_applies_to"] == r.rrr_applies_to
    imp = next(j for j in a.judgements if j["domain"] == "imprecision")
    assert "risk of not achieving the outcome" in str(imp["inputs"]["ois_basis"])

"""One question's Summary-of-Findings row (GRADEpro layout; see :mod:`immunograde.grading.sof`)."""

from __future__ import annotations

import math

from immunograde.grading.absolute import AbsoluteEffect, per_1000_text
from immunograde.grading.certainty import Certainty
from immunograde.grading.config import Rules
from immunograde.grading.inputs import PooledEffect
from immunograde.grading.sof import SofRow, fmt_ratio
from immunograde.kb.models import Question

DOMAIN_TITLES = {
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision",
    "publication_bias": "Publication bias",
    "upgrading": "Rated up",
}


def _effect_columns(p: PooledEffect, a: AbsoluteEffect | None) -> tuple[str, str, str]:
    if p.is_ratio:
        rel = fmt_ratio(p.measure, math.exp(p.estimate), math.exp(p.ci_low), math.exp(p.ci_high))
    else:
        rel = "—"
    if a is not None:
        comp = f"{per_1000_text(a.risk_comparator_per_1000)} per 1000"
        lo, hi = a.risk_intervention_ci_low_per_1000, a.risk_intervention_ci_high_per_1000
        inter = (
            f"{per_1000_text(a.risk_intervention_per_1000)} per 1000 "
            f"({per_1000_text(lo)} to {per_1000_text(hi)})"
        )
        return comp, inter, rel
    if p.is_ratio:
        return "—", "—", rel
    return "—", f"{p.measure} {p.estimate:.2f} ({p.ci_low:.2f} to {p.ci_high:.2f})", rel


def footnotes(cert: Certainty) -> tuple[str, ...]:
    """One footnote per domain that moved the rating."""
    out = []
    for j in cert.judgements:
        if j.levels == 0:
            continue
        moved = "rated down" if j.levels < 0 else "rated up"
        n = abs(j.levels)
        out.append(
            f"{DOMAIN_TITLES[j.domain]} ({moved} {n} level{'s' if n > 1 else ''}): {j.reason}"
        )
    return tuple(out)


def sof_row(
    q: Question,
    p: PooledEffect,
    a: AbsoluteEffect | None,
    cert: Certainty,
    statement: str,
    rules: Rules,
) -> SofRow:
    comp, inter, rel = _effect_columns(p, a)
    design = "RCT" if cert.randomised else "study"
    # a body whose rows are reported estimates without arm sizes has no participant count: a dash,
    # never "0" (a count of zero participants would be false)
    count = f"{p.participants}" if p.participants else "—"
    participants = f"{count} ({p.k} {design}{'s' if p.k != 1 else ''})"
    level = rules.certainty_levels["levels"][cert.level]
    name = q.outcome.name + (
        f" (follow-up: {q.outcome.time_point})" if q.outcome.time_point else ""
    )
    return SofRow(
        question_id=q.id,
        outcome=name,
        comparator_text=comp,
        intervention_text=inter,
        relative_text=rel,
        participants_text=participants,
        certainty=cert.level,
        certainty_text=f"{level['symbol']} {level['label']}",
        footnotes=footnotes(cert),
        comment=statement,
    )

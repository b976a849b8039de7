"""One question's numbers: per-trial effect sizes (metafor's escalc), the pooled model (rma.uni), the
small-study test (Peters' test for a risk or odds ratio from counts; otherwise Egger's regression test,
metafor's ``regtest`` default: the random-effects model with ``sei`` as moderator), the
comparator risk from the control arms, and the participants.

Binary rows follow the one declared policy, ``rules.yaml: trial_effects`` (:func:`binary_effects`): the
continuity correction (``add = 1/2`` to rows with a zero cell) and double-zero rows dropped (metafor's
``drop00``) and listed.  The trial sequential analysis (:mod:`.effects`) applies the same function.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from immunograde.grading.config import load_rules
from immunograde.kb.models import Question
from immunograde.kb.queries import OutcomeRow
from immunograde.stats.bias import peters_test
from immunograde.stats.escalc import EffectSizes, escalc, from_ci
from immunograde.stats.rma import RmaResult, rma_uni

RATIO = frozenset({"RR", "OR", "HR", "ROM", "IRR"})
BINARY_MEASURES = frozenset({"RR", "OR", "RD"})
CONTINUOUS_MEASURES = frozenset({"MD", "SMD", "ROM"})


@dataclass(frozen=True)
class TrialEffect:
    """One data row's effect size on the analysis scale (``yi, vi``) and its participants."""

    trial_id: str
    label: str
    subgroup: str | None
    yi: float
    vi: float
    participants: int | None
    control_events: float | None
    control_total: float | None
    events: float | None = None


@dataclass(frozen=True)
class QuestionAnalysis:
    """The pooled result and everything grading reads from the numbers."""

    measure: str
    method: str
    effects: tuple[TrialEffect, ...]
    dropped: tuple[str, ...]
    fit: RmaResult | None
    asymmetry_p: float | None  #: p of the small-study (funnel asymmetry) test
    asymmetry_test: str | None  #: "Peters" (binary ratio with counts) or "Egger"
    control_risk: float | None
    participants: int
    overall_risk: float | None = None


def binary_effects(measure: str, **cells: Any) -> EffectSizes:
    """Effect sizes of 2x2 tables under the declared policy (``rules.yaml: trial_effects``): the
    continuity correction and the double-zero rule; a dropped row's ``yi`` and ``vi`` are NaN."""
    policy = load_rules().trial_effects
    return escalc(measure, add=policy.continuity_correction, drop00=policy.drop00(measure), **cells)


def _row_effect(measure: str, row: OutcomeRow) -> tuple[float, float]:
    v = row.values
    cells: dict[str, Any]
    if row.form == "binary":
        cells = {k: [v[k]] for k in ("ai", "bi", "ci", "di", "n1i", "n2i") if v.get(k) is not None}
        es = binary_effects(measure, **cells)
    elif row.form == "continuous":
        cells = {k: [v[k]] for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
        es = escalc(measure, **cells)
    elif row.form == "generic":
        key = "vi" if v.get("vi") is not None else "sei"
        gen: dict[str, Any] = {"yi": [v["yi"]], key: [v[key]]}
        es = escalc("GEN", **gen)
    else:
        es = from_ci([v["estimate"]], [v["ci_low"]], [v["ci_high"]], ratio=measure in RATIO)
    return float(es.yi[0]), float(es.vi[0])


def _arms(row: OutcomeRow) -> tuple[int | None, float | None, float | None]:
    v = row.values
    n1 = v.get("n1i") if v.get("n1i") is not None else _sum(v.get("ai"), v.get("bi"))
    n2 = v.get("n2i") if v.get("n2i") is not None else _sum(v.get("ci"), v.get("di"))
    n = None if n1 is None or n2 is None else round(n1 + n2)
    events = v.get("ci") if row.form == "binary" else None
    return n, events, n2 if row.form == "binary" else None


def _events(row: OutcomeRow) -> float | None:
    v = row.values
    if row.form != "binary" or v.get("ai") is None or v.get("ci") is None:
        return None
    return float(v["ai"]) + float(v["ci"])  # type: ignore[arg-type]


def _sum(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


def trial_effects(measure: str, rows: Sequence[OutcomeRow]) -> tuple[list[TrialEffect], list[str]]:
    """Effect sizes of every row; rows whose effect cannot be computed are returned by label."""
    kept: list[TrialEffect] = []
    dropped: list[str] = []
    for row in rows:
        yi, vi = _row_effect(measure, row)
        if not (math.isfinite(yi) and math.isfinite(vi) and vi > 0):
            dropped.append(row.label + (f" [{row.subgroup}]" if row.subgroup else ""))
            continue
        n, ev, tot = _arms(row)
        kept.append(
            TrialEffect(row.trial_id, row.label, row.subgroup, yi, vi, n, ev, tot, _events(row))
        )
    return kept, dropped


def _asymmetry(
    measure: str, effects: Sequence[TrialEffect], method: str
) -> tuple[float | None, str | None]:
    """The small-study test (rules.yaml publication_bias): Peters' test for a ratio of two binary
    arms with counts in every trial (0 < events < participants), Egger's otherwise."""
    if len(effects) < 3:
        return None, None
    y = np.array([e.yi for e in effects])
    counts = [(e.events, e.participants) for e in effects]
    if measure in ("OR", "RR") and all(
        ev is not None and n is not None and 0 < ev < n for ev, n in counts
    ):
        n = np.array([float(m) for _, m in counts])  # type: ignore[arg-type]
        ev_ = np.array([float(x) for x, _ in counts])  # type: ignore[arg-type]
        if np.ptp(n) > 0:
            return peters_test(y, ev_, n).p_value, "Peters"
    v = np.array([e.vi for e in effects])
    fit = rma_uni(y, v, method=method, mods=np.sqrt(v)[:, None])
    return float(fit.p_beta[1]), "Egger"


def analyse(question: Question, rows: Sequence[OutcomeRow]) -> QuestionAnalysis:
    """Effect sizes, pooled model, the small-study test and comparator risk for one question."""
    measure = question.outcome.measure
    method = "FE" if question.model == "fixed" else (question.method or "REML")
    effects, dropped = trial_effects(measure, rows)
    fit = None
    asym: tuple[float | None, str | None] = (None, None)
    if effects:
        y = np.array([e.yi for e in effects])
        v = np.array([e.vi for e in effects])
        fit = rma_uni(y, v, method=method if len(effects) > 1 else "FE")
        asym = _asymmetry(measure, effects, method)
    ev = [e.control_events for e in effects if e.control_events is not None]
    tot = [
        e.control_total
        for e in effects
        if e.control_total is not None and e.control_events is not None
    ]
    p0 = sum(ev) / sum(tot) if tot and sum(tot) > 0 else None
    n = sum(e.participants or 0 for e in effects)
    both = [(e.events, e.participants) for e in effects if e.events is not None and e.participants]
    n_both = sum(float(m) for _, m in both)
    overall = sum(float(x) for x, _ in both) / n_both if n_both else None
    return QuestionAnalysis(
        measure, method, tuple(effects), tuple(dropped), fit, *asym, p0, n, overall
    )

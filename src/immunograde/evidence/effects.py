"""Per-trial effects of a question in publication-year order, for sequential analyses.

Binary questions (RR, OR) use the event counts (either metafor form: ``ai, n1i, ci, n2i`` or
``ai, bi, ci, di``) under the pooled result's own policy (``rules.yaml: trial_effects``: continuity
correction, double-zero trials dropped), so the sequential analysis has the pooled result's trials;
continuous questions measured as a mean difference use ``m1i, sd1i, n1i, m2i, sd2i, n2i``.  Trials
without a year go last; ties keep file order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from immunograde.errors import InputError, Msg
from immunograde.evidence.analysis import binary_effects
from immunograde.kb.queries import KnowledgeBase, OutcomeRow
from immunograde.stats.escalc import escalc

RATIO_MEASURES = ("RR", "OR")
CONTINUOUS = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")


@dataclass(frozen=True)
class Effects:
    rows: list[OutcomeRow]
    measure: str
    method: str  #: the question's tau2 estimator (default REML)
    yi: np.ndarray
    vi: np.ndarray
    n: np.ndarray  #: participants per trial
    p_c: float | None  #: control event proportion (binary)
    sd: float | None  #: pooled standard deviation (mean difference)

    @property
    def ratio(self) -> bool:
        return self.measure in RATIO_MEASURES


def counts(v: dict[str, float | None]) -> tuple[float, float, float, float] | None:
    """``(ai, n1i, ci, n2i)`` from either binary form, or None."""
    ai, ci = v.get("ai"), v.get("ci")
    n1 = v.get("n1i") if v.get("n1i") is not None else _sum(ai, v.get("bi"))
    n2 = v.get("n2i") if v.get("n2i") is not None else _sum(ci, v.get("di"))
    if ai is None or ci is None or n1 is None or n2 is None:
        return None
    return float(ai), float(n1), float(ci), float(n2)


def _sum(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


def _means(v: dict[str, float | None]) -> tuple[float, ...] | None:
    vals = [v.get(c) for c in CONTINUOUS]
    return None if any(x is None for x in vals) else tuple(float(x) for x in vals)  # type: ignore[arg-type]


def _by_year(rows: list[OutcomeRow]) -> list[OutcomeRow]:
    order = np.argsort([r.year if r.year is not None else 9999 for r in rows], kind="stable")
    return [rows[i] for i in order]


def question_effects(kb: KnowledgeBase, question_id: str) -> Effects:
    """The question's per-trial effects; :class:`InputError` when no sequential analysis fits."""
    q = kb.get_question(question_id)
    measure, where = q.outcome.measure, f"questions/{question_id}.yaml"
    binary = q.outcome.type == "binary" and measure in RATIO_MEASURES
    if not binary and measure != "MD":
        raise InputError.one(Msg("TSA needs a binary outcome (RR, OR) or a mean difference (MD); %(question_id)s is %(type)s %(measure)s", question_id=question_id, type=q.outcome.type, measure=measure), file=where,
                             field="outcome.measure")  # fmt: skip
    pick = counts if binary else _means
    rows = _by_year([r for r in kb.outcome_data(question_id) if pick(r.values) is not None])
    c = np.array([pick(r.values) for r in rows], dtype=float).reshape(len(rows), -1)
    if binary and len(rows):
        es = binary_effects(measure, ai=c[:, 0], n1i=c[:, 1], ci=c[:, 2], n2i=c[:, 3])
        keep = np.isfinite(es.yi) & np.isfinite(es.vi)  # double-zero trials dropped, as pooled
        rows, c = [r for r, k in zip(rows, keep, strict=True) if k], c[keep]
        yi, vi = _f(es.yi)[keep], _f(es.vi)[keep]
    if len(rows) < 2:
        need = "ai, n1i, ci, n2i (not double-zero)" if binary else ", ".join(CONTINUOUS)
        raise InputError.one(Msg("TSA needs at least two trials with %(need)s; %(question_id)s has %(n)s", need=need, question_id=question_id, n=len(rows)), file=where, field="data")  # fmt: skip
    method = q.method or "REML"
    if binary:
        p_c = float(c[:, 2].sum() / c[:, 3].sum())
        return Effects(rows, measure, method, yi, vi, c[:, 1] + c[:, 3], p_c, None)
    es = escalc(
        "MD", m1i=c[:, 0], sd1i=c[:, 1], n1i=c[:, 2], m2i=c[:, 3], sd2i=c[:, 4], n2i=c[:, 5]
    )
    pooled = np.sum((c[:, 2] - 1) * c[:, 1] ** 2 + (c[:, 5] - 1) * c[:, 4] ** 2)
    sd = float(np.sqrt(pooled / np.sum(c[:, 2] + c[:, 5] - 2)))
    return Effects(rows, measure, method, _f(es.yi), _f(es.vi), c[:, 2] + c[:, 5], None, sd)


def _f(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=float)

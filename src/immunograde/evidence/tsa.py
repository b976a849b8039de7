"""Trial sequential analysis of one knowledge-base question, and "what would it take".

The question's trials are ordered by publication year (ties keep file order), pooled cumulatively
(random effects, the question's tau2 estimator, default REML; fixed effect when asked), and the
cumulative Z curve is monitored against Lan-DeMets boundaries on the diversity-adjusted required
information size (:mod:`immunograde.stats.sequential`).  Registered trials for the same substance
that are ongoing, or completed without results, are listed with their planned enrolment and what
they would add to the information fraction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import numpy as np

from immunograde.errors import InputError, Msg, from_stats
from immunograde.evidence.effects import Effects, question_effects
from immunograde.evidence.registered import OngoingTrial, registered_trials
from immunograde.grading.config import load_rules
from immunograde.kb.queries import KnowledgeBase
from immunograde.stats.batch import check_inputs, check_options, fit_segments
from immunograde.stats.rma import RmaResult, from_batch_row, rma_uni
from immunograde.stats.segments import Segments
from immunograde.stats.sequential import (
    InformationSize,
    TSAResult,
    diversity,
    required_information_size,
    required_information_size_md,
    tsa,
)


@dataclass(frozen=True)
class QuestionTSA:
    """The TSA of a question with its inputs, in the JSON vocabulary of ``immunograde tsa``."""

    question_id: str
    measure: str
    model: str
    rrr: float | None  #: relative risk reduction to detect (ratio measures)
    mid: float | None  #: mean difference to detect (MD)
    alpha: float
    beta: float
    p_c: float | None  #: control event proportion (binary)
    sd: float | None  #: pooled standard deviation (MD)
    k: int
    participants: int
    required_information_size: int
    ris_fixed: int
    diversity: float
    i2: float
    ris_adjustment: str
    information_fraction: float
    z_final: float
    boundary_final: float | None
    conclusion: str
    participants_needed: int
    ongoing_trials: list[OngoingTrial]
    information_fraction_with_ongoing: float
    what_would_it_take: str
    estimate: float
    ci_low: float
    ci_high: float
    tsa_ci_low: float
    tsa_ci_high: float
    trials: list[dict[str, Any]] = field(default_factory=list)
    boundary: list[dict[str, Any]] = field(default_factory=list)
    sequential: TSAResult | None = None
    #: the risk the RRR applies to: "comparator risk", or for a desirable outcome "risk of not
    #: achieving the outcome" (rules.yaml information_size.desirable_events)
    rrr_applies_to: str | None = None


@dataclass(frozen=True)
class TsaOptions:
    """What to detect and how: RRR, error rates, model, spending, futility, RIS adjustment."""

    rrr: float = 0.25  #: callers pass rules.yaml information_size.relative_risk_reduction
    alpha: float = 0.05
    beta: float = 0.2
    model: str = "random"
    spending: str = "obrien_fleming"
    param: float | None = None
    futility: str = "none"
    adjust: str = "d2"  #: heterogeneity adjustment of the RIS: d2 (TSA default), i2 or none
    mid: float | None = None  #: mean difference to detect (MD questions; default: outcome.mid)


def question_tsa(
    kb: KnowledgeBase,
    question_id: str,
    *,
    rrr: float | None = None,
    alpha: float = 0.05,
    beta: float = 0.2,
    model: str = "random",
    spending: str = "obrien_fleming",
    param: float | None = None,
    futility: str = "none",
    adjust: str = "d2",
    mid: float | None = None,
    registry: duckdb.DuckDBPyConnection | None = None,
) -> QuestionTSA:
    """TSA of ``question_id`` (publication-year order); bad options raise :class:`InputError`.

    Benefit means a ratio below 1 unless the outcome is desirable (``higher_is_better``).  ``rrr``
    defaults to the one declared value, ``rules.yaml: information_size.relative_risk_reduction``.
    """
    if rrr is None:
        rrr = load_rules().information_size.relative_risk_reduction
    o = TsaOptions(rrr, alpha, beta, model, spending, param, futility, adjust, mid)
    for name, value, allowed in (("model", model, ("random", "fixed")), ("futility", futility,
                                 ("none", "non-binding")), ("adjust", adjust, ("d2", "i2", "none"))):  # fmt: skip
        if value not in allowed:
            raise InputError.one(
                Msg(
                    "%(name)s must be one of %(allowed)s, not %(value)s",
                    name=name,
                    allowed=", ".join(allowed),
                    value=repr(value),
                ),
                field=name,
            )
    try:
        return _question_tsa(kb, question_id, o, registry)
    except ValueError as exc:  # the numerics reject an option (rrr, alpha, spending, ...)
        raise InputError.one(from_stats(str(exc)), field="tsa options") from exc


def _question_tsa(
    kb: KnowledgeBase, question_id: str, o: TsaOptions, registry: duckdb.DuckDBPyConnection | None
) -> QuestionTSA:
    e = question_effects(kb, question_id)
    fixed = o.model == "fixed"
    z, last = _cumulative(e, "FE" if fixed else e.method)
    d2 = diversity(e.vi, 0.0 if fixed else float(last.tau2))
    i2 = 0.0 if fixed or last.i2 != last.i2 else float(last.i2) / 100
    ris = _ris(kb, question_id, e, o, d2, i2)
    target = {"d2": ris.ris_d2, "i2": ris.ris_i2}.get(o.adjust) or ris.ris
    n_cum = np.cumsum(e.n)
    q = kb.get_question(question_id)
    res = tsa(n_cum, z, target, estimate=last.estimate, se=last.se, alpha=o.alpha, beta=o.beta,
              benefit_sign=1 if q.outcome.higher_is_better else -1, spending=o.spending,
              param=o.param, futility="none" if o.futility == "none" else "non-binding")  # fmt: skip
    out = _assemble(question_id, e, o, ris, target, d2, i2, last, n_cum, res, z,
                    registered_trials(kb, question_id, registry))  # fmt: skip
    if out.rrr is None or e.p_c is None:
        return out
    applies = load_rules().information_size.event_risk(e.p_c, q.outcome.higher_is_better)[1]
    return replace(out, rrr_applies_to=applies)


def _cumulative(e: Effects, method: str) -> tuple[np.ndarray, RmaResult]:
    """The cumulative Z of every prefix of the studies (the first alone by a fixed-effect fit) and
    the fit of them all.  The prefixes of two or more studies are fitted as one batch: each equals
    ``rma_uni`` of that prefix (the same arithmetic per meta-analysis), without a call per prefix."""
    first = rma_uni(e.yi[:1], e.vi[:1], method="FE")
    if e.yi.size == 1:
        return np.array([first.estimate / first.se]), first
    y, v = check_inputs(e.yi, e.vi)
    check_options(method, "z", "metafor", 95.0)
    counts = np.arange(2, y.size + 1)
    take = np.concatenate([np.arange(c) for c in counts])
    res = fit_segments(Segments.from_counts(counts), y[take], v[take], counts, method=method,
                       test="z", level=95.0, mode="metafor")  # fmt: skip
    z = np.concatenate([[first.estimate / first.se], res.estimate / res.se])
    return z, from_batch_row(res, counts.size - 1, y, v)


def _ris(
    kb: KnowledgeBase, qid: str, e: Effects, o: TsaOptions, d2: float, i2: float
) -> InformationSize:
    kw: dict[str, Any] = {"alpha": o.alpha, "beta": o.beta, "d2": d2, "i2": i2}
    if e.p_c is not None:
        info = load_rules().information_size
        desirable = kb.get_question(qid).outcome.higher_is_better
        risk, _ = info.event_risk(e.p_c, desirable)  # desirable event: reduce not achieving it
        increase = desirable and not info.complements(desirable)  # desirable_events: increase
        return required_information_size(risk, o.rrr, measure=e.measure, increase=increase, **kw)
    mid = o.mid if o.mid is not None else kb.get_question(qid).outcome.mid
    if mid is None or e.sd is None:
        raise InputError.one(Msg("%(qid)s has no minimal important difference: give one (--mid)", qid=qid),
                             file=f"questions/{qid}.yaml", field="outcome.mid")  # fmt: skip
    return required_information_size_md(mid, e.sd, **kw)


def _assemble(qid: str, e: Effects, o: TsaOptions, ris: InformationSize, target: int, d2: float,
              i2: float, last: Any, n_cum: np.ndarray, res: TSAResult, z: np.ndarray,
              ongoing: list[OngoingTrial]) -> QuestionTSA:  # fmt: skip
    n = int(n_cum[-1])
    planned = sum(t.enrollment or 0 for t in ongoing)
    frac_with = (n + planned) / target
    text = _what_it_takes(n_cum, target, ongoing, res, frac_with)
    ex = np.exp if e.ratio else (lambda x: x)
    b = res.boundary_final
    return QuestionTSA(
        question_id=qid, measure=e.measure, model=o.model, rrr=o.rrr if e.ratio else None,
        mid=None if e.ratio else ris.theta, alpha=o.alpha, beta=o.beta, p_c=e.p_c, sd=e.sd, k=len(e.rows), participants=n, required_information_size=target, ris_fixed=ris.ris,
        diversity=d2, i2=i2, ris_adjustment=o.adjust,
        information_fraction=res.information_fraction, z_final=res.z_final,
        boundary_final=None if not np.isfinite(b) else b, conclusion=res.conclusion,
        participants_needed=max(0, target - n), ongoing_trials=ongoing,
        information_fraction_with_ongoing=frac_with, what_would_it_take=text,
        estimate=float(ex(last.estimate)), ci_low=float(ex(last.ci_low)),
        ci_high=float(ex(last.ci_high)), tsa_ci_low=float(ex(res.ci_low)),
        tsa_ci_high=float(ex(res.ci_high)),
        trials=[{"trial_id": r.trial_id, "label": r.label, "year": r.year,
                 "participants": int(nc), "z": float(zz)}
                for r, nc, zz in zip(e.rows, n_cum, z, strict=True)],
        boundary=boundary_points(res, target), sequential=res,
    )  # fmt: skip


def boundary_points(res: TSAResult, ris: int) -> list[dict[str, Any]]:
    """The monitoring boundary curve to the final analysis (planned looks every 5% after today)."""
    seq = res.sequential_ris
    out = []
    for t, up, fu in zip(res.curve_timing, res.curve_upper, res.curve_futility, strict=True):
        out.append({
            "information_fraction": float(t * seq / ris), "participants": round(float(t * seq)),
            "upper": float(up) if np.isfinite(up) else None,
            "lower": -float(up) if np.isfinite(up) else None,
            "futility": float(fu) if np.isfinite(fu) else None,
        })  # fmt: skip
    return out


def _what_it_takes(
    n_cum: np.ndarray, target: int, ongoing: list[OngoingTrial], res: TSAResult, f1: float
) -> str:
    n = int(n_cum[-1])
    at = n if res.crossing_look is None else int(n_cum[res.crossing_look])
    crossed = {"benefit_established": "benefit", "harm_established": "harm"}.get(res.conclusion)
    if crossed:
        return (f"The monitoring boundary for {crossed} was crossed at {at:,} participants "
                f"(information fraction {at / target:.2f}): no further participants are needed "
                f"for this conclusion.")  # fmt: skip
    needed = max(0, target - n)
    if needed == 0:
        return (f"The required information size ({target:,}) is reached ({n:,} participants) without "
                f"the Z curve crossing a monitoring boundary: an effect as large as assumed is unlikely.")  # fmt: skip
    if res.conclusion == "futility_established":
        return (f"The futility boundary was crossed at {at:,} participants: an effect as large as "
                f"assumed is unlikely; no further participants are needed to show it.")  # fmt: skip
    text = f"{needed:,} more participants are needed to reach the required information size ({target:,})."
    if ongoing:
        k = len(ongoing)
        trials = "trial" if k == 1 else "trials"
        text += (f" The {k} registered {trials} without results would bring the information "
                 f"fraction from {res.information_fraction:.2f} to {f1:.2f}.")  # fmt: skip
    else:
        text += " No registered trial without results was found for this question."
    return text


def imprecision_input(r: QuestionTSA) -> dict[str, Any]:
    """The TSA as an explained input to the GRADE imprecision domain (for the appraisal layer).

    ``concern`` is True when the required information size is not reached and no monitoring boundary
    was crossed (the optimal information size criterion of GRADE is not met, sequentially judged).
    """
    concern = r.conclusion == "not_yet"
    why = (
        f"Trial sequential analysis: {r.participants:,} of {r.required_information_size:,} required "
        f"participants (information fraction {r.information_fraction:.2f}, D2 {r.diversity:.0%}, "
        f"{_target(r)}, alpha {r.alpha}, beta {r.beta}); cumulative Z {r.z_final:.2f} "
        + ("has not crossed" if concern else "crossed or reached")
        + " the O'Brien-Fleming monitoring boundary"
        + ("" if r.boundary_final is None else f" ({r.boundary_final:.2f})")
        + f": {r.conclusion.replace('_', ' ')}."
    )
    return {"source": "tsa", "concern": concern, "conclusion": r.conclusion,
            "information_fraction": r.information_fraction, "explanation": why}  # fmt: skip


def rrr_text(rrr: float, applies_to: str | None) -> str:
    """``relative risk reduction 25%``, or for a desirable outcome ``25% relative reduction in not
    achieving the outcome`` (what the TSA and the optimal information size assume)."""
    if applies_to == "risk of not achieving the outcome":
        return f"{rrr:.0%} relative reduction in not achieving the outcome"
    return f"relative risk reduction {rrr:.0%}"


def _target(r: QuestionTSA) -> str:
    return rrr_text(r.rrr, r.rrr_applies_to) if r.rrr is not None else f"MD {r.mid:g}"

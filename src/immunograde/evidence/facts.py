"""Knowledge-base records + the question's numbers -> the grading's input dataclasses.

A trial with several data rows (subgroups) gets the sum of their pooled weights and, for the
inconsistency and profile checks, the fixed-effect combination of its rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from immunograde.evidence.analysis import QuestionAnalysis, TrialEffect
from immunograde.grading.inputs import OutcomeSpec, PooledEffect, QuestionContext, TrialFacts
from immunograde.kb.models import Question, Trial
from immunograde.kb.queries import TrialForQuestion

Z95 = 1.959963984540054


def outcome_spec(q: Question) -> OutcomeSpec:
    o = q.outcome
    name = o.name + (f" ({o.time_point})" if o.time_point else "")
    return OutcomeSpec(
        name, o.type, o.importance, o.higher_is_better, o.mid, o.surrogate, o.objective
    )


def question_context(
    q: Question, missing_results: tuple[tuple[str, int], ...] = ()
) -> QuestionContext:
    iv = q.intervention
    return QuestionContext(route=iv.route, dose_form=iv.dose_form, missing_results=missing_results)


def pooled_effect(a: QuestionAnalysis) -> PooledEffect | None:
    """The pooled model as grading reads it (``None`` when no row could be analysed)."""
    f = a.fit
    if f is None:
        return None
    has_pi = f.k > 1 and math.isfinite(f.pi_low)
    return PooledEffect(
        measure=a.measure,
        k=len({e.trial_id for e in a.effects}),
        participants=a.participants,
        estimate=f.estimate,
        ci_low=f.ci_low,
        ci_high=f.ci_high,
        pi_low=f.pi_low if has_pi else None,
        pi_high=f.pi_high if has_pi else None,
        tau2=f.tau2,
        i2=f.i2,
        q_p=f.q_p if f.k > 1 else None,
        q=f.q if f.k > 1 else None,
        q_df=f.q_df if f.k > 1 else None,
        asymmetry_p=a.asymmetry_p,
        asymmetry_test=a.asymmetry_test,
        control_risk=a.control_risk,
        overall_risk=a.overall_risk,
    )


def _combine(rows: Sequence[TrialEffect]) -> tuple[float, float, float]:
    w = [1.0 / r.vi for r in rows]
    y = sum(wi * r.yi for wi, r in zip(w, rows, strict=True)) / sum(w)
    se = math.sqrt(1.0 / sum(w))
    return y, y - Z95 * se, y + Z95 * se


def _route(trial: Trial, q: Question) -> str | None:
    subs = set(q.intervention.substance_ids())
    arms = [a for a in trial.arms if not a.control]
    named = [
        a
        for a in arms
        if a.substance in subs or (q.intervention.product and a.product == q.intervention.product)
    ]
    for arm in named or arms:
        if arm.route != "unknown":
            return arm.route
    return None


def trial_facts(
    q: Question, a: QuestionAnalysis, trials: Sequence[TrialForQuestion]
) -> list[TrialFacts]:
    """One :class:`TrialFacts` per trial with analysable data, in data order."""
    weights = list(a.fit.weights) if a.fit is not None else []
    by_trial: dict[str, list[tuple[TrialEffect, float]]] = {}
    for eff, w in zip(a.effects, weights, strict=True):
        by_trial.setdefault(eff.trial_id, []).append((eff, float(w) / 100.0))
    info = {t.trial.id: t for t in trials}
    out = []
    for tid, rows in by_trial.items():
        t4q = info.get(tid)
        tr = t4q.trial if t4q else None
        yi, lo, hi = _combine([r for r, _ in rows])
        n = sum(r.participants or 0 for r, _ in rows) or (tr.n_randomised if tr else None)
        out.append(
            TrialFacts(
                id=tid,
                label=rows[0][0].label,
                weight=sum(w for _, w in rows),
                randomised=tr.design.randomised if tr else None,
                rob_overall=t4q.rob.overall if t4q and t4q.rob else "not_assessed",
                rob_domains=_rob_domains(t4q),
                rob_source=_rob_source(t4q),
                allocation_concealment=tr.design.allocation_concealment if tr else "unknown",
                analysed_share=_analysed_share(tr, n),
                blinding=tr.design.blinding if tr else "unknown",
                control=tr.design.control if tr else "unknown",
                countries=tr.countries if tr else (),
                funding=tr.funding if tr else "unknown",
                participants=n,
                year=tr.year if tr else None,
                registry_ids=tr.registry_ids if tr else (),
                route=_route(tr, q) if tr else None,
                yi=yi,
                ci_low=lo,
                ci_high=hi,
            )
        )
    return out


def _rob_domains(t4q: TrialForQuestion | None) -> tuple[tuple[str, str], ...]:
    if t4q is None or t4q.rob is None:
        return ()
    r = t4q.rob
    names = ("d1_randomisation", "d2_deviations", "d3_missing", "d4_measurement", "d5_selection")
    return tuple((n, getattr(r, n)) for n in names)


def _rob_source(t4q: TrialForQuestion | None) -> str | None:
    src = None if t4q is None or t4q.rob is None else t4q.rob.source
    if src is None:
        return None
    parts = [
        src.ref,
        src.doi and f"doi:{src.doi}",
        src.pmid and f"PMID {src.pmid}",
        src.file,
        src.locator,
    ]
    return ", ".join(p for p in parts if p) or None


def _analysed_share(tr: Trial | None, n: int | None) -> float | None:
    """Participants with outcome data / randomised, for two-arm trials (a multi-arm trial's total
    would understate the share for one comparison); None when not computable or inconsistent."""
    if tr is None or not n or not tr.n_randomised or len(tr.arms) > 2:
        return None
    share = n / tr.n_randomised
    return share if share <= 1.0 else None

"""Appraise one question: knowledge base -> numbers -> GRADE certainty, statement, SoF row, profile.

>>> from immunograde.kb.queries import open_kb
>>> with open_kb() as kb:                                      # doctest: +SKIP
...     a = appraise_question(kb, "tocilizumab-covid19-mortality-on-corticosteroids")
...     a.certainty, a.statement
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from immunograde.errors import InputError, Msg
from immunograde.evidence.analysis import QuestionAnalysis, analyse
from immunograde.evidence.digest import PooledResult
from immunograde.evidence.facts import outcome_spec, pooled_effect, question_context, trial_facts
from immunograde.evidence.known import KnownSource, question_state
from immunograde.evidence.sof_rows import sof_row
from immunograde.grading.absolute import AbsoluteEffect, absolute_effect
from immunograde.grading.certainty import Certainty
from immunograde.grading.config import Rules, load_rules
from immunograde.grading.inputs import PooledEffect, QuestionContext, TrialFacts, TsaSummary
from immunograde.grading.ois import ois_binary
from immunograde.grading.outcome import grade_outcome
from immunograde.grading.profile import (
    ProfileAnswer,
    RegulatoryFact,
    evidence_profile,
    shows_benefit,
)
from immunograde.grading.sof import SofRow
from immunograde.grading.statements import EffectSize
from immunograde.grading.verdict import EvidenceState, OutcomeGrade, Verdict, decide
from immunograde.kb.models import DrugClass, Product, Question, RegulatoryStatus, Substance
from immunograde.kb.queries import OutcomeRow, TrialForQuestion


class EvidenceSource(KnownSource, Protocol):
    """The knowledge-base queries an appraisal needs (:class:`immunograde.kb.queries.KnowledgeBase`)."""

    def get_question(self, question_id: str) -> Question: ...
    def outcome_data(self, question_id: str) -> list[OutcomeRow]: ...
    def trials_for_question(self, question_id: str) -> list[TrialForQuestion]: ...
    def regulatory_for(self, substance_id: str) -> list[RegulatoryStatus]: ...
    def get_substance(self, substance_id: str) -> Substance: ...
    def get_class(self, class_id: str) -> DrugClass: ...
    def get_product(self, product_id: str) -> Product: ...
    def products_for(self, substance_id: str) -> list[Product]: ...


@dataclass(frozen=True)
class AskedQuestion:
    """The question as asked (PICO and the product form tested): the first fields of an appraisal."""

    question_id: str
    question: str
    substance: str
    form: str
    route: str
    dose_form: str | None
    indication: str | None
    population: str
    comparator: str
    outcome: str
    importance: str


@dataclass(frozen=True)
class Appraisal(PooledResult, AskedQuestion):
    """One question, appraised.  Field names are the JSON contract of ``immunograde appraise``; in order:
    the question asked, the pooled result (:class:`~immunograde.evidence.digest.PooledResult`), then the rest."""

    pi_low_exp: float | None
    pi_high_exp: float | None
    tau2: float | None
    i2: float | None
    risk_comparator_per_1000: float | None
    risk_comparator_source: str | None
    risk_intervention_per_1000: float | None
    risk_intervention_ci_low_per_1000: float | None
    risk_intervention_ci_high_per_1000: float | None
    certainty: str | None
    certainty_symbol: str | None
    downgrades: list[dict[str, Any]]
    judgements: list[dict[str, Any]]
    effect_size: str | None
    statement: str
    verdict: str
    verdict_label: str
    profile: list[ProfileAnswer]
    trials: list[str]
    dropped_rows: list[str]
    sof: SofRow | None
    published: list[dict[str, Any]]
    #: the trial sequential analysis fed to imprecision (``rrr, required_information_size, participants,
    #: information_fraction, conclusion, reconciliation``), None when the question allows none
    tsa: dict[str, Any] | None = None
    data_version: str | None = (
        None  #: the knowledge base's data version the appraisal was computed on
    )


def substance_label(q: Question, kb: EvidenceSource | None = None) -> str:
    """The intervention's name: substance names, else the product's brand, else the class name."""
    iv = q.intervention
    ids = iv.substance_ids()
    if kb is None:
        return ", ".join(ids) or iv.product or iv.drug_class or "?"
    if ids:
        return " + ".join(kb.get_substance(i).name for i in ids)
    if iv.product:
        return kb.get_product(iv.product).brand
    return kb.get_class(iv.drug_class).name if iv.drug_class else "?"


def form_label(route: str, dose_form: str | None) -> str:
    text = "route not stated" if route == "unknown" else route
    return text + (f", {dose_form}" if dose_form else "")


def _exp(x: float | None, ratio: bool) -> float | None:
    return None if x is None else (math.exp(x) if ratio else None)


def _absolute(p: PooledEffect, baseline_risk: float | None) -> AbsoluteEffect | None:
    p0 = p.control_risk if baseline_risk is None else baseline_risk
    if p.measure not in ("RR", "OR", "HR") or p0 is None or not 0 < p0 < 1:
        return None
    return absolute_effect(
        p.measure, math.exp(p.estimate), math.exp(p.ci_low), math.exp(p.ci_high), p0
    )


def _judgement_dicts(c: Certainty) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    alls: list[dict[str, Any]] = [
        {
            "domain": j.domain,
            "levels": j.levels,
            "concern": j.concern,
            "reason": j.reason,
            "inputs": j.inputs,
        }
        for j in c.judgements
    ]
    downs = [{"domain": j.domain, "levels": -j.levels, "reason": j.reason} for j in c.downgrades]
    return downs, alls


def _regulatory(regs: list[RegulatoryStatus]) -> list[RegulatoryFact]:
    return [RegulatoryFact(r.agency, r.country, r.status, r.product_name) for r in regs]


def regulatory_of_form(
    regs: Sequence[RegulatoryStatus], products: Sequence[Product], route: str
) -> list[RegulatoryStatus]:
    """The regulatory rows that speak for the form (route) ``route``: rows about a product of that
    route, and rows naming no product when every product of the substance has that route (or there is
    none).  An authorisation of one form never stands for another (the EMA's IntronA is not rectal
    Viferon)."""
    route_of = {p.id: p.route for p in products}
    single = len(set(route_of.values())) <= 1 and set(route_of.values()) <= {route}
    return [r for r in regs if (route_of.get(r.product) == route if r.product else single)]


@dataclass(frozen=True)
class Options:
    """Inputs from outside the knowledge base (a TSA, a stated population risk)."""

    tsa: TsaSummary | None = None
    baseline_risk: float | None = None


@dataclass(frozen=True)
class Graded:
    """Intermediate results kept for the substance summary (not part of the JSON contract)."""

    appraisal: Appraisal
    trials: tuple[TrialFacts, ...]
    grade: OutcomeGrade | None
    ois: int | None
    higher_is_better: bool = False
    state: EvidenceState | None = None  # what is known when nothing could be pooled


def appraise_question(
    kb: EvidenceSource,
    question_id: str,
    *,
    tsa: TsaSummary | None = None,
    missing_results: Sequence[tuple[str, int]] = (),
    baseline_risk: float | None = None,
    rules: Rules | None = None,
) -> Appraisal:
    """Appraise one question by id (``NotFoundError`` with suggestions for an unknown id).

    ``tsa``: a trial sequential analysis for the imprecision domain; ``missing_results``: registered
    trials (registry id, planned participants) that should have reported this outcome but have no
    results, for the publication-bias domain (trials already in the question are ignored);
    ``baseline_risk``: a stated population risk for the per-1000 columns (default: the trials'
    control arms).
    """
    return grade_question(
        kb,
        question_id,
        tsa=tsa,
        missing_results=missing_results,
        baseline_risk=baseline_risk,
        rules=rules,
    ).appraisal


def grade_question(
    kb: EvidenceSource,
    question_id: str,
    *,
    tsa: TsaSummary | None = None,
    missing_results: Sequence[tuple[str, int]] = (),
    baseline_risk: float | None = None,
    rules: Rules | None = None,
) -> Graded:
    """Appraise one question and keep the inputs the substance summary needs."""
    if baseline_risk is not None and not 0 < baseline_risk < 1:
        raise InputError.one(
            Msg(
                "a stated comparator risk must be a proportion in (0, 1), got %(baseline_risk)s",
                baseline_risk=baseline_risk,
            ),
            field="baseline_risk",
        )
    rules = rules or load_rules()
    q = kb.get_question(question_id)
    analysis = analyse(q, kb.outcome_data(question_id))
    facts = trial_facts(q, analysis, kb.trials_for_question(question_id))
    regs = [
        r
        for s in q.intervention.substance_ids()
        for r in regulatory_of_form(kb.regulatory_for(s), kb.products_for(s), q.intervention.route)
    ]
    known = {rid for t in facts for rid in t.registry_ids}
    ctx = question_context(q, tuple(m for m in missing_results if m[0] not in known))
    opts = Options(tsa, baseline_risk)
    state = question_state(kb, q, missing_results) if analysis.fit is None else None
    return _assemble(
        q, substance_label(q, kb), analysis, facts, _regulatory(regs), ctx, opts, rules, state
    )


def _assemble(
    q: Question,
    name: str,
    analysis: QuestionAnalysis,
    facts: list[TrialFacts],
    regs: list[RegulatoryFact],
    ctx: QuestionContext,
    opts: Options,
    rules: Rules,
    state: EvidenceState | None = None,
) -> Graded:
    pooled = pooled_effect(analysis)
    spec = outcome_spec(q)
    subject = f"{name} ({form_label(q.intervention.route, q.intervention.dose_form)})"
    if pooled is None:
        verdict = decide([], subject=subject, rules=rules, state=state)
        empty = _empty(q, name, analysis, verdict, regs, rules)
        return Graded(empty, (), None, None, state=state)
    g = grade_outcome(q.id, name, pooled, facts, spec, ctx, rules, opts.tsa)
    cert, size, text, og = g.certainty, g.size, g.statement, g.grade
    verdict = decide([og], subject=subject, rules=rules)
    p0 = pooled.control_risk
    rrr = rules.information_size.relative_risk_reduction
    ois = ois_binary(p0, rrr) if p0 and 0 < p0 < 1 else None
    benefit = {t.id for t in facts if shows_benefit(t, spec.higher_is_better)}
    profile = list(evidence_profile(facts, benefit, ois, regs, rules))
    appraisal = _build(
        q, name, analysis, pooled, cert, size, text, verdict, profile, facts, opts, rules
    )
    return Graded(appraisal, tuple(facts), og, ois, spec.higher_is_better)


def _build(
    q: Question,
    name: str,
    analysis: QuestionAnalysis,
    pooled: PooledEffect,
    cert: Certainty,
    size: EffectSize,
    text: str,
    verdict: Verdict,
    profile: list[ProfileAnswer],
    facts: list[TrialFacts],
    opts: Options,
    rules: Rules,
) -> Appraisal:
    absolute = _absolute(pooled, opts.baseline_risk)
    downs, alls = _judgement_dicts(cert)
    return Appraisal(
        **_header(q, name),
        **_effect_fields(pooled),
        **_absolute_fields(absolute, opts.baseline_risk),
        certainty=cert.level,
        certainty_symbol=rules.certainty_levels["levels"][cert.level]["symbol"],
        downgrades=downs,
        judgements=alls,
        effect_size=size.size,
        statement=text,
        verdict=verdict.key,
        verdict_label=verdict.label,
        profile=profile,
        trials=[t.label for t in facts],
        dropped_rows=list(analysis.dropped),
        sof=sof_row(q, pooled, absolute, cert, text, rules),
        published=[p.model_dump(mode="json") for p in q.published],
    )


def _effect_fields(p: PooledEffect) -> dict[str, Any]:
    r = p.is_ratio
    return {
        "k": p.k,
        "participants": p.participants,
        "measure": p.measure,
        "estimate": p.estimate,
        "ci_low": p.ci_low,
        "ci_high": p.ci_high,
        "estimate_exp": _exp(p.estimate, r),
        "ci_low_exp": _exp(p.ci_low, r),
        "ci_high_exp": _exp(p.ci_high, r),
        "pi_low_exp": _exp(p.pi_low, r),
        "pi_high_exp": _exp(p.pi_high, r),
        "tau2": p.tau2,
        "i2": p.i2,
    }


def _absolute_fields(a: AbsoluteEffect | None, baseline_risk: float | None) -> dict[str, Any]:
    if a is None:
        keys = ("risk_comparator_per_1000", "risk_comparator_source", "risk_intervention_per_1000",
                "risk_intervention_ci_low_per_1000", "risk_intervention_ci_high_per_1000")  # fmt: skip
        return dict.fromkeys(keys)
    return {
        "risk_comparator_per_1000": a.risk_comparator_per_1000,
        "risk_comparator_source": "control arms"
        if baseline_risk is None
        else "stated population risk",
        "risk_intervention_per_1000": a.risk_intervention_per_1000,
        "risk_intervention_ci_low_per_1000": a.risk_intervention_ci_low_per_1000,
        "risk_intervention_ci_high_per_1000": a.risk_intervention_ci_high_per_1000,
    }


def _header(q: Question, name: str) -> dict[str, Any]:
    iv = q.intervention
    return {
        "question_id": q.id,
        "question": q.title,
        "substance": name,
        "form": form_label(iv.route, iv.dose_form),
        "route": iv.route,
        "dose_form": iv.dose_form,
        "indication": q.indication,
        "population": q.population,
        "comparator": q.comparator,
        "outcome": outcome_spec(q).name,
        "importance": q.outcome.importance,
    }


def _empty(
    q: Question,
    name: str,
    analysis: QuestionAnalysis,
    verdict: Verdict,
    regs: list[RegulatoryFact],
    rules: Rules,
) -> Appraisal:
    none: dict[str, Any] = dict.fromkeys(
        ("estimate", "ci_low", "ci_high", "estimate_exp", "ci_low_exp", "ci_high_exp", "pi_low_exp",
         "pi_high_exp", "tau2", "i2", "risk_comparator_per_1000", "risk_comparator_source", "risk_intervention_per_1000",
         "risk_intervention_ci_low_per_1000", "risk_intervention_ci_high_per_1000", "certainty",
         "certainty_symbol", "effect_size", "sof")
    )  # fmt: skip
    return Appraisal(
        **_header(q, name), **none, k=0, participants=0, measure=q.outcome.measure, downgrades=[], judgements=[],
        statement=verdict.why, verdict=verdict.key, verdict_label=verdict.label,
        profile=list(evidence_profile([], set(), None, regs, rules)), trials=[],
        dropped_rows=list(analysis.dropped), published=[p.model_dump(mode="json") for p in q.published],
    )  # fmt: skip

"""Appraise a substance: every question about it, and a verdict per form (route) x indication.

Evidence attaches to the form that was tested: questions are grouped by the intervention's route and
the indication; marketed products whose route has no question get the verdict "no controlled evidence",
shown next to the claims made for them.

>>> from immunograde.kb.queries import open_kb
>>> with open_kb() as kb:                                      # doctest: +SKIP
...     s = appraise_substance(kb, "Viferon")
...     [(v.form, v.verdict) for v in s.verdicts]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from immunograde.errors import Msg, NotFoundError
from immunograde.evidence.known import KnownSource, form_state, merge_states
from immunograde.evidence.question import (
    Appraisal,
    Graded,
    form_label,
    grade_question,
    regulatory_of_form,
)
from immunograde.grading.config import Rules, load_rules
from immunograde.grading.inputs import TrialFacts, TsaSummary
from immunograde.grading.profile import (
    ProfileAnswer,
    RegulatoryFact,
    evidence_profile,
    shows_benefit,
)
from immunograde.grading.verdict import UNKNOWN_VERDICTS, EvidenceState, decide
from immunograde.kb.models import ID_PATTERN, Claim, Product, Question, RegulatoryStatus, Substance
from immunograde.kb.queries import KnowledgeBase


@dataclass(frozen=True)
class FormVerdict:
    """The verdict for one substance x form x indication, why, and what stands behind it."""

    substance: str
    form: str
    route: str
    indication: str | None
    verdict: str
    verdict_label: str
    why: str
    deciding_question_id: str | None
    natural_medicines: str
    natural_medicines_note: str
    question_ids: list[str]
    products: list[str]
    profile: list[ProfileAnswer]
    claims: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class SubstanceAppraisal:
    """Everything ``immunograde appraise SUBSTANCE`` shows."""

    substance_id: str
    name: str
    matched_name: str
    indication_filter: str | None
    questions: list[Appraisal]
    verdicts: list[FormVerdict]
    claims: list[dict[str, Any]]
    regulatory: list[dict[str, Any]]


def resolve_substance(kb: KnowledgeBase, name: str) -> tuple[Substance, str]:
    """The substance a name means (id, name, synonym or brand, any script); ``NotFoundError`` otherwise."""
    if re.fullmatch(ID_PATTERN, name) and kb.has_substance(name):
        return kb.get_substance(name), name
    hits = kb.substances_by_name(name, limit=8)
    exact = [h for h in hits if h.match == "exact"]
    if exact:
        sid = exact[0].substance_id or exact[0].entity_id
        return kb.get_substance(sid), exact[0].matched_name
    message = Msg("no substance named %(name)s.", name=repr(name))
    raise NotFoundError(message, [h.matched_name for h in hits][:5])


def _matches(q: Question, text: str) -> bool:
    t = text.casefold()
    return any(t in (s or "").casefold() for s in (q.indication, q.population, q.title))


def _claim_dict(c: Claim) -> dict[str, Any]:
    return {
        "id": c.id,
        "subject_name": c.subject_name,
        "claimant": c.claimant,
        "claimant_kind": c.claimant_kind,
        "claim_kind": c.claim_kind,
        "statement": c.statement,
        "language": c.language,
        "products": list(c.products),
        "source": c.source.model_dump(mode="json", exclude_none=True),
    }


def _reg_dict(r: RegulatoryStatus) -> dict[str, Any]:
    return {
        "agency": r.agency,
        "country": r.country,
        "status": r.status,
        "product_name": r.product_name,
        "date": None if r.date is None else r.date.isoformat(),
    }


def _merged_trials(graded: Sequence[Graded]) -> tuple[list[TrialFacts], set[str]]:
    seen: dict[str, TrialFacts] = {}
    benefit: set[str] = set()
    for g in graded:
        for t in g.trials:
            seen.setdefault(t.id, t)
            if shows_benefit(t, g.higher_is_better):
                benefit.add(t.id)
    return list(seen.values()), benefit


def _authorised(regs: Sequence[RegulatoryFact], rules: Rules) -> bool:
    stringent = set(rules.profile["stringent_regulators"])
    return any(r.agency in stringent and r.status == "authorised" for r in regs)


def _product_text(p: Product) -> str:
    return f"{p.brand} ({p.dose_form})"


def _group_verdict(
    sub: Substance,
    route: str,
    indication: str | None,
    graded: Sequence[Graded],
    products: Sequence[Product],
    regs: Sequence[RegulatoryFact],
    claims: Sequence[Claim],
    rules: Rules,
    state: EvidenceState | None = None,
) -> FormVerdict:
    form = form_label(route, None)
    subject = f"{sub.name} ({form})" + (f" for {indication}" if indication else "")
    grades = [g.grade for g in graded if g.grade is not None]
    if state is None and graded:
        state = merge_states(g.state for g in graded)
    auth = _authorised(regs, rules)
    v = decide(grades, subject=subject, authorised=auth, rules=rules, state=state)
    trials, benefit = _merged_trials(graded)
    deciding = next((g for g in graded if g.appraisal.question_id == v.deciding_question), None)
    ois = deciding.ois if deciding else None
    ids = {p.id for p in products}
    own_claims = [
        _claim_dict(c) for c in claims if not ids or not c.products or ids & set(c.products)
    ]
    return FormVerdict(
        substance=sub.name,
        form=form,
        route=route,
        indication=indication,
        verdict=v.key,
        verdict_label=v.label,
        why=v.why,
        deciding_question_id=v.deciding_question,
        natural_medicines=v.natural_medicines,
        natural_medicines_note=v.natural_medicines_note,
        question_ids=[g.appraisal.question_id for g in graded],
        products=[_product_text(p) for p in products],
        profile=list(evidence_profile(trials, benefit, ois, regs, rules)),
        claims=own_claims if v.key in UNKNOWN_VERDICTS else [],
    )


def _groups(graded: Sequence[Graded]) -> dict[tuple[str, str | None], list[Graded]]:
    out: dict[tuple[str, str | None], list[Graded]] = {}
    for g in graded:
        out.setdefault((g.appraisal.route, g.appraisal.indication), []).append(g)
    return out


def appraise_substance(
    kb: KnowledgeBase,
    name: str,
    indication: str | None = None,
    *,
    tsa: dict[str, TsaSummary] | None = None,
    missing_results: Callable[[Question], Sequence[tuple[str, int]]] | None = None,
    baseline_risk: float | None = None,
    rules: Rules | None = None,
) -> SubstanceAppraisal:
    """Appraise every question about a substance and give a verdict per form x indication.

    ``tsa`` maps question ids to trial sequential analyses; ``missing_results(question)`` lists the
    registered trials without results for a question (the CLI reads them from the registry tables);
    ``baseline_risk``: a stated comparator risk for the per-1000 columns of every question.
    """
    rules = rules or load_rules()
    sub, matched = resolve_substance(kb, name)
    questions = kb.questions_for(sub.id)
    if indication:
        chosen = [q for q in questions if _matches(q, indication)]
        if questions and not chosen:
            known = sorted({q.indication or q.population for q in questions})
            raise NotFoundError(
                Msg(
                    "no question about %(substance)s matches indication %(indication)s.",
                    substance=sub.name,
                    indication=repr(indication),
                ),
                known,
            )
        questions = chosen
    graded = [
        grade_question(
            kb,
            q.id,
            tsa=(tsa or {}).get(q.id),
            missing_results=missing_results(q) if missing_results else (),
            baseline_risk=baseline_risk,
            rules=rules,
        )
        for q in questions
    ]
    regs_raw = kb.regulatory_for(sub.id)
    claims = kb.claims_for(sub.id)
    verdicts = _verdicts(
        kb, sub, graded, kb.products_for(sub.id), regs_raw, claims, indication, rules
    )
    return SubstanceAppraisal(
        substance_id=sub.id,
        name=sub.name,
        matched_name=matched,
        indication_filter=indication,
        questions=[g.appraisal for g in graded],
        verdicts=verdicts,
        claims=[_claim_dict(c) for c in claims],
        regulatory=[_reg_dict(r) for r in regs_raw],
    )


def _verdicts(
    kb: KnownSource,
    sub: Substance,
    graded: Sequence[Graded],
    products: Sequence[Product],
    regs_raw: Sequence[RegulatoryStatus],
    claims: Sequence[Claim],
    indication: str | None,
    rules: Rules,
) -> list[FormVerdict]:
    def regs(route: str) -> list[RegulatoryFact]:
        own = regulatory_of_form(regs_raw, products, route)
        return [RegulatoryFact(r.agency, r.country, r.status, r.product_name) for r in own]

    groups = _groups(graded)
    routes = {route for route, _ in groups}
    out = []
    for (route, ind), members in groups.items():
        mine = [p for p in products if p.route == route]
        out.append(_group_verdict(sub, route, ind, members, mine, regs(route), claims, rules))
    if indication is None:
        uncovered: dict[str, list[Product]] = {}
        for p in products:
            if p.route not in routes:
                uncovered.setdefault(p.route, []).append(p)
        held = {t.id for g in graded for t in g.trials} | {
            tid for g in graded if g.state for tid in g.state.trial_ids
        }
        tested = tuple(sorted(r for r in routes if r != "unknown"))
        for route, prods in sorted(uncovered.items()):
            state = form_state(kb, sub.id, route, prods, held)
            if (
                route == "unknown" and tested
            ):  # the product's route is not stated; trials are elsewhere
                state = replace(state, tested_routes=tested)
            out.append(
                _group_verdict(sub, route, None, [], prods, regs(route), claims, rules, state)
            )
    if not out:
        state = form_state(kb, sub.id, "unknown", [], frozenset())
        out.append(
            _group_verdict(sub, "unknown", None, [], [], regs("unknown"), claims, rules, state)
        )
    return out

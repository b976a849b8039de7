"""Page data about the evidence: substance, question, class and map pages, from the appraisal layer.

The web does no statistics and no grading of its own: it calls :mod:`immunograde.evidence` and shapes the
result for the templates (and for the JSON twins, which return exactly this data).
"""

from __future__ import annotations

from typing import Any

from immunograde.evidence.answers import Answers
from immunograde.evidence.calibration import field_ratings, recorded_calibration
from immunograde.evidence.known import (
    reported_rows,
    source_link,
    substance_searches,
    substance_trials,
)
from immunograde.evidence.question import Appraisal
from immunograde.evidence.rules import (
    Rules,
    data_sections_as_text,
    load_rules,
    rules_as_text,
    trial_effects_as_text,
)
from immunograde.evidence.substance import UNKNOWN_VERDICTS, SubstanceAppraisal, resolve_substance
from immunograde.jsonable import to_jsonable
from immunograde.kb.models import Question, SourceEntry
from immunograde.kb.queries import KnowledgeBase
from immunograde.web import experience_view, history, i18n_notes, market_view, safety_view


def certainty_label(level: str | None) -> str:
    if not level:
        return "not graded"
    return load_rules().certainty_levels["levels"][level]["label"]


def _question_view(a: Appraisal) -> dict[str, Any]:
    return {
        "question_id": a.question_id,
        "title": a.question,
        "outcome": a.outcome,
        "importance": a.importance,
        "k": a.k,
        "participants": a.participants,
        "certainty": a.certainty,
        "certainty_symbols": a.certainty_symbol or "",
        "certainty_label": certainty_label(a.certainty),
        "statement": a.statement,
        "downgrades": a.downgrades,
        "appraisal": a,
    }


def _profile_rows(profile: list[Any]) -> list[dict[str, str]]:
    rows = []
    for p in profile:
        detail = ", ".join(p.trials[:12]) + (
            f" and {len(p.trials) - 12} more" if len(p.trials) > 12 else ""
        )
        rows.append(
            {
                "label": p.question,
                "answer": p.answer,
                "detail": "; ".join(x for x in (detail, p.note) if x),
            }
        )
    return rows


def card_anchor(route: str, indication: str | None) -> str:
    """The id of a verdict's card on its substance page (map cells and search hits link to it)."""
    return f"{route}-{(indication or 'any').lower().replace(' ', '-')}"[:80]


def evidence_cards(sa: SubstanceAppraisal) -> list[dict[str, Any]]:
    by_id = {a.question_id: a for a in sa.questions}
    cards = []
    for v in sa.verdicts:
        questions = [_question_view(by_id[q]) for q in v.question_ids if q in by_id]
        cards.append(
            {
                "anchor": card_anchor(v.route, v.indication),
                "indication": v.indication or "any indication",
                "form": v.form,
                "verdict": v.verdict,
                "verdict_label": v.verdict_label,
                "explanation": v.why,
                "natural_medicines": v.natural_medicines,
                "natural_medicines_note": v.natural_medicines_note,
                "deciding_question_id": v.deciding_question_id,
                "products": v.products,
                "profile": _profile_rows(v.profile),
                "questions": questions,
                "claims": v.claims,
            }
        )
    return cards


#: Who made a claim, in the order the page shows them: the products' own published claims first (label and
#: instruction texts, the maker, promotion, regulators, other published pages), then the lists of unproven
#: drugs as secondary sources (a professional body's, an activist's, a satirical wiki's).
CLAIMANT_ORDER = (
    "label", "manufacturer", "advertisement", "regulator", "other",
    "professional_body", "activist", "satirical_wiki",
)  # fmt: skip
SECONDARY_CLAIMANTS = frozenset({"professional_body", "activist", "satirical_wiki"})


def _controlled_trials(kb: KnowledgeBase, substance_id: str) -> int:
    """Trials in the knowledge base with an arm of the substance (or its products) and a control."""
    return sum(
        1
        for t in kb.trials_for_substance(substance_id)
        if t.design.randomised is not False
        and (t.design.control not in ("none", "unknown") or any(a.control for a in t.arms))
    )


def _claims_view(
    sa: SubstanceAppraisal, cards: list[dict[str, Any]], controlled: int = 0
) -> list[dict[str, Any]]:
    """Claims with what the evidence says beside them (the best verdict for the substance): published
    claims first, the unproven-drug lists after them (``secondary``), each quoted whole.  With no graded
    verdict, the sentence says how many controlled trials the knowledge base holds (never "no controlled
    trial" when there are some)."""
    says = "no controlled trial in the knowledge base"
    if controlled:
        trials = "1 controlled trial" if controlled == 1 else f"{controlled} controlled trials"
        says = f"{trials} in the knowledge base, no pooled verdict from {'it' if controlled == 1 else 'them'} yet"
    graded = [c for c in cards if c["questions"] and c["verdict"] not in UNKNOWN_VERDICTS]
    if graded:
        says = "; ".join(f"{c['indication']} ({c['form']}): {c['verdict_label']}" for c in graded)
    # the same, as parts a page translates (evidence_says stays the English sentence of the JSON twin)
    evidence = [
        {"indication": c["indication"], "form": c["form"], "verdict_label": c["verdict_label"]}
        for c in graded
    ]
    order = {k: i for i, k in enumerate(CLAIMANT_ORDER)}
    claims = sorted(sa.claims, key=lambda c: (order.get(c["claimant_kind"], len(order)), c["id"]))
    return [
        {
            **c,
            "evidence_says": says,
            "evidence": evidence,
            "controlled": controlled,
            "date": c.get("date"),
            "secondary": c["claimant_kind"] in SECONDARY_CLAIMANTS,
            "url": c["source"].get("url"),
        }
        for c in claims
    ]


def _with_assessments(
    kb: KnowledgeBase, substance_id: str, claims: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each claim with its assessment (issue 17: :mod:`immunograde.evidence.claim_records`)."""
    from immunograde.evidence.claim_check import name_index
    from immunograde.web.claims_view import for_substance

    assessed = for_substance(kb, name_index(kb), substance_id)
    return [{**c, "assessment": assessed.get(c["id"])} for c in claims]


def substance_page(kb: KnowledgeBase, substance_id: str) -> dict[str, Any]:
    s = kb.get_substance(substance_id)
    sa = Answers(kb).substance(s.id)
    cards = evidence_cards(sa)
    return {
        "substance": s,
        "classes": [{"id": c, "name": kb.get_class(c).name} for c in s.classes],
        "products": kb.products_for(s.id),
        "regulatory": sa.regulatory,
        "evidence": cards,
        "appraisals": sa.questions,
        "trials": substance_trials(kb, s.id),
        "searches": substance_searches(kb, s.id),
        "claims": _with_assessments(
            kb, s.id, _claims_view(sa, cards, _controlled_trials(kb, s.id))
        ),
        "safety": safety_view.for_substance(s.id),
        "history": history.for_substance(kb, s.id),
        "market": market_view.for_substance(kb, s.id),
    }


def rob_by_trial(appraisal: Any) -> dict[str, dict[str, Any]]:
    """Each trial's risk-of-bias judgement as the grading used it (by trial label): overall, per RoB 2
    domain with its reason, who judged it (the published source, or ImmunoGrade's own assessment from
    the recorded design) and whether it is published (``verified``)."""
    for j in getattr(appraisal, "judgements", None) or []:
        if j.get("domain") == "risk_of_bias":
            return {t["trial"]: t for t in (j.get("inputs") or {}).get("trials", [])}
    return {}


def _entry_link(entry: SourceEntry | None) -> str | None:
    """Where a bibliography entry can be read (PubMed, its DOI, its URL), if it says."""
    if entry is None:
        return None
    ref = entry.source
    return source_link(ref.pmid, ref.doi, [ref.nct] if ref.nct else [], ref.url)


def _trial_rows(
    kb: KnowledgeBase, question_id: str, robs: dict[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    robs = robs or {}
    rows = []
    entries = {e.id: e for e in kb.list_sources()}
    titles = {i: i18n_notes.source_title(e.citation) for i, e in entries.items()}
    for tq in kb.trials_for_question(question_id):
        t = tq.trial
        d = t.design
        design = ", ".join(
            x
            for x in (
                {True: "randomised", False: "not randomised"}.get(
                    d.randomised, "randomisation unknown"
                )
                if d.randomised is not None
                else "randomisation unknown",
                f"{d.blinding} blind"
                if d.blinding in ("double", "single")
                else f"blinding {d.blinding}",
                f"control: {d.control.replace('_', ' ')}",
            )
        )
        src = t.source
        # named by its data set's publication (a reader's words), the file kept for the JSON twin
        where = (
            titles.get(src.ref or "")
            or (f"PMID {src.pmid}" if src.pmid else None)
            or src.doi
            or src.nct
            or src.url
            or src.ref
        )
        nct = [src.nct] if src.nct else list(t.registry_ids)
        rows.append(
            {
                "id": t.id,
                "label": t.label,
                "year": t.year,
                "design": design,
                "n_randomised": t.n_randomised,
                "countries": list(t.countries),
                "funding": t.funding,
                "rob": tq.rob.overall.replace("_", " ") if tq.rob else None,
                # the judgement the certainty rating used, per domain, with who made it
                "rob_assessment": robs.get(t.label),
                "source": where,
                "source_file": src.file,
                "source_row": src.row,
                # the trial's own record first (PubMed, DOI, registry), else where its row was read,
                # else the publication its data set comes from (a Cochrane review's DOI)
                "link": source_link(t.pmid, t.doi, t.registry_ids, None)
                or source_link(src.pmid, src.doi, nct, src.url)
                or _entry_link(entries.get(src.ref or "")),
                "verified": t.verified,
            }
        )
    return rows


def question_page(kb: KnowledgeBase, question_id: str) -> dict[str, Any]:
    q = kb.get_question(question_id)
    a = Answers(kb).question(q.id)
    sid = next(iter(q.intervention.substance_ids()), None)
    return {
        "question": q,
        "source_link": source_link(
            q.source.pmid, q.source.doi, [q.source.nct] if q.source.nct else [], q.source.url
        )
        if q.source
        else None,
        "substance": kb.get_substance(sid) if sid else None,
        "form": a.form,
        "appraisal": a,
        "certainty_symbols": a.certainty_symbol or "",
        "certainty_label": certainty_label(a.certainty),
        "k": a.k,
        "trials": _trial_rows(kb, q.id, rob_by_trial(a)),
        "reported": reported_rows(kb, q.id),
        "tsa": history.tsa_summary(a.tsa),
        # what reviews and guidelines concluded, beside ImmunoGrade's rating (issue 13)
        "field": field_ratings(kb, q.id),
    }


def question_summary(q: Question) -> dict[str, Any]:
    iv = q.intervention
    return {
        "id": q.id,
        "title": q.title,
        "indication": q.indication,
        "substance": iv.substance,
        "product": iv.product,
        "route": iv.route,
        "dose_form": iv.dose_form,
        "comparator": q.comparator,
        "outcome": q.outcome.name,
        "measure": q.outcome.measure,
        "importance": q.outcome.importance,
        "k": len({d.trial for d in q.data}),
        "verified": q.verified,
    }


def appraisal_json(kb: KnowledgeBase, substance_id: str) -> Any:
    return to_jsonable(Answers(kb).substance(resolve_substance(kb, substance_id)[0].id))


def methods_data() -> dict[str, Any]:
    rules = load_rules()
    sections = rules_as_text(rules)
    return {
        "rules_file": "src/immunograde/grading/rules.yaml",
        "pooling": pooling_text(rules),
        "trial_effects": to_jsonable(trial_effects_as_text(rules)),
        "grading": [to_jsonable(s) for s in sections],
        "data_sections": [to_jsonable(s) for s in data_sections_as_text(rules)],
        "review": to_jsonable(rules.review),
        "natural_course": experience_view.methods(),
        "calibration": recorded_calibration(),
    }


#: the first pooling sentence, by the double-zero policy declared in rules.yaml (trial_effects); the
#: continuity correction is filled in from the same declaration
DOUBLE_ZERO_TEXT = {
    "drop": "Each trial's effect size follows R's metafor escalc (same names): a continuity correction "
    "of {add} is added to every cell of a 2x2 table with a zero cell, and a trial with no events (or "
    "only events) in both arms is dropped and listed beside the result (metafor's drop00), in the "
    "pooled result, the cumulative analysis and the trial sequential analysis alike.",
    "keep": "Each trial's effect size follows R's metafor escalc (same names): a continuity correction "
    "of {add} is added to every cell of a 2x2 table with a zero cell, and a trial with no events (or "
    "only events) in both arms is kept with that correction, in the pooled result, the cumulative "
    "analysis and the trial sequential analysis alike.",
    "drop_ratios": "Each trial's effect size follows R's metafor escalc (same names): a continuity "
    "correction of {add} is added to every cell of a 2x2 table with a zero cell; a trial with no events "
    "(or only events) in both arms is dropped from a risk ratio or odds ratio analysis and listed beside "
    "the result (metafor's drop00), and kept in a risk difference analysis (its difference is defined: "
    "0, or near 0 after the correction), in the pooled result, the cumulative analysis and the trial "
    "sequential analysis alike.",
}


def pooling_text(rules: Rules | None = None) -> tuple[str, ...]:
    """The Methods page's pooling sentences: the first states the declared double-zero policy."""
    te = (rules or load_rules()).trial_effects
    add = f"{te.continuity_correction:g}"
    return (DOUBLE_ZERO_TEXT[te.double_zero].format(add=add), *POOLING_TEXT)


POOLING_TEXT = (
    "Each question is pooled with the model its record names (random effects by REML unless stated; "
    "fixed effect where the source review used it); Knapp-Hartung on request in the workbench.",
    "Estimates, confidence and prediction intervals, tau², I², H² and Q match metafor 3.8-1 to about "
    "1e-10 (metafor-compatible convergence; the tests compare them with metafor's own output).",
    "Ratio measures are pooled on the log scale and shown back-transformed; absolute effects per 1000 "
    "use the comparator risk from the trials' control arms.",
)


# ------------------------------------------------------------------ evidence map


def _cells_for(kb: KnowledgeBase, sid: str, name: str, boosters: set[str]) -> list[dict[str, Any]]:
    sa = Answers(kb).substance(sid)
    by_id = {a.question_id: a for a in sa.questions}
    cells = []
    for v in sa.verdicts:
        qs = [by_id[q] for q in v.question_ids if q in by_id]
        deciding = by_id.get(v.deciding_question_id or "")
        cells.append(
            {
                "substance_id": sid,
                "substance": name,
                "indication": v.indication,
                "form": v.form,
                "route": v.route,
                "anchor": card_anchor(v.route, v.indication),
                "verdict": v.verdict,
                "verdict_label": v.verdict_label,
                "certainty": deciding.certainty if deciding else None,
                "k": max((a.k for a in qs), default=0),
                "participants": max((a.participants for a in qs), default=0),
                "booster": sid in boosters,
                "eu_authorised": any(
                    r["status"] == "authorised" and r["country"] == "EU" for r in sa.regulatory
                ),
            }
        )
    return cells


def map_cells(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """One cell per substance x form x indication, for substances with evidence or with claims."""
    from immunograde.web.catalogue import booster_ids

    boosters = booster_ids(kb)
    with_questions = kb.substances_with_questions()
    cells: list[dict[str, Any]] = []
    for s in kb.list_substances():
        if s.id in with_questions or s.id in boosters:
            cells += _cells_for(kb, s.id, s.name, boosters)
    cells.sort(key=lambda c: (c["substance"].casefold(), c["indication"] or "", c["form"]))
    return cells


def map_filters(kb: KnowledgeBase, cells: list[dict[str, Any]]) -> dict[str, Any]:
    ids = {c["substance_id"] for c in cells}
    class_ids = sorted(kb.classes_of(ids))
    names = {c.id: c.name for c in kb.list_classes()}
    return {
        "classes": [{"id": c, "name": names.get(c, c)} for c in class_ids],
        "routes": sorted({c["route"] for c in cells}),
        "regions": ["EU"],
    }


def filter_cells(kb: KnowledgeBase, cells: list[dict[str, Any]], *, class_id: str, route: str, region: str,
                 view: str) -> list[dict[str, Any]]:  # fmt: skip
    chosen = cells
    if class_id:
        members = {s.id for s in kb.class_members(class_id)}
        chosen = [c for c in chosen if c["substance_id"] in members]
    if route:
        chosen = [c for c in chosen if c["route"] == route]
    if region == "EU":
        chosen = [c for c in chosen if c["eu_authorised"]]
    if view == "boosters":
        chosen = [c for c in chosen if c["booster"]]
    return chosen


# ------------------------------------------------------------------ classes


def class_page(kb: KnowledgeBase, class_id: str) -> dict[str, Any]:
    cls = kb.get_class(class_id)
    parent = kb.get_class(cls.parent) if cls.parent else None
    subclasses = [c for c in kb.list_classes() if c.parent == cls.id]
    members = []
    order = list(load_rules().verdicts.order)
    for s in kb.class_members(class_id):
        sa = Answers(kb).substance(s.id)
        graded = [v for v in sa.verdicts if v.question_ids]
        best = min(
            graded, key=lambda v: order.index(v.verdict) if v.verdict in order else 99, default=None
        )
        eu = [r["status"] for r in sa.regulatory if r["country"] == "EU"]
        members.append(
            {
                "id": s.id,
                "name": s.name,
                "atc_codes": list(s.atc_codes),
                "verdict": best.verdict if best else "no_controlled_evidence",
                "verdict_label": best.verdict_label if best else "no controlled evidence",
                "indications": sorted({v.indication or "—" for v in graded}),
                "k": max((a.k for a in sa.questions), default=0),
                "participants": max((a.participants for a in sa.questions), default=0),
                "eu_status": ", ".join(sorted(set(eu))) or "unknown",
            }
        )
    return {"cls": cls, "parent": parent, "subclasses": subclasses, "members": members}

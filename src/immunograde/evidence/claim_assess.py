"""A claim's reading set against the stored answers: supported, not supported, contradicted, no evidence,
not testable as stated, or a ruling (issue 17).

Nothing is graded here: the verdicts, certainties, estimates and statements are the stored appraisals
(:class:`immunograde.evidence.answers.Answers`).  A claim reaches the evidence through its substances and
the vocabulary's ``questions`` substrings: a stored form verdict whose indication contains one of them
(and, when the claim names a purpose, whose indication names the same purpose), and within it the
questions whose outcome matches the claim's outcome.  The deciding answer is the outcome-matched question
graded with the highest certainty (ties: more participants); without one, the form verdict itself.

Verdict -> assessment of a claim of benefit: proven, probable or possible benefit -> ``supported``;
no important benefit or net harm -> ``contradicted``; uncertain, trials not poolable, registered without
results -> ``not_supported`` (the reasons say what the trials show); no trials found or no controlled
evidence -> ``no_evidence`` (with the search log's date).  A claim that efficacy is unproven (the lists)
is ``contradicted`` by proven or probable benefit and ``supported`` otherwise, ``no_evidence`` when nothing
is known.  The wording the evidence permits is the deciding question's stored GRADE statement.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from immunograde.evidence.answers import Answers
from immunograde.evidence.claim_vocab import Vocabulary, load_vocabulary
from immunograde.evidence.claims import Reading
from immunograde.evidence.digest import AppraisalDigest
from immunograde.evidence.question import Appraisal
from immunograde.evidence.rules import UNKNOWN_VERDICTS, load_rules
from immunograde.evidence.substance import FormVerdict

CATEGORIES = ("supported", "not_supported", "contradicted", "no_evidence", "not_testable", "ruling")
LABELS = {
    "supported": "supported by the trials",
    "not_supported": "not supported by the trials",
    "contradicted": "contradicted by the trials",
    "no_evidence": "no evidence found",
    "not_testable": "not testable as stated",
    "ruling": "a ruling, not a test of efficacy",
}
BENEFIT = frozenset({"proven_benefit", "probable_benefit", "possible_benefit"})
AGAINST = frozenset({"no_important_benefit", "net_harm"})
NOTHING = frozenset({"no_trials_found", "no_controlled_evidence"})
#: the indication of a list's claim that names none: every indication the substance has a verdict for
ANY = "any"
_RANK = {"high": 4, "moderate": 3, "low": 2, "very_low": 1}


@dataclass(frozen=True)
class EvidenceRow(AppraisalDigest):
    """One stored answer behind an assessment (names as in ``immunograde appraise``)."""

    question: str
    indication: str | None
    outcome_matched: bool


@dataclass(frozen=True)
class Assessment:
    """What the evidence says about one assertion."""

    category: str
    label: str
    reasons: tuple[str, ...]
    permitted_wording: str | None
    evidence: tuple[EvidenceRow, ...] = ()
    searched_on: str | None = None
    #: the parts a page composes its sentences from (translated there): ``kind`` (verdict, no_evidence,
    #: not_testable), subject, indication, form, outcome, verdict, certainty, why, wording ...
    detail: dict[str, Any] = dataclasses.field(default_factory=dict)


def _row(a: Appraisal, matched: bool) -> EvidenceRow:
    return EvidenceRow.of(a, outcome_matched=matched)


def _has(text: str | None, needles: Sequence[str]) -> bool:
    low = (text or "").lower()
    return any(n in low for n in needles)


def matching_verdicts(
    verdicts: Sequence[FormVerdict], reading: Reading, vocab: Vocabulary
) -> list[FormVerdict]:
    """The substance's form verdicts for the claim's indications (and purpose, when stated)."""
    if reading.indications == (ANY,):
        return [v for v in verdicts if v.indication]
    needles = [q for i in reading.indications for q in vocab.concepts["indications"][i].questions]
    out = [v for v in verdicts if v.indication and _has(v.indication, needles)]
    if reading.purpose:
        own = vocab.concepts["purposes"][reading.purpose].questions
        other = [
            q
            for p, c in vocab.concepts["purposes"].items()
            if p != reading.purpose
            for q in c.questions
        ]
        out = [v for v in out if _has(v.indication, own) or not _has(v.indication, other)]
    return out


def _certainty_key(a: Appraisal) -> tuple[int, int, int, int]:
    graded = a.verdict not in UNKNOWN_VERDICTS
    return (graded, a.verdict not in NOTHING, _RANK.get(a.certainty or "", 0), a.participants)


def _category(verdict: str, direction: str | None) -> str:
    if verdict in NOTHING:
        return "no_evidence"
    if direction == "no_benefit":
        return "contradicted" if verdict in ("proven_benefit", "probable_benefit") else "supported"
    if verdict in BENEFIT:
        return "supported"
    return "contradicted" if verdict in AGAINST else "not_supported"


def _what_trials_show(verdict: str, label: str, certainty: str | None, why: str) -> str:
    if verdict in UNKNOWN_VERDICTS:
        return why
    level = (certainty or "").replace("_", " ")
    return f"The stored verdict is '{label}'" + (f" at {level} certainty" if level else "") + "."


def _no_evidence(
    answers: Answers, sid: str, name: str, topic: str, indications: Sequence[str] = ()
) -> Assessment:
    logs = answers.kb.search_logs_for(sid)
    dates = [s.date for log in logs for s in log.searches]
    sources = list(dict.fromkeys(s.source for log in logs for s in log.searches))
    templates = load_rules().verdicts.no_evidence
    subject = f"{name} for {topic}"
    if dates:
        on = max(dates).isoformat()
        wording = templates["no_trials_found"].format(
            subject=subject, sources="; ".join(sources[:3]), searched_on=on
        )
        why = (
            f"No trial of {subject} is in the knowledge base; the last recorded search was on {on}."
        )
        detail: dict[str, Any] = {"kind": "no_evidence", "subject": name, "substance_id": sid,
                  "indications": list(indications), "searched_on": on}  # fmt: skip
        return Assessment("no_evidence", LABELS["no_evidence"], (why,), wording, (), on, detail)
    wording = templates["no_controlled_evidence"].format(subject=subject)
    why = f"No trial of {subject} is in the knowledge base, and no dated search has been recorded."
    detail2: dict[str, Any] = {"kind": "no_evidence", "subject": name, "substance_id": sid,
              "indications": list(indications), "searched_on": None}  # fmt: skip
    return Assessment("no_evidence", LABELS["no_evidence"], (why,), wording, detail=detail2)


def _routes(answers: Answers, sid: str, products: Sequence[str]) -> set[str]:
    """The stated routes of the named products of this substance (evidence attaches to the form tested)."""
    out: set[str] = set()
    for pid in products:
        p = answers.kb.get_product(pid)
        if sid in p.substances and p.route not in (None, "unknown"):
            out.add(p.route)
    return out


def _outcome_rows(
    answers: Answers, verdicts: Sequence[FormVerdict], reading: Reading, vocab: Vocabulary
) -> tuple[list[Appraisal], list[Appraisal]]:
    needles = [q for o in reading.outcomes for q in vocab.concepts["outcomes"][o].questions]
    qs = [answers.question(q) for v in verdicts for q in v.question_ids]
    matched = [a for a in qs if needles and _has(a.outcome, needles)]
    return matched, [a for a in qs if a not in matched]


def assess_substance(
    answers: Answers, sid: str, reading: Reading, vocab: Vocabulary, topic: str
) -> Assessment:
    """The claim's indication and outcome for one substance, from its stored answers."""
    sa = answers.substance(sid)
    verdicts = matching_verdicts(sa.verdicts, reading, vocab)
    # the form the claim is about: its named products' routes, else the dose form it names ("свечи")
    routes = _routes(answers, sid, reading.products) or set(reading.routes)
    if routes and verdicts and not [v for v in verdicts if v.route in routes]:
        other = ", ".join(sorted({v.form for v in verdicts}))
        a = _no_evidence(
            answers, sid, f"{sa.name} ({', '.join(sorted(routes))})", topic, reading.indications
        )
        named = "the product named" if reading.products else "the form named"
        why = f"The trials of {sa.name} for {topic} tested other forms ({other}), not {named}."
        more = {**a.detail, "other_forms": other, "form_named": not reading.products}
        return dataclasses.replace(a, reasons=(why, *a.reasons), detail=more)
    verdicts = [v for v in verdicts if not routes or v.route in routes]
    if not verdicts:
        return _no_evidence(answers, sid, sa.name, topic, reading.indications)
    matched, rest = _outcome_rows(answers, verdicts, reading, vocab)
    rows = tuple(_row(a, True) for a in matched) + tuple(_row(a, False) for a in rest)
    best = max(matched, key=_certainty_key) if matched else None
    if best is not None and best.verdict in NOTHING:
        best = None  # no trial for that outcome: the form verdict knows the trials there are
    if best is not None:
        verdict, label, cert, why = best.verdict, best.verdict_label, best.certainty, best.statement
        wording: str | None = best.statement
        basis = f"for the outcome claimed ({best.outcome})"
        where: dict[str, Any] = {"indication": best.indication, "form": best.form, "outcome": best.outcome,
                 "wording": "statement"}  # fmt: skip
    else:
        v = max(verdicts, key=lambda x: (x.verdict not in UNKNOWN_VERDICTS, -_order(x.verdict)))
        deciding = answers.question(v.deciding_question_id) if v.deciding_question_id else None
        verdict, label, why = v.verdict, v.verdict_label, v.why
        cert = deciding.certainty if deciding else None
        wording = deciding.statement if deciding else _unknown_wording(sa.name, v)
        basis = f"for {v.indication} ({v.form}), on its deciding outcome"
        where = {"indication": v.indication, "form": v.form, "outcome": None,
                 "wording": "statement" if deciding else "unknown"}  # fmt: skip
    category = _category(verdict, reading.direction)
    reasons = [
        f"{sa.name} {basis}: {_what_trials_show(verdict, label, cert, why)}",
        _because(category, reading.direction),
    ]
    if reading.outcomes and best is None:
        reasons.append(
            "No stored question has trial results for the outcome claimed; the indication's verdict "
            "is shown."
        )
    detail: dict[str, Any] = {"kind": "verdict", "subject": sa.name, "substance_id": sid, **where,
              "verdict": verdict, "verdict_label": label, "certainty": cert, "why": why,
              "direction": reading.direction, "outcome_unmatched": bool(reading.outcomes) and best is None}  # fmt: skip
    reasons_t = tuple(r for r in reasons if r)
    return Assessment(category, LABELS[category], reasons_t, wording, rows, detail=detail)


def _unknown_wording(name: str, v: FormVerdict) -> str:
    """What may be said when the trials give nothing to pool: what is true of this form (trials found
    but none poolable, registered without results, none found in the sources searched, none at all)."""
    why = {
        "trials_not_poolable": "no trial reported a result that can be pooled",
        "trials_registered_no_results": "the trials registered have not reported results",
        "no_trials_found": "no controlled trial was found in the sources searched",
        "route_not_stated": "the product's route is not stated, and the trials of this substance are "
        "attached to the route they tested",
    }.get(v.verdict, "no controlled trial is in the knowledge base")
    return f"It is not known whether {name} ({v.form}) helps in {v.indication}: {why}."


def _order(verdict: str) -> int:
    order = list(load_rules().verdicts.order)
    return order.index(verdict) if verdict in order else len(order)


def _because(category: str, direction: str | None) -> str:
    claimed = "that efficacy is unproven" if direction == "no_benefit" else "a benefit"
    return {
        "supported": f"The claim ({claimed}) agrees with the stored verdict.",
        "contradicted": f"The claim ({claimed}) disagrees with the stored verdict.",
        "not_supported": "The trials do not show the benefit claimed.",
        "no_evidence": "",
    }.get(category, "")


def not_testable(reading: Reading, vocab: Vocabulary | None = None) -> Assessment | None:
    """The assessment of a reading that trials cannot test (no product, mechanism or status only)."""
    vocab = vocab or load_vocabulary()
    detail: dict[str, Any] = {"kind": "not_testable", "no_product": not reading.substances,
              "mechanisms": list(reading.mechanisms), "statuses": list(reading.statuses)}  # fmt: skip
    if not reading.substances:
        why = "No product or substance of the knowledge base was recognised, so there is nothing to check."
        return Assessment("not_testable", LABELS["not_testable"], (why,), None, detail=detail)
    if reading.indications:
        return None
    reasons = []
    if reading.mechanisms:
        names = ", ".join(vocab.label("mechanism", m) for m in reading.mechanisms)
        reasons.append(
            f"It states a mechanism ({names}). A mechanism is not a clinical benefit: trials test "
            "outcomes in patients, such as how long an illness lasts."
        )
    if reading.statuses:
        names = ", ".join(vocab.label("status", s) for s in reading.statuses)
        reasons.append(f"It states a status ({names}), not an effect.")
    if not reasons:
        reasons.append(
            "No indication (a disease or condition) was recognised, so no trial can test it."
        )
    return Assessment("not_testable", LABELS["not_testable"], tuple(reasons), None, detail=detail)


PRIORITY = ("contradicted", "supported", "not_supported", "no_evidence", "not_testable", "ruling")


def assess(answers: Answers, reading: Reading, vocab: Vocabulary | None = None) -> Assessment:
    """One reading against the stored answers of each substance it names; the most telling answer
    (contradicted, then supported, not supported, no evidence) is the assessment."""
    vocab = vocab or load_vocabulary()
    early = not_testable(reading, vocab)
    if early is not None:
        return early
    topic = " and ".join(
        "any indication" if i == ANY else vocab.label("indications", i) for i in reading.indications
    )
    found = [assess_substance(answers, sid, reading, vocab, topic) for sid in reading.substances]
    return min(found, key=lambda a: PRIORITY.index(a.category))


def as_dict(a: Assessment) -> dict[str, Any]:
    from immunograde.jsonable import to_jsonable

    return dict(to_jsonable(a))

"""Calibration: ImmunoGrade's certainty against published GRADE ratings (``immunograde calibrate``).

The calibration set is reviewed data: every ``published`` entry of a question that gives a certainty
rating with the verbatim sentence stating it (``quote``) and its source.  Each is appraised with the
answer every surface shows (:mod:`immunograde.evidence.answers`), and the two ratings are
compared: n, exact agreement, linearly weighted kappa, the 4x4 confusion matrix and every disagreement
with the domains ImmunoGrade rated down beside the domains the source says it rated down (the
published entry's ``reasons``, verbatim), and a tally of the domains on which the two differ.  The
same figures are also given per ``evidence_match`` of the published entries (did the source rate the
trials the question holds, a previous version of the same review, or another body of evidence?): a
breakdown beside the headline figures, never instead of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, get_args

from immunograde import settings
from immunograde.evidence.answers import Answers
from immunograde.evidence.known import source_link
from immunograde.evidence.question import Appraisal
from immunograde.grading.agreement import confusion, exact_agreement, weighted_kappa
from immunograde.grading.config import LEVELS
from immunograde.kb.model_evidence import PublishedResult, Question, ReasonDomain
from immunograde.kb.queries import KnowledgeBase


def level_of(text: str) -> str:
    """A published rating as a level key ("Very low" -> "very_low"); ValueError when it is none."""
    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in LEVELS:
        raise ValueError(f"not a GRADE level: {text!r}")
    return key


#: the GRADE domains compared, in the engine's order; ``upgrade`` is rating up (any reason): the reason
#: domains of the data model without its two markers
DOMAINS = tuple(d for d in get_args(ReasonDomain) if d not in ("none_stated", "not_found"))
NONE_STATED = "source states no reason"
NOT_RECORDED = "source's reasons not recorded"
NOT_FOUND = "source's reasons not in the text reachable here"
#: what a disagreement's explanation adds for the source's ``evidence_match``
EVIDENCE_WHY = {
    "different": "the source rated another body of evidence than the question's rows (its note says how)",
    "previous_version": "the source is a previous version of the same review (the rows reproduce its trials)",
}
EVIDENCE_GROUPS = ("same", "previous_version", "different", "not_recorded")
_ALONE = ("none_stated", "not_found")


@dataclass(frozen=True)
class Item:
    """One outcome of the calibration set, rated by the source and by ImmunoGrade."""

    question_id: str
    source: str
    published: str
    ours: str | None
    quote: str
    downgrades: list[dict[str, Any]]
    #: ImmunoGrade's rating changes by domain (signed levels; "upgrading" counted as "upgrade")
    ours_domains: dict[str, int] = field(default_factory=dict)
    #: the source's stated reasons (``PublishedReason`` as dicts), () = not recorded
    reasons: tuple[dict[str, Any], ...] = ()
    #: did the source rate the question's body of evidence (``PublishedResult.evidence_match``)
    evidence_match: str | None = None


@dataclass(frozen=True)
class Calibration:
    n: int
    sources: int
    exact_agreement: float | None
    weighted_kappa: float | None
    levels: tuple[str, ...]
    confusion: list[list[int]]  #: rows = ImmunoGrade, columns = published, LEVELS order
    disagreements: list[dict[str, Any]] = field(default_factory=list)
    not_rated: list[str] = field(
        default_factory=list
    )  #: published rating but no pooled result here
    #: domain -> number of disagreements in which ImmunoGrade and the source's stated reasons differ on
    #: it; plus NONE_STATED / NOT_RECORDED for disagreements whose source gives (or has) no reasons
    domain_tally: dict[str, int] = field(default_factory=dict)
    #: published ratings whose source's reasons are recorded / of which "none stated" / "not found"
    reasons_recorded: int = 0
    reasons_none_stated: int = 0
    reasons_not_found: int = 0
    #: the figures per ``evidence_match`` (same / previous_version / different / not_recorded): n,
    #: disagreements, exact agreement, weighted kappa -- a breakdown, the headline stays all items
    by_evidence: dict[str, dict[str, Any]] = field(default_factory=dict)


def _source_text(p: Any) -> str:
    s = p.source
    return (
        s.ref
        or (s.doi and f"doi:{s.doi}")
        or (s.pmid and f"PMID {s.pmid}")
        or s.url
        or s.file
        or "?"
    )


def _rated(q: Question) -> list[PublishedResult]:
    """The question's published certainty ratings that come with their verbatim sentence."""
    return [p for p in q.published if p.certainty and p.quote]


def _items(q: Question, a: Appraisal, rated: list[PublishedResult]) -> list[Item]:
    """One calibration item per published rating of ``q``, beside ImmunoGrade's stored appraisal ``a``."""
    ours = ours_domains(a.judgements)
    return [
        Item(
            q.id, _source_text(p), level_of(str(p.certainty)), a.certainty, str(p.quote),
            a.downgrades, ours,
            tuple(r.model_dump(mode="json", exclude_none=True) for r in p.reasons),
            p.evidence_match,
        )
        for p in rated
    ]  # fmt: skip


def calibration_items(kb: KnowledgeBase) -> list[Item]:
    """Every published certainty with its quote, appraised by ImmunoGrade."""
    items = []
    answers = Answers(kb)  # the stored answer every page shows (the same recipe when not stored)
    for q in kb.all_questions():
        if rated := _rated(q):
            items += _items(q, answers.question(q.id), rated)
    return items


def ours_domains(judgements: list[dict[str, Any]]) -> dict[str, int]:
    """ImmunoGrade's rating changes by domain (signed levels), from an answer's judgements."""
    out: dict[str, int] = {}
    for j in judgements:
        levels = int(j.get("levels") or 0)
        if levels:
            key = "upgrade" if levels > 0 else str(j["domain"])
            out[key] = out.get(key, 0) + levels
    return out


def source_domains(reasons: tuple[dict[str, Any], ...]) -> dict[str, int | None] | None:
    """The source's stated rating changes by domain (signed levels; None = levels not stated);
    {} when the source states no reason; None when its reasons are not recorded or not found."""
    if not reasons or _not_found(reasons):
        return None
    return {str(r["domain"]): r.get("levels") for r in reasons if r["domain"] not in _ALONE}


def _not_found(reasons: tuple[dict[str, Any], ...]) -> bool:
    """Only "not found": none of the source's reasons could be read here."""
    return [r["domain"] for r in reasons] == ["not_found"]


def _partial(reasons: tuple[dict[str, Any], ...]) -> bool:
    """Some reasons read, others (footnotes) not reachable: compare only the domains read."""
    return len(reasons) > 1 and any(r["domain"] == "not_found" for r in reasons)


def differing_domains(ours: dict[str, int], source: dict[str, int | None]) -> list[str]:
    """Domains on which ImmunoGrade and the source differ: one rated the domain and the other did not,
    or both did by different numbers of levels (when the source says how many)."""
    out = []
    for d in DOMAINS:
        o, has = ours.get(d, 0), d in source
        s = source.get(d)
        if (bool(o) != has) or (has and s is not None and s != o):
            out.append(d)
    return out


def _levels_text(domains: dict[str, int] | dict[str, int | None]) -> str:
    return ", ".join(f"{d} {'?' if v is None else format(v, '+d')}" for d, v in domains.items())


def compare(it: Item) -> dict[str, Any]:
    """One disagreement: ImmunoGrade's domains and the source's stated ones side by side."""
    src = source_domains(it.reasons)
    ours = it.ours_domains
    ours_text = _levels_text(ours) or "no domain rated down"
    if src is None:
        source_text, differ = (NOT_FOUND if _not_found(it.reasons) else NOT_RECORDED), None
    elif not src and it.published == "high":  # rated high: the source rated no domain down
        source_text, differ = "no domain rated down", differing_domains(ours, src)
    elif not src:
        source_text, differ = NONE_STATED, None
    elif _partial(it.reasons):  # a domain the source's unread footnotes may hold is not compared
        source_text = f"{_levels_text(src)}, other reasons not in the text reachable here"
        differ = [d for d in differing_domains(ours, src) if d in src]
    else:
        source_text, differ = _levels_text(src), differing_domains(ours, src)
    side = "lower" if LEVELS.index(str(it.ours)) < LEVELS.index(it.published) else "higher"
    why = f"ImmunoGrade rated {side}; ImmunoGrade: {ours_text}; source: {source_text}"
    if differ:
        why += f"; differ on {', '.join(differ)}"
    if it.evidence_match in EVIDENCE_WHY:
        why += f"; {EVIDENCE_WHY[it.evidence_match]}"
    return {
        "ours_domains": ours,
        "source_domains": src,
        "source_reasons": list(it.reasons),
        "differing_domains": differ,
        "evidence_match": it.evidence_match,
        "why": why,
    }


def tally(disagreements: list[dict[str, Any]]) -> dict[str, int]:
    """How many disagreements each domain is part of, most first; sources with no reasons apart."""
    out: dict[str, int] = {}
    for d in disagreements:
        if d["source_domains"] is None:
            keys = [NOT_FOUND if _not_found(tuple(d["source_reasons"])) else NOT_RECORDED]
        elif not d["source_domains"] and d["published"] != "high":
            keys = [NONE_STATED]
        else:
            keys = d["differing_domains"]
        for k in keys:
            out[k] = out.get(k, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


#: the committed benchmark (``immunograde calibrate --format json`` on the reviewed data), under the project
RECORDED = ("benchmarks", "results", "calibration.json")


def recorded_calibration() -> dict[str, Any] | None:
    """The recorded calibration figures (n, agreement, kappa, confusion, the tally by domain) for the
    Methods page, which cannot rerun every question on each request; None when the file is absent."""
    path = settings.project_home().joinpath(*RECORDED)
    if not path.is_file():
        return None
    c = json.loads(path.read_text(encoding="utf-8"))
    keep = ("n", "sources", "exact_agreement", "weighted_kappa", "levels", "confusion",
            "domain_tally", "reasons_recorded", "reasons_none_stated", "reasons_not_found",
            "by_evidence")  # fmt: skip
    out = {k: c.get(k) for k in keep}
    out["disagreements"] = len(c.get("disagreements") or [])
    out["file"] = "/".join(RECORDED)
    return out


def by_evidence(rated: list[Item]) -> dict[str, dict[str, Any]]:
    """n, disagreements, exact agreement and weighted kappa per ``evidence_match`` (items without one
    under "not_recorded"); groups with no item are left out."""
    out: dict[str, dict[str, Any]] = {}
    for g in EVIDENCE_GROUPS:
        its = [i for i in rated if (i.evidence_match or "not_recorded") == g]
        if its:
            m = confusion([str(i.ours) for i in its], [i.published for i in its])
            out[g] = {
                "n": len(its),
                "disagreements": sum(1 for i in its if i.ours != i.published),
                "exact_agreement": exact_agreement(m),
                "weighted_kappa": weighted_kappa(m),
            }
    return out


def calibrate(kb: KnowledgeBase) -> Calibration:
    """Compare ImmunoGrade with every published rating in the calibration set."""
    items = calibration_items(kb)
    rated = [i for i in items if i.ours is not None]
    m = confusion([i.ours for i in rated], [i.published for i in rated])  # type: ignore[misc]
    dis = [
        {"question_id": i.question_id, "source": i.source, "published": i.published, "ours": i.ours,
         "downgrades": i.downgrades, **compare(i)}
        for i in rated if i.ours != i.published
    ]  # fmt: skip
    return Calibration(
        n=len(rated),
        sources=len({i.source for i in rated}),
        exact_agreement=exact_agreement(m),
        weighted_kappa=weighted_kappa(m),
        levels=LEVELS,
        confusion=m,
        disagreements=dis,
        not_rated=[i.question_id for i in items if i.ours is None],
        domain_tally=tally(dis),
        reasons_recorded=sum(1 for i in items if i.reasons),
        reasons_none_stated=sum(1 for i in items if source_domains(i.reasons) == {}),
        reasons_not_found=sum(1 for i in items if _not_found(i.reasons)),
        by_evidence=by_evidence(rated),
    )


def field_ratings(kb: KnowledgeBase, question_id: str) -> list[dict[str, Any]]:
    """What others concluded about this question: every published certainty rating recorded for it
    (a review's or guideline's, with its verbatim sentence and link) beside ImmunoGrade's stored one, and,
    when they differ, the domains each side rated down -- the one-sentence reconciliation the question
    page shows (the same comparison ``immunograde calibrate`` reports)."""
    q = kb.get_question(question_id)
    rated = _rated(q)
    if not rated:
        return []
    a = Answers(kb).question(q.id)
    out = []
    for p, it in zip(rated, _items(q, a, rated), strict=True):
        s = p.source
        entry: dict[str, Any] = {
            "source": it.source,
            "link": source_link(s.pmid, s.doi, [], s.url) if s else None,
            "locator": s.locator if s else None,
            "published": it.published,
            "ours": it.ours,
            "agrees": it.published == it.ours,
            "quote": it.quote,
            "note": p.note,
            "evidence_match": p.evidence_match,
            "side": None,
            "why": None,
            "ours_domains": it.ours_domains,
            "source_domains": None,
            "source_reasons": (
                "not_found"
                if _not_found(it.reasons)
                else "recorded"
                if it.reasons
                else "not_recorded"
            ),
        }
        if it.ours is not None and it.published != it.ours:
            c = compare(it)
            entry["side"] = (
                "lower" if LEVELS.index(it.ours) < LEVELS.index(it.published) else "higher"
            )
            entry["source_domains"] = c["source_domains"]
            entry["why"] = c["why"]
        out.append(entry)
    return out

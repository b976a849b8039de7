"""What is known when nothing can be pooled: the dated search, the trials found and what they reported.

One recipe behind the four "unknown" verdicts (``rules.yaml`` ``verdicts.no_evidence``), for a question and
for a form (route) of a substance that has no question:

- ``trials_not_poolable``: trials of exactly this form are in the knowledge base, but none gave a result
  that can be pooled (each is named with what it reported: an HR, a difference, a p-value, words);
- ``trials_registered_no_results``: trials are registered (completed or ended) with no results public;
- ``no_trials_found``: a dated, reviewed search log for the substance or product found no controlled trial
  (the verdict names the sources searched and the date);
- ``no_controlled_evidence``: none of the above -- nothing is in our files and no search has been recorded,
  which says nothing about the world.

Evidence attaches to the form tested: a trial counts for a form only when one of its active arms gives the
substance (or one of its products) by that route; trials whose route is not stated count for the
"route not stated" form only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from immunograde.grading.verdict import EvidenceState, UnpoolableTrial
from immunograde.kb.models import Product, Question, ReportedResult, SearchLog, Trial

if TYPE_CHECKING:
    from immunograde.kb.queries import KnowledgeBase

__all__ = [
    "describe_reported",
    "form_state",
    "merge_states",
    "question_state",
    "reported_rows",
    "source_link",
    "substance_searches",
    "substance_trials",
    "trials_of_form",
]

_CONTROL = {
    "placebo": "placebo-controlled",
    "active": "active comparator",
    "usual_care": "usual-care control",
    "none": "no-treatment control",
}
#: trial statuses after which results are due (ClinicalTrials.gov's overall status, lower case)
_ENDED = {"completed", "terminated"}


class KnownSource(Protocol):
    """The knowledge-base reads this module needs (``KnowledgeBase`` has them)."""

    def reported_results(self, question_id: str) -> list[ReportedResult]: ...
    def get_trial(self, trial_id: str) -> Trial: ...
    def search_logs_for(self, substance_id: str) -> list[SearchLog]: ...
    def search_logs_for_product(self, product_id: str) -> list[SearchLog]: ...
    def trials_for_substance(self, substance_id: str) -> list[Trial]: ...
    def get_product(self, product_id: str) -> Product: ...


def _num(x: float | None) -> str:
    return "?" if x is None else f"{x:g}"


def describe_reported(r: ReportedResult) -> str:
    """One reported result in words, e.g. ``time to recovery: difference -2.85 days, p = 0.0001``."""
    p = f"p {r.p_relation} {_num(r.p_value)}" if r.p_value is not None else ""
    unit = f" {r.unit}" if r.unit else ""
    if r.kind == "estimate":
        body = f"{r.measure} {_num(r.estimate)} ({_num(r.ci_low)} to {_num(r.ci_high)})"
    elif r.kind == "difference":
        body = f"{r.measure} {_num(r.estimate)}{unit if (r.unit or '') not in (r.measure or '') else ''}"
    elif r.kind in ("medians", "means", "proportions"):
        body = f"{r.kind} {_num(r.value1)}{unit} vs {_num(r.value2)}{unit}"
    elif r.kind == "p_value":
        body, p = p, ""
    else:
        body = (r.text or "").strip().rstrip(".")
    return f"{r.outcome}: " + ", ".join(x for x in (body, p) if x)


def _unpoolable(kb: KnownSource, results: Iterable[ReportedResult]) -> tuple[UnpoolableTrial, ...]:
    by_trial: dict[str, list[str]] = {}
    for r in results:
        by_trial.setdefault(r.trial, []).append(describe_reported(r))
    return tuple(
        UnpoolableTrial(kb.get_trial(tid).label, "; ".join(what), tid)
        for tid, what in by_trial.items()
    )


def _searched(logs: Sequence[SearchLog]) -> tuple[object, tuple[str, ...]]:
    """The date of the newest search in the logs and the sources searched (first-seen order)."""
    dates = [s.date for log in logs for s in log.searches]
    sources = dict.fromkeys(s.source.strip() for log in logs for s in log.searches)
    return (max(dates) if dates else None), tuple(sources)


def _state(
    kb: KnownSource,
    unpoolable: tuple[UnpoolableTrial, ...],
    registered: Iterable[str],
    logs: Sequence[SearchLog],
) -> EvidenceState:
    searched_on, sources = _searched(logs)
    return EvidenceState(
        searched_on=searched_on,  # type: ignore[arg-type]
        sources=sources,
        registered_without_results=tuple(dict.fromkeys(registered)),
        unpoolable_trials=unpoolable,
    )


def question_state(
    kb: KnownSource, q: Question, missing_results: Sequence[tuple[str, int]] = ()
) -> EvidenceState:
    """What is known about a question none of whose trials could be pooled.

    ``missing_results``: registered trials (registry id, planned participants) without results that
    should have reported the question's outcome (the CLI and the build read them from the registry).
    """
    unpoolable = _unpoolable(kb, kb.reported_results(q.id))
    iv = q.intervention

    def covers(log: SearchLog) -> bool:
        if not log.products:
            return True
        if iv.product:
            return iv.product in log.products
        return any(kb.get_product(p).route == iv.route for p in log.products)

    logs = [log for s in iv.substance_ids() for log in kb.search_logs_for(s) if covers(log)]
    if iv.product:
        logs += kb.search_logs_for_product(iv.product)
    return _state(kb, unpoolable, (rid for rid, _ in missing_results), _unique(logs))


def _unique(logs: Iterable[SearchLog]) -> list[SearchLog]:
    return list({log.id: log for log in logs}.values())


def trials_of_form(
    kb: KnownSource, substance_id: str, route: str, products: Sequence[Product]
) -> list[Trial]:
    """Trials with an active arm giving the substance (or one of ``products``) by exactly ``route``."""
    ids = {p.id for p in products}
    out = []
    for t in kb.trials_for_substance(substance_id):
        arms = [
            a for a in t.arms if not a.control and (a.substance == substance_id or a.product in ids)
        ]
        if any(a.route == route for a in arms):
            out.append(t)
    return out


def form_state(
    kb: KnownSource,
    substance_id: str,
    route: str,
    products: Sequence[Product],
    held_elsewhere: set[str] | frozenset[str] = frozenset(),
) -> EvidenceState:
    """What is known about a form (route) of a substance that has no question of its own.

    Trials of the form in ``held_elsewhere`` (trial ids already graded under a question) are left out.
    A trial with results counts as found-but-not-poolable; an ended trial without results posted or
    published counts as registered without results.
    """
    trials = [
        t for t in trials_of_form(kb, substance_id, route, products) if t.id not in held_elsewhere
    ]
    found: list[UnpoolableTrial] = []
    registered: list[str] = []
    for t in trials:
        published = bool(t.pmid or t.doi or t.results_posted)
        if not published and t.status in _ENDED and t.registry_ids:
            registered.extend(t.registry_ids[:1])
        else:
            found.append(UnpoolableTrial(t.label, _trial_summary(t), t.id))
    ids = {p.id for p in products}
    # a log that names products covers those products' form only; one that names none covers the substance
    logs = [
        log
        for log in kb.search_logs_for(substance_id)
        if not log.products or ids & set(log.products)
    ]
    for p in products:
        logs += kb.search_logs_for_product(p.id)
    return _state(kb, tuple(found), registered, _unique(logs))


def _trial_summary(t: Trial) -> str:
    d = t.design
    parts = [
        "randomisation not stated"
        if d.randomised is None
        else "randomised"
        if d.randomised
        else "not randomised",
        _CONTROL.get(d.control, ""),
        f"blinding: {d.blinding}" if d.blinding != "unknown" else "",
        f"{t.n_randomised} participants" if t.n_randomised else "",
        ", ".join(t.registry_ids),
        "no question holds its outcome numbers",
    ]
    return "; ".join(x for x in parts if x)


def merge_states(states: Iterable[EvidenceState | None]) -> EvidenceState | None:
    """One state for a form x indication from its questions' states (None when none has one)."""
    have = [s for s in states if s is not None]
    if not have:
        return None
    trials = {t.trial_id or t.label: t for s in have for t in s.unpoolable_trials}
    dates = [s.searched_on for s in have if s.searched_on]
    return EvidenceState(
        searched_on=max(dates) if dates else None,
        sources=tuple(dict.fromkeys(x for s in have for x in s.sources)),
        registered_without_results=tuple(
            dict.fromkeys(x for s in have for x in s.registered_without_results)
        ),
        unpoolable_trials=tuple(trials.values()),
    )


def source_link(
    pmid: str | None, doi: str | None, registry_ids: Sequence[str], url: str | None
) -> str | None:
    """Where a record can be read: PubMed, then the DOI, then ClinicalTrials.gov, then its URL."""
    if pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    if doi:
        return f"https://doi.org/{doi}"
    nct = next((r for r in registry_ids if r.startswith("NCT")), None)
    if nct:
        return f"https://clinicaltrials.gov/study/{nct}"
    return url


def substance_trials(kb: KnowledgeBase, substance_id: str) -> list[dict[str, Any]]:
    """Every trial of the substance in the knowledge base, with its form, design, size, status and where
    its results are (questions that pool them, questions that show them as reported, or none)."""
    pooled: dict[str, list[str]] = {}
    shown: dict[str, list[str]] = {}
    for q in kb.questions_for(substance_id):
        for tq in kb.trials_for_question(q.id):
            pooled.setdefault(tq.trial.id, []).append(q.id)
        for r in kb.reported_results(q.id):
            if q.id not in shown.setdefault(r.trial, []):
                shown[r.trial].append(q.id)
    ids = {p.id for p in kb.products_for(substance_id)}
    out = []
    for t in kb.trials_for_substance(substance_id):
        arms = [
            a for a in t.arms if not a.control and (a.substance == substance_id or a.product in ids)
        ]
        out.append(
            {
                "id": t.id,
                "label": t.label,
                "year": t.year,
                "routes": sorted({a.route for a in arms}) or ["unknown"],
                "design": _trial_summary(t).replace("; no question holds its outcome numbers", ""),
                "n_randomised": t.n_randomised,
                "registry_ids": list(t.registry_ids),
                "pmid": t.pmid,
                "doi": t.doi,
                "link": source_link(t.pmid, t.doi, t.registry_ids, t.source.url),
                "status": t.status,
                "results_posted": t.results_posted,
                "sponsor": t.sponsor,
                "pooled_in": pooled.get(t.id, []),
                "reported_in": [q for q in shown.get(t.id, []) if q not in pooled.get(t.id, [])],
                "verified": t.verified,
            }
        )
    return out


def substance_searches(kb: KnowledgeBase, substance_id: str) -> list[dict[str, Any]]:
    """The substance's search logs, newest first: when, where, how many searches, the finding."""
    out = []
    for log in kb.search_logs_for(substance_id):
        searched_on, sources = _searched([log])
        out.append(
            {
                "id": log.id,
                "products": list(log.products),
                "searched_on": searched_on.isoformat() if searched_on else None,  # type: ignore[attr-defined]
                "sources": list(sources),
                "searches": len(log.searches),
                "terms": [s.terms for s in log.searches],
                "found": len(log.found),
                "excluded": len(log.excluded),
                "finding": log.finding,
                "conclusion": log.conclusion,
                "checked_by": log.checked_by,
            }
        )
    return out


def reported_rows(kb: KnowledgeBase, question_id: str) -> list[dict[str, Any]]:
    """A question's reported-but-not-poolable results, each with its trial, words, reason and source."""
    out = []
    for r in kb.reported_results(question_id):
        t = kb.get_trial(r.trial)
        src = r.source
        out.append(
            {
                "trial_id": t.id,
                "trial": t.label,
                "outcome": r.outcome,
                "result": describe_reported(r).split(": ", 1)[-1],
                "why_not_pooled": r.why_not_pooled,
                "link": source_link(src.pmid, src.doi, [src.nct] if src.nct else [], src.url),
                "locator": src.locator,
                "quote": src.quote,
            }
        )
    return out

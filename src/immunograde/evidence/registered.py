"""Registered trials that could still change a question's answer: ongoing, or completed without
results, naming the question's substance, for the question's condition, not already in it.

Matching is deliberately simple and shown to the user: a substance name (INN, name or synonym; not
brand names) as a whole word in an intervention name or its other names, and, when the question has
an indication, one of the indication's words (4+ letters, not generic words) in the registered
conditions or title.  Planned enrolment is ClinicalTrials.gov's ``enrollment`` (anticipated for
ongoing trials).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import duckdb

from immunograde.kb.queries import KnowledgeBase

ONGOING = ("RECRUITING", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "ENROLLING_BY_INVITATION")
GENERIC = frozenset(
    [
        "prevention",
        "prophylaxis",
        "treatment",
        "therapy",
        "adults",
        "adult",
        "children",
        "child",
        "patients",
        "people",
        "with",
        "without",
        "and",
        "the",
        "for",
        "from",
        "after",
        "before",
        "during",
        "acute",
        "chronic",
        "severe",
    ]
)


@dataclass(frozen=True)
class OngoingTrial:
    nct_id: str
    title: str | None
    overall_status: str | None
    enrollment: int | None
    has_results: bool | None
    conditions: list[str]


def _names(kb: KnowledgeBase, substance_ids: tuple[str, ...]) -> list[re.Pattern[str]]:
    names = {e.name.lower() for e in kb.name_entries()
             if e.substance_id in substance_ids and e.name_kind not in ("brand", "russian_name")}  # fmt: skip
    return [re.compile(r"\b" + re.escape(n) + r"\b") for n in sorted(names) if len(n) >= 3]


def _keywords(indication: str | None) -> set[str]:
    words = re.findall(r"[a-z0-9-]{4,}", (indication or "").lower())
    return {w for w in words if w not in GENERIC}


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        t[0] for t in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }


def registered_trials(
    kb: KnowledgeBase, question_id: str, con: duckdb.DuckDBPyConnection | None = None
) -> list[OngoingTrial]:
    """Candidate registered trials for the question (empty when no registry records are imported)."""
    con = con or kb.con
    tables = kb.table_names() if con is kb.con else _tables(con)
    if not {"reg_studies", "reg_interventions"} <= tables:
        return []
    q = kb.get_question(question_id)
    patterns = _names(kb, q.intervention.substance_ids())
    if not patterns:
        return []
    raw = con.execute("SELECT t.record_json FROM outcome_data o JOIN trials t ON t.id = o.trial_id "
                      "WHERE o.question_id = ?", [question_id]).fetchall()  # fmt: skip
    known = {rid for (r,) in raw for rid in json.loads(r).get("registry_ids", [])}
    statuses = ", ".join(f"'{s}'" for s in ONGOING)
    rows = con.execute(
        "SELECT s.nct_id, s.title, s.overall_status, s.enrollment, s.has_results, s.conditions, "
        "list_concat(list(lower(i.name)), list_transform(flatten(list(coalesce(i.other_names, []))), "
        "x -> lower(x))) FROM reg_studies s JOIN reg_interventions i ON i.nct_id = s.nct_id "
        f"WHERE s.overall_status IN ({statuses}) OR (s.overall_status = 'COMPLETED' AND NOT "
        "coalesce(s.has_results, FALSE)) GROUP BY ALL ORDER BY s.nct_id"
    ).fetchall()
    keys = _keywords(q.indication)
    out = []
    for nct, title, status, enrol, has_res, conds, interventions in rows:
        if nct in known or not any(p.search(n or "") for p in patterns for n in interventions):
            continue
        text = " ".join([*(conds or []), title or ""]).lower()
        if keys and not any(k in text for k in keys):
            continue
        out.append(OngoingTrial(nct, title, status, enrol, has_res, list(conds or [])))
    return out

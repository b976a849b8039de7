"""Living-evidence data for pages: a substance's evidence history, recent changes, TSA summaries.

The history lives beside the knowledge base (``history.duckdb``, kept across rebuilds by
:mod:`immunograde.evidence.history`); a knowledge base with no recorded history shows none, not an error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from immunograde.errors import NotFoundError
from immunograde.evidence import history as living_history
from immunograde.evidence.tsa import rrr_text
from immunograde.kb.queries import KnowledgeBase


def history_file(kb: KnowledgeBase) -> Path | None:
    env = os.environ.get("IMMUNOGRADE_HISTORY")
    path = Path(env) if env else kb.path.parent / "history.duckdb"
    return path if path.exists() else None


def _summary(c: dict[str, Any]) -> str:
    text = f"{c.get('field')}: {c.get('old') or '—'} → {c.get('new') or '—'}"
    return text


def _cause(c: dict[str, Any]) -> str:
    parts = []
    for key, label in (
        ("trials_added", "added"),
        ("trials_removed", "removed"),
        ("trials_corrected", "corrected"),
    ):
        if c.get(key):
            parts.append(f"{label}: {', '.join(c[key])}")
    return "; ".join(parts) or "re-analysis of the same trials (rules or data corrections)"


def recent_changes(kb: KnowledgeBase, limit: int = 100) -> list[dict[str, Any]]:
    hist = history_file(kb)
    if hist is None:
        return []
    rows = living_history.recent_changes(limit, hist=hist)
    return [
        {
            **r,
            "date": str(r.get("recorded_at", ""))[:10],
            "title": _title(kb, str(r.get("question_id"))),
            "summary": _summary(r),
            "cause": _cause(r),
        }
        for r in rows
    ]


def _title(kb: KnowledgeBase, question_id: str) -> str | None:
    """The question's title (the page names a question by it), or None for a question since removed."""
    try:
        return kb.get_question(question_id).title
    except NotFoundError:
        return None


def builds(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """The builds the history has recorded, oldest first (date, data version, questions recorded)."""
    hist = history_file(kb)
    if hist is None:
        return []
    return [
        {**b, "date": str(b["recorded_at"])[:10], "version": str(b["data_version"])[:12]}
        for b in living_history.recorded_builds(hist)
    ]


def for_substance(kb: KnowledgeBase, substance_id: str) -> list[dict[str, Any]]:
    """Per question of the substance and per recorded build: certainty and verdict over time."""
    hist = history_file(kb)
    if hist is None:
        return []
    out: list[dict[str, Any]] = []
    ids = [q.id for q in kb.questions_for(substance_id)]
    for qid, rows in living_history.certainty_history(ids, hist=hist).items():
        for h in rows:
            out.append(
                {
                    "date": str(h["recorded_at"])[:10],
                    "question_id": qid,
                    "title": _title(kb, qid),
                    "certainty": h["certainty"],
                    "verdict": h["verdict"],
                    "data_version": h["data_version"],
                    "change": "",
                }
            )
    return out


def tsa_summary(block: dict[str, Any] | None) -> dict[str, Any] | None:
    """The "is more data needed?" box from the appraisal's own TSA block (evidence.answers): the TSA
    that graded the question, never a second computation; None where TSA does not apply.  The
    sentence reconciling the verdict with the TSA's conclusion closes it."""
    if not block or block.get("what_would_it_take") is None:
        return None
    rrr = block.get("rrr")
    mid = block.get("mid")
    target = (
        rrr_text(rrr, block.get("rrr_applies_to"))
        if rrr is not None
        else f"mean difference {mid:g}"
        if mid is not None
        else "mean difference"
    )
    summary = (
        f"Conclusion ({target}): {str(block['conclusion']).replace('_', ' ')}. "
        f"Information fraction {block['information_fraction']:.2f} of a required information size of "
        f"{block['required_information_size']:,} participants (diversity D² = {block['diversity']:.2f}). "
        f"{block['what_would_it_take']}"
    )
    if block.get("reconciliation"):
        summary += f" {block['reconciliation']}"
    return {"summary": summary, "required_information_size": block["required_information_size"],
            "information_fraction": block["information_fraction"], "conclusion": block["conclusion"]}  # fmt: skip

"""DuckDB tables for hand-curated evidence: trial arms, reported results and search logs.

Part of :data:`immunograde.kb.tables.TABLES` (same conventions: flat columns for SQL, ``record_json``
for the exact model where a table holds whole records).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from immunograde.kb.loader import LoadedKB, Located

S, N, F, B, D = pa.string(), pa.int64(), pa.float64(), pa.bool_(), pa.date32()
_WHERE = [("file", S), ("line", N), ("record_json", S)]

CURATION_TABLES: dict[str, list[tuple[str, pa.DataType]]] = {
    "trial_arms": [
        ("trial_id", S), ("ord", N), ("label", S), ("substance", S), ("product", S),
        ("dose_form", S), ("route", S), ("dose", S), ("duration", S), ("n", N), ("n_analysed", N),
        ("control", B),
    ],
    "reported_results": [
        ("question_id", S), ("ord", N), ("trial_id", S), ("outcome", S), ("time_point", S),
        ("kind", S), ("measure", S), ("estimate", F), ("ci_low", F), ("ci_high", F),
        ("value1", F), ("value2", F), ("p_value", F), ("p_relation", S), ("text", S),
        ("why_not_pooled", S), ("record_json", S),
    ],
    "search_logs": [
        ("id", S), ("substance", S), ("finding", S), ("conclusion", S), ("searched_on", D),
        ("extracted_by", S), ("checked_by", S), ("verified", B), *_WHERE,
    ],
    "search_log_products": [("log_id", S), ("product_id", S)],
    "search_log_searches": [
        ("log_id", S), ("ord", N), ("source", S), ("via", S), ("terms", S), ("date", D),
        ("hits", N), ("relevant", N), ("note", S),
    ],
    "search_log_found": [
        ("log_id", S), ("ord", N), ("trial_id", S), ("registry_ids", pa.list_(S)), ("pmid", S),
        ("doi", S), ("url", S), ("what", S),
    ],
    "search_log_excluded": [
        ("log_id", S), ("ord", N), ("registry_ids", pa.list_(S)), ("pmid", S), ("doi", S),
        ("url", S), ("what", S), ("reason", S),
    ],
}  # fmt: skip


def located(loc: Located[Any]) -> dict[str, Any]:
    """``file``, ``line`` and ``record_json`` (the validated record without computed fields)."""
    rec = loc.record
    return {
        "file": loc.file,
        "line": loc.line,
        "record_json": json.dumps(
            rec.model_dump(mode="json", exclude=set(type(rec).model_computed_fields))
        ),
    }


def _arms(kb: LoadedKB) -> Iterator[dict[str, Any]]:
    for loc in kb.of("trials"):
        for i, arm in enumerate(loc.record.arms):
            yield {"trial_id": loc.record.id, "ord": i, **arm.model_dump()}


def _reported(kb: LoadedKB) -> Iterator[dict[str, Any]]:
    cols = [c for c, _ in CURATION_TABLES["reported_results"]]
    for loc in kb.of("questions"):
        for i, rep in enumerate(loc.record.reported):
            flat = rep.model_dump()
            row = {c: flat.get(c) for c in cols}
            row.update(question_id=loc.record.id, ord=i, trial_id=rep.trial,
                       record_json=json.dumps(rep.model_dump(mode="json")))  # fmt: skip
            yield row


def _logs(kb: LoadedKB) -> Iterator[dict[str, Any]]:
    for loc in kb.of("search_logs"):
        log = loc.record
        yield {"id": log.id, "substance": log.substance, "finding": log.finding,
               "conclusion": log.conclusion, "searched_on": log.searched_on,
               "extracted_by": log.extracted_by, "checked_by": log.checked_by,
               "verified": log.verified, **located(loc)}  # fmt: skip


def _log_parts(name: str, kb: LoadedKB) -> Iterator[dict[str, Any]]:
    part = {"search_log_searches": "searches", "search_log_found": "found",
            "search_log_excluded": "excluded"}[name]  # fmt: skip
    cols = [c for c, _ in CURATION_TABLES[name]]
    for loc in kb.of("search_logs"):
        for i, item in enumerate(getattr(loc.record, part)):
            flat = item.model_dump()
            flat["trial_id"] = flat.get("trial")
            yield {**{c: flat.get(c) for c in cols}, "log_id": loc.record.id, "ord": i}


def curation_rows(name: str, kb: LoadedKB) -> Iterator[dict[str, Any]]:
    """Rows of one of :data:`CURATION_TABLES`."""
    if name == "trial_arms":
        yield from _arms(kb)
    elif name == "reported_results":
        yield from _reported(kb)
    elif name == "search_logs":
        yield from _logs(kb)
    elif name == "search_log_products":
        for loc in kb.of("search_logs"):
            for pid in loc.record.products:
                yield {"log_id": loc.record.id, "product_id": pid}
    else:
        yield from _log_parts(name, kb)

"""The DuckDB tables built from the reviewed files: their columns and rows.

Each main table keeps flat columns for SQL and ``record_json`` (the validated record) so
:mod:`.queries` can return the exact pydantic model.  ``file``/``line`` say where a record was written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from immunograde.kb.loader import LoadedKB
from immunograde.kb.model_evidence import METAFOR_COLUMNS
from immunograde.kb.models import OutcomeData
from immunograde.kb.tables_curation import CURATION_TABLES, curation_rows, located

S, N, F, B, D = pa.string(), pa.int64(), pa.float64(), pa.bool_(), pa.date32()
_WHERE = [("file", S), ("line", N), ("record_json", S)]
DATA_COLUMNS = list(METAFOR_COLUMNS)

TABLES: dict[str, list[tuple[str, pa.DataType]]] = {
    "sources": [("id", S), ("kind", S), ("citation", S), *_WHERE],
    "classes": [("id", S), ("name", S), ("kind", S), ("atc_code", S), ("parent", S), *_WHERE],
    "substances": [
        ("id", S), ("name", S), ("inn", S), ("primary_class", S), ("atc_codes", pa.list_(S)),
        ("mechanism", S), *_WHERE,
    ],
    "substance_classes": [("substance_id", S), ("class_id", S), ("ord", N)],
    "products": [
        ("id", S), ("brand", S), ("dose_form", S), ("route", S), ("strength", S), ("atc_code", S),
        *_WHERE,
    ],
    "product_substances": [("product_id", S), ("substance_id", S)],
    "names": [
        ("name", S), ("name_kind", S), ("entity_kind", S), ("entity_id", S), ("substance_id", S),
    ],
    "regulatory": [
        ("substance", S), ("product", S), ("product_name", S), ("agency", S), ("country", S),
        ("status", S), ("date", D), *_WHERE,
    ],
    "claims": [
        ("id", S), ("subject_name", S), ("claimant", S), ("claimant_kind", S), ("claim_kind", S),
        *_WHERE,
    ],
    "claim_subjects": [("claim_id", S), ("substance_id", S), ("product_id", S)],
    "trials": [
        ("id", S), ("label", S), ("year", N), ("randomised", B), ("allocation_concealment", S),
        ("blinding", S), ("control", S), ("n_randomised", N), ("international", B),
        ("multicentre", B), ("funding", S), ("sponsor", S), ("status", S), ("results_posted", B),
        ("results_posted_date", D), ("population", S), *_WHERE,
    ],
    "trial_registry_ids": [("trial_id", S), ("registry_id", S)],
    "rob": [
        ("trial_id", S), ("question_id", S), ("d1_randomisation", S), ("d2_deviations", S),
        ("d3_missing", S), ("d4_measurement", S), ("d5_selection", S), ("overall", S),
    ],
    "questions": [
        ("id", S), ("title", S), ("substance", S), ("product", S), ("drug_class", S), ("route", S),
        ("outcome_type", S), ("measure", S), ("importance", S), *_WHERE,
    ],
    "question_substances": [("question_id", S), ("substance_id", S)],
    "outcome_data": [
        ("question_id", S), ("trial_id", S), ("subgroup", S), ("form", S),
        *[(c, F) for c in DATA_COLUMNS], ("dispersion", S), ("denominator", S), ("pooled", B),
        ("not_pooled_reason", S),
    ],
    **CURATION_TABLES,
}  # fmt: skip


_where = located


def russian_names() -> dict[str, str]:
    """Substance id -> its Russian name (INN in its Russian form, or the brand's Russian spelling), from
    the reviewed list the pages show (``locale/ru/substances.yaml``), so a reader can search by it and the
    claim reader knows it.  Not used to match registry records or market rows (name kind
    ``russian_name``): the list is not yet checked against the State Register."""
    from importlib import resources

    import yaml

    path = resources.files("immunograde") / "locale" / "ru" / "substances.yaml"
    return dict(yaml.safe_load(path.read_text(encoding="utf-8"))["substances"])


def _names(kb: LoadedKB) -> Iterator[dict[str, Any]]:
    russian = russian_names()
    for loc in kb.of("substances"):
        s = loc.record
        kinds = [("name", s.name)] + ([("inn", s.inn)] if s.inn else [])
        kinds += [("synonym", n) for n in s.synonyms] + [("brand", n) for n in s.brand_names]
        if s.id in russian and russian[s.id].casefold() not in {n.casefold() for _, n in kinds}:
            kinds.append(("russian_name", russian[s.id]))
        seen: set[str] = set()
        for kind, name in kinds:
            if name not in seen:
                seen.add(name)
                yield {"name": name, "name_kind": kind, "entity_kind": "substance",
                       "entity_id": s.id, "substance_id": s.id}  # fmt: skip
    for loc in kb.of("products"):
        p = loc.record
        for kind, name in [("brand", p.brand)] + [("synonym", n) for n in p.synonyms]:
            for sub in p.substances:
                yield {"name": name, "name_kind": kind, "entity_kind": "product",
                       "entity_id": p.id, "substance_id": sub}  # fmt: skip
    for loc in kb.of("classes"):
        c = loc.record
        for kind, name in [("name", c.name), *[("synonym", n) for n in c.synonyms]]:
            yield {"name": name, "name_kind": kind, "entity_kind": "class", "entity_id": c.id,
                   "substance_id": None}  # fmt: skip
        if c.atc_code:
            yield {"name": c.atc_code, "name_kind": "atc", "entity_kind": "class",
                   "entity_id": c.id, "substance_id": None}  # fmt: skip


def _data_row(qid: str, row: OutcomeData) -> dict[str, Any]:
    out: dict[str, Any] = {"question_id": qid, "trial_id": row.trial, "subgroup": row.subgroup}
    out["form"] = row.form()
    out.update(row.metafor_values())
    reason = row.not_pooled_reason()
    out.update(dispersion=row.dispersion, denominator=row.denominator, pooled=reason is None,
               not_pooled_reason=reason)  # fmt: skip
    return out


def _simple(name: str, kb: LoadedKB) -> Iterator[dict[str, Any]]:
    kind = {"sources": "sources", "classes": "classes", "substances": "substances",
            "products": "products", "regulatory": "regulatory", "claims": "claims",
            "trials": "trials", "questions": "questions"}[name]  # fmt: skip
    for loc in kb.of(kind):
        r = loc.record
        flat = r.model_dump()
        row = {col: flat.get(col) for col, _ in TABLES[name] if col in flat}
        if name == "substances":
            row["primary_class"] = r.classes[0]
            row["atc_codes"] = list(r.atc_codes)
        elif name == "trials":
            row.update(r.design.model_dump())
            row["international"] = r.international
        elif name == "questions":
            row.update(substance=r.intervention.substance, product=r.intervention.product,
                       drug_class=r.intervention.drug_class,
                       route=r.intervention.route, outcome_type=r.outcome.type,
                       measure=r.outcome.measure, importance=r.outcome.importance)  # fmt: skip
        row.update(_where(loc))
        yield row


def _links(name: str, kb: LoadedKB) -> Iterator[dict[str, Any]]:
    if name == "substance_classes":
        for loc in kb.of("substances"):
            for i, c in enumerate(loc.record.classes):
                yield {"substance_id": loc.record.id, "class_id": c, "ord": i}
    elif name == "product_substances":
        for loc in kb.of("products"):
            for s in loc.record.substances:
                yield {"product_id": loc.record.id, "substance_id": s}
    elif name == "claim_subjects":
        for loc in kb.of("claims"):
            c = loc.record
            for s in c.substances:
                yield {"claim_id": c.id, "substance_id": s, "product_id": None}
            for p in c.products:
                yield {"claim_id": c.id, "substance_id": None, "product_id": p}
    elif name == "trial_registry_ids":
        for loc in kb.of("trials"):
            for rid in loc.record.registry_ids:
                yield {"trial_id": loc.record.id, "registry_id": rid}
    elif name == "rob":
        for loc in kb.of("trials"):
            for rob in loc.record.rob:
                yield {"trial_id": loc.record.id, "question_id": rob.question,
                       **rob.model_dump(exclude={"question", "source"})}  # fmt: skip
    elif name == "question_substances":
        for loc in kb.of("questions"):
            for sid in loc.record.intervention.substance_ids():
                yield {"question_id": loc.record.id, "substance_id": sid}
    elif name == "outcome_data":
        for loc in kb.of("questions"):
            for row in loc.record.data:
                yield _data_row(loc.record.id, row)


def table_rows(name: str, kb: LoadedKB) -> list[dict[str, Any]]:
    """Rows of table ``name`` (columns as in :data:`TABLES`)."""
    if name == "names":
        return list(_names(kb))
    if name in CURATION_TABLES:
        return list(curation_rows(name, kb))
    if name in {"substance_classes", "product_substances", "claim_subjects",
                "trial_registry_ids", "rob", "question_substances", "outcome_data"}:  # fmt: skip
        return list(_links(name, kb))
    return list(_simple(name, kb))

"""The query API over the built knowledge base (read-only).  Used by appraisal, web, safety and TSA.

>>> from immunograde.kb.queries import open_kb
>>> with open_kb() as kb:                                   # doctest: +SKIP
...     kb.get_substance("tocilizumab").name
...     [h.entity_id for h in kb.substances_by_name("Кагоцел")]
...     kb.outcome_data("tocilizumab-covid19-mortality")[0].ai

Records come back as the pydantic models of :mod:`.models`; per-trial rows as frozen dataclasses.
Unknown ids raise :class:`~immunograde.errors.NotFoundError` with name suggestions; a missing database
raises :class:`NoDatabaseError` (run ``immunograde kb build``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from immunograde import settings
from immunograde.errors import N_, Msg, NotFoundError
from immunograde.kb.dbfile import ALIAS, open_readonly
from immunograde.kb.models import (
    Claim,
    DrugClass,
    Product,
    Question,
    RegulatoryStatus,
    RobJudgement,
    SourceEntry,
    Substance,
    Trial,
)
from immunograde.kb.queries_curation import CurationQueries
from immunograde.kb.search import NameEntry, SearchHit, search
from immunograde.kb.tables import DATA_COLUMNS

M = TypeVar("M", bound=BaseModel)


#: "no substance 'x'.": one message per kind of record (the Russian words differ by kind)
NOT_FOUND = {
    "substance": N_("no substance %(id)s."), "class": N_("no class %(id)s."),
    "product": N_("no product %(id)s."), "source": N_("no source %(id)s."),
    "question": N_("no question %(id)s."), "trial": N_("no trial %(id)s."),
}  # fmt: skip


class NoDatabaseError(NotFoundError):
    """The knowledge base has not been built yet."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            Msg("no knowledge base at %(path)s: run `immunograde kb build`", path=path)
        )
        self.path = path


@dataclass(frozen=True)
class TrialForQuestion:
    """A trial contributing to a question, with the risk-of-bias judgement for that question."""

    trial: Trial
    rob: RobJudgement | None


@dataclass(frozen=True)
class OutcomeRow:
    """One trial's outcome data in metafor columns (None where the form does not use a column)."""

    trial_id: str
    label: str
    year: int | None
    subgroup: str | None
    form: str
    values: dict[str, float | None]
    dispersion: str | None = None
    denominator: str | None = None
    not_pooled_reason: str | None = None

    def metafor(self) -> dict[str, Any]:
        """Flat dict: ``trial_id, label, year, subgroup`` and the non-null metafor columns."""
        base: dict[str, Any] = {"trial_id": self.trial_id, "label": self.label, "year": self.year}
        base["subgroup"] = self.subgroup
        return base | {k: v for k, v in self.values.items() if v is not None}


def _hashable(params: list[Any] | None) -> tuple[Any, ...]:
    """Query parameters as a cache key (list parameters, e.g. for ``list_contains``, as tuples)."""
    return tuple(tuple(p) if isinstance(p, list) else p for p in params or ())


def _outcome_row(r: tuple[Any, ...]) -> OutcomeRow:
    k = 5 + len(DATA_COLUMNS)
    values = dict(zip(DATA_COLUMNS, r[5:k], strict=True))
    extra = {"dispersion": r[k], "denominator": r[k + 1], "not_pooled_reason": r[k + 2]}
    return OutcomeRow(r[0], r[1], r[2], r[3], r[4], values, **extra)


class KnowledgeBase(CurationQueries):
    """A read-only connection to the built DuckDB file with typed queries."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or settings.db_path()
        if not self.path.exists():
            raise NoDatabaseError(self.path)
        self.con = open_readonly(self.path)  # this version of the file, however long it is open
        built = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'substances'",
            [ALIAS],
        ).fetchone()
        if not built or not built[0]:  # a file holding only imported records (import before build)
            self.con.close()
            raise NoDatabaseError(self.path)
        self._names: list[NameEntry] | None = None

    def close(self) -> None:
        self.con.close()

    # The file is read-only and this connection sees one version of it ("this version of the file,
    # however long it is open"), so a query's answer never changes: reads are kept per instance.  The
    # build's appraisals ask for the same questions, trials and rows thousands of times (each DuckDB
    # round trip costs about a millisecond).  Lists are copied on the way out.
    def _rows(self, sql: str, params: list[Any] | None = None) -> list[Any]:
        cache: dict[Any, list[Any]] = self.__dict__.setdefault("_row_cache", {})
        key = (sql, _hashable(params))
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = self.con.execute(sql, params or []).fetchall()
        return list(hit)

    def _models(self, model: type[M], sql: str, params: list[Any] | None = None) -> list[M]:
        cache: dict[Any, list[Any]] = self.__dict__.setdefault("_model_cache", {})
        key = (model, sql, _hashable(params))
        hit = cache.get(key)
        if hit is None:
            rows = self.con.execute(sql, params or []).fetchall()
            hit = cache[key] = [model.model_validate(json.loads(r[0])) for r in rows]
        return list(hit)

    def bulk(self) -> KnowledgeBase:
        """Read whole tables at the first lookup (records by id, outcome rows by question): for a job
        that reads everything, like the build's appraisals, thousands of round trips become a handful.
        Returns ``self``."""
        self.__dict__["_bulk"] = {}
        return self

    def _table(self, table: str) -> dict[str, str] | None:
        """``id -> record_json`` of a whole table in bulk mode, else None."""
        bulk: dict[str, dict[str, str]] | None = self.__dict__.get("_bulk")
        if bulk is None:
            return None
        if table not in bulk:
            bulk[table] = dict(self.con.execute(f"SELECT id, record_json FROM {table}").fetchall())
        return bulk[table]

    def _one(self, model: type[M], table: str, rid: str, what: str) -> M:
        whole = self._table(table)
        if whole is not None:
            cache: dict[Any, Any] = self.__dict__.setdefault("_model_cache", {})
            key = (model, table, rid)
            if key in cache:
                return cache[key]
            if rid in whole:
                cache[key] = model.model_validate(json.loads(whole[rid]))
                return cache[key]
        found = self._models(model, f"SELECT record_json FROM {table} WHERE id = ?", [rid])
        if not found:
            ids = [r[0] for r in self.con.execute(f"SELECT id FROM {table}").fetchall()]
            names = [e for e in self.name_entries() if e.entity_kind == what]
            names += [NameEntry(i, "id", what, i) for i in ids]
            hits = search(rid, names, limit=5, threshold=0.5)
            raise NotFoundError(Msg(NOT_FOUND[what], id=repr(rid)), [h.entity_id for h in hits])
        return found[0]

    # ------------------------------------------------------------ catalogue
    def get_substance(self, substance_id: str) -> Substance:
        return self._one(Substance, "substances", substance_id, "substance")

    def list_substances(self, class_id: str | None = None) -> list[Substance]:
        """All substances, or those in ``class_id`` and its subclasses, by id."""
        if class_id is None:
            return self._models(Substance, "SELECT record_json FROM substances ORDER BY id")
        return self.class_members(class_id)

    def get_class(self, class_id: str) -> DrugClass:
        return self._one(DrugClass, "classes", class_id, "class")

    def list_classes(self) -> list[DrugClass]:
        return self._models(DrugClass, "SELECT record_json FROM classes ORDER BY id")

    def class_members(self, class_id: str, recursive: bool = True) -> list[Substance]:
        """Substances in a class (any of their classes), including subclasses when ``recursive``."""
        self.get_class(class_id)
        ids = [class_id]
        if recursive:
            ids = [r[0] for r in self.con.execute(
                "WITH RECURSIVE t(id) AS (SELECT ? UNION SELECT c.id FROM classes c "
                "JOIN t ON c.parent = t.id) SELECT id FROM t", [class_id]).fetchall()]  # fmt: skip
        return self._models(
            Substance,
            "SELECT record_json FROM substances WHERE id IN (SELECT substance_id FROM "
            "substance_classes WHERE list_contains(?, class_id)) ORDER BY id",
            [ids],
        )

    def get_product(self, product_id: str) -> Product:
        return self._one(Product, "products", product_id, "product")

    def list_products(self) -> list[Product]:
        return self._models(Product, "SELECT record_json FROM products ORDER BY id")

    def list_claims(self) -> list[Claim]:
        return self._models(Claim, "SELECT record_json FROM claims ORDER BY id")

    def list_trials(self) -> list[Trial]:
        return self._models(Trial, "SELECT record_json FROM trials ORDER BY id")

    def products_for(self, substance_id: str) -> list[Product]:
        return self._models(
            Product,
            "SELECT p.record_json FROM products p JOIN product_substances ps ON ps.product_id = p.id "
            "WHERE ps.substance_id = ? ORDER BY p.route, p.id",
            [substance_id],
        )

    def regulatory_for(self, substance_id: str) -> list[RegulatoryStatus]:
        """Regulatory rows of the substance.  A hand-sourced row replaces a script's ``unknown`` row
        for the same agency and country when the script's row is about the same product or about the
        substance as a whole (no product): the script could not look; a person did."""
        rows = self._models(
            RegulatoryStatus,
            "SELECT record_json FROM regulatory WHERE substance = ? "
            "ORDER BY agency, country, product_name",
            [substance_id],
        )
        hand = [r for r in rows if not r.extracted_by.startswith("script:")]

        def superseded(r: RegulatoryStatus) -> bool:
            return any(
                (h.agency, h.country) == (r.agency, r.country) and r.product in (None, h.product)
                for h in hand
            )

        return [
            r for r in rows
            if not (r.extracted_by.startswith("script:") and r.status == "unknown" and superseded(r))
        ]  # fmt: skip

    def claims_for(self, substance_id: str) -> list[Claim]:
        """Claims about the substance or any of its products."""
        return self._models(
            Claim,
            "SELECT record_json FROM claims WHERE id IN (SELECT claim_id FROM claim_subjects cs "
            "WHERE cs.substance_id = ? OR cs.product_id IN (SELECT product_id FROM "
            "product_substances WHERE substance_id = ?)) ORDER BY id",
            [substance_id, substance_id],
        )

    def get_source(self, source_id: str) -> SourceEntry:
        return self._one(SourceEntry, "sources", source_id, "source")

    # ------------------------------------------------------------ evidence
    def get_question(self, question_id: str) -> Question:
        return self._one(Question, "questions", question_id, "question")

    def all_questions(self) -> list[Question]:
        return self._models(Question, "SELECT record_json FROM questions ORDER BY id")

    def questions_for(self, substance_id: str) -> list[Question]:
        """Questions whose intervention is the substance, pools it, is one of its products, or is
        one of its classes."""
        whole = self._table("questions")
        if whole is not None:  # bulk mode: every substance's questions from one read of the links
            if "_index" not in self.__dict__:
                self.__dict__["_index"] = self.evidence_index()
            ids = sorted(q for q in self.__dict__["_index"].get(substance_id, ()) if q in whole)
            return [self.get_question(q) for q in ids]
        return self._models(
            Question,
            "SELECT record_json FROM questions WHERE id IN (SELECT question_id FROM "
            "question_substances WHERE substance_id = ?) OR product IN (SELECT product_id FROM "
            "product_substances WHERE substance_id = ?) OR drug_class IN (SELECT class_id FROM "
            "substance_classes WHERE substance_id = ?) ORDER BY id",
            [substance_id, substance_id, substance_id],
        )

    def evidence_index(self) -> dict[str, tuple[str, ...]]:
        """Substance id -> ids of the questions about it (directly, pooled, via a product or a class)."""
        rows = self.con.execute(
            "SELECT substance_id, question_id FROM question_substances UNION "
            "SELECT ps.substance_id, q.id FROM questions q JOIN product_substances ps "
            "ON ps.product_id = q.product UNION "
            "SELECT sc.substance_id, q.id FROM questions q JOIN substance_classes sc "
            "ON sc.class_id = q.drug_class ORDER BY 1, 2"
        ).fetchall()
        out: dict[str, list[str]] = {}
        for sid, qid in rows:
            out.setdefault(sid, []).append(qid)
        return {k: tuple(v) for k, v in out.items()}

    def get_trial(self, trial_id: str) -> Trial:
        return self._one(Trial, "trials", trial_id, "trial")

    def trials_for_question(self, question_id: str) -> list[TrialForQuestion]:
        """Trials with data for the question (in data order), each with its RoB for that question."""
        self.get_question(question_id)
        bulk: dict[str, Any] | None = self.__dict__.get("_bulk")
        if bulk is not None:  # every question's trial records in one query, in the same order
            if "trials_by_question" not in bulk:
                grouped: dict[str, list[tuple[str]]] = {}
                for qid, raw in self.con.execute(
                    "SELECT o.question_id, t.record_json FROM outcome_data o JOIN trials t "
                    "ON t.id = o.trial_id ORDER BY o.rowid"
                ).fetchall():
                    grouped.setdefault(qid, []).append((raw,))
                bulk["trials_by_question"] = grouped
            rows = bulk["trials_by_question"].get(question_id, [])
        else:
            rows = self._rows(
                "SELECT t.record_json FROM outcome_data o JOIN trials t ON t.id = o.trial_id "
                "WHERE o.question_id = ? ORDER BY o.rowid", [question_id])  # fmt: skip
        out: list[TrialForQuestion] = []
        seen: set[str] = set()
        for (raw,) in rows:
            trial = Trial.model_validate(json.loads(raw))
            if trial.id in seen:
                continue
            seen.add(trial.id)
            specific = [r for r in trial.rob if r.question == question_id]
            general = [r for r in trial.rob if r.question is None]
            chosen = specific or general
            out.append(TrialForQuestion(trial, chosen[0] if chosen else None))
        return out

    def outcome_data(self, question_id: str, include_unpooled: bool = False) -> list[OutcomeRow]:
        """Per-trial rows in metafor columns, with trial id, label and year, in file order.

        Rows that must not be pooled (a continuous row whose spread is not stated as SD or SE) are
        left out unless ``include_unpooled``; they then carry ``not_pooled_reason``.
        """
        self.get_question(question_id)
        cols = ", ".join(f"o.{c}" for c in DATA_COLUMNS)
        bulk: dict[str, Any] | None = self.__dict__.get("_bulk")
        if bulk is not None:
            if "outcome_data" not in bulk:
                grouped: dict[tuple[str, bool], list[OutcomeRow]] = {}
                for r in self.con.execute(
                    f"SELECT o.question_id, o.pooled, o.trial_id, t.label, t.year, o.subgroup, o.form, "
                    f"{cols}, o.dispersion, o.denominator, o.not_pooled_reason FROM outcome_data o "
                    "JOIN trials t ON t.id = o.trial_id ORDER BY o.rowid"
                ).fetchall():
                    row = _outcome_row(r[2:])
                    grouped.setdefault((r[0], True), []).append(row)
                    if r[1]:
                        grouped.setdefault((r[0], False), []).append(row)
                bulk["outcome_data"] = grouped
            return list(bulk["outcome_data"].get((question_id, include_unpooled), []))
        where = "" if include_unpooled else " AND o.pooled"
        rows = self._rows(
            f"SELECT o.trial_id, t.label, t.year, o.subgroup, o.form, {cols}, o.dispersion, "
            "o.denominator, o.not_pooled_reason FROM outcome_data o JOIN trials t "
            f"ON t.id = o.trial_id WHERE o.question_id = ?{where} ORDER BY o.rowid",
            [question_id],
        )
        return [_outcome_row(r) for r in rows]

    # ------------------------------------------------------------ names
    def name_entries(self) -> list[NameEntry]:
        """Every searchable name (substances, products, classes)."""
        if self._names is None:
            rows = self.con.execute(
                "SELECT name, name_kind, entity_kind, entity_id, substance_id FROM names"
            ).fetchall()
            self._names = [NameEntry(*r) for r in rows]
        return self._names

    def all_names(self) -> dict[str, tuple[str, ...]]:
        """Every substance/product name, synonym and brand -> the substance ids it names."""
        out: dict[str, list[str]] = {}
        for e in self.name_entries():
            if e.substance_id and e.substance_id not in out.setdefault(e.name, []):
                out[e.name].append(e.substance_id)
        return {k: tuple(v) for k, v in out.items()}

    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        """Substances, products and classes by any name, any script, typo-tolerant (best first)."""
        return search(text, self.name_entries(), limit=limit)

    def substances_by_name(self, text: str, limit: int = 20) -> list[SearchHit]:
        """Search restricted to substances (product names count for their substances)."""
        hits = search(text, (e for e in self.name_entries() if e.substance_id), limit=limit * 4)
        best: dict[str, SearchHit] = {}
        for h in hits:
            sid = h.substance_id or h.entity_id
            if sid not in best:
                best[sid] = SearchHit(
                    "substance", sid, h.matched_name, h.name_kind, h.match, h.score, sid
                )
        return list(best.values())[:limit]

    def build_info(self) -> dict[str, object] | None:
        """The newest ``builds`` row: ``built_at``, ``data_version``, ``n_files``, ``counts``."""
        if "_build_info" not in self.__dict__:  # this version of the file: read once
            from immunograde.kb.build import latest_build  # the builder's modules: only when asked

            self.__dict__["_build_info"] = latest_build(self.con)
        info = self.__dict__["_build_info"]
        return None if info is None else dict(info)

    def table_names(self) -> frozenset[str]:
        """The tables of this version of the file (registry and market tables are optional)."""
        if "_tables" not in self.__dict__:
            rows = self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
            self.__dict__["_tables"] = frozenset(r[0] for r in rows)
        names: frozenset[str] = self.__dict__["_tables"]
        return names

    # ------------------------------------------------------------ catalogue figures (the web's pages)
    def count(self, table: str) -> int:
        """How many records ``table`` (one of the reviewed kinds' tables) holds."""
        if table not in {"substances", "products", "questions", "trials", "classes", "sources"}:
            raise ValueError(f"not a record table: {table!r}")
        row = self.con.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0

    def claimed_substance_ids(self) -> set[str]:
        """Substances that someone's list of unproven products names, directly or by a product."""
        rows = self._rows(
            "SELECT DISTINCT substance_id FROM claim_subjects WHERE substance_id IS NOT NULL "
            "UNION SELECT DISTINCT ps.substance_id FROM claim_subjects cs "
            "JOIN product_substances ps ON ps.product_id = cs.product_id"
        )
        return {r[0] for r in rows}

    def substances_with_questions(self) -> set[str]:
        """The ``substance`` column of every question (the substance it is about, where one is named)."""
        return {r[0] for r in self._rows("SELECT DISTINCT substance FROM questions")}

    def class_member_counts(self) -> dict[str, int]:
        """Class id -> how many substances name it (directly, not through subclasses)."""
        rows = self._rows(
            "SELECT class_id, count(DISTINCT substance_id) FROM substance_classes GROUP BY class_id"
        )
        return {r[0]: int(r[1]) for r in rows}

    def classes_of(self, substance_ids: set[str]) -> set[str]:
        """The classes the substances ``substance_ids`` name directly."""
        rows = self._rows("SELECT class_id, substance_id FROM substance_classes")
        return {r[0] for r in rows if r[1] in substance_ids}

    def list_sources(self) -> list[SourceEntry]:
        """Every bibliography entry (data/sources/*.yaml), by id."""
        return self._models(SourceEntry, "SELECT record_json FROM sources ORDER BY id")

    def has_substance(self, substance_id: str) -> bool:
        """Whether ``substance_id`` is the id of a substance."""
        return self._has("substances", substance_id)

    def has_question(self, question_id: str) -> bool:
        """Whether ``question_id`` is the id of a question."""
        return self._has("questions", question_id)

    def _has(self, table: str, record_id: str) -> bool:
        whole = self._table(table)
        if whole is not None:
            return record_id in whole
        return bool(self._rows(f"SELECT 1 FROM {table} WHERE id = ?", [record_id]))


@contextmanager
def open_kb(path: Path | None = None) -> Iterator[KnowledgeBase]:
    """Open the knowledge base read-only (default path: ``settings.db_path()``)."""
    kb = KnowledgeBase(path)
    try:
        yield kb
    finally:
        kb.close()

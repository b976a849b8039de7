"""Drug names in reports -> knowledge-base substances (names, synonyms, brands, then ``prod_ai``).

The name index comes from the built knowledge base (``KnowledgeBase.all_names()``); when no
database has been built, from the reviewed files under ``data/`` through the KB loader; when
neither has substances, the index is empty and *every* name is listed as unmapped, with counts.
Nothing is dropped silently: :class:`MappingReport` lists each unmapped name and its row count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyarrow as pa

from immunograde import settings
from immunograde.errors import NotFoundError

_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s.,;:]+$")


def normalize_name(name: str | None) -> str:
    """Upper case, single spaces, no trailing punctuation (``'Prednisone. '`` -> ``'PREDNISONE'``)."""
    if not name:
        return ""
    return _TRAILING.sub("", _SPACES.sub(" ", name.strip().upper()))


@dataclass(frozen=True)
class NameIndex:
    """Normalized name -> substance ids, and where the names came from."""

    names: dict[str, tuple[str, ...]]
    source: str


@dataclass(frozen=True)
class MappingReport:
    """How many drug rows mapped, and every unmapped (drugname, prod_ai) with its row count."""

    rows_mapped: int
    rows_unmapped: int
    unmapped: list[tuple[str, str, int]] = field(default_factory=list)
    source: str = ""


def load_name_index() -> NameIndex:
    """Names from the built KB, else from the reviewed YAML files, else empty (said in ``source``)."""
    try:
        from immunograde.kb.queries import open_kb

        with open_kb() as kb:
            raw = kb.all_names()
        return NameIndex(_normalized(raw.items()), f"knowledge base {settings.db_path()}")
    except (NotFoundError, ImportError, OSError):
        pass
    try:
        from immunograde.kb.loader import load_kb

        loaded = load_kb(settings.data_dir())
        pairs: list[tuple[str, tuple[str, ...]]] = []
        for located in loaded.of("substances"):
            sub = located.record
            pairs.extend((name, (sub.id,)) for name in sub.all_names())
        if pairs:
            return NameIndex(_normalized(pairs), f"reviewed files in {settings.data_dir()}")
    except (ImportError, OSError, AttributeError):
        pass
    return NameIndex({}, "no substance names available (build the knowledge base first)")


def _normalized(items: Iterable[tuple[str, tuple[str, ...]]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for name, ids in items:
        bucket = out.setdefault(normalize_name(name), [])
        bucket.extend(i for i in ids if i not in bucket)
    out.pop("", None)
    return {k: tuple(v) for k, v in out.items()}


def _lookup(index: NameIndex, drugname: str, prod_ai: str) -> tuple[str, ...]:
    for candidate in (drugname, prod_ai):
        hit = index.names.get(normalize_name(candidate))
        if hit:
            return hit
    parts = [normalize_name(p) for p in re.split(r"[\\/]", prod_ai or "") if p.strip()]
    found: list[str] = []
    for part in parts:
        found.extend(s for s in index.names.get(part, ()) if s not in found)
    return tuple(found)


def map_names(combos: pa.Table, index: NameIndex) -> tuple[pa.Table, MappingReport]:
    """Map each distinct ``(dn, ai, n)`` row to substances: a table ``(dn, ai, drug)`` and a report.

    ``dn``/``ai`` are the keys the SQL joins on (upper-cased, trimmed drugname / prod_ai).
    """
    out_dn: list[str] = []
    out_ai: list[str] = []
    out_drug: list[str] = []
    unmapped: list[tuple[str, str, int]] = []
    mapped_rows = 0
    for row in combos.to_pylist():
        dn, ai, n = row["dn"] or "", row["ai"] or "", int(row["n"])
        hits = _lookup(index, dn, ai)
        if not hits:
            unmapped.append((dn, ai, n))
            continue
        mapped_rows += n
        for sub in hits:
            out_dn.append(dn)
            out_ai.append(ai)
            out_drug.append(sub)
    unmapped.sort(key=lambda t: (-t[2], t[0], t[1]))
    table = pa.table(
        {"dn": out_dn, "ai": out_ai, "drug": out_drug},
        schema=pa.schema([("dn", pa.string()), ("ai", pa.string()), ("drug", pa.string())]),
    )
    report = MappingReport(mapped_rows, sum(u[2] for u in unmapped), unmapped, index.source)
    return table, report

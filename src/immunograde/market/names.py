"""Names as printed in spending and sales files -> catalogue substances, products and classes.

Matching uses the knowledge base's own name search (:mod:`immunograde.kb.search`): a name matches a
catalogue name when their search *keys* are equal — the same normalised spelling, or the same spelling
after transliteration and phonetic folding ("Кагоцел" = "Kagocel", "Intron A" = "IntronA").  Only such
exact matches count: a fuzzy or prefix match would put one drug's money on another.  In order:

1. ``class``: a figure for a whole ATC group (PBS by ATC level 2, "L03 ... (ATC2 group)") -> that class;
2. ``segment``: a market-segment total that names no product ("antivirals (segment)");
3. ``brand``: the name as printed (CMS trailing ``*`` dropped) is a catalogue substance or product name;
4. ``generic``: the generic name is a catalogue name;
5. ``generic without salt``: the generic name minus salt, ester and packaging words
   ("Methylprednisolone Sod Succ" -> methylprednisolone);
6. ``ingredients``: a combination ("A/B", "A+B") whose ingredients match one by one (the figure is the
   combination's: it is never split between them);

otherwise ``unmapped`` (or ``ambiguous`` when a name names several substances).  Every unmapped name is
listed with its volume; none is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from immunograde.kb.search import NameEntry, keys

MATCH_NOTES = {
    "class": "a whole ATC group: mapped to that catalogue class",
    "segment": "a market-segment total: names no product",
    "brand": "the name as printed is a catalogue name",
    "generic": "the generic name is a catalogue name",
    "generic without salt": "the generic name without salt, ester or packaging words is a catalogue name",
    "ingredients": "a combination: its ingredients are catalogue names (the figure is not split)",
    "ambiguous": "the name fits several catalogue substances",
    "unmapped": "no catalogue name matches",
}
_SALTS = re.compile(
    r"\b(?:sodium|sod|potassium|calcium|magnesium|hcl|hydrochloride|hydrobromide|sulfate|sulphate|"
    r"acetate|succinate|succ|phosphate|mesylate|maleate|tartrate|citrate|besylate|fumarate|"
    r"dipropionate|propionate|valerate|butyrate|furoate|acetonide|tebutate|hemisuccinate|"
    r"monohydrate|dihydrate|anhydrous|recomb|recombinant|pf|micronized|in dextrose|"
    r"in sodium chloride|in water)\b\.?",
    re.IGNORECASE,
)
_SEGMENT = re.compile(r"\bsegment\b|\(combined\)", re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:/|\+)\s*")


@dataclass(frozen=True)
class Mapping:
    """Where one printed name went."""

    substance_ids: tuple[str, ...] = ()
    product_id: str | None = None
    class_id: str | None = None
    match: str = "unmapped"
    matched_name: str | None = None
    #: the route of the one product matched, or of every catalogue product of the brand when they agree
    product_route: str | None = None
    note: str | None = None

    @property
    def mapped(self) -> bool:
        return bool(self.substance_ids or self.class_id)


#: part of the version stored with every mapping: bump it when the mapping rules change, so that names
#: mapped by the old rules are mapped again (at the next import or build; in memory until then)
RULES_VERSION = 2


@dataclass(frozen=True)
class Catalogue:
    """What mapping needs from a built knowledge base."""

    entries: tuple[NameEntry, ...]
    product_routes: dict[str, str]
    class_ids: frozenset[str]
    data_version: str | None


def read_catalogue(con: duckdb.DuckDBPyConnection) -> Catalogue:
    """Names, product routes and class ids from an open knowledge base (empty if not built)."""
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    if not {"names", "products", "classes", "builds"} <= tables:
        return Catalogue((), {}, frozenset(), None)
    rows = con.execute(
        "SELECT name, name_kind, entity_kind, entity_id, substance_id FROM names "
        "WHERE substance_id IS NOT NULL AND name_kind <> 'russian_name'"  # readers' names, not labels
    ).fetchall()
    routes = dict(con.execute("SELECT id, route FROM products").fetchall())
    classes = frozenset(r[0] for r in con.execute("SELECT id FROM classes").fetchall())
    version = con.execute(
        "SELECT data_version FROM builds ORDER BY built_at DESC LIMIT 1"
    ).fetchone()
    return Catalogue(tuple(NameEntry(*r) for r in rows), routes, classes,
                     f"{version[0]}+names{RULES_VERSION}" if version else None)  # fmt: skip


class NameMapper:
    """Exact key lookup over the catalogue's names (see the module docstring for the order)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._norm: dict[str, list[NameEntry]] = {}
        self._skel: dict[str, list[NameEntry]] = {}
        for e in catalogue.entries:
            norm, skels = keys(e.name)
            if norm:
                self._norm.setdefault(norm, []).append(e)
            for s in skels:
                self._skel.setdefault(s, []).append(e)
        self._cache: dict[tuple[str, str, str], Mapping] = {}
        self._products = [
            (e.name.casefold().split(), e) for e in catalogue.entries if e.entity_kind == "product"
        ]

    def lookup(self, text: str) -> list[NameEntry]:
        """Catalogue names equal to ``text`` (normalised spelling first, then transliteration)."""
        norm, skels = keys(text)
        if not norm:
            return []
        found = self._norm.get(norm)
        if found:
            return found
        return [e for s in skels for e in self._skel.get(s, ())]

    def _resolve(self, text: str, match: str) -> Mapping | None:
        entries = self.lookup(text)
        if not entries:
            return None
        subs = tuple(sorted({e.substance_id for e in entries if e.substance_id}))
        if len(subs) > 1:
            return Mapping(subs, match="ambiguous", matched_name=entries[0].name)
        products = sorted({e.entity_id for e in entries if e.entity_kind == "product"})
        product = products[0] if len(products) == 1 else None
        route = self.catalogue.product_routes.get(product or "")
        if product is None and match == "brand" and len(subs) == 1:
            return Mapping(
                subs, None, None, match, entries[0].name, *self._brand_route(text, subs[0])
            )
        return Mapping(subs, product, None, match, entries[0].name,
                       route if route and route != "unknown" else None)  # fmt: skip

    def _brand_route(self, brand: str, substance_id: str) -> tuple[str | None, str | None]:
        """(route, note) when the catalogue has products of ``brand`` (named "<brand> 90 mg", ...) and
        every catalogue product of the substance has one stated route: "Ингавирин" in a sales report is
        one of the four Ingavirin products, all oral.  Products of several routes: none."""
        words = brand.casefold().split()
        of_brand = {e.entity_id for n, e in self._products
                    if e.substance_id == substance_id and len(n) > len(words) and n[: len(words)] == words}  # fmt: skip
        of_substance = {e.entity_id for _, e in self._products if e.substance_id == substance_id}
        routes = {self.catalogue.product_routes.get(i) for i in of_substance}
        if not of_brand or len(routes) != 1 or not (route := routes.pop()) or route == "unknown":
            return None, None
        return (
            route,
            f"route of every catalogue product of the substance ({', '.join(sorted(of_substance))})",
        )

    def map(self, name: str, generic: str | None = None, code: str | None = None) -> Mapping:
        """The mapping of one (name, generic name, code) as printed."""
        key = (name, generic or "", code or "")
        if key not in self._cache:
            self._cache[key] = self._map(
                name.rstrip("*").strip(), (generic or "").rstrip("*").strip(), code
            )
        return self._cache[key]

    def _map(self, name: str, generic: str, code: str | None) -> Mapping:
        if code and re.fullmatch(r"[A-Z]\d{2}[A-Z]{0,2}", code):
            cid = code.lower()
            if cid in self.catalogue.class_ids:
                return Mapping(class_id=cid, match="class", matched_name=code)
            return Mapping(match="unmapped", note=f"ATC group {code} is not a catalogue class")
        if _SEGMENT.search(name) and "(combined)" not in name:
            return Mapping(match="segment")
        candidates = [
            (name, "brand"),
            (generic, "generic"),
            (strip_salts(generic), "generic without salt"),
        ]
        ambiguous = None
        for text, match in candidates:
            found = self._resolve(text, match) if text else None
            if found and found.match != "ambiguous":
                return found
            ambiguous = ambiguous or found
        return self._ingredients(name, generic) or ambiguous or Mapping()

    def _ingredients(self, name: str, generic: str) -> Mapping | None:
        for text in (generic, re.sub(r"\(.*?\)", "", name)):
            parts = [p for p in _SPLIT.split(text) if p.strip()] if text else []
            if len(parts) < 2:
                continue
            found = [
                self._resolve(p, "brand") or self._resolve(strip_salts(p), "brand") for p in parts
            ]
            subs = tuple(
                sorted({s for f in found if f and f.match != "ambiguous" for s in f.substance_ids})
            )
            if subs:
                missing = [p for p, f in zip(parts, found, strict=True) if not f]
                note = (
                    f"also contains {', '.join(missing)} (not in the catalogue)"
                    if missing
                    else None
                )
                return Mapping(subs, match="ingredients", matched_name=text, note=note)
        return None


def strip_salts(generic: str) -> str:
    """ "Methylprednisolone Sod Succ" -> "Methylprednisolone"; "Interferon Alfa-2b,recomb." -> ... "Alfa-2b"."""
    text = _SALTS.sub(" ", generic.replace(",", " "))
    return " ".join(text.split()).strip(" .-")


def map_all(
    mapper: NameMapper, triples: Iterable[tuple[str, str | None, str | None]]
) -> dict[tuple[str, str, str], Mapping]:
    """Mappings of many (name, generic, code) triples, keyed with ``None`` as ``""``."""
    return {(n, g or "", c or ""): mapper.map(n, g, c) for n, g, c in triples}

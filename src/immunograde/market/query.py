"""Reading the market tables: figures joined to their names' mappings and to the verdicts beside them.

Everything the market page, the substance pages, the API and ``immunograde market`` show comes from
:func:`market_rows` (one row per figure, in the command's JSON vocabulary) and :func:`unmapped_names`.
When the catalogue was rebuilt since the names were mapped, they are mapped again in memory (the
knowledge base is read-only here) with the same :class:`~immunograde.market.names.NameMapper`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from immunograde.ingest.market_rows import DATASETS, METRIC_KIND
from immunograde.kb.queries import KnowledgeBase
from immunograde.market import store
from immunograde.market.names import Mapping, NameMapper, read_catalogue
from immunograde.market.verdicts import BUCKET_LABELS, VerdictBook, resolve, verdict_view

MAPPED = ("brand", "generic", "generic without salt", "ingredients", "class")
_SEP = "\x1f"


@dataclass(frozen=True)
class Filters:
    """What the page filters and the command options select (None = all)."""

    country: str | None = None
    programme: str | None = None
    year: int | None = None
    class_id: str | None = None
    substance_id: str | None = None
    metric: str | None = None
    dataset: str | None = None


@dataclass
class MarketData:
    """Rows and what a reader must know about them."""

    status: str  #: ok | no market data imported
    rows: list[dict[str, Any]] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)  #: the datasets counted (one per programme)
    remapped: bool = False  #: names mapped again in memory (the catalogue changed since the import)


def has_market_tables(kb: KnowledgeBase) -> bool:
    names = {
        r[0] for r in kb.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    return {store.FIGURES, store.NAMES, store.IMPORTS} <= names


def _key(dataset: str, name: str, generic: str | None, code: str | None) -> str:
    return _SEP.join((dataset, name, generic or "", code or ""))


def mappings(kb: KnowledgeBase) -> tuple[dict[str, Mapping], bool]:
    """Every printed name's mapping (key -> Mapping) and whether it had to be recomputed."""
    current = read_catalogue(kb.con)
    stored = kb.con.execute(
        f"SELECT dataset, name, generic_name, code, substance_ids, product_id, class_id, match, "
        f"matched_name, product_route, note, data_version FROM {store.NAMES}"
    ).fetchall()
    if stored and all(r[11] == current.data_version for r in stored):
        return {_key(*r[:4]): Mapping(tuple(r[4] or ()), *r[5:11]) for r in stored}, False
    mapper = NameMapper(current)
    keys = kb.con.execute(
        f"SELECT DISTINCT dataset, name, generic_name, code FROM {store.FIGURES}"
    ).fetchall()
    return {_key(*k): mapper.map(k[1], k[2], k[3]) for k in keys}, True


def counted_datasets(kb: KnowledgeBase) -> list[str]:
    """One dataset per programme: the preferred one among those imported (CMS originals over cuts)."""
    present = [
        r[0] for r in kb.con.execute(f"SELECT DISTINCT dataset FROM {store.IMPORTS}").fetchall()
    ]
    best: dict[tuple[str, str], str] = {}
    for d in sorted(present, key=lambda d: DATASETS[d].preference if d in DATASETS else 0):
        ds = DATASETS.get(d)
        best[(ds.country, ds.programme) if ds else (d, d)] = d
    return sorted(best.values())


def _where(filters: Filters, datasets: list[str]) -> tuple[str, list[Any]]:
    clauses = ["list_contains(?, dataset)"]
    params: list[Any] = [[filters.dataset] if filters.dataset else datasets]
    for col, value in (("country", filters.country), ("programme", filters.programme),
                       ("year", filters.year), ("metric", filters.metric)):  # fmt: skip
        if value not in (None, ""):
            clauses.append(f"{col} = ?")
            params.append(value)
    return " AND ".join(clauses), params


def class_scope(kb: KnowledgeBase, class_id: str) -> tuple[set[str], set[str]]:
    """(substances in the class or below, the class and its subclasses)."""
    members = {s.id for s in kb.class_members(class_id)}
    children: dict[str, list[str]] = {}
    for c in kb.list_classes():
        if c.parent:
            children.setdefault(c.parent, []).append(c.id)
    scope, todo = set(), [class_id]
    while todo:
        cid = todo.pop()
        scope.add(cid)
        todo.extend(children.get(cid, ()))
    return members, scope


NO_MARKET_DATA = "no market data imported: run `immunograde build` or `immunograde market import`"


def market_rows(kb: KnowledgeBase, filters: Filters | None = None) -> MarketData:
    """Every mapped figure selected by ``filters``, with its substance, product and verdicts."""
    f = filters or Filters()
    if not has_market_tables(kb):
        return MarketData(NO_MARKET_DATA)
    maps, remapped = mappings(kb)
    mapped = {k: m for k, m in maps.items() if m.match in MAPPED
              and (not f.substance_id or f.substance_id in m.substance_ids)}  # fmt: skip
    datasets = counted_datasets(kb)
    where, params = _where(f, datasets)
    cols = ("dataset, source_file, source_line, source_ref, country, programme, geography, year, period, "
            "name, generic_name, code, description, route, metric, value, unit, value_as_printed, caveat, verified")  # fmt: skip
    raw = kb.con.execute(
        f"SELECT {cols} FROM {store.FIGURES} WHERE {where} AND list_contains(?, concat_ws(?, dataset, name, "
        "coalesce(generic_name, ''), coalesce(code, ''))) ORDER BY country, programme, year, name, metric, period",
        [*params, list(mapped), _SEP],
    ).fetchall()  # fmt: skip
    names = [c.strip() for c in cols.split(",")]
    scope = class_scope(kb, f.class_id) if f.class_id else None
    book = VerdictBook(kb)
    subs = {s.id: s.name for s in kb.list_substances()}
    out = []
    for values in raw:
        fig = dict(zip(names, values, strict=True))
        m = mapped[_key(fig["dataset"], fig["name"], fig["generic_name"], fig["code"])]
        if f.substance_id and f.substance_id not in m.substance_ids:
            continue
        if scope and not (
            set(m.substance_ids) & scope[0] or (m.class_id and m.class_id in scope[1])
        ):
            continue
        out.append(_row(fig, m, book, subs))
    return MarketData("ok", out, datasets, remapped)


def _source(fig: dict[str, Any]) -> str:
    where = fig["source_file"]
    if fig["source_line"] is not None:
        where += f", {'row' if where.endswith('.xlsx') else 'line'} {fig['source_line']}"
    if fig["source_ref"] and fig["source_ref"].startswith("http"):
        where = f"{fig['source_ref']} ({where})"
    return where


def _row(
    fig: dict[str, Any], m: Mapping, book: VerdictBook, subs: dict[str, str]
) -> dict[str, Any]:
    rv = resolve(book, m.substance_ids, route=fig["route"], product_route=m.product_route,
                 match=m.match, class_id=m.class_id)  # fmt: skip
    deciding = rv.deciding
    return {
        "substance": " + ".join(subs.get(s, s) for s in m.substance_ids) or None,
        "substance_ids": list(m.substance_ids),
        "class_id": m.class_id,
        "product": fig["name"],
        "product_id": m.product_id,
        "generic_name": fig["generic_name"],
        "country": fig["country"],
        "programme": fig["programme"],
        "geography": fig["geography"],
        "year": fig["year"],
        "period": fig["period"],
        "metric": fig["metric"],
        "metric_kind": METRIC_KIND.get(fig["metric"], "other"),
        "value": fig["value"],
        "unit": fig["unit"],
        "value_as_printed": fig["value_as_printed"],
        "source": _source(fig),
        "source_file": fig["source_file"],
        "source_line": fig["source_line"],
        "source_url": fig["source_ref"] if (fig["source_ref"] or "").startswith("http") else None,
        "description": fig["description"],
        "caveat": fig["caveat"],
        "verified": fig["verified"],
        "dataset": fig["dataset"],
        "match": m.match,
        "match_note": m.note,
        "route": rv.route,
        "route_from": rv.route_from,
        "verdict": deciding.verdict if deciding else None,
        "verdict_label": deciding.verdict_label if deciding else None,
        "certainty": rv.bucket,
        "certainty_label": BUCKET_LABELS[rv.bucket],
        "verdicts": [verdict_view(v) for v in rv.applicable],
        "other_form_verdicts": [verdict_view(v) for v in rv.other_forms],
    }


def unmapped_names(kb: KnowledgeBase, dataset: str | None = None) -> list[dict[str, Any]]:
    """Every name not mapped to a catalogue substance or class, with its volume (money and use, by
    unit), largest money first — nothing is left out."""
    if not has_market_tables(kb):
        return []
    maps, _ = mappings(kb)
    rows = kb.con.execute(
        f"SELECT dataset, name, generic_name, code, metric, unit, sum(value), count(*), min(year), max(year) "
        f"FROM {store.FIGURES} WHERE (? IS NULL OR dataset = ?) GROUP BY ALL",
        [dataset, dataset],
    ).fetchall()  # fmt: skip
    out: dict[str, dict[str, Any]] = {}
    for ds, name, generic, code, metric, unit, total, n, y0, y1 in rows:
        m = maps.get(_key(ds, name, generic, code))
        if m is None or m.match in MAPPED:
            continue
        item = out.setdefault(_key(ds, name, generic, code), {
            "dataset": ds, "name": name, "generic_name": generic, "code": code, "match": m.match,
            "note": m.note, "years": [y0, y1], "volumes": {}, "figures": 0})  # fmt: skip
        item["volumes"][f"{metric} ({unit})"] = total
        item["figures"] += n
        item["years"] = [min(item["years"][0], y0), max(item["years"][1], y1)]
    return sorted(out.values(), key=lambda r: (r["dataset"], -_money(r["volumes"]), r["name"]))


def _money(volumes: dict[str, float]) -> float:
    """Money of one name within its dataset (a dataset has one currency)."""
    return sum(v for k, v in volumes.items() if METRIC_KIND.get(k.split(" (")[0]) == "money")

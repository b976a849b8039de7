"""What the market page, the substance pages' market section, the API and ``immunograde market`` show:
one function per view, over :mod:`.query` (reading) and :mod:`.measures` (adding up)."""

from __future__ import annotations

from typing import Any

from immunograde.errors import Msg, NotFoundError
from immunograde.ingest.market_rows import DATASETS
from immunograde.kb.queries import NOT_FOUND, KnowledgeBase
from immunograde.kb.search import keys
from immunograde.market import measures, store
from immunograde.market.query import (
    Filters,
    MarketData,
    class_scope,
    has_market_tables,
    market_rows,
)
from immunograde.market.verdicts import BUCKET_LABELS, BUCKETS, LOW_OR_UNKNOWN, RULE

COUNTRIES = ("US", "AU", "RU", "UA", "GB")


def resolve_substance(kb: KnowledgeBase, text: str) -> str:
    """A substance id from an id, any catalogue name ("Кагоцел") or a name as printed in the imported
    figures ("Actemra", mapped to tocilizumab); NotFoundError with suggestions."""
    try:
        return kb.get_substance(text).id
    except NotFoundError:
        hits = kb.substances_by_name(text, limit=5)
        if hits and hits[0].match == "exact":
            return hits[0].entity_id
        printed = printed_name_substances(kb, text)
        if len(printed) == 1:
            return printed[0]
        raise NotFoundError(
            Msg(NOT_FOUND["substance"], id=repr(text)), printed or [h.entity_id for h in hits]
        ) from None


def printed_name_substances(kb: KnowledgeBase, text: str) -> list[str]:
    """Substances that a name as printed in the imported figures maps to (same search keys)."""
    if not has_market_tables(kb):
        return []
    want = keys(text)[0]
    rows = kb.con.execute(
        f"SELECT DISTINCT name, substance_ids FROM {store.NAMES} WHERE len(substance_ids) = 1"
    ).fetchall()
    return sorted({ids[0] for name, ids in rows if want and keys(name.rstrip("*"))[0] == want})


def dataset_notes(datasets: list[str]) -> list[dict[str, str]]:
    return [{"dataset": d, "programme": DATASETS[d].programme, "country": DATASETS[d].country or "RU/UA",
             "publisher": DATASETS[d].publisher, "note": DATASETS[d].note} for d in datasets if d in DATASETS]  # fmt: skip


def filter_options(rows: list[dict[str, Any]], kb: KnowledgeBase) -> dict[str, list[Any]]:
    """The values each filter can take, from the rows themselves."""
    classes = {c for r in rows for c in _row_classes(r, kb)}
    names = {c.id: c.name for c in kb.list_classes()}
    return {
        "country": sorted({r["country"] for r in rows}),
        "programme": sorted({r["programme"] for r in rows}),
        "year": sorted({r["year"] for r in rows}, reverse=True),
        "class_id": [{"id": c, "name": names.get(c, c)} for c in sorted(classes)],
    }


def _row_classes(row: dict[str, Any], kb: KnowledgeBase) -> list[str]:
    if row["class_id"]:
        return [row["class_id"]]
    return [c for s in row["substance_ids"] for c in _classes_of(kb, s)]


_CLASS_CACHE: dict[tuple[int, str], tuple[str, ...]] = {}


def _classes_of(kb: KnowledgeBase, substance_id: str) -> tuple[str, ...]:
    key = (id(kb.con), substance_id)
    if key not in _CLASS_CACHE:
        try:
            _CLASS_CACHE[key] = tuple(kb.get_substance(substance_id).classes)
        except NotFoundError:
            _CLASS_CACHE[key] = ()
    return _CLASS_CACHE[key]


def overview(kb: KnowledgeBase, filters: Filters, data: MarketData | None = None) -> dict[str, Any]:
    """The market page: money by certainty (table, shares, trends), products with their verdicts,
    the report figures with their sources, the rule and the datasets.  ``data`` is every row (the
    page caches it); without it the rows are read for ``filters``."""
    data = data if data is not None else market_rows(kb, filters)
    scope = class_scope(kb, filters.class_id) if filters.class_id else None
    rows = measures.select(data.rows, filters, scope)
    table = measures.by_certainty(rows)
    return {
        "status": data.status,
        "filters": {k: v for k, v in filters.__dict__.items() if v not in (None, "")},
        "options": filter_options(data.rows, kb) if data.rows else {},
        "rule": RULE,
        "buckets": [
            {"certainty": b, "label": BUCKET_LABELS[b], "low_or_unknown": b in LOW_OR_UNKNOWN}
            for b in BUCKETS
        ],
        "by_certainty": table,
        "use_by_certainty": measures.by_certainty(rows, measures.USE),
        "shares": measures.shares(table),
        "trends": measures.trends(table),
        "products": [p for p in measures.products(rows) if p["programme"] != "pharmacy market"],
        "reports": [p for p in measures.products(rows) if p["programme"] == "pharmacy market"],
        "datasets": dataset_notes(data.datasets),
        "remapped": data.remapped,
    }


def substance_section(
    kb: KnowledgeBase, substance_id: str, data: MarketData | None = None
) -> dict[str, Any]:
    """A substance page's market section: its products' money and use beside their verdicts."""
    filters = Filters(substance_id=substance_id)
    data = data if data is not None else market_rows(kb, filters)
    rows = measures.select(data.rows, filters)
    return {"status": data.status, "rule": RULE, **measures.substance_market(rows)}


def human(value: float | None, unit: str = "") -> str:
    """12,345,678 -> "12.3 mln" (with the unit after it)."""
    if value is None:
        return "—"
    for size, word in ((1e9, "bn"), (1e6, "mln"), (1e3, "thousand")):
        if abs(value) >= size:
            return f"{value / size:,.1f} {word} {unit}".strip()
    return f"{value:,.0f} {unit}".strip()


def chart_bars(page: dict[str, Any]) -> list[dict[str, Any]]:
    """The bars of the at-a-glance chart: for each programme the selected year (else its latest year);
    report figures (regions and periods) of that year each get their own bar."""
    shares = page["shares"]
    year = page["filters"].get("year")
    latest: dict[tuple[str, str, str], int] = {}
    for s in shares:
        key = (s["country"], s["programme"], s["unit"])
        latest[key] = max(latest.get(key, s["year"]), s["year"])
    chosen = [
        s
        for s in shares
        if s["year"] == (year or latest[(s["country"], s["programme"], s["unit"])])
    ]
    return [{**s, "bar": _bar_label(s), "order": i} for i, s in enumerate(chosen)]


def _bar_label(s: dict[str, Any]) -> str:
    where = s["span"] if s["span"] != str(s["year"]) else f"{s['programme']} {s['year']}"
    return f"{s['country']} {where} · {human(s['total'], s['unit'])}"


def chart_slices(page: dict[str, Any]) -> list[dict[str, Any]]:
    """(bar, certainty, value, share) for :func:`immunograde.plots.market.certainty_bars_spec`."""
    bars = {
        (b["country"], b["programme"], b["year"], b["span"], b["unit"]): b for b in chart_bars(page)
    }
    out = []
    for t in page["by_certainty"]:
        bar = bars.get((t["country"], t["programme"], t["year"], t["span"], t["unit"]))
        if bar and bar["total"]:
            out.append({"bar": bar["bar"], "certainty": t["certainty"], "value": t["value"],
                        "share": t["value"] / bar["total"], "order": bar["order"]})  # fmt: skip
    return out


def trend_series(page: dict[str, Any]) -> list[dict[str, Any]]:
    """Yearly money by certainty per programme with a verdict for at least some of its money."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for t in page["by_certainty"]:
        if t["span"] == str(t["year"]):
            groups.setdefault((t["country"], t["programme"], t["unit"]), []).append(t)
    return [{"country": c, "programme": p, "unit": u, "points": pts}
            for (c, p, u), pts in sorted(groups.items())
            if len({pt["year"] for pt in pts}) > 1 and any(pt["certainty"] != "mixed" for pt in pts)]  # fmt: skip

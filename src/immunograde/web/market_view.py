"""Page data for the market page and the substance pages' market section (presentation only: the rows,
totals and verdicts come from :mod:`immunograde.market.report`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from immunograde.errors import InputError, Msg
from immunograde.kb.queries import KnowledgeBase
from immunograde.market.query import Filters, MarketData, market_rows
from immunograde.market.report import chart_bars, human, overview, substance_section, trend_series

T = TypeVar("T")
Cached = Callable[[tuple[Any, ...], Callable[[], T]], T]
HTML_PRODUCTS = 150  #: product rows in the HTML table (the JSON twin and the API have all)


def parse_filters(country: str, programme: str, year: str, class_id: str) -> Filters:
    """Filters from the query string; a year that is not a number is a clear 400."""
    y = None
    if year.strip():
        if not year.strip().isdigit():
            raise InputError.one(
                Msg("year must be a number, got %(year)s", year=repr(year)), field="year"
            )
        y = int(year)
    return Filters(country or None, programme or None, y, class_id or None)


def all_rows(kb: KnowledgeBase, cached: Cached[MarketData]) -> MarketData:
    return cached(("market-rows",), lambda: market_rows(kb))


def _query(filters: Filters) -> str:
    return urlencode({k: v for k, v in filters.__dict__.items() if v not in (None, "")})


def _fmt_product(p: dict[str, Any]) -> dict[str, Any]:
    return {**p, "money_text": human(p["money"], p["money_unit"] or ""),
            "use_text": human(p["use"], p["use_unit"] or "")}  # fmt: skip


def market_page(kb: KnowledgeBase, cached: Cached[Any], filters: Filters) -> dict[str, Any]:
    data = all_rows(kb, cached)
    page = overview(kb, filters, data)
    q = _query(filters)
    page["plot"] = f"/market/certainty.svg?{q}" if page["shares"] else None
    page["bars"] = [{**b, "total_text": human(b["total"], b["unit"]), "mixed_text": human(b["mixed"], b["unit"]),
                     "low_text": human(b["low_or_unknown"], b["unit"])} for b in chart_bars(page)]  # fmt: skip
    shown = {(b["country"], b["programme"], b["year"], b["span"], b["unit"]) for b in page["bars"]}
    page["table"] = [t for t in page["by_certainty"]
                     if (t["country"], t["programme"], t["year"], t["span"], t["unit"]) in shown]  # fmt: skip
    page["trend_plots"] = [
        {"title": f"{s['country']} · {s['programme']} ({s['unit']})",
         "src": "/market/trend.svg?" + urlencode({"country": s["country"], "programme": s["programme"],
                                                   **({"class_id": filters.class_id} if filters.class_id else {})})}
        for s in trend_series(page)
    ]  # fmt: skip
    page["products"] = [_fmt_product(p) for p in page["products"]]
    page["reports"] = [_fmt_product(p) for p in page["reports"]]
    page["html_products"] = HTML_PRODUCTS
    page["epd"] = cached(("market-epd",), lambda: epd_measures(kb))
    for t in page["by_certainty"]:
        t["value_text"] = human(t["value"], t["unit"])
    return page


def epd_measures(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """The stored NHS EPD measure results, with the definition's wording the page shows."""
    from immunograde.market.epd_run import stored

    out = []
    for m in stored(kb):
        d = m["definition"]
        out.append({**m, "title": d.get("title"), "why": d.get("description"), "low_is_good": d.get("low_is_good"),
                    "review": {k: d.get(k) for k in ("authored_by", "checked_by", "date_reviewed", "next_review")}})  # fmt: skip
    return out


def for_substance(kb: KnowledgeBase, substance_id: str) -> dict[str, Any]:
    """The market section of a substance page."""
    section = substance_section(kb, substance_id)
    section["products"] = [_fmt_product(p) for p in section["products"]]
    for t in section["totals"]:
        t["money_text"] = human(t["money"], t["unit"])
    section["link"] = "/market"
    return section

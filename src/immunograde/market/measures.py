"""Measures derived from the evidence: money and use by certainty, the share on low, very-low or unknown
certainty, trends by year, and money beside the verdict per product and per substance.

Inputs are :func:`immunograde.market.query.market_rows` rows; nothing here reads the database.  Money is
never added across currencies, nor use across units: every total is per (country, programme, year,
unit).  Monthly figures (PBS, EPD) are added up to calendar years; a year with fewer than twelve months
says how many it has.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from immunograde.market.query import Filters
from immunograde.market.verdicts import BUCKET_LABELS, BUCKETS, LOW_OR_UNKNOWN

Row = dict[str, Any]
#: the money and use metrics counted per programme (one of each; the rest are shown, not summed)
MONEY = {"spending", "cost", "actual_cost", "pharmacy_sales_value"}
USE = {"claims", "scripts", "items", "pharmacy_sales_packs"}


def select(
    rows: Iterable[Row], filters: Filters, class_scope: tuple[set[str], set[str]] | None = None
) -> list[Row]:
    """Rows matching ``filters`` (the page filters an already computed list with this)."""
    out = []
    for r in rows:
        if filters.country and r["country"] != filters.country:
            continue
        if filters.programme and r["programme"] != filters.programme:
            continue
        if filters.year and r["year"] != filters.year:
            continue
        if filters.metric and r["metric"] != filters.metric:
            continue
        if filters.substance_id and filters.substance_id not in r["substance_ids"]:
            continue
        if class_scope and not (set(r["substance_ids"]) & class_scope[0]
                                or (r["class_id"] and r["class_id"] in class_scope[1])):  # fmt: skip
            continue
        out.append(r)
    return out


def _months(rows: Sequence[Row]) -> int | None:
    periods = {
        r["period"] for r in rows if r["period"] and len(r["period"]) == 7 and r["period"][4] == "-"
    }
    return len(periods) or None


def span(row: Row) -> str:
    """What a total may add up: a calendar year for yearly and monthly figures, otherwise the period
    and place as printed (market reports cover overlapping periods and regions: never added together)."""
    period = row["period"] or ""
    monthly = len(period) == 7 and period[4] == "-"
    if row["geography"] is None and (period == str(row["year"]) or monthly):
        return str(row["year"])
    return " · ".join(x for x in (row["geography"], period) if x)


def by_certainty(rows: Iterable[Row], metrics: set[str] = MONEY) -> list[Row]:
    """Totals per (country, programme, span, unit, certainty bucket), with the number of products."""
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for r in rows:
        if r["metric"] in metrics:
            key = (
                r["country"],
                r["programme"],
                r["year"],
                span(r),
                r["unit"],
                r["metric"],
                r["certainty"],
            )
            groups.setdefault(key, []).append(r)
    out = []
    for (country, programme, year, spn, unit, metric, bucket), members in sorted(
        groups.items(), key=_order
    ):
        out.append({"country": country, "programme": programme, "year": year, "span": spn, "metric": metric,
                    "unit": unit, "certainty": bucket, "certainty_label": BUCKET_LABELS[bucket],
                    "value": sum(r["value"] for r in members),
                    "products": len({(r["product"], r["generic_name"]) for r in members}),
                    "months": _months(members)})  # fmt: skip
    return out


def _order(item: tuple[tuple[Any, ...], list[Row]]) -> tuple[Any, ...]:
    country, programme, year, spn, unit, metric, bucket = item[0]
    return (country, programme, year, spn, unit, metric, BUCKETS.index(bucket))


def shares(table: Iterable[Row]) -> list[Row]:
    """Per (country, programme, year, unit): the share of money (or use) on products whose benefit is
    rated low or very low, or unknown; mixed (class totals, combinations) is left out of the share and
    given beside it."""
    groups: dict[tuple[Any, ...], dict[str, float]] = {}
    for t in table:
        key = (t["country"], t["programme"], t["year"], t["span"], t["metric"], t["unit"])
        groups.setdefault(key, {})[t["certainty"]] = t["value"]
    out = []
    for (country, programme, year, spn, metric, unit), values in sorted(groups.items()):
        single = sum(v for b, v in values.items() if b != "mixed")
        low = sum(values.get(b, 0.0) for b in LOW_OR_UNKNOWN)
        out.append({"country": country, "programme": programme, "year": year, "span": spn, "metric": metric,
                    "unit": unit, "total": single + values.get("mixed", 0.0), "single_verdict": single,
                    "low_or_unknown": low, "mixed": values.get("mixed", 0.0),
                    "share_low_or_unknown": low / single if single else None})  # fmt: skip
    return out


def trends(table: Iterable[Row]) -> list[Row]:
    """Per (country, programme, metric, unit, certainty): the value by year, oldest first."""
    series: dict[tuple[Any, ...], list[tuple[int, float]]] = {}
    for t in table:
        if t["span"] != str(t["year"]):  # report figures: no yearly series
            continue
        key = (t["country"], t["programme"], t["metric"], t["unit"], t["certainty"])
        series.setdefault(key, []).append((t["year"], t["value"]))
    return [{"country": c, "programme": p, "metric": m, "unit": u, "certainty": b,
             "certainty_label": BUCKET_LABELS[b], "years": [y for y, _ in sorted(v)],
             "values": [x for _, x in sorted(v)]}
            for (c, p, m, u, b), v in sorted(series.items())]  # fmt: skip


def products(rows: Iterable[Row]) -> list[Row]:
    """One row per product (name as printed) x programme x year: its money and use beside its verdicts,
    largest money first within each programme and year."""
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for r in rows:
        key = (r["country"], r["programme"], r["geography"], r["year"], r["product"], r["generic_name"],
               r["substance"], r["route"])  # fmt: skip
        groups.setdefault(key, []).append(r)
    out = [_product(members) for members in groups.values()]
    return sorted(
        out, key=lambda p: (p["country"], p["programme"], -(p["year"] or 0), -(p["money"] or 0))
    )


def _product(members: list[Row]) -> Row:
    first = members[0]
    money = [r for r in members if r["metric"] in MONEY]
    use = [r for r in members if r["metric"] in USE]
    other = [r for r in members if r["metric"] not in MONEY | USE]
    keep = ("substance", "substance_ids", "class_id", "product", "product_id", "generic_name", "country",
            "programme", "geography", "year", "route", "route_from", "verdict", "verdict_label", "certainty",
            "certainty_label", "verdicts", "other_form_verdicts", "match", "match_note", "verified", "dataset")  # fmt: skip
    return {
        **{k: first[k] for k in keep},
        "money": sum(r["value"] for r in money) if money else None,
        "money_unit": money[0]["unit"] if money else None,
        "money_metric": money[0]["metric"] if money else None,
        "use": sum(r["value"] for r in use) if use else None,
        "use_unit": use[0]["unit"] if use else None,
        "other": [
            {k: r[k] for k in ("metric", "value", "unit", "value_as_printed", "period")}
            for r in other
        ],
        "months": _months(members),
        "caveats": sorted({c for r in members for c in (r["caveat"] or "").split("; ") if c}),
        "sources": sorted({r["source"] for r in members}),
    }


def substance_market(rows: Iterable[Row]) -> dict[str, Any]:
    """What one substance page shows: its products' money and use beside their verdicts, by programme
    and year (newest first), and each programme's yearly totals."""
    items = products(rows)
    totals: dict[tuple[Any, ...], float] = {}
    for p in items:
        if p["money"] is not None:
            key = (p["country"], p["programme"], p["year"], p["money_unit"])
            totals[key] = totals.get(key, 0.0) + p["money"]
    return {
        "products": sorted(items, key=lambda p: (-(p["year"] or 0), p["country"], p["programme"], -(p["money"] or 0))),
        "totals": [{"country": c, "programme": pr, "year": y, "unit": u, "money": v}
                   for (c, pr, y, u), v in sorted(totals.items(), key=lambda kv: (kv[0][0], kv[0][1], -kv[0][2]))],
    }  # fmt: skip

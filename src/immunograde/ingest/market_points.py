"""Hand-compiled pharmacy-market figures (Russia, Ukraine): ``market_points_ru_ua.csv``.

Every row keeps its source beside it (``source_url``, the outlet, the analyst the outlet cites) and stays
``verified: false`` (the shared README: "treat every row as verified: false until someone has checked it
against its page").  Values are read as printed and scaled to base units for adding up within one unit
(``47.2 mln RUB`` -> 47,200,000 RUB); the printed text is kept in ``value_as_printed``.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

from immunograde.errors import InputError, Msg
from immunograde.ingest.market_rows import Figures, check_header, number

COLUMNS = ["point_id", "source_url", "outlet", "analyst_cited", "geography", "period",
           "product_or_segment", "metric", "value", "unit", "rank_in_list", "notes"]  # fmt: skip
#: geography as printed -> the market (country) whose audit reports it
MARKETS = {"Russia": "RU", "Moscow": "RU", "Krasnodar Krai": "RU", "Republic of Adygea": "RU",
           "Republic of Crimea": "RU", "Sevastopol": "RU", "Ukraine": "UA"}  # fmt: skip
_SCALES = {"thousand": 1e3, "mln": 1e6, "bn": 1e9}


def scale_unit(unit: str) -> tuple[float, str, bool]:
    """``"bn RUB (approx.)"`` -> (1e9, "RUB", approximate=True); ``"%"`` -> (1, "%", False)."""
    approx = "approx" in unit
    words = re.sub(r"\(.*?\)", "", unit).split()
    factor = 1.0
    if words and words[0] in _SCALES:
        factor = _SCALES[words.pop(0)]
    return factor, " ".join(words) or unit, approx


def read_market_points(path: Path, label: str) -> Figures:
    figures = Figures("market_points", label)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not check_header(list(reader.fieldnames or []), COLUMNS, figures):
            raise InputError(figures.problems)
        for row in reader:
            _point(figures, {k: (v or "").strip() for k, v in row.items() if k}, reader.line_num)
    return figures


def _point(figures: Figures, row: dict[str, str], line: int) -> None:
    country = MARKETS.get(row["geography"])
    if country is None:
        figures.problem(Msg("unknown geography %(geography)s (known: %(items)s)", geography=repr(row['geography']), items=', '.join(MARKETS)),
                        line=line, field="geography")  # fmt: skip
        return
    years = re.findall(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)", row["period"])
    if not years:
        figures.problem(
            Msg("no year in period %(period)s", period=repr(row["period"])),
            line=line,
            field="period",
        )
        return
    signed = "growth" in row["metric"]  # growth rates may be negative (-34 %)
    value = (
        _signed(row["value"], figures, line)
        if signed
        else number(row["value"], figures, line=line, field="value")
    )
    if value is None or not row["unit"]:
        if not row["unit"]:
            figures.problem(Msg("empty unit"), line=line, field="unit")
        return
    factor, unit, approx = scale_unit(row["unit"])
    notes = [n for n in (row["notes"], "approximate, as printed" if approx else "") if n]
    code = re.search(r"\b([A-Z]\d{2}[A-Z]{0,2})\b", row["product_or_segment"])
    rank = f"rank {row['rank_in_list']} in the list" if row["rank_in_list"] else ""
    figures.add(line=line, metric=row["metric"], value=value * factor, unit=unit, country=country,
                geography=row["geography"], year=int(years[0]), period=row["period"],
                name=row["product_or_segment"], code=code.group(1) if code else None, route="unknown",
                source_ref=row["source_url"], value_as_printed=f"{row['value']} {row['unit']}",
                description="; ".join(x for x in (row["point_id"], f"{row['outlet']}, citing {row['analyst_cited']}", rank) if x),
                caveat="; ".join(notes) or None)  # fmt: skip


def _signed(raw: str, figures: Figures, line: int) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if math.isfinite(value):
        return value
    figures.problem(Msg("not a number: %(raw)s", raw=repr(raw)), line=line, field="value")
    return None

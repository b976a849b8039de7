"""One row shape for every prescribing and sales file: a *figure* (one number of one source row).

The readers (:mod:`.cms`, :mod:`.pbs`, :mod:`.market_points`, :mod:`.epd`) turn their files into
figures: a programme or market (``country``, ``programme``), a period, the name as printed (brand or
product, and the generic name when the file gives one), the metric, its value and unit, where it was
read (``source_file``, ``source_line``, ``source_ref``) and the caveats that must stay with the number.
The figures are stored as they are read; mapping names to catalogue substances happens afterwards
(:mod:`immunograde.market.names`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from immunograde.errors import InputError, Msg, Problem
from immunograde.ingest.common import short_repr

#: metric -> what kind of number it is: money, use (claims, scripts, packs, items...), other
METRIC_KIND: dict[str, str] = {
    "spending": "money",
    "cost": "money",
    "actual_cost": "money",
    "nic": "money",
    "pharmacy_sales_value": "money",
    "sales_value_wholesale": "money",
    "sales_value_final_prices": "money",
    "claims": "use",
    "scripts": "use",
    "items": "use",
    "pharmacy_sales_packs": "use",
    "dosage_units": "use",
    "quantity": "use",
    "beneficiaries": "use",
}

FIGURE_SCHEMA = pa.schema(
    [
        ("dataset", pa.string()),
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
        ("source_ref", pa.string()),
        ("country", pa.string()),
        ("programme", pa.string()),
        ("geography", pa.string()),
        ("year", pa.int64()),
        ("period", pa.string()),
        ("name", pa.string()),
        ("generic_name", pa.string()),
        ("code", pa.string()),
        ("description", pa.string()),
        ("route", pa.string()),
        ("metric", pa.string()),
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("value_as_printed", pa.string()),
        ("caveat", pa.string()),
        ("verified", pa.bool_()),
    ]
)
COLUMNS = FIGURE_SCHEMA.names


@dataclass(frozen=True)
class Dataset:
    """A kind of file: which programme/market it reports and how its figures are labelled."""

    id: str
    country: str
    programme: str
    publisher: str
    preference: int  #: when two datasets carry the same programme's figures, the higher one counts
    note: str = ""


DATASETS: dict[str, Dataset] = {
    d.id: d
    for d in (
        Dataset("cms_partd_usafacts", "US", "Medicare Part D", "CMS (USAFacts cut)", 1,
                "CMS Part D dashboard figures as cut by USAFacts; the CMS original is not available offline"),
        Dataset("cms_medicaid_usafacts", "US", "Medicaid", "CMS (USAFacts cut)", 1,
                "CMS Medicaid dashboard figures as cut by USAFacts"),
        Dataset("cms_medicaid", "US", "Medicaid", "CMS", 2, "CMS Medicaid Drug Spending dashboard"),
        Dataset("cms_partb", "US", "Medicare Part B", "CMS", 2, "CMS Medicare Part B Drug Spending dashboard"),
        Dataset("au_pbs", "AU", "PBS", "Medicare Australia (tsibbledata)", 1,
                "Pharmaceutical Benefits Scheme, by ATC level 2"),
        Dataset("market_points", "", "pharmacy market", "hand-compiled from news and trade pages", 1,
                "pharmacy-market reports; each figure with its source"),
        Dataset("nhs_epd", "GB", "NHS England primary care", "NHS Business Services Authority", 1,
                "English Prescribing Data, per practice and BNF presentation"),
    )
}  # fmt: skip


@dataclass
class Figures:
    """Figures being read from one file, column by column, with the problems found on the way."""

    dataset: str
    source_file: str
    columns: dict[str, list[Any]] = field(default_factory=lambda: {c: [] for c in COLUMNS})
    problems: list[Problem] = field(default_factory=list)
    notes: dict[str, int] = field(default_factory=dict)  #: things counted, never dropped silently

    def add(self, *, line: int | None, metric: str, value: float, unit: str, **cols: Any) -> None:
        ds = DATASETS[self.dataset]
        row = {"dataset": self.dataset, "source_file": self.source_file, "source_line": line,
               "country": ds.country, "programme": ds.programme, "verified": False,
               "metric": metric, "value": value, "unit": unit, **cols}  # fmt: skip
        for c in COLUMNS:
            self.columns[c].append(row.get(c))

    def problem(self, message: str, *, line: int | None, field: str | None) -> None:
        if len(self.problems) < 50:
            self.problems.append(Problem(message, self.source_file, line, field))

    def count(self, note: str, n: int = 1) -> None:
        self.notes[note] = self.notes.get(note, 0) + n

    def __len__(self) -> int:
        return len(self.columns["metric"])

    def table(self) -> pa.Table:
        """The figures as Arrow; :class:`InputError` listing every problem if there were any."""
        if self.problems:
            raise InputError(list(self.problems))
        return pa.Table.from_pydict(self.columns, schema=FIGURE_SCHEMA)


def number(
    raw: Any, figures: Figures, *, line: int, field: str, blank_ok: bool = False
) -> float | None:
    """A finite number from a cell; a problem naming file, line and field when it is not one.

    Blank cells (``""``, ``" "``, None) are None when ``blank_ok`` (the CMS files: "blanks indicate the
    data are redacted or not available"), otherwise a problem.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if not blank_ok:
            figures.problem(Msg("empty value where a number is required"), line=line, field=field)
        return None
    if isinstance(raw, bool):
        value = math.nan
    elif isinstance(raw, (int, float)):
        value = float(raw)
    else:
        try:
            value = float(str(raw).strip().replace(",", ""))
        except ValueError:
            value = math.nan
    if not math.isfinite(value):
        figures.problem(Msg("not a number: %(raw)s", raw=short_repr(raw)), line=line, field=field)
        return None
    if value < 0:
        figures.problem(Msg("negative value %(raw)s", raw=short_repr(raw)), line=line, field=field)
        return None
    return value


def whole(raw: Any, figures: Figures, *, line: int, field: str, lo: int, hi: int) -> int | None:
    """A whole number in ``[lo, hi]`` (a year, a count of manufacturers)."""
    value = number(raw, figures, line=line, field=field)
    if value is None:
        return None
    if not value.is_integer() or not lo <= value <= hi:
        figures.problem(
            Msg(
                "expected a whole number from %(lo)s to %(hi)s, got %(raw)s",
                lo=lo,
                hi=hi,
                raw=short_repr(raw),
            ),
            line=line,
            field=field,
        )
        return None
    return int(value)


def check_header(found: list[str], expected: list[str], figures: Figures, *, line: int = 1) -> bool:
    """Every expected column present (extra columns allowed); one problem per missing column."""
    missing = [c for c in expected if c not in found]
    for col in missing:
        figures.problem(
            Msg(
                "missing column %(col)s (columns found: %(found)s)",
                col=repr(col),
                found=", ".join(found) or Msg("none"),
            ),
            line=line,
            field=col,
        )
    return not missing

"""US CMS drug-spending files: the brand-level CSV cuts (Part D, Medicaid) and the CMS xlsx originals
(Medicaid, Medicare Part B), into :class:`~.market_rows.Figures`.

CMS's own notes travel with the numbers:

- a row summed across several manufacturers (``num_manufac`` / "Number of Manufacturers" > 1) says so,
  and its beneficiary count is marked as an upper bound (beneficiaries can then be double-counted);
- Part B names ending in ``*`` share their HCPCS code with other brand or generic names, ``**`` means
  CMS had no brand or generic name and printed the HCPCS short description (the file's own legend);
- a trailing ``*`` on Part D / Medicaid names is kept as printed (the files do not explain it);
- blank cells are "redacted or not available" (the files' note): counted, never turned into zeros.

USAFacts' additions to the CSV cuts (``Category``, ``Inf Total Spend``) are not imported: they are not
CMS figures.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from immunograde.errors import InputError, Msg
from immunograde.ingest.market_forms import route_from_hcpcs
from immunograde.ingest.market_rows import Figures, check_header, number, whole

_CSV_BASE = ["Brand Name", "Year", "Generic Name", "num_manufac", "Total Spending",
             "Total Dosage Units", "Total Claims"]  # fmt: skip
#: CMS column label -> (metric, unit)
_MEASURES = {
    "Total Spending": ("spending", "USD"),
    "Total Dosage Units": ("dosage_units", "dosage units"),
    "Total Claims": ("claims", "claims"),
    "Total Beneficiaries": ("beneficiaries", "beneficiaries"),
}
MULTI_MANUFACTURER = "summed across {n} manufacturers"
BENEFICIARY_BOUND = (
    "beneficiaries summed across {n} manufacturers can be double-counted: an upper bound (CMS)"
)
PARTB_SHARED_CODE = "several brand or generic names share this HCPCS code (CMS: '*')"
PARTB_NO_NAME = "no brand or generic name: CMS printed the HCPCS short description ('**')"
BLANK = "blank cells (CMS: redacted or not available)"


def caveat(metric: str, manufacturers: int | None, name: str, partb: bool = False) -> str | None:
    """The caveats that stay with one CMS number."""
    notes = []
    if manufacturers and manufacturers > 1:
        template = BENEFICIARY_BOUND if metric == "beneficiaries" else MULTI_MANUFACTURER
        notes.append(template.format(n=manufacturers))
    if partb and name.endswith("**"):
        notes.append(PARTB_NO_NAME)
    elif partb and name.endswith("*"):
        notes.append(PARTB_SHARED_CODE)
    return "; ".join(notes) or None


def read_brandlvl_csv(path: Path, dataset: str, label: str) -> Figures:
    """``partd_brandlvl.csv`` / ``medicaid_brandlvl.csv``: one row per brand x year."""
    figures = Figures(dataset, label)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        expected = _CSV_BASE + (["Total Beneficiaries"] if dataset == "cms_partd_usafacts" else [])
        if not check_header(header, expected, figures):
            raise InputError(figures.problems)
        col = {name: i for i, name in enumerate(header)}
        skipped = [c for c in ("Category", "Inf Total Spend") if c in col]
        if skipped:
            figures.count("USAFacts columns not imported: " + ", ".join(skipped))
        for row in reader:
            _brandlvl_row(figures, row, col, reader.line_num, expected)
    return figures


def _brandlvl_row(
    figures: Figures, row: list[str], col: dict[str, int], line: int, expected: list[str]
) -> None:
    if len(row) < len(col):
        figures.problem(
            Msg("%(n)s fields, expected %(n2)s", n=len(row), n2=len(col)), line=line, field=None
        )
        return
    name, generic = row[col["Brand Name"]].strip(), row[col["Generic Name"]].strip()
    if not name:
        figures.problem(Msg("empty brand name"), line=line, field="Brand Name")
    year = whole(row[col["Year"]], figures, line=line, field="Year", lo=1990, hi=2100)
    makers = whole(
        row[col["num_manufac"]], figures, line=line, field="num_manufac", lo=0, hi=10_000
    )
    for label in expected[4:]:
        value = number(row[col[label]], figures, line=line, field=label, blank_ok=True)
        if value is None:
            figures.count(BLANK) if not row[col[label]].strip() else None
            continue
        metric, unit = _MEASURES[label]
        figures.add(line=line, metric=metric, value=value, unit=unit, year=year, period=str(year),
                    name=name, generic_name=generic, route="unknown",
                    value_as_printed=row[col[label]], caveat=caveat(metric, makers, name))  # fmt: skip


# ------------------------------------------------------------------ xlsx originals
def _rows(path: Path, label: str, sheet_prefix: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, values) of the first sheet whose name starts with ``sheet_prefix``."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError.one(
            Msg("not a readable xlsx workbook: %(reason)s", reason=str(exc)), file=label
        ) from None
    try:
        sheets = [s for s in book.sheetnames if s.startswith(sheet_prefix)]
        if not sheets:
            raise InputError.one(
                Msg(
                    "no sheet named %(sheet_prefix)s… (sheets: %(items)s)",
                    sheet_prefix=repr(sheet_prefix),
                    items=", ".join(book.sheetnames),
                ),
                file=label,
                field="sheet",
            )
        for cells in book[sheets[0]].iter_rows():
            numbered = [c for c in cells if getattr(c, "row", None)]
            if numbered:
                yield numbered[0].row, tuple(c.value for c in cells)
    finally:
        book.close()


def _title_years(path: Path, label: str) -> list[int]:
    """Years from the workbook's title ("... Calendar Years 2013 - 2017")."""
    for _, values in _rows(path, label, "Data Dictionary"):
        m = re.search(r"(\d{4})\s*-\s*(\d{4})", str(values[0] or ""))
        if m:
            return list(range(int(m.group(1)), int(m.group(2)) + 1))
    raise InputError.one(
        Msg("no 'Calendar Years YYYY - YYYY' title"), file=label, field="Data Dictionary"
    )


def _year_columns(
    header: tuple[Any, ...],
    years_row: tuple[Any, ...] | None,
    years: list[int],
    label: str,
    line: int,
) -> dict[int, tuple[int, str]]:
    """Column index -> (year, CMS measure label) for the per-year total columns."""
    out: dict[int, tuple[int, str]] = {}
    group = -1
    current: int | None = None
    for i, name in enumerate(header):
        above = str(years_row[i] or "") if years_row and i < len(years_row) else ""
        m = re.search(r"(\d{4})", above)
        if m:
            current = int(m.group(1))
        if name == "Total Spending":
            group += 1
            if years_row is None:
                current = years[group] if group < len(years) else None
        if name in _MEASURES and current is not None:
            out[i] = (current, str(name))
    if group + 1 != len(years) and years_row is None:
        raise InputError.one(
            Msg("%(groups)s groups of yearly columns, but the title names %(n)s years", groups=group + 1, n=len(years)),
            file=label, line=line, field="Total Spending",
        )  # fmt: skip
    return out


def cms_xlsx_dataset(path: Path, label: str) -> str:
    """``cms_medicaid`` or ``cms_partb``, from the workbook's title."""
    for _, values in _rows(path, label, "Data Dictionary"):
        title = str(values[0] or "")
        if "Part B" in title:
            return "cms_partb"
        if "Medicaid" in title:
            return "cms_medicaid"
        break
    raise InputError.one(
        Msg("not a CMS Medicaid or Part B drug-spending workbook (title of 'Data Dictionary')"),
        file=label,
    )


def read_cms_xlsx(path: Path, label: str) -> Figures:
    """A CMS Drug Spending dashboard workbook: its 'Spending & Utilization' sheet, one figure per
    drug (x HCPCS code for Part B) x year x total (averages are derived from the totals: not kept)."""
    dataset = cms_xlsx_dataset(path, label)
    partb = dataset == "cms_partb"
    years = _title_years(path, label)
    figures = Figures(dataset, label)
    previous: tuple[Any, ...] | None = None
    columns: dict[int, tuple[int, str]] | None = None
    names: dict[str, int] = {}
    for line, values in _rows(path, label, "Spending & Utilization"):
        if columns is None:
            if values and values[0] in ("Brand Name", "Medicare Billing Code (HCPCS Code)"):
                above = (
                    previous
                    if previous and any("Calendar Year" in str(v) for v in previous)
                    else None
                )
                columns = _year_columns(values, above, years, label, line)
                names = {str(v): i for i, v in enumerate(values) if v is not None}
            previous = values
            continue
        if not any(v not in (None, "", " ") for v in values):
            continue
        _xlsx_row(figures, values, line, columns, names, partb)
    if columns is None:
        raise InputError.one(Msg("no header row ('Brand Name' / HCPCS code) found"), file=label,
                             field="Spending & Utilization")  # fmt: skip
    return figures


def _xlsx_row(
    figures: Figures, values: tuple[Any, ...], line: int, columns: dict[int, tuple[int, str]],
    names: dict[str, int], partb: bool,
) -> None:  # fmt: skip
    def cell(name: str) -> Any:
        i = names.get(name)
        return values[i] if i is not None and i < len(values) else None

    name = str(cell("Brand Name") or "").strip()
    generic = str(cell("Generic Name") or "").strip()
    code = str(cell("Medicare Billing Code (HCPCS Code)") or "").strip() or None
    description = str(cell("Drug Description") or "").strip() or None
    if not name:
        figures.problem(Msg("empty brand name"), line=line, field="Brand Name")
        return
    makers = None
    if not partb:
        makers = whole(cell("Number of Manufacturers"), figures, line=line,
                       field="Number of Manufacturers", lo=0, hi=10_000)  # fmt: skip
    route = route_from_hcpcs(description) if partb else "unknown"
    for i, (year, label) in columns.items():
        raw = values[i] if i < len(values) else None
        value = number(raw, figures, line=line, field=f"{label} ({year})", blank_ok=True)
        if value is None:
            if raw is None or not str(raw).strip():
                figures.count(BLANK)
            continue
        metric, unit = _MEASURES[label]
        figures.add(line=line, metric=metric, value=value, unit=unit, year=year, period=str(year),
                    name=name, generic_name=generic or None, code=code, route=route,
                    description=description, source_ref="sheet 'Spending & Utilization'",
                    value_as_printed=str(raw),
                    caveat=caveat(metric, makers, name, partb))  # fmt: skip

"""NHS English Prescribing Data (EPD) in its CSV layout -> typed Parquet, one file per month.

The layout is NHSBSA's (``YEAR_MONTH, REGIONAL_OFFICE_NAME, REGIONAL_OFFICE_CODE, AREA_TEAM_NAME,
AREA_TEAM_CODE, PCO_NAME, PCO_CODE, PRACTICE_NAME, PRACTICE_CODE, ADDRESS_1..4, POSTCODE,
BNF_CHEMICAL_SUBSTANCE, CHEMICAL_SUBSTANCE_BNF_DESCR, BNF_CODE, BNF_DESCRIPTION, BNF_CHAPTER_PLUS_CODE,
QUANTITY, ITEMS, TOTAL_QUANTITY, ADQUSAGE, NIC, ACTUAL_COST, UNIDENTIFIED``; later files name the middle
tier ``STP_*`` or ``ICB_*``).  DuckDB reads the CSV once (about 17 million rows a month); a value that is
not a number is reported with its file, line and column, and nothing is written.

Amounts are kept as exact integers so that sums are the same whichever engine adds them (DuckDB or
Spark): ``*_e5`` columns hold the value times 100,000 (NIC, actual cost in pence/1000 of a pound,
quantities to 5 decimals).  ``year_month`` is ``YYYY-MM``.
"""

from __future__ import annotations

import csv
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from immunograde.errors import InputError, Msg, Problem

REQUIRED = ("YEAR_MONTH", "PRACTICE_CODE", "BNF_CODE", "BNF_DESCRIPTION", "ITEMS", "TOTAL_QUANTITY",
            "NIC", "ACTUAL_COST")  # fmt: skip
TEXT = {
    "regional_office_code": ("REGIONAL_OFFICE_CODE",),
    "regional_office_name": ("REGIONAL_OFFICE_NAME",),
    "area_code": ("AREA_TEAM_CODE", "STP_CODE", "ICB_CODE"),
    "area_name": ("AREA_TEAM_NAME", "STP_NAME", "ICB_NAME"),
    "pco_code": ("PCO_CODE",),
    "pco_name": ("PCO_NAME",),
    "practice_code": ("PRACTICE_CODE",),
    "practice_name": ("PRACTICE_NAME",),
    "chemical_substance": ("BNF_CHEMICAL_SUBSTANCE",),
    "chemical_substance_name": ("CHEMICAL_SUBSTANCE_BNF_DESCR",),
    "bnf_code": ("BNF_CODE",),
    "bnf_description": ("BNF_DESCRIPTION",),
}
SCALED = {  # parquet column -> CSV column, values x 100,000 as BIGINT
    "quantity_e5": "QUANTITY",
    "total_quantity_e5": "TOTAL_QUANTITY",
    "adqusage_e5": "ADQUSAGE",
    "nic_e5": "NIC",
    "actual_cost_e5": "ACTUAL_COST",
}
SCALE = 100_000
MAX_PROBLEMS = 20
_MONTH = r"^(\d{4})[_-]?(0[1-9]|1[0-2])$"


@dataclass(frozen=True)
class EpdFiles:
    """A converted EPD file, staged: one Parquet file per month, published by :func:`publish`."""

    staged: dict[str, Path]  #: month (YYYY-MM) -> staged Parquet file
    rows: int

    @property
    def months(self) -> tuple[str, ...]:
        return tuple(sorted(self.staged))


def _header(path: Path, label: str) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            header = [h.strip() for h in next(csv.reader(fh), [])]
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.one(
            Msg("cannot read as CSV text: %(reason)s", reason=str(exc)), file=label
        ) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            [Problem(Msg("missing column %(c)s", c=repr(c)), label, 1, c) for c in missing]
        )
    return header


def _select(header: list[str]) -> str:
    cols = []
    for out, candidates in TEXT.items():
        found = next((c for c in candidates if c in header), None)
        cols.append(
            f"nullif(trim(\"{found}\"), '') AS {out}" if found else f"NULL::VARCHAR AS {out}"
        )
    cols.append('"ITEMS" AS items')
    for out, src in SCALED.items():
        cols.append(
            f'CAST("{src}" * {SCALE} AS BIGINT) AS {out}'
            if src in header
            else f"NULL::BIGINT AS {out}"
        )
    month = f"regexp_replace(trim(\"YEAR_MONTH\"), '{_MONTH}', '\\1-\\2')"
    return f"{month} AS year_month, " + ", ".join(cols)


def convert_epd(path: Path, label: str, staging: Path, *, threads: int | None = None) -> EpdFiles:
    """Read ``path`` (EPD CSV) into ``staging/YYYY-MM.parquet``; :class:`InputError`, and nothing left
    behind, when a number cannot be read or a required code is empty."""
    header = _header(path, label)
    types = {"ITEMS": "BIGINT", **{c: "DECIMAL(18,5)" for c in SCALED.values() if c in header}}
    types |= {c: "VARCHAR" for c in header if c not in types}
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    whole = staging / "all.parquet"
    con = duckdb.connect(":memory:")
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.execute("SET preserve_insertion_order = false")
        src = _quote(path)
        con.execute(
            f"CREATE TEMP VIEW epd_raw AS SELECT * FROM read_csv({src}, header = true, "
            f"columns = {_struct(types, header)}, store_rejects = true, quote = '\"')"
        )
        con.execute(f"COPY (SELECT {_select(header)} FROM epd_raw) TO {_quote(whole)} "
                    "(FORMAT parquet, COMPRESSION zstd)")  # fmt: skip
        _raise_rejects(con, label)
        _check_values(con, whole, path, label)
        return _split_months(con, whole, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        con.close()


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def publish(files: EpdFiles, store: Path) -> list[Path]:
    """Move the staged months into ``store`` (each ``YYYY-MM.parquet`` replaced atomically)."""
    store.mkdir(parents=True, exist_ok=True)
    out = []
    for month, staged in sorted(files.staged.items()):
        target = store / f"{month}.parquet"
        staged.replace(target)
        out.append(target)
    for staged in files.staged.values():
        shutil.rmtree(staged.parent, ignore_errors=True)
        break
    return out


def _struct(types: dict[str, str], header: list[str]) -> str:
    return "{" + ", ".join(f"'{c}': '{types[c]}'" for c in header) + "}"


def _raise_rejects(con: duckdb.DuckDBPyConnection, label: str) -> None:
    rows = con.execute(
        "SELECT line, column_name, error_message FROM reject_errors ORDER BY line LIMIT ?",
        [MAX_PROBLEMS],
    ).fetchall()
    if rows:
        total = (con.execute("SELECT count(*) FROM reject_errors").fetchone() or (0,))[0]
        problems = [Problem(str(msg).split(". ")[-1] if msg else "unreadable row", label, int(line), col)
                    for line, col, msg in rows]  # fmt: skip
        if total > len(rows):
            problems.append(
                Problem(Msg("... %(n)s more rows rejected", n=total - len(rows)), label)
            )
        raise InputError(problems)


def _check_values(con: duckdb.DuckDBPyConnection, whole: Path, path: Path, label: str) -> None:
    """Codes a measure needs must be there: find the lines (a second read, only when something is wrong)."""
    bad = (con.execute(
        f"SELECT count(*) FROM read_parquet({_quote(whole)}) WHERE practice_code IS NULL "
        "OR bnf_code IS NULL OR items IS NULL OR NOT regexp_full_match(year_month, '\\d{4}-\\d{2}')"
    ).fetchone() or (0,))[0]  # fmt: skip
    if not bad:
        return
    problems: list[Problem] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            for col in ("YEAR_MONTH", "PRACTICE_CODE", "BNF_CODE", "ITEMS"):
                value = (row.get(col) or "").strip()
                ok = re.match(_MONTH, value) if col == "YEAR_MONTH" else value
                if not ok:
                    problems.append(
                        Problem(
                            Msg("empty or malformed value %(value)s", value=repr(value)),
                            label,
                            reader.line_num,
                            col,
                        )
                    )
            if len(problems) >= MAX_PROBLEMS:
                break
    raise InputError(
        problems
        or [Problem(Msg("%(bad)s rows lack a month, practice or BNF code", bad=bad), label)]
    )


def _split_months(con: duckdb.DuckDBPyConnection, whole: Path, staging: Path) -> EpdFiles:
    """One file per month: the usual one-month file is only renamed."""
    months = [r[0] for r in con.execute(
        f"SELECT DISTINCT year_month FROM read_parquet({_quote(whole)}) ORDER BY 1").fetchall()]  # fmt: skip
    rows = (con.execute(f"SELECT count(*) FROM read_parquet({_quote(whole)})").fetchone() or (0,))[
        0
    ]
    staged: dict[str, Path] = {}
    if len(months) == 1:
        target = staging / f"{months[0]}.parquet"
        whole.replace(target)
        return EpdFiles({months[0]: target}, int(rows))
    for month in months:
        target = staging / f"{month}.parquet"
        con.execute(f"COPY (SELECT * FROM read_parquet({_quote(whole)}) WHERE year_month = '{month}') "
                    f"TO {_quote(target)} (FORMAT parquet, COMPRESSION zstd)")  # fmt: skip
        staged[month] = target
    whole.unlink()
    return EpdFiles(staged, int(rows))

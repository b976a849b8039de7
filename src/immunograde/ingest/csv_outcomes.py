"""Import an outcome-data CSV in metafor's column conventions (one row per study).

Columns: ``study`` (required), ``year``, and one complete form per row —
binary ``ai, n1i, ci, n2i`` (or ``ai, bi, ci, di``); continuous ``m1i, sd1i, n1i, m2i, sd2i, n2i``;
generic ``yi, vi`` (or ``yi, sei``); reported estimate ``estimate, ci_low, ci_high`` (ratio measures
on the natural scale).  Group 1 is the intervention.  Every problem is reported at once with its
line number and column; nothing is written unless the whole file is valid.

A study is identified by its label ``slab`` (metafor's name): ``"study, year"``, or ``study`` when
there is no year; labels must be unique within a file.  Rows are stored in ``reg_csv_outcomes``
under a dataset name (default: the file's stem); importing
the dataset again replaces it (rows no longer in the file are deleted).
"""

from __future__ import annotations

import csv
import difflib
import io
import time
from pathlib import Path
from typing import Any

import duckdb

from immunograde.errors import InputError, Problem
from immunograde.ingest import schema
from immunograde.ingest.ctgov import existing_path
from immunograde.ingest.writer import (
    ImportSummary,
    NullProgress,
    Progress,
    Record,
    Upserter,
    transaction,
)

NUMERIC = [c for c, _ in schema.CSV_OUTCOMES.columns[6:]]
COUNTS = ("ai", "bi", "ci", "di", "n1i", "n2i")
NON_NEGATIVE = (*COUNTS, "sd1i", "sd2i", "vi", "sei")
KNOWN = ("study", "year", *NUMERIC)
FORMS = "ai,n1i,ci,n2i | ai,bi,ci,di | m1i,sd1i,n1i,m2i,sd2i,n2i | yi,vi | yi,sei | estimate,ci_low,ci_high"
MAX_PROBLEMS = 50


def form_of(v: dict[str, float | None]) -> str | None:
    """Which metafor input form a row uses, or None when no form is complete."""
    has = {k for k, x in v.items() if x is not None}
    if {"ai", "ci"} <= has and ({"n1i", "n2i"} <= has or {"bi", "di"} <= has):
        return "binary"
    if {"m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"} <= has:
        return "continuous"
    if "yi" in has and ("vi" in has or "sei" in has):
        return "generic"
    if {"estimate", "ci_low", "ci_high"} <= has:
        return "estimate"
    return None


def _number(text: str, col: str, line: int, label: str, problems: list[Problem]) -> float | None:
    text = text.strip()
    if text == "" or text.upper() == "NA":
        return None
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(f"not a number: {text!r}", label, line, col))
        return None
    if col in NON_NEGATIVE and value < 0:
        problems.append(Problem(f"must not be negative: {text}", label, line, col))
    elif col in COUNTS and not value.is_integer():
        problems.append(Problem(f"a count must be a whole number: {text}", label, line, col))
    return value


def _check_form(v: dict[str, float | None], line: int, label: str, problems: list[Problem]) -> str:
    form = form_of(v)
    if form is None:
        problems.append(
            Problem(f"no complete set of outcome columns; need one of {FORMS}", label, line)
        )
        return "incomplete"
    for a, n in (("ai", "n1i"), ("ci", "n2i")):
        if form == "binary" and v[n] is not None and v[a] is not None and v[a] > v[n]:  # type: ignore[operator]
            problems.append(
                Problem(f"{a} ({v[a]:g}) is larger than {n} ({v[n]:g})", label, line, a)
            )
    if form == "estimate" and not (v["ci_low"] <= v["estimate"] <= v["ci_high"]):  # type: ignore[operator]
        problems.append(
            Problem("estimate is not inside [ci_low, ci_high]", label, line, "estimate")
        )
    return form


def _header(fields: list[str] | None, label: str) -> list[str]:
    if not fields:
        raise InputError.one("empty file: expected a header row", file=label, line=1)
    problems = []
    for col in fields:
        if col not in KNOWN:
            near = difflib.get_close_matches(col, KNOWN, n=1)
            hint = (
                f" (did you mean {near[0]!r}?)" if near else f"; known columns: {', '.join(KNOWN)}"
            )
            problems.append(Problem(f"unknown column {col!r}{hint}", label, 1, col))
    if "study" not in fields:
        problems.append(Problem("missing required column 'study'", label, 1, "study"))
    if problems:
        raise InputError(problems)
    return fields


def read_rows(text: str, label: str, dataset: str) -> list[tuple[Any, ...]]:
    """Validate the whole CSV and return ``reg_csv_outcomes`` rows; all problems at once."""
    dialect = (
        csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
        if text.strip()
        else csv.excel
    )
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    _header([f.strip() for f in reader.fieldnames or []], label)
    problems: list[Problem] = []
    rows: list[tuple[Any, ...]] = []
    seen: dict[str, int] = {}
    for row_no, raw in enumerate(reader, 1):
        line = reader.line_num
        raw = {(k or "").strip(): (x or "") for k, x in raw.items()}
        study = raw.get("study", "").strip()
        year = _number(raw.get("year", ""), "year", line, label, problems)
        if year is not None and not (year.is_integer() and 1800 <= year <= 2100):
            problems.append(Problem(f"not a year: {raw['year']!r}", label, line, "year"))
            year = None
        slab = f"{study}, {int(year)}" if year else study
        if not study:
            problems.append(Problem("study name is empty", label, line, "study"))
        elif slab in seen:
            problems.append(
                Problem(f"study {slab!r} already on line {seen[slab]}", label, line, "study")
            )
        seen.setdefault(slab, line)
        v = {c: _number(raw.get(c, ""), c, line, label, problems) for c in NUMERIC}
        form = _check_form(v, line, label, problems)
        rows.append((dataset, slab, study, row_no, int(year) if year else None, form, *v.values()))
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError.one("no data rows under the header", file=label, line=2)
    return rows


def import_csv(
    path: Path,
    conn: duckdb.DuckDBPyConnection,
    *,
    dataset: str | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import one outcome-data CSV as ``dataset`` (replacing that dataset's rows); all or nothing."""
    path = existing_path(Path(path))
    progress = progress or NullProgress()
    progress.set_total(1, "files")
    name = dataset or path.stem
    summary = ImportSummary("csv", str(path))
    started = time.perf_counter()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError.one(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    rows = read_rows(text, str(path), name)
    schema.ensure_schema(conn)
    with transaction(conn):
        up = Upserter(conn, schema.CSV_OUTCOMES, (), summary)
        for row in rows:
            summary.records_read += 1
            up.add(Record((name, row[1]), row, {}, f"{path}:{row[3] + 1}"))
        up.flush()
        keep = {row[1] for row in rows}
        old = conn.execute("SELECT slab FROM reg_csv_outcomes WHERE dataset = ?", [name]).fetchall()
        gone = [(name, s) for (s,) in old if s not in keep]
        if gone:
            up.delete_keys(gone)
            summary.deleted = len(gone)
    progress.advance()
    summary.seconds = time.perf_counter() - started
    return summary

"""Import an outcome-data CSV in metafor's column conventions (one row per study).

The file is read by the one metafor-column CSV reader (:mod:`immunograde.ingest.metafor_csv`):
the same rules and messages as ``immunograde meta`` and the workbench, plus those of a stored
table -- ``study`` is required, the label ``slab`` (metafor's name: ``"study, year"``, or ``study``
when there is no year) is unique within a file, and only storable columns are allowed.  Columns:
``study``, ``year``, and one complete input form per row (binary ``ai, n1i, ci, n2i`` or
``ai, bi, ci, di``; continuous ``m1i, sd1i, n1i, m2i, sd2i, n2i``; generic ``yi, vi`` or
``yi, sei``; reported estimate ``estimate, ci_low, ci_high``; correlation ``ri, ni``); rows may use
different forms, each stored with its form.  Group 1 is the intervention.  Every problem is reported
at once with its line and column; nothing is written unless the whole file is valid.

Rows are stored in ``reg_csv_outcomes`` under a dataset name (default: the file's stem); importing
the dataset again replaces it (rows no longer in the file are deleted).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import duckdb

from immunograde.errors import existing_path
from immunograde.ingest import schema
from immunograde.ingest.metafor_checks import slab
from immunograde.ingest.metafor_csv import decode, read_metafor_csv
from immunograde.ingest.writer import (
    ImportSummary,
    NullProgress,
    Progress,
    Record,
    Upserter,
    transaction,
)

NUMERIC = [c for c, _ in schema.CSV_OUTCOMES.columns[6:]]


def read_rows(text: str, label: str, dataset: str) -> list[tuple[Any, ...]]:
    """Validate the whole CSV and return ``reg_csv_outcomes`` rows; all problems at once."""
    table = read_metafor_csv(text, label, store=True)
    rows: list[tuple[Any, ...]] = []
    columns = {c: table.numbers[c].tolist() for c in NUMERIC if c in table.numbers}
    for i, (study, year) in enumerate(zip(table.study, table.year, strict=True)):
        values = [columns[c][i] if c in columns else None for c in NUMERIC]
        values = [None if v is None or math.isnan(v) else v for v in values]
        rows.append((dataset, slab(study, year), study, i + 1, year, table.row_form(i), *values))
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
    rows = read_rows(decode(path.read_bytes(), str(path)), str(path), name)
    schema.ensure_schema(conn)
    for col in ("ri", "ni"):  # tables made before correlations were stored
        conn.execute(f"ALTER TABLE reg_csv_outcomes ADD COLUMN IF NOT EXISTS {col} DOUBLE")
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

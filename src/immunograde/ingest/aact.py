"""Import AACT pipe-delimited flat files (the folder or the zip of ``studies.txt``, ``outcomes.txt``, …).

AACT (https://aact.ctti-clinicaltrials.org) exports each table with PostgreSQL ``COPY … WITH
DELIMITER '|' CSV HEADER``.  Only ``studies.txt`` is required; the other tables read are listed in
:data:`TABLES` (a missing file leaves those rows empty and is reported as a warning).

Constant memory: the files are staged into a temporary on-disk DuckDB database, then every table is
streamed in ``nct_id`` order and merged study by study, so no table is ever held in Python whole.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from immunograde.archives import copy_member, looks_like_zip, open_zip
from immunograde.errors import InputError, Msg, existing_path
from immunograde.ingest import schema
from immunograde.ingest.aact_map import study_parts
from immunograde.ingest.common import check_nct
from immunograde.ingest.writer import (
    ImportSummary,
    NullProgress,
    Progress,
    Upserter,
    paused_gc,
    threads_of,
    transaction,
)
from immunograde.kb.dbfile import scratch_dir

#: AACT table -> the columns read (names from AACT's data dictionary / ``db/structure.sql``)
TABLES: dict[str, tuple[str, ...]] = {
    "studies": ("official_title", "brief_title", "acronym", "overall_status", "phase", "study_type",
                "enrollment", "enrollment_type", "start_month_year", "start_date",
                "primary_completion_month_year", "primary_completion_date", "completion_month_year",
                "completion_date", "results_first_posted_date"),
    "designs": ("allocation", "intervention_model", "primary_purpose", "masking"),
    "sponsors": ("agency_class", "lead_or_collaborator", "name"),
    "conditions": ("name",),
    "countries": ("name", "removed"),
    "design_groups": ("group_type", "title", "description"),
    "interventions": ("intervention_type", "name"),
    "intervention_other_names": ("intervention_id", "name"),
    "design_group_interventions": ("design_group_id", "intervention_id"),
    "browse_interventions": ("mesh_term", "mesh_type"),
    "browse_conditions": ("mesh_term", "mesh_type"),
    "outcomes": ("outcome_type", "title", "time_frame", "units", "param_type", "dispersion_type"),
    "result_groups": ("ctgov_group_code", "result_type", "title", "outcome_id"),
    "outcome_counts": ("outcome_id", "ctgov_group_code", "units", "count"),
    "outcome_measurements": ("outcome_id", "ctgov_group_code", "classification", "category",
                             "param_value", "dispersion_value", "dispersion_lower_limit",
                             "dispersion_upper_limit", "dispersion_lower_limit_raw",
                             "dispersion_upper_limit_raw"),
    "outcome_analyses": ("outcome_id", "param_type", "param_value", "ci_percent", "ci_n_sides",
                         "ci_lower_limit", "ci_upper_limit", "p_value", "p_value_modifier",
                         "p_value_raw", "method", "non_inferiority_type", "dispersion_type",
                         "dispersion_value"),
    "outcome_analysis_groups": ("outcome_analysis_id", "ctgov_group_code"),
}  # fmt: skip
FETCH = 5000


def _locate(path: Path, tmp: Path) -> dict[str, tuple[Path, str]]:
    """Find ``<table>.txt`` for each table in a folder or a zip: ``table -> (file, label)``; zip
    members are inflated (checked, up to the size limit) to ``tmp`` and labelled ``zip!member``, so
    that every message names the member, never the temporary copy."""
    path = existing_path(path)
    found: dict[str, tuple[Path, str]] = {}
    if path.is_dir():
        for table in TABLES:
            f = path / f"{table}.txt"
            if f.exists():
                found[table] = (f, str(f))
        return found
    if not (zipfile.is_zipfile(path) or looks_like_zip(path)):
        raise InputError.one(
            Msg("expected an AACT folder or zip of pipe-delimited .txt files"), file=str(path)
        )
    with open_zip(path) as zf:
        for info in zf.infolist():
            name = info.filename
            table = Path(name).name.removesuffix(".txt")
            if table in TABLES and name.endswith(".txt") and not info.is_dir():
                target, label = tmp / f"{table}.txt", f"{path}!{name}"
                with open(target, "wb") as out:
                    copy_member(zf, info, out, label)
                found[table] = (target, label)
    return found


def _stage(stage: duckdb.DuckDBPyConnection, table: str, f: Path, label: str) -> None:
    try:
        stage.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, delim='|', quote='\"', "
            "escape='\"', header=true, all_varchar=true, null_padding=true)",
            [str(f)],
        )
        have = {r[0] for r in stage.execute(f"DESCRIBE {table}").fetchall()}
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0].replace(str(f), label)
        raise InputError.one(
            Msg("cannot read AACT file: %(first)s", first=first), file=label
        ) from None
    needed = {"nct_id"} | ({"id"} if table != "studies" else set())
    if missing := sorted(needed - have):
        raise InputError.one(
            Msg("missing column(s) %(items)s", items=", ".join(missing)),
            file=label,
            field=missing[0],
        )
    for col in TABLES[table]:
        if col not in have:
            stage.execute(f"ALTER TABLE {table} ADD COLUMN {col} VARCHAR")


def _stream(
    stage: duckdb.DuckDBPyConnection, table: str
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Rows of one staged table grouped by ``nct_id``, in ``nct_id`` then ``id`` order."""
    cols = ("nct_id", *(() if table == "studies" else ("id",)), *TABLES[table])
    order = "nct_id" if table == "studies" else "nct_id, TRY_CAST(id AS BIGINT), id"
    cur = stage.cursor()
    cur.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order}")
    key: str | None = None
    group: list[dict[str, Any]] = []
    while chunk := cur.fetchmany(FETCH):
        for row in chunk:
            if row[0] != key and group:
                yield key or "", group
                group = []
            key = row[0]
            group.append(dict(zip(cols, row, strict=True)))
    if group:
        yield key or "", group


class _Merger:
    """Hands out each child table's rows for a study as the studies go by in ``nct_id`` order."""

    def __init__(self, streams: dict[str, Iterator[tuple[str, list[dict[str, Any]]]]]) -> None:
        self.streams = streams
        self.heads: dict[str, tuple[str, list[dict[str, Any]]] | None] = {
            t: next(s, None) for t, s in streams.items()
        }
        self.orphans = 0

    def rows_for(self, nct: str) -> dict[str, list[dict[str, Any]]]:
        out = {}
        for table, stream in self.streams.items():
            head = self.heads[table]
            while head is not None and head[0] < nct:
                self.orphans += 1
                head = next(stream, None)
            if head is not None and head[0] == nct:
                out[table] = head[1]
                head = next(stream, None)
            self.heads[table] = head
        return out


def import_aact(
    path: Path,
    conn: duckdb.DuckDBPyConnection,
    *,
    batch_size: int = 2000,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import AACT flat files into the ``reg_`` tables (idempotent; all or nothing)."""
    progress = progress or NullProgress()
    summary = ImportSummary("aact", str(path))
    started = time.perf_counter()
    with scratch_dir("aact") as tmp:
        files = _locate(Path(path), tmp)
        if "studies" not in files:
            raise InputError.one(
                Msg("no studies.txt: not an AACT flat-file export"), file=str(path)
            )
        for table in TABLES:
            if table not in files:
                summary.warn(Msg("%(table)s.txt not found: its rows are left empty", table=table))
        stage = duckdb.connect(str(tmp / "stage.duckdb"), config={"threads": threads_of(conn)})
        # a scratch file, removed with its folder: writing it out on close (a checkpoint) was ~30 %
        # of a small import's time
        stage.execute("PRAGMA disable_checkpoint_on_shutdown")
        try:
            progress.set_total(len(files), "AACT files (staging)")
            for table, (f, label) in files.items():
                _stage(stage, table, f, label)
                progress.advance()
            total = stage.execute("SELECT count(*) FROM studies").fetchone()
            progress.set_total(total[0] if total else None, "studies")
            schema.ensure_schema(conn)
            with transaction(conn), paused_gc():
                _merge_into(stage, files, conn, summary, batch_size, progress)
        finally:
            stage.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _merge_into(
    stage: duckdb.DuckDBPyConnection,
    files: dict[str, tuple[Path, str]],
    conn: duckdb.DuckDBPyConnection,
    summary: ImportSummary,
    batch_size: int,
    progress: Progress,
) -> None:
    merger = _Merger({t: _stream(stage, t) for t in files if t != "studies"})
    up = Upserter(conn, schema.STUDIES, schema.STUDY_CHILDREN, summary, batch_size=batch_size)
    label = files["studies"][1]
    for nct, group in _stream(stage, "studies"):
        summary.records_read += 1
        check_nct(nct, where="studies.txt", file=label)
        parts = study_parts(nct, group[-1], merger.rows_for(nct), f"{label}#{nct}")
        up.add(parts.record())
        for name in parts.unknown_countries:
            summary.warn(
                Msg("%(nct)s: unknown country name %(name)s left out", nct=nct, name=repr(name))
            )
        progress.advance()
    up.flush()
    if not summary.records_read:
        raise InputError.one(Msg("no studies in studies.txt: nothing to import"), file=label)
    if merger.orphans:
        summary.warn(
            Msg("%(n)s group(s) of child rows had no study in studies.txt", n=merger.orphans)
        )

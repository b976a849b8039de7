"""The bulk zip through DuckDB: parse and map in SQL (:mod:`.bulk_sql`), one chunk of members at a time.

Per chunk: the members are inflated into one newline-delimited file (``{"i": rec, "l": label,
"d": study}``), DuckDB reads it into the typed study struct and fills the staging tables, the
records the SQL may not map exactly as Python would (``_ok`` false: odd numbers, old-style dates,
pages, non-studies, …) are mapped by :func:`.ctgov_docs.map_document` instead, and
:func:`.writer.merge_staged` upserts the chunk.  All of that runs in a private in-memory DuckDB per
chunk (:func:`.writer.staging_db`); only the rows to write enter the knowledge base, inside the
caller's one transaction for the whole zip.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from immunograde.archives import open_zip
from immunograde.ingest import bulk_sql, schema
from immunograde.ingest.countries import iso2
from immunograde.ingest.ctgov_docs import _documents, map_document
from immunograde.ingest.writer import (
    ImportSummary,
    Progress,
    Record,
    arrow_stream,
    merge_staged,
    stage_records,
    staging_db,
)
from immunograde.ingest.zipmembers import members, read_member

CHUNK = 2000  #: zip members per chunk (bounds the temporary file and the staging tables)
SHIFT = 20  #: ``_rec`` = member index << SHIFT | document index within the member
TABLES = (schema.STUDIES, *schema.STUDY_CHILDREN)
STAGED = {t.name: f"_ig_b_{t.name}" for t in TABLES}

#: an event for the summary, sorted by record: (_rec, "skip" | "warn", label or message, reason)
Event = tuple[int, str, str, str]


class SqlUnsupported(Exception):
    """DuckDB could not read a chunk as study objects; the caller imports with the Python path."""


def import_zip_sql(
    path: Path,
    conn: duckdb.DuckDBPyConnection,
    summary: ImportSummary,
    progress: Progress,
    imported_at: dt.datetime,
    tmp: Path,
) -> None:
    """Import a bulk zip chunk by chunk (inside the caller's transaction); ``tmp`` is a folder for
    the chunk file.  Raises :class:`SqlUnsupported` when DuckDB cannot read a chunk."""
    with open_zip(path) as zf:
        entries = members(zf)
        progress.set_total(len(entries), "studies")
        for start in range(0, len(entries), CHUNK):
            chunk = entries[start : start + CHUNK]
            ndjson = tmp / "chunk.json"
            _write_chunk(zf, f"{path}!", start, chunk, ndjson)
            with staging_db(conn) as st:
                _import_chunk(conn, st, zf, f"{path}!", start, chunk, ndjson, summary, imported_at)
            progress.advance(len(chunk))


def _write_chunk(
    zf: zipfile.ZipFile, prefix: str, start: int, chunk: list[zipfile.ZipInfo], out_path: Path
) -> None:
    """The chunk as one file of ``{"i": rec, "l": label, "d": <member>}`` documents.

    Members are inflated and checked (size, CRC-32) by :func:`.zipmembers.read_member` (ISA-L)
    and written uncompressed: inflating in DuckDB (its gzip reader) cost two to three times as
    much CPU (benchmarks/results/ctgov_import.md).
    """
    with open(zf.filename or "", "rb") as f, open(out_path, "wb") as out:
        for k, info in enumerate(chunk, start):
            label = prefix + info.filename
            data = read_member(zf, f, info, label)
            out.write(b'{"i":%d,"l":%s,"d":' % (k << SHIFT, json.dumps(label).encode()))
            out.write(data)
            out.write(b"\n}\n")


def _import_chunk(
    conn: duckdb.DuckDBPyConnection,
    st: duckdb.DuckDBPyConnection,
    zf: zipfile.ZipFile,
    prefix: str,
    start: int,
    chunk: list[zipfile.ZipInfo],
    ndjson: Path,
    summary: ImportSummary,
    imported_at: dt.datetime,
) -> None:
    try:
        st.execute(bulk_sql.raw_sql(), [str(ndjson)])
    except duckdb.Error as exc:
        raise SqlUnsupported(str(exc).splitlines()[0]) from exc
    _countries(st)
    for sql in (
        bulk_sql.studies_sql(),
        bulk_sql.arms_sql(),
        bulk_sql.mesh_sql(),
        bulk_sql.outcomes_sql(),
        bulk_sql.measurements_sql(),
        bulk_sql.analyses_sql(),
    ):
        for statement in sql.split(";\n"):
            st.execute(statement)
    bad = _bad_records(st)
    events = _unknown_country_warnings(st)
    summary.records_read += _count(st, STAGED[schema.STUDIES.name])
    records, recs = [], []
    with open(zf.filename or "", "rb") as f:
        for rec in bad:
            info = chunk[(rec >> SHIFT) - start]
            member = prefix + info.filename
            for i, (label, doc) in enumerate(_documents(read_member(zf, f, info, member), member)):
                summary.records_read += 1
                label, record, notes = map_document(label, doc)
                key = rec | i
                if record is None:
                    events.append((key, "skip", label, notes[0]))
                    continue
                records.append(record)
                recs.append(key)
                events.extend((key, "warn", note, "") for note in notes)
    _stage_python(st, records, recs)
    for _, kind, text, reason in sorted(events, key=lambda e: e[0]):
        summary.skip(text, reason) if kind == "skip" else summary.warn(text)
    merge_staged(conn, st, schema.STUDIES, schema.STUDY_CHILDREN, STAGED, summary, imported_at)


def _count(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _countries(conn: duckdb.DuckDBPyConnection) -> None:
    """``_ig_countries(_rec, countries)``: ISO codes by :func:`.countries.iso2` of each distinct
    name (the Python function itself, so both paths agree), sorted and distinct per study."""
    conn.execute(bulk_sql.locations_sql())
    names = [r[0] for r in conn.execute("SELECT DISTINCT name FROM _ig_loc0").fetchall()]
    codes = pa.table({"name": pa.array(names, pa.string()), "code": [iso2(n) for n in names]})
    with arrow_stream(conn, "_ig_cc", codes):
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE _ig_loc AS SELECT l.*, c.code FROM _ig_loc0 l "
            "JOIN _ig_cc c USING (name)"
        )
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _ig_countries AS SELECT _rec, "
        "list_sort(list_distinct(list(code))) AS countries FROM _ig_loc WHERE code IS NOT NULL "
        "GROUP BY _rec"
    )


def _bad_records(conn: duckdb.DuckDBPyConnection) -> list[int]:
    """Records the SQL must not store (not a study, or a value outside its exact forms): their
    staged rows are deleted and their ``_rec`` returned, in order."""
    union = " UNION ".join(
        f"SELECT _rec FROM {name} WHERE _ok IS NOT TRUE" for name in ("_ig_raw", *STAGED.values())
    )
    conn.execute(f"CREATE OR REPLACE TEMP TABLE _ig_bad AS {union}")
    for name in STAGED.values():
        conn.execute(f"DELETE FROM {name} WHERE _rec IN (SELECT _rec FROM _ig_bad)")
    return [r[0] for r in conn.execute("SELECT _rec FROM _ig_bad ORDER BY _rec").fetchall()]


def _unknown_country_warnings(conn: duckdb.DuckDBPyConnection) -> list[Event]:
    """The Python path's warning for each unknown country name, for the records the SQL kept."""
    rows = conn.execute(
        "SELECT l._rec, r.source_file, l.nct_id, l.name FROM _ig_loc l JOIN _ig_raw r USING (_rec) "
        "WHERE l.code IS NULL AND l._rec NOT IN (SELECT _rec FROM _ig_bad) ORDER BY l._rec, l.li"
    ).fetchall()
    return [
        (rec, "warn", f"{label}: {nct}: unknown country name {name!r} left out", "")
        for rec, label, nct, name in rows
    ]


def _stage_python(conn: duckdb.DuckDBPyConnection, records: list[Record], recs: list[int]) -> None:
    """Append the Python-mapped records to the staging tables."""
    if not records:
        return
    staged: dict[str, Any] = stage_records(schema.STUDIES, schema.STUDY_CHILDREN, records, recs)
    for name, data in staged.items():
        with arrow_stream(conn, "_ig_py", data):
            conn.execute(f"INSERT INTO {STAGED[name]} BY NAME SELECT * FROM _ig_py")

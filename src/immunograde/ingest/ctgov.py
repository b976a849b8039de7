"""Import ClinicalTrials.gov API v2 JSON: one study, a page, a JSON array, a folder, or a bulk zip.

Accepted inputs:

- one study object (``{"protocolSection": …}``), as ``GET /api/v2/studies/NCT…`` returns it;
- a page (``{"studies": [...], "nextPageToken": …}``) or a JSON array of studies;
- a folder of such files (``*.json``, recursively, in name order);
- the bulk download, a zip of one JSON file per study.

Files, pages, folders and bulk-zip members are read one at a time: zip members inflated by ISA-L
and checked (:mod:`.zipmembers`), JSON decoded with only the keys the mapping reads
(:mod:`.ctgov_fields`), mapped in Python (:mod:`.ctgov_map`) and written to DuckDB in Arrow batches.
A bulk zip can instead be parsed and mapped in DuckDB (``engine="sql"``, :mod:`.ctgov_bulk`); both
engines store the same rows and content hashes (tests/ingest/test_ctgov_bulk_sql.py).  The Python
engine is the default: it costs less CPU per study on every input measured
(benchmarks/results/ctgov_import.md).  Either way the whole import is one transaction.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import time
import zipfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from immunograde.archives import looks_like_zip, open_zip
from immunograde.errors import InputError, Msg, existing_path
from immunograde.ingest import schema
from immunograde.ingest.ctgov_bulk import SqlUnsupported, import_zip_sql
from immunograde.ingest.ctgov_docs import Item, _documents, map_document
from immunograde.ingest.writer import (
    ImportSummary,
    NullProgress,
    Progress,
    Upserter,
    now,
    paused_gc,
    transaction,
)
from immunograde.ingest.zipmembers import members, read_member
from immunograde.kb.dbfile import scratch_dir
from immunograde.procs import die_with_parent


def iter_documents(path: Path, progress: Progress) -> Iterator[tuple[str, Any]]:
    """Yield ``(record label, study object)`` from a file, page, folder or bulk zip."""
    path = existing_path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.json") if p.is_file())
        if not files:
            raise InputError.one(
                Msg("no .json files in this folder: nothing to import"), file=str(path)
            )
        progress.set_total(len(files), "files")
        for f in files:
            yield from _documents(f.read_bytes(), str(f))
            progress.advance()
    elif zipfile.is_zipfile(path) or looks_like_zip(path):
        with open_zip(path) as zf, open(path, "rb") as fh:
            entries = members(zf)
            progress.set_total(len(entries), "studies")
            for info in entries:
                label = f"{path}!{info.filename}"
                yield from _documents(read_member(zf, fh, info, label), label)
                progress.advance()
    else:
        progress.set_total(1, "files")
        yield from _documents(path.read_bytes(), str(path))
        progress.advance()


CHUNK = 250  #: zip entries per task on the parallel bulk path


def _map_chunk(zip_path: str, names: list[str]) -> list[Item]:
    """Worker task: read, parse and map some zip entries."""
    out = []
    with zipfile.ZipFile(zip_path) as zf, open(zip_path, "rb") as f:
        for name in names:
            member = f"{zip_path}!{name}"
            for label, doc in _documents(read_member(zf, f, zf.getinfo(name), member), member):
                label, rec, notes = map_document(label, doc)
                out.append((label, rec, notes))
    return out


def _parallel_items(path: Path, workers: int, progress: Progress) -> Iterator[Item]:
    """Map a bulk zip in ``workers`` processes, in entry order, with a bounded number of chunks in
    flight (memory stays bounded); the caller writes the records in this process."""
    with open_zip(path) as zf:
        names = [i.filename for i in members(zf)]
    progress.set_total(len(names), "studies")
    chunks = iter([names[i : i + CHUNK] for i in range(0, len(names), CHUNK)])
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, ctx, die_with_parent, (os.getpid(),))  # die with the import
    try:
        pending: deque[tuple[Future[list[Item]], int]] = deque()
        for first in itertools.islice(chunks, 2 * workers):
            pending.append((pool.submit(_map_chunk, str(path), first), len(first)))
        while pending:
            future, n = pending.popleft()
            items = future.result()
            if (following := next(chunks, None)) is not None:
                pending.append((pool.submit(_map_chunk, str(path), following), len(following)))
            yield from items
            progress.advance(n)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _items(path: Path, workers: int, progress: Progress) -> Iterator[Item]:
    path = existing_path(path)
    if workers > 1 and path.is_file() and zipfile.is_zipfile(path):
        yield from _parallel_items(path, workers, progress)
        return
    for label, doc in iter_documents(path, progress):
        yield map_document(label, doc)


ENGINES = ("python", "sql")


def import_ctgov(
    path: Path,
    conn: duckdb.DuckDBPyConnection,
    *,
    batch_size: int = 2000,
    workers: int = 1,
    progress: Progress | None = None,
    engine: str = "python",
) -> ImportSummary:
    """Import studies into the ``reg_`` tables (idempotent; all or nothing).

    ``engine``: ``"python"`` (default) decodes the keys the mapping reads with msgspec and maps
    in Python (``workers > 1``: a bulk zip in that many processes); ``"sql"`` parses and maps a
    bulk zip in DuckDB (records it cannot map exactly are mapped in Python; files, pages and
    folders always go through Python).  Both store the same rows and content hashes for
    well-formed records; a text field holding a number, list or object stops the Python engine
    with an error naming it, while DuckDB stores its JSON text (benchmarks/results/ctgov_import.md).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    path = existing_path(Path(path))
    schema.ensure_schema(conn)
    progress = progress or NullProgress()
    if engine == "sql" and path.is_file() and zipfile.is_zipfile(path):
        try:
            summary = _import_sql(path, conn, progress)
        except SqlUnsupported as exc:
            summary = _import_python(path, conn, batch_size, workers, progress)
            summary.warn(
                Msg("%(path)s: read with the Python engine: DuckDB could not (%(reason)s)",
                    path=path, reason=str(exc))
            )  # fmt: skip
    else:
        summary = _import_python(path, conn, batch_size, workers, progress)
    if not summary.records_read:  # an empty page, array or zip: say so, never "imported 0"
        raise InputError.one(
            Msg("no ClinicalTrials.gov records in it: nothing to import"), file=str(path)
        )
    return summary


def _import_sql(path: Path, conn: duckdb.DuckDBPyConnection, progress: Progress) -> ImportSummary:
    summary = ImportSummary("ctgov", str(path))
    started = time.perf_counter()
    bar = (conn.execute("SELECT current_setting('enable_progress_bar')").fetchone() or (False,))[0]
    conn.execute("SET enable_progress_bar = false")  # the caller shows its own progress
    try:
        with scratch_dir("ctgov") as tmp, transaction(conn):
            import_zip_sql(path, conn, summary, progress, now(), tmp)
    finally:
        conn.execute(f"SET enable_progress_bar = {'true' if bar else 'false'}")
    summary.seconds = time.perf_counter() - started
    return summary


def _import_python(
    path: Path,
    conn: duckdb.DuckDBPyConnection,
    batch_size: int,
    workers: int,
    progress: Progress,
) -> ImportSummary:
    summary = ImportSummary("ctgov", str(path))
    started = time.perf_counter()
    with transaction(conn), paused_gc():
        up = Upserter(conn, schema.STUDIES, schema.STUDY_CHILDREN, summary, batch_size=batch_size)
        for label, record, notes in _items(path, workers, progress):
            summary.records_read += 1
            if record is None:
                summary.skip(label, notes[0])
                continue
            up.add(record)
            for note in notes:
                summary.warn(note)
        up.flush()
    summary.seconds = time.perf_counter() - started
    return summary

"""Import ClinicalTrials.gov API v2 JSON: one study, a page, a JSON array, a folder, or a bulk zip.

Accepted inputs:

- one study object (``{"protocolSection": …}``), as ``GET /api/v2/studies/NCT…`` returns it;
- a page (``{"studies": [...], "nextPageToken": …}``) or a JSON array of studies;
- a folder of such files (``*.json``, recursively, in name order);
- the bulk download, a zip of one JSON file per study.

Files are read one at a time (a page is read whole: API pages hold at most 1,000 studies), rows go
to DuckDB in Arrow batches, and the whole import is one transaction.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import time
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from immunograde.errors import InputError, NotFoundError
from immunograde.ingest import schema
from immunograde.ingest.ctgov_map import nct_id_of, parse_study
from immunograde.ingest.writer import (
    ImportSummary,
    NullProgress,
    Progress,
    Record,
    Upserter,
    paused_gc,
    transaction,
)

try:  # orjson parses ~2-3x faster when installed; stdlib json otherwise
    import orjson

    _loads: Callable[[bytes], Any] = orjson.loads
    JSON_PARSER = "orjson"
except ImportError:  # pragma: no cover - depends on the environment
    _loads = json.loads
    JSON_PARSER = "json"


def existing_path(path: Path) -> Path:
    """The path itself, or :class:`NotFoundError` with similar names from its folder."""
    if path.exists():
        return path
    parent = path.parent if path.parent.exists() else Path(".")
    stem = path.name.lower()[:4]
    near = sorted(p.name for p in parent.iterdir() if stem and stem in p.name.lower())[:5]
    raise NotFoundError(f"no such file or folder: {path}", near)


def _decode(data: bytes, label: str) -> Any:
    try:
        return _loads(data)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        msg = getattr(exc, "msg", str(exc))
        raise InputError.one(f"not valid JSON: {msg}", file=label, line=line) from None


def _documents(data: bytes, label: str) -> Iterator[tuple[str, Any]]:
    obj = _decode(data, label)
    if isinstance(obj, dict) and isinstance(obj.get("studies"), list):
        obj = obj["studies"]
    if isinstance(obj, list):
        for i, doc in enumerate(obj):
            yield f"{label}#{i}", doc
    else:
        yield label, obj


def iter_documents(path: Path, progress: Progress) -> Iterator[tuple[str, Any]]:
    """Yield ``(record label, study object)`` from a file, page, folder or bulk zip."""
    path = existing_path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.json") if p.is_file())
        progress.set_total(len(files), "files")
        for f in files:
            yield from _documents(f.read_bytes(), str(f))
            progress.advance()
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            entries = [i for i in zf.infolist() if not i.is_dir() and i.filename.endswith(".json")]
            progress.set_total(len(entries), "studies")
            for info in entries:
                yield from _documents(zf.read(info), f"{path}!{info.filename}")
                progress.advance()
    else:
        progress.set_total(1, "files")
        yield from _documents(path.read_bytes(), str(path))
        progress.advance()


#: a mapped document: (record label, the record or None when skipped, skip reason or warnings)
Item = tuple[str, Record | None, list[str]]
NOT_A_STUDY = "not a ClinicalTrials.gov study (no protocolSection.identificationModule.nctId)"
CHUNK = 250  #: zip entries per task on the parallel bulk path


def map_document(label: str, doc: Any) -> Item:
    """Map one document to its record (or a skip reason), with warnings about unknown countries."""
    if not isinstance(doc, dict) or nct_id_of(doc) is None:
        return label, None, [NOT_A_STUDY]
    parts = parse_study(doc, label)
    record = parts.record()
    warnings = [
        f"{label}: {parts.nct_id}: unknown country name {n!r} left out"
        for n in parts.unknown_countries
    ]
    return label, record, warnings


def _map_chunk(zip_path: str, names: list[str]) -> list[Item]:
    """Worker task: read, parse and map some zip entries."""
    out = []
    with zipfile.ZipFile(zip_path) as zf:
        for name in names:
            for label, doc in _documents(zf.read(name), f"{zip_path}!{name}"):
                label, rec, notes = map_document(label, doc)
                out.append((label, rec, notes))
    return out


def _parallel_items(path: Path, workers: int, progress: Progress) -> Iterator[Item]:
    """Map a bulk zip in ``workers`` processes, in entry order, with a bounded number of chunks in
    flight (memory stays bounded); the caller writes the records in this process."""
    with zipfile.ZipFile(path) as zf:
        names = [
            i.filename for i in zf.infolist() if not i.is_dir() and i.filename.endswith(".json")
        ]
    progress.set_total(len(names), "studies")
    chunks = iter([names[i : i + CHUNK] for i in range(0, len(names), CHUNK)])
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
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


def import_ctgov(
    path: Path,
    conn: duckdb.DuckDBPyConnection,
    *,
    batch_size: int = 2000,
    workers: int = 1,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import studies into the ``reg_`` tables (idempotent; all or nothing).

    ``workers > 1`` maps a bulk zip in that many processes (this process writes); the rows written
    are the same as with one worker.
    """
    summary = ImportSummary("ctgov", str(path))
    started = time.perf_counter()
    schema.ensure_schema(conn)
    with transaction(conn), paused_gc():
        up = Upserter(conn, schema.STUDIES, schema.STUDY_CHILDREN, summary, batch_size=batch_size)
        for label, record, notes in _items(Path(path), workers, progress or NullProgress()):
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

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

import json
import time
import zipfile
from collections.abc import Callable, Iterator
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


def import_ctgov(
    path: Path,
    conn: duckdb.DuckDBPyConnection,
    *,
    batch_size: int = 2000,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import studies into the ``reg_`` tables (idempotent; all or nothing)."""
    summary = ImportSummary("ctgov", str(path))
    started = time.perf_counter()
    schema.ensure_schema(conn)
    with transaction(conn), paused_gc():
        up = Upserter(conn, schema.STUDIES, schema.STUDY_CHILDREN, summary, batch_size=batch_size)
        for label, doc in iter_documents(Path(path), progress or NullProgress()):
            summary.records_read += 1
            if not isinstance(doc, dict) or nct_id_of(doc) is None:
                summary.skip(
                    label,
                    "not a ClinicalTrials.gov study (no protocolSection.identificationModule.nctId)",
                )
                continue
            parts = parse_study(doc, label)
            up.add(parts.record())
            for name in parts.unknown_countries:
                summary.warn(f"{label}: {parts.nct_id}: unknown country name {name!r} left out")
        up.flush()
    summary.seconds = time.perf_counter() - started
    return summary

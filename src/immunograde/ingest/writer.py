"""Batched, idempotent upserts into the ``reg_`` tables, inside one DuckDB transaction.

A record has a key (``nct_id``, ``pmid``, or ``(dataset, study)``), one row for its main table and
rows for child tables.  Its content hash is a BLAKE2b digest of those rows, so re-importing the same
records changes nothing (``unchanged``); a record whose content changed has all its rows replaced
(``updated``).  Rows go to DuckDB as Arrow tables, one batch at a time (no row-by-row INSERT).

The caller wraps the whole import in :func:`transaction`: an error anywhere rolls everything back,
so a failed import leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import marshal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from immunograde import settings
from immunograde.ingest.schema import Table, ensure_schema

MAX_EXAMPLES = 20


class Progress(Protocol):
    """What importers report while they run (the CLI shows it as a rich progress bar)."""

    def set_total(self, total: int | None, unit: str) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class NullProgress:
    def set_total(self, total: int | None, unit: str) -> None:
        return None

    def advance(self, n: int = 1) -> None:
        return None


@dataclass
class ImportSummary:
    """What an import did: records read, inserted, updated, unchanged, skipped (with reasons)."""

    kind: str
    source: str
    records_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)
    skipped_examples: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def skip(self, record: str, reason: str) -> None:
        self.skipped += 1
        self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + 1
        if len(self.skipped_examples) < MAX_EXAMPLES:
            self.skipped_examples.append({"record": record, "reason": reason})

    def warn(self, message: str) -> None:
        if len(self.warnings) < MAX_EXAMPLES:
            self.warnings.append(message)


@dataclass(frozen=True)
class Record:
    """One keyed record: its main row (main table columns, in order) and its child rows."""

    key: tuple[Any, ...]
    main: tuple[Any, ...]
    children: dict[str, list[tuple[Any, ...]]]
    source: str
    digest: str | None = None  #: the content hash, when a worker process computed it already

    def content_hash(self) -> str:
        """BLAKE2b of the rows, serialised with ``marshal`` version 2: no back-references and no
        interning flags, so equal values give equal bytes whichever reader built them."""
        if self.digest is not None:
            return self.digest
        payload = marshal.dumps((self.main, sorted(self.children.items())), 2)
        return hashlib.blake2b(payload, digest_size=16).hexdigest()


def open_db(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the knowledge-base DuckDB file and make sure ``reg_`` tables exist."""
    db = Path(path) if path is not None else settings.db_path()
    db.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(db))
    ensure_schema(conn)
    return conn


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk import.

    Importers allocate millions of short-lived, acyclic objects while a batch of records stays
    alive; each generation-2 collection rescans that batch (about 30 % of the run time on the
    bulk benchmark).  Reference counting still frees everything; the collector resumes after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction for a whole import: commit on success, roll back on any error."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _arrow(table: Table, rows: list[tuple[Any, ...]], extra: dict[str, pa.Array] | None = None):
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in table.columns]
    arrays = [pa.array(col, type=typ) for col, (_, typ) in zip(columns, table.columns, strict=True)]
    names = table.names
    if extra:
        arrays += list(extra.values())
        names = names + list(extra)
    return pa.Table.from_arrays(arrays, names=names)


class Upserter:
    """Collects records and writes them in batches; counts what happened in ``summary``."""

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        main: Table,
        children: tuple[Table, ...],
        summary: ImportSummary,
        *,
        batch_size: int = 2000,
        imported_at: dt.datetime | None = None,
    ) -> None:
        self.conn, self.main, self.children, self.summary = conn, main, children, summary
        self.batch_size = batch_size
        self.imported_at = imported_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        self._pending: list[Record] = []

    def add(self, record: Record) -> None:
        self._pending.append(record)
        if len(self._pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        batch: dict[tuple[Any, ...], Record] = {}
        for rec in self._pending:
            if rec.key in batch:
                self.summary.skip(
                    batch[rec.key].source, "duplicate key in this import; the later record was kept"
                )
            batch[rec.key] = rec
        self._pending = []
        hashes = {k: r.content_hash() for k, r in batch.items()}
        existing = self._existing_hashes(hashes)
        new = [k for k in batch if k not in existing]
        changed = [k for k in batch if k in existing and existing[k] != hashes[k]]
        self.summary.inserted += len(new)
        self.summary.updated += len(changed)
        self.summary.unchanged += len(batch) - len(new) - len(changed)
        if changed:
            self.delete_keys(changed)
        self._insert([batch[k] for k in new + changed], hashes)

    def _key_table(self, keys: list[tuple[Any, ...]]) -> pa.Table:
        cols = list(zip(*keys, strict=True))
        return pa.table(
            {
                name: pa.array(col, pa.string())
                for name, col in zip(self.main.key, cols, strict=True)
            }
        )

    def _existing_hashes(self, hashes: dict[tuple[Any, ...], str]) -> dict[tuple[Any, ...], str]:
        keycols = ", ".join(f"k.{c}" for c in self.main.key)
        self.conn.register("_ig_keys", self._key_table(list(hashes)))
        try:
            rows = self.conn.execute(
                f"SELECT {keycols}, m.content_hash FROM _ig_keys k "
                f"JOIN {self.main.name} m USING ({', '.join(self.main.key)})"
            ).fetchall()
        finally:
            self.conn.unregister("_ig_keys")
        return {tuple(r[:-1]): r[-1] for r in rows}

    def delete_keys(self, keys: list[tuple[Any, ...]]) -> None:
        """Delete every row of these records from the main table and the child tables."""
        self.conn.register("_ig_del", self._key_table(keys))
        try:
            for table in (*self.children, self.main):
                match = " AND ".join(f"d.{c} = t.{c}" for c in self.main.key)
                self.conn.execute(
                    f"DELETE FROM {table.name} t WHERE EXISTS (SELECT 1 FROM _ig_del d WHERE {match})"
                )
        finally:
            self.conn.unregister("_ig_del")

    def _insert(self, records: list[Record], hashes: dict[tuple[Any, ...], str]) -> None:
        if not records:
            return
        n = len(records)
        extra = {
            "source_file": pa.array([r.source for r in records], pa.string()),
            "imported_at": pa.array([self.imported_at] * n, pa.timestamp("us")),
            "content_hash": pa.array([hashes[r.key] for r in records], pa.string()),
        }
        self._append(self.main, _arrow(self.main, [r.main for r in records], extra))
        for child in self.children:
            rows = [row for r in records for row in r.children.get(child.name, ())]
            if rows:
                self._append(child, _arrow(child, rows))

    def _append(self, table: Table, data: pa.Table) -> None:
        self.conn.register("_ig_rows", data)
        try:
            cols = ", ".join(data.column_names)
            self.conn.execute(f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM _ig_rows")
        finally:
            self.conn.unregister("_ig_rows")

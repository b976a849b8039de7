"""Batched, idempotent upserts into the ``reg_`` tables, inside one DuckDB transaction.

A record has a key (``nct_id``, ``pmid``, or ``(dataset, study)``), one row for its main table and
rows for child tables.  Rows are first *staged* (Arrow tables from Python readers, or temporary
tables filled by SQL on the bulk ClinicalTrials.gov path, :mod:`.bulk_sql`), each row tagged with its
record's ordinal ``_rec``; :func:`merge_staged` then computes every record's content hash in DuckDB
from the staged values (so whichever path staged a record, equal rows give an equal hash),
re-importing the same records changes nothing (``unchanged``), and a record whose content changed
has all its rows replaced (``updated``).  No row-by-row INSERT.

The caller wraps the whole import in :func:`transaction`: an error anywhere rolls everything back,
so a failed import leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from immunograde import settings
from immunograde.errors import InputError
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


def _arrow(
    table: Table, rows: list[tuple[Any, ...]], extra: dict[str, pa.Array] | None = None
) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in table.columns]
    arrays = [pa.array(col, type=typ) for col, (_, typ) in zip(columns, table.columns, strict=True)]
    names = table.names
    if extra:
        arrays += list(extra.values())
        names = names + list(extra)
    return pa.Table.from_arrays(arrays, names=names)


def _row_hash(table: Table, alias: str) -> str:
    """DuckDB's 64-bit hash of a row's schema columns (values typed as the ``reg_`` table has them)."""
    return f"hash({', '.join(f'{alias}.{c}' for c in table.names)})"


def _hash_sql(main: Table, children: tuple[Table, ...], staged: dict[str, str]) -> str:
    """SQL for ``_ig_hash``: one row per staged record kept (the last one per key), its content
    hash and the stored hash (NULL when new).

    content hash = md5 of the main row's hash and, per child table, the sum and count of its rows'
    hashes: independent of row order, equal for equal rows whichever path staged them.
    """
    key = ", ".join(main.key)
    parts = [f"{_row_hash(main, 'm')}::VARCHAR"]
    joins = []
    for i, child in enumerate(children):
        joins.append(
            f"LEFT JOIN (SELECT _rec, sum({_row_hash(child, 'c')}) AS s, count(*) AS n "
            f"FROM {staged[child.name]} c GROUP BY _rec) c{i} USING (_rec)"
        )
        parts += [f"coalesce(c{i}.s, 0)::VARCHAR", f"coalesce(c{i}.n, 0)::VARCHAR"]
    return (
        f"CREATE OR REPLACE TEMP TABLE _ig_hash AS SELECT m._rec, {', '.join(f'm.{k}' for k in main.key)}, "
        f"md5(concat_ws('|', {', '.join(parts)})) AS content_hash, e.content_hash AS old_hash "
        f"FROM (SELECT * FROM {staged[main.name]} QUALIFY row_number() OVER "
        f"(PARTITION BY {key} ORDER BY _rec DESC) = 1) m {' '.join(joins)} "
        f"LEFT JOIN {main.name} e USING ({key})"
    )


def merge_staged(
    conn: duckdb.DuckDBPyConnection,
    main: Table,
    children: tuple[Table, ...],
    staged: dict[str, str],
    summary: ImportSummary,
    imported_at: dt.datetime,
) -> None:
    """Upsert staged records into ``main`` and ``children`` (call inside :func:`transaction`).

    ``staged`` names, per table, a relation with the table's columns plus ``_rec`` (the record's
    ordinal in this import; the main relation also has ``source_file``).  For a key staged twice
    the record with the higher ``_rec`` is kept and the other counted as skipped.
    """
    key = ", ".join(main.key)
    dupes = conn.execute(
        f"SELECT source_file FROM {staged[main.name]} QUALIFY row_number() OVER "
        f"(PARTITION BY {key} ORDER BY _rec DESC) > 1 ORDER BY _rec"
    ).fetchall()
    for (source,) in dupes:
        summary.skip(source, "duplicate key in this import; the later record was kept")
    conn.execute(_hash_sql(main, children, staged))
    try:
        new, changed, same = conn.execute(
            "SELECT count(*) FILTER (old_hash IS NULL), count(*) FILTER (old_hash <> content_hash),"
            " count(*) FILTER (old_hash = content_hash) FROM _ig_hash"
        ).fetchone() or (0, 0, 0)
        summary.inserted += new
        summary.updated += changed
        summary.unchanged += same
        if changed:
            match = " AND ".join(f"h.{c} = t.{c}" for c in main.key)
            for table in (*children, main):
                conn.execute(
                    f"DELETE FROM {table.name} t WHERE EXISTS (SELECT 1 FROM _ig_hash h "
                    f"WHERE h.old_hash <> h.content_hash AND {match})"
                )
        _insert_staged(conn, main, children, staged, imported_at)
    finally:
        conn.execute("DROP TABLE IF EXISTS _ig_hash")


def _insert_staged(
    conn: duckdb.DuckDBPyConnection,
    main: Table,
    children: tuple[Table, ...],
    staged: dict[str, str],
    imported_at: dt.datetime,
) -> None:
    write = "(SELECT _rec, content_hash FROM _ig_hash WHERE old_hash IS DISTINCT FROM content_hash)"
    cols = ", ".join(main.names)
    conn.execute(
        f"INSERT INTO {main.name} ({cols}, source_file, imported_at, content_hash) "
        f"SELECT {', '.join(f's.{c}' for c in main.names)}, s.source_file, ?::TIMESTAMP, "
        f"w.content_hash FROM {staged[main.name]} s JOIN {write} w USING (_rec) ORDER BY s._rec",
        [imported_at],
    )
    for child in children:
        cols = ", ".join(child.names)
        conn.execute(
            f"INSERT INTO {child.name} ({cols}) SELECT {cols} FROM {staged[child.name]} "
            f"WHERE _rec IN (SELECT _rec FROM {write}) ORDER BY _rec"
        )


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
        self.imported_at = imported_at or now()
        self._pending: list[Record] = []

    def add(self, record: Record) -> None:
        self._pending.append(record)
        if len(self._pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        records, self._pending = self._pending, []
        staged = stage_records(self.main, self.children, records)
        names = {}
        try:
            for name, data in staged.items():
                names[name] = f"_ig_s_{name}"
                self.conn.register(names[name], data)
            self._insert(names)
        finally:
            for view in names.values():
                self.conn.unregister(view)

    def _insert(self, staged: dict[str, str]) -> None:
        merge_staged(self.conn, self.main, self.children, staged, self.summary, self.imported_at)

    def delete_keys(self, keys: list[tuple[Any, ...]]) -> None:
        """Delete every row of these records from the main table and the child tables."""
        cols = list(zip(*keys, strict=True))
        data = pa.table(
            {n: pa.array(c, pa.string()) for n, c in zip(self.main.key, cols, strict=True)}
        )
        self.conn.register("_ig_del", data)
        try:
            for table in (*self.children, self.main):
                match = " AND ".join(f"d.{c} = t.{c}" for c in self.main.key)
                self.conn.execute(
                    f"DELETE FROM {table.name} t WHERE EXISTS (SELECT 1 FROM _ig_del d WHERE {match})"
                )
        finally:
            self.conn.unregister("_ig_del")


def now() -> dt.datetime:
    """The ``imported_at`` stamp: UTC, without time zone (DuckDB ``TIMESTAMP``)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def stage_records(
    main: Table,
    children: tuple[Table, ...],
    records: list[Record],
    recs: Sequence[int] | None = None,
) -> dict[str, pa.Table]:
    """Arrow tables for :func:`merge_staged`: the records' rows tagged with ``_rec`` (``recs``, or
    the list order); the main table also carries ``source_file``."""
    try:
        return _stage(main, children, records, recs)
    except (pa.ArrowException, TypeError, OverflowError) as exc:
        raise _bad_value(main, children, records) or exc from None


def _stage(
    main: Table, children: tuple[Table, ...], records: list[Record], recs: Sequence[int] | None
) -> dict[str, pa.Table]:
    recs = range(len(records)) if recs is None else recs
    out = {
        main.name: _arrow(
            main,
            [r.main for r in records],
            {
                "_rec": pa.array(recs, pa.int64()),
                "source_file": pa.array([r.source for r in records], pa.string()),
            },
        )
    }
    for child in children:
        rows: list[tuple[Any, ...]] = []
        tags: list[int] = []
        for rec, r in zip(recs, records, strict=True):
            mine = r.children.get(child.name, ())
            rows.extend(mine)
            tags.extend([rec] * len(mine))
        out[child.name] = _arrow(child, rows, {"_rec": pa.array(tags, pa.int64())})
    return out


_KINDS = {
    pa.string(): "text",
    pa.int64(): "a whole number (64 bits)",
    pa.float64(): "a number",
    pa.bool_(): "true or false",
    pa.list_(pa.string()): "a list of text",
}


def _fits(typ: pa.DataType, value: Any) -> bool:
    if value is None:
        return True
    if typ == pa.string():
        return isinstance(value, str)
    if typ == pa.int64():
        return type(value) is int and -(2**63) <= value < 2**63
    if typ == pa.float64():
        return type(value) in (int, float) and abs(value) < 2**1024
    if typ == pa.bool_():
        return isinstance(value, bool)
    if typ == pa.list_(pa.string()):
        return isinstance(value, list) and all(v is None or isinstance(v, str) for v in value)
    return True


def _bad_value(
    main: Table, children: tuple[Table, ...], records: list[Record]
) -> InputError | None:
    """The first value that does not fit its column (the reader let through a value of the wrong
    type: a list where the registry has text, a 70-bit number), as an :class:`InputError`."""
    for record in records:
        rows = [(main, record.main)]
        rows += [(c, row) for c in children for row in record.children.get(c.name, ())]
        for table, row in rows:
            for (column, typ), value in zip(table.columns, row, strict=True):
                if not _fits(typ, value):
                    text = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
                    return InputError.one(
                        f"{', '.join(map(str, record.key))}: {table.name}.{column}: expected "
                        f"{_KINDS.get(typ, typ)}, got {text}",
                        file=record.source,
                        field=column,
                    )
    return None

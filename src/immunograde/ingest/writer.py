"""Batched, idempotent upserts into the ``reg_`` tables, inside one DuckDB transaction.

A record has a key (``nct_id``, ``pmid``, or ``(dataset, study)``), one row for its main table and
rows for child tables.  Rows are first *staged* (Arrow tables from Python readers, or temporary
tables filled by SQL on the bulk ClinicalTrials.gov path, :mod:`.bulk_sql`), each row tagged with its
record's ordinal ``_rec``, in a private in-memory DuckDB (:func:`staging_db`, so that memory stays
bounded however long the import); :func:`merge_staged` then computes every record's content hash
in DuckDB from the staged values (so whichever path staged a record, equal rows give an equal hash),
re-importing the same records changes nothing (``unchanged``), and a record whose content changed
has all its rows replaced (``updated``).  No row-by-row INSERT.

The caller wraps the whole import in :func:`transaction`: an error anywhere rolls everything back,
so a failed import leaves the database as it was; the knowledge base itself is written through
:func:`importing` (a copy published whole, one writer at a time, readers never blocked).
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from immunograde import settings
from immunograde.errors import N_, InputError, Msg
from immunograde.ingest.common import short_repr
from immunograde.ingest.schema import Table, ensure_schema
from immunograde.kb.dbfile import rewrite

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
    """Open (creating if needed) a DuckDB file for writing and make sure ``reg_`` tables exist.

    Writes the file in place: for the knowledge base, use :func:`importing`."""
    db = Path(path) if path is not None else settings.db_path()
    db.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(db))
    ensure_schema(conn)
    return conn


@contextmanager
def importing(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The knowledge base (default ``settings.db_path()``) for one import.

    The connection is to a private copy, moved over the live file when the block ends without error
    (:func:`immunograde.kb.dbfile.rewrite`): ``serve`` and other readers go on reading the previous
    version meanwhile and are never blocked, a second writer waits for this one, and an import that
    fails or is killed leaves the knowledge base as it was.
    """
    db = Path(path) if path is not None else settings.db_path()
    with rewrite(db) as job:
        conn = open_db(job.path)
        try:
            yield conn
            # the stored appraisals read registry records (trials without results): once records change
            # they are stale, so they are dropped and recomputed on first use (evidence.answers)
            conn.execute("DROP TABLE IF EXISTS appraisals_meta")
            conn.execute("CHECKPOINT")
        finally:
            conn.close()


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
    """SQL (run in the staging database) for ``_ig_hash``: one row per staged record kept (the last
    one per key) with its content hash.

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
        f"CREATE OR REPLACE TABLE _ig_hash AS SELECT m._rec, {', '.join(f'm.{k}' for k in main.key)}, "
        f"md5(concat_ws('|', {', '.join(parts)})) AS content_hash "
        f"FROM (SELECT * FROM {staged[main.name]} QUALIFY row_number() OVER "
        f"(PARTITION BY {key} ORDER BY _rec DESC) = 1) m {' '.join(joins)}"
    )


def threads_of(conn: duckdb.DuckDBPyConnection) -> int:
    """``conn``'s DuckDB thread setting (for the scratch databases an import opens beside it)."""
    return int((conn.execute("SELECT current_setting('threads')").fetchone() or (1,))[0])


def staging_db(conn: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB for one batch's staging tables, with ``conn``'s thread setting
    and no progress bar of its own.

    Staging happens outside the knowledge base's transaction: inside it, DuckDB keeps every table
    dropped and every Arrow table registered until the transaction ends (for a rollback), so a
    bulk import grew by every batch it had staged and ran out of memory under a memory limit.
    Only the rows to write cross into the transaction, as one-shot Arrow streams.
    """
    staging = duckdb.connect(":memory:", config={"threads": threads_of(conn)})
    staging.execute("SET enable_progress_bar = false")  # the importer shows its own progress
    return staging


def merge_staged(
    conn: duckdb.DuckDBPyConnection,
    staging: duckdb.DuckDBPyConnection,
    main: Table,
    children: tuple[Table, ...],
    staged: dict[str, str],
    summary: ImportSummary,
    imported_at: dt.datetime,
    arrow: Mapping[str, pa.Table] | None = None,
) -> None:
    """Upsert staged records into ``main`` and ``children`` of ``conn`` (call inside
    :func:`transaction`).

    ``staged`` names, per table, a relation in ``staging`` with the table's columns plus ``_rec``
    (the record's ordinal in this import; the main relation also has ``source_file``).  For a key
    staged twice the record with the higher ``_rec`` is kept and the other counted as skipped.
    ``arrow``: per child table name, the Arrow table staged for it (the one registered in
    ``staging``, rows in ``_rec`` order), when the caller has it: its rows are then written from
    Arrow directly instead of being read back out of ``staging``.
    """
    key = ", ".join(main.key)
    dupes = staging.execute(
        f"SELECT source_file FROM {staged[main.name]} QUALIFY row_number() OVER "
        f"(PARTITION BY {key} ORDER BY _rec DESC) > 1 ORDER BY _rec"
    ).fetchall()
    for (source,) in dupes:
        summary.skip(source, Msg("duplicate key in this import; the later record was kept"))
    staging.execute(_hash_sql(main, children, staged))
    keys = staging.execute(f"SELECT _rec, {key} FROM _ig_hash").to_arrow_table()
    with arrow_stream(conn, "_ig_keys", keys):
        old = conn.execute(
            f"SELECT k._rec, e.content_hash AS old_hash FROM _ig_keys k "
            f"JOIN {main.name} e USING ({key})"
        ).to_arrow_table()
    staging.register("_ig_old", old)
    try:
        staging.execute(
            "CREATE OR REPLACE TABLE _ig_state AS SELECT h._rec, h.content_hash, o.old_hash "
            f"{''.join(f', h.{k}' for k in main.key)} FROM _ig_hash h LEFT JOIN _ig_old o USING (_rec)"
        )
    finally:
        staging.unregister("_ig_old")
    new, changed, same = staging.execute(
        "SELECT count(*) FILTER (old_hash IS NULL), count(*) FILTER (old_hash <> content_hash),"
        " count(*) FILTER (old_hash = content_hash) FROM _ig_state"
    ).fetchone() or (0, 0, 0)
    summary.inserted += new
    summary.updated += changed
    summary.unchanged += same
    if changed:
        gone = staging.execute(
            f"SELECT {key} FROM _ig_state WHERE old_hash <> content_hash"
        ).to_arrow_table()
        match = " AND ".join(f"d.{c} = t.{c}" for c in main.key)
        for table in (*children, main):
            with arrow_stream(conn, "_ig_gone", gone):
                conn.execute(
                    f"DELETE FROM {table.name} t WHERE EXISTS (SELECT 1 FROM _ig_gone d WHERE {match})"
                )
    _insert_staged(conn, staging, main, children, staged, imported_at, arrow or {})


def _insert_staged(
    conn: duckdb.DuckDBPyConnection,
    staging: duckdb.DuckDBPyConnection,
    main: Table,
    children: tuple[Table, ...],
    staged: dict[str, str],
    imported_at: dt.datetime,
    arrow: Mapping[str, pa.Table],
) -> None:
    """Stream the rows of new and changed records from ``staging`` into ``conn``'s tables."""
    write = (
        "(SELECT _rec, content_hash FROM _ig_state WHERE old_hash IS DISTINCT FROM content_hash)"
    )
    cols = ", ".join(main.names)
    rows = staging.execute(
        f"SELECT {', '.join(f's.{c}' for c in main.names)}, s.source_file, ?::TIMESTAMP AS "
        f"imported_at, w.content_hash FROM {staged[main.name]} s JOIN {write} w USING (_rec) "
        "ORDER BY s._rec",
        [imported_at],
    ).to_arrow_reader()
    with arrow_stream(conn, "_ig_rows", rows):
        conn.execute(
            f"INSERT INTO {main.name} ({cols}, source_file, imported_at, content_hash) "
            "SELECT * FROM _ig_rows"
        )
    keep = None  # the _rec of the records to write, when not every staged record is written
    if arrow:
        everyone, recs = staging.execute(
            f"SELECT (SELECT count(*) FROM {staged[main.name]}) = count(*), list(_rec) FROM {write}"
        ).fetchone() or (True, [])
        keep = None if everyone else pa.array(recs or [], pa.int64())
    for child in children:
        cols = ", ".join(child.names)
        data: pa.Table | pa.RecordBatchReader
        if child.name in arrow:
            data = arrow[child.name]
            if keep is not None:
                data = data.filter(pc.is_in(data["_rec"], value_set=keep))
            data = data.select(child.names)
        else:
            data = staging.execute(
                f"SELECT {cols} FROM {staged[child.name]} WHERE _rec IN (SELECT _rec FROM {write}) "
                "ORDER BY _rec"
            ).to_arrow_reader()
        with arrow_stream(conn, "_ig_rows", data):
            conn.execute(f"INSERT INTO {child.name} ({cols}) SELECT * FROM _ig_rows")


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
        with staging_db(self.conn) as staging:
            names = {}
            for name, data in staged.items():
                names[name] = f"_ig_s_{name}"
                staging.register(names[name], data)  # freed with the staging database
            self._insert(staging, names, staged)

    def _insert(
        self,
        staging: duckdb.DuckDBPyConnection,
        staged: dict[str, str],
        arrow: Mapping[str, pa.Table],
    ) -> None:
        merge_staged(
            self.conn,
            staging,
            self.main,
            self.children,
            staged,
            self.summary,
            self.imported_at,
            {t.name: arrow[t.name] for t in self.children},
        )

    def delete_keys(self, keys: list[tuple[Any, ...]]) -> None:
        """Delete every row of these records from the main table and the child tables."""
        cols = list(zip(*keys, strict=True))
        data = pa.table(
            {n: pa.array(c, pa.string()) for n, c in zip(self.main.key, cols, strict=True)}
        )
        match = " AND ".join(f"d.{c} = t.{c}" for c in self.main.key)
        for table in (*self.children, self.main):
            with arrow_stream(self.conn, "_ig_del", data):
                self.conn.execute(
                    f"DELETE FROM {table.name} t WHERE EXISTS (SELECT 1 FROM _ig_del d WHERE {match})"
                )


@contextmanager
def arrow_stream(
    conn: duckdb.DuckDBPyConnection, view: str, data: pa.Table | pa.RecordBatchReader
) -> Iterator[None]:
    """``data`` as view ``view`` for one scan, inside an import's transaction.

    Registered as a one-shot record-batch stream, not as a table: DuckDB keeps every registered
    Arrow *table* alive until the transaction ends (a bulk import held all its staged batches,
    about 3.5 KB per study, unbounded); a consumed stream it does not keep.
    """
    if isinstance(data, pa.Table):
        data = pa.RecordBatchReader.from_batches(data.schema, data.to_batches())
    conn.register(view, data)
    try:
        yield
    finally:
        conn.unregister(view)


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
    pa.string(): N_("text"),
    pa.int64(): N_("a whole number (64 bits)"),
    pa.float64(): N_("a number"),
    pa.bool_(): N_("true or false"),
    pa.list_(pa.string()): N_("a list of text"),
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
                    return InputError.one(
                        Msg(
                            "%(key)s: %(table)s.%(column)s: expected %(kind)s, got %(value)s",
                            key=", ".join(map(str, record.key)),
                            table=table.name,
                            column=column,
                            kind=Msg(_KINDS[typ]) if typ in _KINDS else typ,
                            value=short_repr(value),
                        ),
                        file=record.source,
                        field=column,
                    )
    return None

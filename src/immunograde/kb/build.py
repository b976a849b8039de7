"""``kb build``: check the reviewed files, then build the DuckDB knowledge base atomically.

The new database is written to a temporary file in the same folder and moved over the old one with
:func:`os.replace` only when complete (:func:`immunograde.kb.dbfile.rewrite`: one writer at a time,
readers keep the old file until then); any failure (bad data, a crash or a kill mid-build) leaves the
previous database byte-identical.  Tables whose names start with ``reg_`` (registry records imported by
``immunograde import``) and the history in ``builds`` are copied from the previous database into the
new one before the rename.  Each build appends a ``builds`` row: build time and ``data_version`` (the
SHA-256 of every reviewed file's path and bytes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from immunograde.errors import InputError, Msg, Problem
from immunograde.kb.check import check_kb
from immunograde.kb.dbfile import rewrite
from immunograde.kb.loader import LoadedKB
from immunograde.kb.tables import TABLES, table_rows

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    """What a build produced."""

    db_path: Path
    data_version: str
    counts: dict[str, int]
    preserved_tables: list[str]
    seconds: float


def data_version(data_dir: Path, files: list[Path]) -> str:
    """SHA-256 over the sorted (relative path, bytes) of every reviewed file."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(data_dir).as_posix()):
        digest.update(path.relative_to(data_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _write_tables(con: duckdb.DuckDBPyConnection, kb: LoadedKB, progress: Progress) -> None:
    import pyarrow as pa

    for name, schema in TABLES.items():
        progress(f"table {name}")
        arrow = pa.Table.from_pylist(table_rows(name, kb), schema=pa.schema(schema))
        con.register("_arrow_in", arrow)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _arrow_in')
        con.unregister("_arrow_in")


def _preserve(con: duckdb.DuckDBPyConnection, old: Path, progress: Progress) -> list[str]:
    """Copy ``reg_*`` tables and the ``builds`` history from the previous database."""
    if not old.exists():
        return []
    try:
        quoted = str(old).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS old_db (READ_ONLY)")
    except duckdb.Error as exc:
        raise InputError.one(
            Msg(
                "cannot open the previous database to keep its reg_ tables: %(reason)s",
                reason=str(exc),
            ),
            file=str(old),
        ) from exc
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_catalog = 'old_db' AND table_schema = 'main'"
        ).fetchall()
    ]
    kept = sorted(n for n in names if n.startswith("reg_"))
    for name in kept:
        progress(f"keep {name}")
        _copy_table(con, name)
    if "builds" in names:
        con.execute("INSERT INTO builds SELECT * FROM old_db.main.builds")
    con.execute("DETACH old_db")
    return kept


def _copy_table(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Recreate ``name`` with its original DDL (keys, constraints) and indexes, then copy its rows."""
    row = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE database_name = 'old_db' AND schema_name = 'main' "
        "AND table_name = ?",
        [name],
    ).fetchone()
    if row and row[0]:
        con.execute(row[0])
        con.execute(f'INSERT INTO "{name}" SELECT * FROM old_db.main."{name}"')
    else:
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM old_db.main."{name}"')
    indexes = con.execute(
        "SELECT sql FROM duckdb_indexes() WHERE database_name = 'old_db' AND table_name = ? "
        "AND sql IS NOT NULL",
        [name],
    ).fetchall()
    for (sql,) in indexes:
        con.execute(sql)


def _create_builds(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE builds (built_at TIMESTAMP, data_version VARCHAR, n_files INTEGER, "
        "counts VARCHAR, immunograde_version VARCHAR)"
    )


def build_kb(
    data_dir: Path,
    db_path: Path,
    shared_data: Path | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Check ``data_dir`` and build ``db_path`` atomically.

    Raises :class:`~immunograde.errors.InputError` listing every problem when the check fails; the
    previous database is then left untouched.
    """
    from immunograde import __version__

    say: Progress = progress or (lambda _msg: None)
    start = time.perf_counter()
    say("checking reviewed files")
    result = check_kb(data_dir, shared_data)
    if not result.ok:
        raise InputError(list(result.problems))
    version = data_version(data_dir, result.kb.files)
    with rewrite(db_path, copy=False) as job:  # one writer at a time; readers see the old file
        con = duckdb.connect(str(job.path))
        try:
            _write_tables(con, result.kb, say)
            _create_builds(con)
            kept = _preserve(con, db_path, say)
            counts = result.counts()
            con.execute(
                "INSERT INTO builds VALUES (?, ?, ?, ?, ?)",
                [
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    version,
                    len(result.kb.files),
                    json.dumps(counts, sort_keys=True),
                    __version__,
                ],
            )
            con.execute("CHECKPOINT")
        finally:
            con.close()
    say("done")
    return BuildResult(db_path, version, counts, kept, time.perf_counter() - start)


def latest_build(con: duckdb.DuckDBPyConnection) -> dict[str, object] | None:
    """The newest ``builds`` row of an open database, or None."""
    row = con.execute(
        "SELECT built_at, data_version, n_files, counts FROM builds ORDER BY built_at DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return {
        "built_at": row[0],
        "data_version": row[1],
        "n_files": row[2],
        "counts": json.loads(row[3]),
    }


def problems_as_dicts(problems: list[Problem]) -> list[dict[str, object]]:
    return [p.as_dict() for p in problems]

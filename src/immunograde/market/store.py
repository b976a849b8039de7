"""The market tables in the knowledge-base DuckDB file, and writing imports into them.

The tables are named ``reg_market_*``, so ``immunograde kb build`` keeps them across rebuilds:

- ``reg_market_figures``: every figure read (see :mod:`immunograde.ingest.market_rows`);
- ``reg_market_names``: each distinct printed (name, generic name, code) and where it maps, with the
  ``data_version`` of the catalogue it was mapped against (re-mapped when that changes);
- ``reg_market_imports``: one row per imported file (its SHA-256, how many figures, what was counted);
- ``reg_market_epd_values`` / ``reg_market_epd_deciles``: prescribing measures per practice and area
  (:mod:`immunograde.market.epd_measures`).

A file's import is one transaction: its figures replace those it supersedes (the same file, a byte-
identical copy of it, or — for period-keyed datasets — the same dataset's figures for the periods it
holds), then every name is mapped again.  Re-importing an unchanged file writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from immunograde.ingest.market_rows import FIGURE_SCHEMA
from immunograde.market.names import Mapping, NameMapper, read_catalogue

_SQL_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
}
FIGURES = "reg_market_figures"
NAMES = "reg_market_names"
IMPORTS = "reg_market_imports"
#: datasets whose newer file replaces the older one's figures for the periods it holds
PERIOD_KEYED = frozenset({"cms_partd_usafacts", "cms_medicaid_usafacts", "cms_medicaid", "cms_partb",
                          "au_pbs", "nhs_epd"})  # fmt: skip

DDL = [
    f"CREATE TABLE IF NOT EXISTS {FIGURES} ("
    + ", ".join(f"{f.name} {_SQL_TYPES[f.type]}" for f in FIGURE_SCHEMA)
    + ", imported_at TIMESTAMP)",
    f"CREATE TABLE IF NOT EXISTS {NAMES} (dataset VARCHAR, name VARCHAR, generic_name VARCHAR, "
    "code VARCHAR, substance_ids VARCHAR[], product_id VARCHAR, class_id VARCHAR, match VARCHAR, "
    "matched_name VARCHAR, product_route VARCHAR, note VARCHAR, data_version VARCHAR)",
    f"CREATE TABLE IF NOT EXISTS {IMPORTS} (dataset VARCHAR, source_file VARCHAR, sha256 VARCHAR, "
    "figures BIGINT, notes VARCHAR, imported_at TIMESTAMP, kb_version VARCHAR)",
]


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in DDL:
        con.execute(ddl)


@dataclass
class FileResult:
    """What importing one file did."""

    dataset: str
    source_file: str
    figures: int
    status: str  #: inserted | replaced | unchanged
    replaced: int = 0
    notes: dict[str, int] = field(default_factory=dict)


def previous_import(con: duckdb.DuckDBPyConnection, dataset: str, sha256: str) -> str | None:
    """The source file already imported for ``dataset`` with these exact bytes, if any."""
    row = con.execute(
        f"SELECT source_file FROM {IMPORTS} WHERE dataset = ? AND sha256 = ?", [dataset, sha256]
    ).fetchone()
    return row[0] if row else None


def write_figures(
    con: duckdb.DuckDBPyConnection, table: pa.Table, *, dataset: str, source_file: str, sha256: str,
    notes: dict[str, int], same_as: str | None,
) -> int:  # fmt: skip
    """Replace what ``table`` supersedes and insert it (call inside :func:`~immunograde.ingest.writer.transaction`)."""
    files = [source_file] + ([same_as] if same_as else [])
    where = f"dataset = ? AND (source_file IN ({', '.join('?' * len(files))})"
    params: list[object] = [dataset, *files]
    if dataset in PERIOD_KEYED:
        periods = sorted(set(table.column("period").to_pylist()))
        where += " OR period IN (SELECT unnest(?::VARCHAR[]))"
        params.append(periods)
    where += ")"
    replaced = (
        con.execute(f"SELECT count(*) FROM {FIGURES} WHERE {where}", params).fetchone() or (0,)
    )[0]
    con.execute(f"DELETE FROM {FIGURES} WHERE {where}", params)
    con.execute(f"DELETE FROM {IMPORTS} WHERE dataset = ? AND source_file IN ({', '.join('?' * len(files))})",
                [dataset, *files])  # fmt: skip
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.register("_market_in", table)
    try:
        con.execute(f"INSERT INTO {FIGURES} SELECT *, ?::TIMESTAMP FROM _market_in", [now])
    finally:
        con.unregister("_market_in")
    version = read_catalogue(con).data_version
    con.execute(f"INSERT INTO {IMPORTS} VALUES (?, ?, ?, ?, ?, ?, ?)",
                [dataset, source_file, sha256, table.num_rows, json.dumps(notes, sort_keys=True), now, version])  # fmt: skip
    return int(replaced)


def remap_names(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Map every distinct printed name again against the catalogue in this database (call inside
    :func:`~immunograde.ingest.writer.transaction`); returns how many names went to each kind of match."""
    catalogue = read_catalogue(con)
    mapper = NameMapper(catalogue)
    rows = con.execute(
        f"SELECT DISTINCT dataset, name, coalesce(generic_name, ''), coalesce(code, '') FROM {FIGURES}"
    ).fetchall()
    out: dict[str, list[object]] = {k: [] for k in ("dataset", "name", "generic_name", "code",
        "substance_ids", "product_id", "class_id", "match", "matched_name", "product_route", "note")}  # fmt: skip
    counts: dict[str, int] = {}
    for dataset, name, generic, code in rows:
        m: Mapping = mapper.map(name, generic or None, code or None)
        counts[m.match] = counts.get(m.match, 0) + 1
        for key, value in (("dataset", dataset), ("name", name), ("generic_name", generic), ("code", code),
                           ("substance_ids", list(m.substance_ids)), ("product_id", m.product_id),
                           ("class_id", m.class_id), ("match", m.match), ("matched_name", m.matched_name),
                           ("product_route", m.product_route), ("note", m.note)):  # fmt: skip
            out[key].append(value)
    table = pa.table(out, schema=pa.schema([(k, pa.list_(pa.string()) if k == "substance_ids" else pa.string())
                                            for k in out]))  # fmt: skip
    con.execute(f"DELETE FROM {NAMES}")
    con.register("_names_in", table)
    try:
        con.execute(f"INSERT INTO {NAMES} SELECT *, ? FROM _names_in", [catalogue.data_version])
    finally:
        con.unregister("_names_in")
    return counts


def names_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every stored mapping was made against this database's catalogue."""
    version = read_catalogue(con).data_version
    row = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE data_version IS NOT DISTINCT FROM ?) FROM {NAMES}",
        [version],
    ).fetchone()
    return bool(row and row[0] and row[0] == row[1])


def name_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(
        con.execute(f"SELECT match, count(*) FROM {NAMES} GROUP BY match ORDER BY match").fetchall()
    )


EPD_VALUES = "reg_market_epd_values"
EPD_DECILES = "reg_market_epd_deciles"
EPD_RUNS = "reg_market_epd_runs"
EPD_DDL = [
    f"CREATE TABLE IF NOT EXISTS {EPD_VALUES} (measure_id VARCHAR, month VARCHAR, org_type VARCHAR, "
    "org_id VARCHAR, org_name VARCHAR, numerator BIGINT, denominator BIGINT, ratio DOUBLE, "
    "percentile DOUBLE, outlier VARCHAR)",
    f"CREATE TABLE IF NOT EXISTS {EPD_DECILES} (measure_id VARCHAR, month VARCHAR, org_type VARCHAR, "
    "p BIGINT, n BIGINT, value DOUBLE)",
    f"CREATE TABLE IF NOT EXISTS {EPD_RUNS} (measure_id VARCHAR, definition VARCHAR, engine VARCHAR, "
    "files VARCHAR, computed_at TIMESTAMP)",
]


def write_epd_results(
    con: duckdb.DuckDBPyConnection, values: pa.Table, deciles: pa.Table, runs: pa.Table
) -> None:
    """Replace the stored results of the measures in ``runs`` (call inside a transaction)."""
    for ddl in EPD_DDL:
        con.execute(ddl)
    ids = runs.column("measure_id").to_pylist()
    for table, data in ((EPD_VALUES, values), (EPD_DECILES, deciles), (EPD_RUNS, runs)):
        con.execute(f"DELETE FROM {table} WHERE list_contains(?, measure_id)", [ids])
        con.register("_epd_in", data)
        try:
            con.execute(f"INSERT INTO {table} SELECT * FROM _epd_in")
        finally:
            con.unregister("_epd_in")

"""``immunograde market measures``: run the measure definitions over the EPD store on an engine and keep
the results in the knowledge base (``reg_market_epd_*``), or read them back for pages and commands."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from immunograde.ingest.writer import transaction
from immunograde.kb.queries import KnowledgeBase
from immunograde.market import store
from immunograde.market.epd_definitions import Measure, load_measures
from immunograde.market.epd_measures import MeasureResults, run_measures
from immunograde.market.epd_store import epd_dir, epd_files
from immunograde.safety.engines import make_engine


def compute(db_path: Path, *, engine: str = "duckdb", master: str = "local[2]",
            only: list[str] | None = None) -> MeasureResults:  # fmt: skip
    """Run the measures over every month in the EPD store beside ``db_path`` and store the results."""
    measures = load_measures(only=only)
    files = epd_files(epd_dir(db_path))
    eng = make_engine(engine, master=master)
    try:
        results = run_measures(eng, files, measures)
    finally:
        eng.close()
    save(db_path, results, measures, files)
    return results


def save(
    db_path: Path, results: MeasureResults, measures: list[Measure], files: list[Path]
) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    runs = pa.table({
        "measure_id": [m.id for m in measures],
        "definition": [json.dumps(m.definition.model_dump(mode="json"), ensure_ascii=False) for m in measures],
        "engine": [results.engine] * len(measures),
        "files": [", ".join(p.name for p in files)] * len(measures),
        "computed_at": pa.array([now] * len(measures), pa.timestamp("us")),
    })  # fmt: skip
    from immunograde.kb.dbfile import rewrite

    with rewrite(db_path) as job:  # a private copy, published whole: readers are never blocked
        con = duckdb.connect(str(job.path))
        try:
            with transaction(con):
                store.write_epd_results(con, results.values, results.deciles, runs)
            con.execute("CHECKPOINT")
        finally:
            con.close()


def stored(kb: KnowledgeBase, measure_id: str | None = None) -> list[dict[str, Any]]:
    """Per measure and month: the national ratio, the practices' deciles, outliers, when and how it ran."""
    tables = {
        r[0] for r in kb.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    if not {store.EPD_VALUES, store.EPD_DECILES, store.EPD_RUNS} <= tables:
        return []
    runs = kb.con.execute(
        f"SELECT measure_id, definition, engine, files, computed_at FROM {store.EPD_RUNS} "
        "WHERE ? IS NULL OR measure_id = ? ORDER BY measure_id", [measure_id, measure_id]
    ).fetchall()  # fmt: skip
    out = []
    for mid, definition, engine, files, at in runs:
        months = [r[0] for r in kb.con.execute(
            f"SELECT DISTINCT month FROM {store.EPD_VALUES} WHERE measure_id = ? ORDER BY 1", [mid]).fetchall()]  # fmt: skip
        out.append({"measure_id": mid, "definition": json.loads(definition), "engine": engine, "files": files,
                    "computed_at": at, "months": [_month(kb, mid, m) for m in months]})  # fmt: skip
    return out


def _month(kb: KnowledgeBase, measure_id: str, month: str) -> dict[str, Any]:
    deciles = kb.con.execute(
        f"SELECT org_type, p, n, value FROM {store.EPD_DECILES} WHERE measure_id = ? AND month = ? "
        "ORDER BY org_type, p", [measure_id, month]).fetchall()  # fmt: skip
    counts = kb.con.execute(
        f"SELECT org_type, count(*), count(ratio), sum(numerator), sum(denominator), "
        f"count(*) FILTER (WHERE outlier IS NOT NULL) FROM {store.EPD_VALUES} WHERE measure_id = ? AND month = ? "
        "GROUP BY org_type ORDER BY org_type", [measure_id, month]).fetchall()  # fmt: skip
    outliers = kb.con.execute(
        f"SELECT org_type, org_id, org_name, numerator, denominator, ratio, percentile, outlier "
        f"FROM {store.EPD_VALUES} WHERE measure_id = ? AND month = ? AND outlier IS NOT NULL "
        "ORDER BY org_type, ratio DESC LIMIT 50", [measure_id, month]).fetchall()  # fmt: skip
    levels = {}
    for org_type, n, n_ratio, num, den, n_out in counts:
        levels[org_type] = {"organisations": n, "with_ratio": n_ratio, "outliers": n_out,
                            "numerator": num, "denominator": den,
                            "deciles": {p: v for t, p, _, v in deciles if t == org_type}}  # fmt: skip
    practice = next((c for c in counts if c[0] == "practice"), None)
    national = practice[4] and practice[3] / practice[4] if practice else None
    cols = (
        "org_type",
        "org_id",
        "org_name",
        "numerator",
        "denominator",
        "ratio",
        "percentile",
        "outlier",
    )
    return {"month": month, "national_ratio": national, "levels": levels,
            "outliers": [dict(zip(cols, o, strict=True)) for o in outliers]}  # fmt: skip


def values(kb: KnowledgeBase, measure_id: str, org_type: str | None = None,
           month: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """A measure's stored value per organisation (NotFoundError for a measure never computed)."""
    from immunograde.errors import Msg, NotFoundError

    known = [m["measure_id"] for m in stored(kb)]
    if measure_id not in known:
        raise NotFoundError(Msg("no computed measure %(id)s.", id=repr(measure_id)), known)
    cols = (
        "month",
        "org_type",
        "org_id",
        "org_name",
        "numerator",
        "denominator",
        "ratio",
        "percentile",
        "outlier",
    )
    rows = kb.con.execute(
        f"SELECT {', '.join(cols)} FROM {store.EPD_VALUES} WHERE measure_id = ? AND (? IS NULL OR org_type = ?) "
        "AND (? IS NULL OR month = ?) ORDER BY month, org_type, org_id",
        [measure_id, org_type, org_type, month, month],
    ).fetchall()  # fmt: skip
    return [dict(zip(cols, r, strict=True)) for r in rows]

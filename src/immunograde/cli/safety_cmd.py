"""``immunograde safety``: ingest FAERS / openFDA, score report tables, list a substance's signals."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import typer

from immunograde.cli.output import console, dumps, print_json
from immunograde.errors import InputError
from immunograde.safety.engines import make_engine
from immunograde.safety.report_table import score_report_table
from immunograde.safety.scoring import PAIR_COLUMNS, ScoreResult
from immunograde.stats.gps import GPSPrior

safety_app = typer.Typer(
    help="Safety signals from spontaneous reports (FAERS, openFDA, any report table).",
    no_args_is_help=True,
)

PRIOR_NAMES = ("alpha1", "beta1", "alpha2", "beta2", "p")


def _parse_theta(theta: str | None) -> GPSPrior | None:
    if theta is None:
        return None
    try:
        return GPSPrior.from_sequence([float(v) for v in theta.split(",")])
    except ValueError as exc:
        raise InputError.one(f"{exc} (e.g. 3.25,0.4,2.03,1.91,0.065)", field="--theta") from exc


def _score_table(result: ScoreResult) -> pa.Table:
    table = result.table
    for name, value in zip(PRIOR_NAMES, result.prior.as_tuple(), strict=True):
        table = table.append_column(name, pa.array([value] * table.num_rows, pa.float64()))
    return table


def _score_json(result: ScoreResult) -> dict[str, Any]:
    rows = result.table.to_pylist()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float) and not math.isfinite(value):
                row[key] = None
    fit = result.fit
    return {
        "n_reports": result.n_reports,
        "n_pairs": result.table.num_rows,
        "n_strata": result.n_strata,
        "prior": dict(zip(PRIOR_NAMES, result.prior.as_tuple(), strict=True)),
        "likelihood": result.likelihood,
        "neg_log_lik": fit.neg_log_lik if fit else None,
        "converged": fit.converged if fit else None,
        "pairs": rows,
    }


@safety_app.command("score")
def score(
    file: Path = typer.Argument(..., help="CSV with one row per report x drug x event."),
    id_col: str = typer.Option(..., "--id-col", help="Report id column."),
    drug_col: str = typer.Option(..., "--drug-col", help="Drug (or product/substance) column."),
    event_col: str = typer.Option(..., "--event-col", help="Event (MedDRA PT) column."),
    strata: list[str] = typer.Option([], "--strata", help="Stratify expected counts by COL."),
    theta: str | None = typer.Option(
        None, "--theta", help="GPS prior a1,b1,a2,b2,p; default: fitted by maximum likelihood."
    ),
    likelihood: str = typer.Option(
        "truncated", "--likelihood", help="truncated (observed pairs, openEBGM) or all-cells."
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb or spark."),
    master: str = typer.Option("local[2]", "--master", help="Spark master URL."),
    fmt: str = typer.Option("csv", "--format", help="csv or json."),
    out: Path | None = typer.Option(None, "--out", help="Write here instead of stdout."),
) -> None:
    """Score every drug-event pair of a report table: PRR, ROR, IC, EBGM/EB05/EB95.

    Example: immunograde safety score caers.csv --id-col id --drug-col var1 --event-col var2
    --strata strat1 --format json
    """
    if fmt not in ("csv", "json"):
        raise InputError.one("use csv or json", field="--format")
    lik = {"truncated": "truncated", "all-cells": "all_cells", "all_cells": "all_cells"}.get(
        likelihood
    )
    if lik is None:
        raise InputError.one("use truncated or all-cells", field="--likelihood")
    eng = make_engine(engine, master=master)
    try:
        result = score_report_table(
            eng,
            file,
            id_col=id_col,
            drug_col=drug_col,
            event_col=event_col,
            strata=strata,
            prior=_parse_theta(theta),
            likelihood=lik,  # type: ignore[arg-type]
        )
    finally:
        eng.close()
    _write(result, fmt, out)


def _write(result: ScoreResult, fmt: str, out: Path | None) -> None:
    if fmt == "json":
        payload = _score_json(result)
        if out is None:
            print_json(payload)
        else:
            text = dumps(payload)
            _atomic_write(out, text.encode() + b"\n")
        return
    table = _score_table(result)
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink)
    data = sink.getvalue().to_pybytes()
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        _atomic_write(out, data)
        console.print(
            f"{table.num_rows} pairs from {result.n_reports} reports -> {out}", highlight=False
        )


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def register(app: typer.Typer) -> None:
    """Add the ``safety`` command group to ``app``."""
    app.add_typer(safety_app, name="safety")


__all__ = ["PAIR_COLUMNS", "register", "safety_app"]

"""Scoring any report table: one row per report x drug x event (e.g. openEBGM's ``caers``)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from immunograde.errors import InputError, Msg, existing_path
from immunograde.safety.engines import Engine
from immunograde.safety.scoring import ScoreResult, count_reports, score_counts
from immunograde.stats.gps import GPSPrior
from immunograde.stats.gps_fit import Likelihood


def read_report_table(
    path: Path, id_col: str, drug_col: str, event_col: str, strata: Sequence[str] = ()
) -> pa.Table:
    """The needed columns as strings, renamed ``id, drug, event, s0, s1, ...``."""
    if not path.is_file():
        existing_path(path)  # a missing file is not found (exit 4), with similar names
        raise InputError.one(Msg("file not found"), file=str(path))
    with path.open(newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh), [])
    wanted = [id_col, drug_col, event_col, *strata]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise InputError.one(
            Msg(
                "no column %(missing)s; the columns are %(items)s",
                missing=repr(missing[0]),
                items=", ".join(header),
            ),
            file=str(path),
            line=1,
            field=missing[0],
        )
    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in wanted},
                include_columns=wanted,
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InputError.one(
            Msg("cannot read CSV: %(reason)s", reason=str(exc)), file=str(path)
        ) from exc
    names = ["id", "drug", "event", *(f"s{i}" for i in range(len(strata)))]
    return table.select(wanted).rename_columns(names)


def register_report_table(engine: Engine, table: pa.Table) -> None:
    """Views ``sg_drug``, ``sg_event``, ``sg_stratum`` over a renamed report table."""
    engine.register_arrow("sg_input", table)
    engine.view("sg_drug", "SELECT id, drug FROM sg_input")
    engine.view("sg_event", "SELECT id, event FROM sg_input")
    strata = [c for c in table.column_names if c.startswith("s") and c[1:].isdigit()]
    if strata:
        parts = ", ".join(f"COALESCE({c}, 'NA')" for c in strata)
        expr = f"CONCAT_WS('|', {parts})" if len(strata) > 1 else f"COALESCE({strata[0]}, 'NA')"
        # A report whose rows disagree on a stratum takes the smallest value (documented).
        engine.view("sg_stratum", f"SELECT id, MIN({expr}) AS stratum FROM sg_input GROUP BY id")
    else:
        engine.view("sg_stratum", "SELECT DISTINCT id, 'all' AS stratum FROM sg_input")


def score_report_table(
    engine: Engine,
    path: Path,
    *,
    id_col: str,
    drug_col: str,
    event_col: str,
    strata: Sequence[str] = (),
    prior: GPSPrior | None = None,
    likelihood: Likelihood = "truncated",
) -> ScoreResult:
    """Count unique reports per pair (stratified if asked) and compute every statistic."""
    table = read_report_table(path, id_col, drug_col, event_col, strata)
    register_report_table(engine, table)
    return score_counts(count_reports(engine), prior=prior, likelihood=likelihood)

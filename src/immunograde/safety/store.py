"""Precomputed safety results under ``var/safety/`` and what substance pages read from them.

``immunograde safety ingest`` writes ``signals.parquet`` (every scored pair) and ``meta.json``
(sources, de-duplication counts, mapping report, prior) atomically: a temporary folder is renamed
into place, so a reader never sees half a run.  The knowledge-base build keeps only ``reg_``
tables, hence this separate store.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from immunograde import settings
from immunograde.safety.pipeline import PipelineResult

LIMITS = (
    "Spontaneous reports show that a drug and an event were reported together more often than "
    "expected from the rest of the database.  They cannot show that the drug caused the event, "
    "how often it happens (there is no denominator of exposed patients), or compare drugs' risks: "
    "reporting depends on publicity, time on the market, litigation and stimulated reporting, "
    "and the same case can reach FDA more than once.  A signal is a hypothesis to check in "
    "trials or pharmacoepidemiological studies, not a finding."
)


def safety_dir() -> Path:
    return settings.safety_dir()


@dataclass(frozen=True)
class Signal:
    """One drug-event pair for a substance page (JSON keys = column names)."""

    event: str
    n: int
    expected: float
    prr: float
    ror: float
    ror_ci_low: float
    ic025: float
    ebgm: float
    eb05: float
    eb95: float
    rules: tuple[str, ...]


@dataclass(frozen=True)
class SignalList:
    """``status`` is ``ok``, ``not in the reports`` (the substance appears in none of the reports
    ingested) or ``no safety data ingested``; ``limits`` says what reports can show."""

    substance_id: str
    status: str
    signals: list[Signal] = field(default_factory=list)
    n_reports: int = 0
    sources: list[str] = field(default_factory=list)
    limits: str = LIMITS
    few_reports: int = 0  #: pairs a rule flagged on fewer than MIN_REPORTS reports (not shown)


#: a drug-event pair is shown as a signal only with at least this many reports (Evans 2001's N >= 3,
#: applied to every rule: ROR025 and IC025 can flag a pair from a single report)
MIN_REPORTS = 3
#: below this many reports the ingested files are a demonstration sample, not surveillance
SAMPLE_REPORTS = 10_000


def save_results(result: PipelineResult, sources: list[str], target: Path | None = None) -> Path:
    """Write ``signals.parquet`` + ``meta.json`` into ``target`` (default ``var/safety``) atomically."""
    final = target or safety_dir()
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".safety-", dir=final.parent))
    pq.write_table(result.score.table, tmp / "signals.parquet")
    mapping = asdict(result.mapping) if result.mapping else None
    meta: dict[str, Any] = {
        "sources": sources,
        "n_reports": result.score.n_reports,
        "n_pairs": result.score.table.num_rows,
        "n_strata": result.score.n_strata,
        "dedup": asdict(result.dedup),
        "mapping": mapping,
        "prior": result.score.prior.as_tuple(),
        "likelihood": result.score.likelihood,
        "timings": result.timings,
    }
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2, allow_nan=False))
    old = final.with_name(final.name + ".old")
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def signals_for_substance(
    substance_id: str, *, limit: int = 20, folder: Path | None = None
) -> SignalList:
    """The substance's pairs that meet at least one rule, strongest EB05 first (``[]`` if none)."""
    where = folder or safety_dir()
    path = where / "signals.parquet"
    if not path.exists():
        return SignalList(substance_id, "no safety data ingested")
    meta = json.loads((where / "meta.json").read_text())
    table = pq.read_table(path, filters=[("drug", "=", substance_id)])
    if table.num_rows == 0:  # the substance is in none of the reports: not "no signal"
        return SignalList(
            substance_id, "not in the reports", [], int(meta["n_reports"]), list(meta["sources"])
        )
    rule_cols = [c for c in table.column_names if c.startswith("signal_")]
    any_rule = pa.array([False] * table.num_rows, type=pa.bool_())
    for col in rule_cols:
        any_rule = pc.or_(any_rule, table[col])
    flagged = table.filter(any_rule)
    enough = pc.greater_equal(flagged["n"], MIN_REPORTS)
    few = flagged.num_rows - pc.sum(enough).as_py() if flagged.num_rows else 0
    table = flagged.filter(enough).sort_by([("eb05", "descending"), ("n", "descending")])
    signals = [
        Signal(
            event=row["event"],
            n=int(row["n"]),
            expected=row["expected"],
            prr=row["prr"],
            ror=row["ror"],
            ror_ci_low=row["ror_ci_low"],
            ic025=row["ic025"],
            ebgm=row["ebgm"],
            eb05=row["eb05"],
            eb95=row["eb95"],
            rules=tuple(c.removeprefix("signal_") for c in rule_cols if row[c]),
        )
        for row in table.slice(0, limit).to_pylist()
    ]
    return SignalList(
        substance_id, "ok", signals, int(meta["n_reports"]), list(meta["sources"]), few_reports=few
    )

"""The FAERS-shaped pipeline: Parquet tables -> de-duplication -> drug mapping -> counts -> scores.

Input folder (written by :mod:`.faers`, :mod:`.openfda` or :mod:`.synth`): ``demo.parquet``,
``drug.parquet``, ``reac.parquet`` and optionally ``deleted.parquet`` (FDA's deleted case ids).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from immunograde.errors import InputError, Msg
from immunograde.safety.dedup import STRATUM_SQL, DedupCounts, deduplicate
from immunograde.safety.engines import Engine
from immunograde.safety.mapping import MappingReport, NameIndex, load_name_index, map_names
from immunograde.safety.scoring import ScoreResult, count_reports, score_counts
from immunograde.stats.gps import GPSPrior
from immunograde.stats.gps_fit import Likelihood

ROLES = ("PS", "SS", "C", "I")
_DN = "UPPER(TRIM(d.drugname))"
_AI = "COALESCE(UPPER(TRIM(d.prod_ai)), '')"


@dataclass(frozen=True)
class PipelineOptions:
    """Which drug roles count, mapping level, stratification and the GPS prior."""

    roles: tuple[str, ...] = ROLES
    drug_level: str = "substance"  # or "name": prod_ai (else drugname), upper-cased
    stratify: bool = True
    likelihood: Likelihood = "truncated"
    prior: GPSPrior | None = None


@dataclass(frozen=True)
class PipelineResult:
    score: ScoreResult
    dedup: DedupCounts
    mapping: MappingReport | None
    timings: dict[str, float] = field(default_factory=dict)


def register_folder(engine: Engine, folder: Path) -> None:
    """Views ``faers_demo``, ``faers_drug``, ``faers_reac``, ``faers_deleted`` over the Parquet files."""
    inputs = {}
    for table in ("demo", "drug", "reac"):
        files = sorted(folder.glob(f"{table}*.parquet")) or sorted(
            folder.glob(f"{table}/*.parquet")
        )
        if not files:
            raise InputError.one(
                Msg("no %(table)s*.parquet here: run `immunograde safety ingest`", table=table),
                file=str(folder),
            )
        inputs[table] = files
    deleted = sorted(folder.glob("deleted*.parquet"))
    engine.expect_input(sum(p.stat().st_size for f in [*inputs.values(), deleted] for p in f))
    for table, files in inputs.items():
        engine.register_parquet(f"faers_{table}", files)
    if deleted:
        engine.register_parquet("faers_deleted", deleted)
    else:
        engine.register_arrow("faers_deleted", pa.table({"caseid": pa.array([], pa.int64())}))


def _role_filter(roles: Sequence[str]) -> str:
    wanted = {r.upper() for r in roles}
    unknown = wanted - set(ROLES)
    if unknown or not wanted:
        raise InputError.one(
            Msg(
                "roles are %(roles)s; got %(got)s",
                roles=", ".join(ROLES),
                got=", ".join(sorted(roles)),
            ),
            field="--roles",
        )
    if wanted & {"PS", "SS"}:
        wanted.add("S")  # openFDA's 'suspect' (drugcharacterization 1) has no PS/SS split
    return "d.role_cod IN (" + ", ".join(f"'{r}'" for r in sorted(wanted)) + ")"


def _drug_view(
    engine: Engine, options: PipelineOptions, index: NameIndex | None
) -> MappingReport | None:
    """The view ``sg_drug``.  It is not joined to ``faers_kept``: the counting keeps only reports in
    ``sg_stratum``, which lists the kept reports, so that join would only be paid twice."""
    roles = _role_filter(options.roles)
    base = f"FROM faers_drug d JOIN faers_kept k ON d.primaryid = k.primaryid WHERE {roles}"
    if options.drug_level == "name":
        engine.view(
            "sg_drug",
            f"SELECT d.primaryid AS id, COALESCE(NULLIF({_AI}, ''), {_DN}) AS drug "
            f"FROM faers_drug d WHERE {roles}",
        )
        return None
    if options.drug_level != "substance":
        raise InputError.one(Msg("drug level is substance or name"), field="--drug-level")
    combos = engine.fetch(
        f"SELECT {_DN} AS dn, {_AI} AS ai, COUNT(*) AS n {base} GROUP BY {_DN}, {_AI}"
    )
    table, report = map_names(combos, index or load_name_index())
    engine.register_arrow("sg_name_map", table)
    engine.view(
        "sg_drug",
        "SELECT d.primaryid AS id, m.drug FROM faers_drug d "
        f"JOIN sg_name_map m ON m.dn = {_DN} AND m.ai = {_AI} WHERE {roles}",
    )
    return report


def run_pipeline(
    engine: Engine,
    folder: Path,
    options: PipelineOptions | None = None,
    *,
    index: NameIndex | None = None,
    progress: Callable[[str], None] | None = None,
    label: str | None = None,
) -> PipelineResult:
    """De-duplicate, map, count and score; ``progress`` is told each step's name.  ``label`` names the
    input files in an error (default: the folder); no report with a drug and an event is one."""
    opts = options or PipelineOptions()
    say = progress or (lambda _step: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    register_folder(engine, folder)
    say("de-duplicating")
    dedup = deduplicate(engine)
    timings["dedup"] = time.perf_counter() - t0
    say("mapping drug names")
    mapping = _drug_view(engine, opts, index)
    engine.view(
        "sg_event",
        "SELECT r.primaryid AS id, UPPER(TRIM(r.pt)) AS event FROM faers_reac r",
    )
    if opts.stratify:
        engine.view("sg_stratum", STRATUM_SQL)
    else:
        engine.view("sg_stratum", "SELECT primaryid AS id, 'all' AS stratum FROM faers_kept")
    timings["mapping"] = time.perf_counter() - t0 - timings["dedup"]
    say("counting")
    t1 = time.perf_counter()
    counts = count_reports(engine)
    if not counts.pairs.num_rows:
        raise InputError.one(
            Msg("no report has both a drug (in the roles counted, --roles) and an event: nothing to "
            "score"), file=label or str(folder),
        )  # fmt: skip
    timings["counting"] = time.perf_counter() - t1
    say("scoring")
    t2 = time.perf_counter()
    score = score_counts(counts, prior=opts.prior, likelihood=opts.likelihood)
    timings["scoring"] = time.perf_counter() - t2
    return PipelineResult(score, dedup, mapping, timings)

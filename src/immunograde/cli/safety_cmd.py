"""``immunograde safety``: ingest FAERS / openFDA, score report tables, list a substance's signals."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import typer

from immunograde.cli.lang import LangOpt, _, choose, num
from immunograde.cli.output import console, dumps, err_console, print_json
from immunograde.errors import InputError, Msg, from_stats
from immunograde.safety.engines import make_engine
from immunograde.safety.pipeline import GPSPrior
from immunograde.safety.report_table import score_report_table
from immunograde.safety.scoring import PAIR_COLUMNS, ScoreResult
from immunograde.web import i18n

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
        raise InputError.one(
            Msg("%(reason)s (e.g. 3.25,0.4,2.03,1.91,0.065)", reason=from_stats(str(exc))),
            field="--theta",
        ) from exc


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
    lang: LangOpt = None,
) -> None:
    """Score every drug-event pair of a report table: PRR, ROR, IC, EBGM/EB05/EB95.

    \b
    Example: immunograde safety score caers.csv --id-col id --drug-col var1 --event-col var2 \\
      --strata strat1 --format json
    """
    choose(lang)
    if fmt not in ("csv", "json"):
        raise InputError.one(Msg("use csv or json"), field="--format")
    lik = {"truncated": "truncated", "all-cells": "all_cells", "all_cells": "all_cells"}.get(
        likelihood
    )
    if lik is None:
        raise InputError.one(Msg("use truncated or all-cells"), field="--likelihood")
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
        pairs = i18n.ngettext("%(count)s pair", "%(count)s pairs", table.num_rows)
        n = result.n_reports
        console.print(
            i18n.ngettext("%(pairs)s from %(count)s report -> %(path)s",
                          "%(pairs)s from %(count)s reports -> %(path)s", n)
            % {"pairs": pairs % {"count": table.num_rows}, "count": n, "path": out},
            highlight=False, markup=False,
        )  # fmt: skip


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _convert_inputs(paths: list[Path], parquet_dir: Path, say: Any) -> list[str]:
    """FAERS zips/folders/.txt and openFDA .json(.gz/.zip) -> Parquet in ``parquet_dir``."""
    from immunograde.safety import faers, openfda

    json_like = [p for p in paths if p.name.lower().endswith((".json", ".json.gz", ".json.zip"))]
    others = [p for p in paths if p not in json_like]
    if json_like:
        say(_("openFDA JSON: %(count)s file(s)") % {"count": len(json_like)})
        openfda.convert(json_like, parquet_dir)
    if others:
        faers.ingest(
            others,
            parquet_dir,
            progress=lambda name: say(_("read %(name)s") % {"name": Path(name).name}),
        )
    return [str(p) for p in paths]


@safety_app.command("ingest")
def ingest(
    paths: list[Path] = typer.Argument(
        ..., help="FAERS/AERS quarterly zips, folders, .txt files or openFDA JSON."
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb or spark."),
    master: str = typer.Option("local[2]", "--master", help="Spark master URL."),
    roles: str = typer.Option("PS,SS,C,I", "--roles", help="Drug roles that count: PS,SS,C,I."),
    drug_level: str = typer.Option(
        "substance", "--drug-level", help="substance (KB names) or name."
    ),
    stratify: bool = typer.Option(True, "--stratify/--no-stratify", help="Age group x sex x year."),
    likelihood: str = typer.Option("truncated", "--likelihood", help="truncated or all-cells."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    lang: LangOpt = None,
) -> None:
    """Ingest spontaneous reports, de-duplicate, map drug names, score every pair, store results.

    \b
    Example: immunograde safety ingest ../shared/data/pharmacovigilance/faers_sample/*.zip
    """
    choose(lang)
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from immunograde.safety.pipeline import PipelineOptions, run_pipeline
    from immunograde.safety.store import safety_dir, save_results

    lik = "all_cells" if likelihood in ("all-cells", "all_cells") else likelihood
    if lik not in ("truncated", "all_cells"):
        raise InputError.one(Msg("use truncated or all-cells"), field="--likelihood")
    parquet_dir = safety_dir().with_name("safety-parquet")
    if parquet_dir.exists():
        import shutil

        shutil.rmtree(parquet_dir)
    opts = PipelineOptions(
        roles=tuple(r.strip().upper() for r in roles.split(",") if r.strip()),
        drug_level=drug_level, stratify=stratify, likelihood=lik,  # type: ignore[arg-type]
    )  # fmt: skip
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(_("reading"), total=None)

        def say(text: str) -> None:
            bar.update(task, description=text)

        sources = _convert_inputs(paths, parquet_dir, say)
        eng = make_engine(engine, master=master)
        try:
            result = run_pipeline(eng, parquet_dir, opts, progress=say, label=", ".join(sources))
        finally:
            eng.close()
        say(_("saving"))
        where = save_results(result, sources)
    _ingest_summary(result, where, fmt)


def _ingest_summary(result: Any, where: Path, fmt: str) -> None:
    table = result.score.table
    summary = {
        "stored_in": str(where),
        "dedup": result.dedup,
        "n_reports": result.score.n_reports,
        "n_pairs": table.num_rows,
        "signals": {c.removeprefix("signal_"): int(sum(table[c].to_pylist()))
                    for c in table.column_names if c.startswith("signal_")},
        "prior": dict(zip(PRIOR_NAMES, result.score.prior.as_tuple(), strict=True)),
        "mapping": None if result.mapping is None else {
            "source": result.mapping.source, "rows_mapped": result.mapping.rows_mapped,
            "rows_unmapped": result.mapping.rows_unmapped,
            "unmapped": [{"drugname": d, "prod_ai": a, "rows": n} for d, a, n in result.mapping.unmapped],
        },
    }  # fmt: skip
    if fmt == "json":
        print_json(summary)
        return
    d = result.dedup
    console.print(
        _("%(before)s reports -> %(after)s after de-duplication (%(deleted)s on FDA's deleted lists); "
          "%(scored)s with a drug and an event; %(pairs)s drug-event pairs scored -> %(path)s")
        % {"before": num(d.reports_before, ",d"), "after": num(d.reports_after, ",d"),
           "deleted": num(d.reports_deleted, ",d"), "scored": num(result.score.n_reports, ",d"),
           "pairs": num(table.num_rows, ",d"), "path": where},
        highlight=False, markup=False,
    )  # fmt: skip
    rules = ", ".join(f"{rule} {n}" for rule, n in summary["signals"].items())
    console.print(
        _("signals per rule: %(rules)s") % {"rules": rules}, highlight=False, markup=False
    )
    if result.mapping is not None:
        m = result.mapping
        console.print(
            _("drug rows mapped to substances: %(mapped)s; unmapped: %(unmapped)s (%(names)s names; "
              "names from %(source)s).  Top unmapped:")
            % {"mapped": num(m.rows_mapped, ",d"), "unmapped": num(m.rows_unmapped, ",d"),
               "names": len(m.unmapped), "source": m.source},
            highlight=False, markup=False,
        )  # fmt: skip
        for dn, ai, n in m.unmapped[:15]:
            console.print(f"  {n:6d}  {dn}  [{ai}]", highlight=False, markup=False)


@safety_app.command("signals")
def signals(
    substance: str = typer.Argument(..., help="Substance id, e.g. adalimumab."),
    limit: int = typer.Option(20, "--limit", help="At most this many signals."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    lang: LangOpt = None,
) -> None:
    """List a substance's safety signals from the last `safety ingest` run.

    \b
    Example: immunograde safety signals adalimumab --format json
    """
    choose(lang)
    from immunograde.safety.store import signals_for_substance

    result = signals_for_substance(substance, limit=limit)
    if fmt == "json":
        print_json(result)
        return
    if result.status != "ok":
        console.print(
            _("%(substance)s: %(status)s (run `immunograde safety ingest`)")
            % {"substance": substance, "status": _status_words(result.status)},
            highlight=False, markup=False,
        )  # fmt: skip
        return
    n = len(result.signals)
    console.print(
        i18n.ngettext("%(substance)s: %(count)s signal in %(reports)s reports",
                      "%(substance)s: %(count)s signals in %(reports)s reports", n)
        % {"substance": substance, "count": n, "reports": num(result.n_reports, ",d")},
        highlight=False, markup=False,
    )  # fmt: skip
    rules = _("rules:")
    for s in result.signals:
        console.print(
            f"  {s.event:40s} n={s.n:<5d} E={num(s.expected, '8.3f')} EBGM={num(s.ebgm, '7.2f')} "
            f"EB05={num(s.eb05, '7.2f')} PRR={num(s.prr, '7.2f')}  {rules} {', '.join(s.rules)}",
            highlight=False, markup=False,
        )  # fmt: skip
    console.print(i18n.tr(result.limits), highlight=False, markup=False)


def _status_words(status: str) -> str:
    """Why a substance has no signals to list (safety/store.py's statuses) in words."""
    words = {"no safety data ingested": _("no safety data ingested"),
             "not in the reports": _("not in the reports")}  # fmt: skip
    return words.get(status, status)


def register(app: typer.Typer) -> None:
    """Add the ``safety`` command group to ``app``."""
    app.add_typer(safety_app, name="safety")


__all__ = ["PAIR_COLUMNS", "register", "safety_app"]

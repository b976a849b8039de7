"""``immunograde tsa``, ``immunograde watch`` and ``immunograde diff`` (living evidence).

Thin shell over :mod:`immunograde.evidence`: trial sequential analysis of a question, importing new
registry/PubMed files with a rebuild and a change report, and comparing two builds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from immunograde import settings
from immunograde.cli.output import console, err_console, print_json
from immunograde.errors import InputError, NotFoundError
from immunograde.evidence.charts import tsa_spec
from immunograde.evidence.history import Change, diff_builds
from immunograde.evidence.tsa import QuestionTSA, question_tsa
from immunograde.evidence.watch import watch_once
from immunograde.kb.queries import open_kb
from immunograde.plots.render import FORMATS, render

FormatOpt = Annotated[str, typer.Option("--format", help="Output format: text or json.")]
DbOpt = Annotated[
    Path | None, typer.Option("--db", help="Knowledge-base file (default: settings.db_path()).")
]


def tsa_json(r: QuestionTSA) -> dict[str, Any]:
    """The contract keys first, then the rest (the raw sequential result is left out)."""
    keys = ("question_id", "required_information_size", "diversity", "information_fraction",
            "z_final", "boundary_final", "conclusion", "participants_needed", "ongoing_trials")  # fmt: skip
    body = {k: getattr(r, k) for k in keys}
    body["boundary_curve"] = r.boundary
    rest = {
        k: v for k, v in r.__dict__.items() if k not in keys and k not in ("sequential", "boundary")
    }
    return body | rest


def _tsa(
    question_id: Annotated[str, typer.Argument(help="Question id (file stem in data/questions).")],
    rrr: Annotated[
        float | None,
        typer.Option(
            "--rrr",
            help="Relative risk reduction to detect (default: rules.yaml "
            "information_size.relative_risk_reduction, 25%).",
        ),
    ] = None,
    mid: Annotated[
        float | None,
        typer.Option(
            "--mid", help="Mean difference to detect (MD questions; default outcome.mid)."
        ),
    ] = None,
    alpha: Annotated[float, typer.Option("--alpha", help="Type I error (two-sided).")] = 0.05,
    beta: Annotated[float, typer.Option("--beta", help="Type II error (1 - power).")] = 0.2,
    model: Annotated[str, typer.Option("--model", help="random or fixed.")] = "random",
    spending: Annotated[
        str, typer.Option("--spending", help="obrien_fleming, pocock, rho or hsdc.")
    ] = "obrien_fleming",
    rho: Annotated[
        float | None, typer.Option("--rho", help="Parameter of the rho / hsdc spending function.")
    ] = None,
    futility: Annotated[
        str, typer.Option("--futility", help="none or non-binding (beta-spending, same family).")
    ] = "none",
    adjust: Annotated[
        str, typer.Option("--adjust", help="RIS heterogeneity adjustment: d2 (TSA), i2 or none.")
    ] = "d2",
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the TSA chart (.svg, .png or .pdf).")
    ] = None,
    db: DbOpt = None,
    fmt: FormatOpt = "text",
) -> None:
    """Trial sequential analysis of a question: required information size (diversity-adjusted),
    O'Brien-Fleming boundaries, conclusion and what it would take.

    Example: immunograde tsa bcg-vaccine-tuberculosis --rrr 0.2 --plot tsa.svg --format json
    """
    with open_kb(db) as kb:
        r = question_tsa(kb, question_id, rrr=rrr, alpha=alpha, beta=beta, model=model,
                         spending=spending, param=rho, futility=futility, adjust=adjust, mid=mid)  # fmt: skip
    if plot is not None:
        _write_plot(plot, tsa_spec(r))
    if fmt == "json":
        print_json(tsa_json(r))
        return
    _print_tsa(r)


def _print_tsa(r: QuestionTSA) -> None:
    b = "none yet" if r.boundary_final is None else f"{r.boundary_final:.2f}"
    adj = ("TSA-adjusted CI: none yet (no boundary at this information)" if r.boundary_final is None
           else f"TSA-adjusted {r.tsa_ci_low:.3g} to {r.tsa_ci_high:.3g}")  # fmt: skip
    table = Table("trial", "year", "participants", "fraction", "Z", "boundary", box=None)
    seq = r.sequential
    bounds = {} if seq is None else {int(k): u for k, u in zip(seq.look, seq.upper, strict=True)}
    for i, t in enumerate(r.trials):
        u = bounds.get(i)
        shown = "" if u is None else ("none" if u == float("inf") else f"±{u:.2f}")
        table.add_row(t["label"], str(t["year"] or ""), f"{t['participants']:,}",
                      f"{t['participants'] / r.required_information_size:.3f}", f"{t['z']:.2f}", shown)  # fmt: skip
    console.print(table)
    console.print(
        f"{r.question_id}: {r.conclusion.replace('_', ' ')}\n"
        f"  required information size {r.required_information_size:,} ({r.ris_adjustment}-adjusted; "
        f"D2 {r.diversity:.0%}, I2 {r.i2:.0%}, "
        f"fixed-effect {r.ris_fixed:,}); information fraction {r.information_fraction:.2f}\n"
        f"  cumulative Z {r.z_final:.2f}; monitoring boundary {b}\n"
        f"  {r.measure} {r.estimate:.3g} (95% CI {r.ci_low:.3g} to {r.ci_high:.3g}; {adj})\n"
        f"  {r.what_would_it_take}",
        markup=False,
        highlight=False,
    )


def _write_plot(path: Path, spec: dict[str, Any]) -> None:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError.one(f"plot format must be one of {', '.join(FORMATS)}", file=str(path))
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(render(spec, fmt))
    tmp.replace(path)


def _print_changes(changes: list[Change], fmt: str, extra: dict[str, Any]) -> None:
    if fmt == "json":
        print_json({**extra, "changes": changes})
        return
    if not changes:
        console.print("no change in any estimate, certainty or verdict", markup=False)
    for c in changes:
        console.print(c.summary(), markup=False, highlight=False)


def _watch(
    folder: Annotated[Path, typer.Argument(help="Folder where registry/PubMed files are dropped.")],
    db: DbOpt = None,
    data: Annotated[
        Path | None, typer.Option("--data", help="Reviewed data folder (default: data/).")
    ] = None,
    fmt: FormatOpt = "text",
) -> None:
    """Import new ClinicalTrials.gov JSON / PubMed XML files from FOLDER, rebuild, print changes.

    Example: immunograde watch var/inbox --format json
    """
    if not folder.is_dir():
        raise NotFoundError(f"no folder {folder}")
    with err_console.status("watching", spinner="dots") as status:
        res = watch_once(folder, db_path=db or settings.db_path(), data_dir=data, say=status.update)
    extra = {"imported": res.imported, "skipped": res.skipped}
    if fmt != "json":
        console.print(
            f"imported {len(res.imported)} file(s), skipped {len(res.skipped)}", markup=False
        )
    _print_changes(res.changes, fmt, extra)


def _diff(
    old: Annotated[Path, typer.Argument(help="The older knowledge-base file.")],
    new: Annotated[Path, typer.Argument(help="The newer knowledge-base file.")],
    fmt: FormatOpt = "text",
) -> None:
    """Compare two knowledge-base builds: estimate, certainty and verdict per question, and the
    trials added, removed or corrected.

    Example: immunograde diff old.duckdb var/immunograde.duckdb --format json
    """
    for p in (old, new):
        if not p.is_file():
            raise NotFoundError(f"no knowledge-base file {p}")
    _print_changes(diff_builds(old, new), fmt, {"old": str(old), "new": str(new)})


def register(app: typer.Typer) -> None:
    """Add ``tsa``, ``watch`` and ``diff``."""
    app.command("tsa")(_tsa)
    app.command("watch")(_watch)
    app.command("diff")(_diff)

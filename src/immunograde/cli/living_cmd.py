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
from immunograde.cli.kbopen import DbOpt
from immunograde.cli.lang import LangOpt, _, choose, num
from immunograde.cli.output import console, err_console, print_json
from immunograde.errors import InputError, Msg, NotFoundError
from immunograde.evidence.charts import tsa_spec
from immunograde.evidence.history import Change, diff_builds
from immunograde.evidence.tsa import QuestionTSA, question_tsa
from immunograde.evidence.watch import watch_once
from immunograde.kb.queries import open_kb
from immunograde.plots.render import FORMATS, render
from immunograde.web import i18n

FormatOpt = Annotated[str, typer.Option("--format", help="Output format: text or json.")]


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
    lang: LangOpt = None,
) -> None:
    """Trial sequential analysis of a question: required information size (diversity-adjusted),
    Lan-DeMets boundaries (O'Brien-Fleming by default), conclusion and what it would take.

    \b
    Example: immunograde tsa bcg-vaccine-tuberculosis --rrr 0.2 --plot tsa.svg --format json
    """
    choose(lang)
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
    from immunograde.web.i18n_glossary import tsa_summary

    b = _("none yet") if r.boundary_final is None else num(r.boundary_final, ".2f")
    adj = (_("TSA-adjusted CI: none yet (no boundary at this information)") if r.boundary_final is None
           else _("TSA-adjusted %(low)s to %(high)s") % {"low": num(r.tsa_ci_low, ".3g"),
                                                         "high": num(r.tsa_ci_high, ".3g")})  # fmt: skip
    table = Table(
        _("trial"), _("year"), _("participants"), _("fraction"), "Z", _("boundary"), box=None
    )
    seq = r.sequential
    bounds = {} if seq is None else {int(k): u for k, u in zip(seq.look, seq.upper, strict=True)}
    for i, t in enumerate(r.trials):
        u = bounds.get(i)
        shown = "" if u is None else (_("none") if u == float("inf") else f"±{num(u, '.2f')}")
        table.add_row(t["label"], str(t["year"] or ""), num(t["participants"], ",d"),
                      num(t["participants"] / r.required_information_size, ".3f"), num(t["z"], ".2f"),
                      shown)  # fmt: skip
    console.print(table)
    values = {
        "ris": num(r.required_information_size, ",d"), "adjustment": _("not adjusted") if r.ris_adjustment == "none"
        else _("%(what)s-adjusted") % {"what": r.ris_adjustment},
        "d2": num(r.diversity, ".0%"), "i2": num(r.i2, ".0%"), "fixed": num(r.ris_fixed, ",d"),
        "fraction": num(r.information_fraction, ".2f"), "z": num(r.z_final, ".2f"), "boundary": b,
        "measure": r.measure, "estimate": num(r.estimate, ".3g"), "low": num(r.ci_low, ".3g"),
        "high": num(r.ci_high, ".3g"), "adjusted": adj,
    }  # fmt: skip
    conclusion = r.conclusion.replace("_", " ")
    console.print(
        f"{r.question_id}: {i18n.tr('TSA: ' + conclusion) if i18n.current() != i18n.DEFAULT else conclusion}\n  "
        + _(
            "required information size %(ris)s (%(adjustment)s; D2 %(d2)s, I2 %(i2)s, "
            "fixed-effect %(fixed)s); information fraction %(fraction)s"
        )
        % values
        + "\n  "
        + _("cumulative Z %(z)s; monitoring boundary %(boundary)s") % values
        + "\n  "
        + _("%(measure)s %(estimate)s (95%% CI %(low)s to %(high)s; %(adjusted)s)") % values
        + "\n  "
        + i18n.localise_numbers(tsa_summary(r.what_would_it_take)),
        markup=False,
        highlight=False,
    )


def _write_plot(path: Path, spec: dict[str, Any]) -> None:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError.one(
            Msg("plot format must be one of %(formats)s", formats=", ".join(FORMATS)),
            file=str(path),
        )
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(render(spec, fmt))
    tmp.replace(path)


def _print_changes(changes: list[Change], fmt: str, extra: dict[str, Any]) -> None:
    if fmt == "json":
        print_json({**extra, "changes": changes})
        return
    if not changes:
        console.print(_("no change in any estimate, certainty or verdict"), markup=False)
    for c in changes:
        console.print(change_text(c), markup=False, highlight=False)


def change_text(c: Change) -> str:
    """One change as a line (``Change.summary`` in English; its words translated for ``--lang ru``)."""
    if i18n.current() == i18n.DEFAULT:
        return c.summary()
    from immunograde.cli.build_cmd import _change_field

    why = [f"{label}: {', '.join(ids)}" for label, ids in (
        (_("new trials"), c.trials_added), (_("removed"), c.trials_removed),
        (_("corrected"), c.trials_corrected)) if ids]  # fmt: skip
    because = f" ({'; '.join(why)})" if why else ""
    return (f"{c.question_id}: {_change_field(c.field)} {_changed_value(c.field, c.old)} -> "
            f"{_changed_value(c.field, c.new)}{because}")  # fmt: skip


def _changed_value(field: str, value: str | None) -> str:
    if value is None:
        return _("none")
    if field == "certainty":
        return i18n.certainty_label(value)
    if field == "verdict":
        return i18n.verdict_label(value)
    if field == "tsa_conclusion":
        return i18n.tr("TSA: " + value.replace("_", " "))
    return i18n.localise_numbers(value.replace(" to ", "–"))


def _watch(
    folder: Annotated[Path, typer.Argument(help="Folder where registry/PubMed files are dropped.")],
    db: DbOpt = None,
    data: Annotated[
        Path | None, typer.Option("--data", help="Reviewed data folder (default: data/).")
    ] = None,
    fmt: FormatOpt = "text",
    lang: LangOpt = None,
) -> None:
    """Import new ClinicalTrials.gov JSON / PubMed XML files from FOLDER, rebuild, print changes.

    \b
    Example: immunograde watch var/inbox --format json
    """
    choose(lang)
    if not folder.is_dir():
        raise NotFoundError(_("no folder %(path)s") % {"path": folder})
    with err_console.status(_("watching"), spinner="dots") as status:
        res = watch_once(folder, db_path=db or settings.db_path(), data_dir=data, say=status.update)
    extra = {"imported": res.imported, "skipped": res.skipped}
    if fmt != "json":
        n = len(res.imported)
        console.print(i18n.ngettext("imported %(count)s file, skipped %(skipped)s",
                                    "imported %(count)s files, skipped %(skipped)s", n)
                      % {"count": n, "skipped": len(res.skipped)}, markup=False)  # fmt: skip
    _print_changes(res.changes, fmt, extra)


def _diff(
    old: Annotated[Path, typer.Argument(help="The older knowledge-base file.")],
    new: Annotated[Path, typer.Argument(help="The newer knowledge-base file.")],
    fmt: FormatOpt = "text",
    lang: LangOpt = None,
) -> None:
    """Compare two knowledge-base builds: estimate, certainty and verdict per question, and the
    trials added, removed or corrected.

    \b
    Example: immunograde diff old.duckdb var/immunograde.duckdb --format json
    """
    choose(lang)
    for p in (old, new):
        if not p.is_file():
            raise NotFoundError(_("no knowledge-base file %(path)s") % {"path": p})
    _print_changes(diff_builds(old, new), fmt, {"old": str(old), "new": str(new)})


def register(app: typer.Typer) -> None:
    """Add ``tsa``, ``watch`` and ``diff``."""
    app.command("tsa")(_tsa)
    app.command("watch")(_watch)
    app.command("diff")(_diff)

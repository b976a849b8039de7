"""``immunograde serve`` (the web app) and ``immunograde report`` (a dossier to hand on)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from immunograde.cli.exitcodes import ExitCode
from immunograde.cli.kbopen import DbOpt, open_kb
from immunograde.cli.lang import choose
from immunograde.cli.output import console, err_console, print_json
from immunograde.kb.queries import KnowledgeBase
from immunograde.settings import db_path


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, help="Port to listen on."),
    database: DbOpt = None,
    workers: int = typer.Option(1, help="Worker processes (uvicorn)."),
    warm: bool = typer.Option(
        True, help="Precompute the evidence map and substance pages in the background at start."
    ),
) -> None:
    """Serve the web app and its JSON API.

    \b
    Example: immunograde serve --port 8000   (then open http://127.0.0.1:8000/)
    """
    import os

    import uvicorn

    from immunograde.web import i18n
    from immunograde.web.app import create_app

    choose(None)  # the command line's --lang or the locale: "no knowledge base" in that language
    path = database or db_path()
    open_kb(path).close()  # not built (or only imported records): exit 5, as every reading command
    i18n.use(i18n.DEFAULT)  # the server's own context as before: each request chooses its language
    os.environ["IMMUNOGRADE_WARM"] = "1" if warm else "0"
    if workers > 1:
        os.environ["IMMUNOGRADE_DB"] = str(path)
        uvicorn.run(
            "immunograde.web.asgi:app", host=host, port=port, workers=workers, log_level="warning"
        )
    else:
        uvicorn.run(create_app(path), host=host, port=port, log_level="info")


def _run_report(kb: KnowledgeBase, substance: str, fmt: str, out: Path) -> list[Path]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from immunograde.web import report as rep

    if fmt == "pdf":
        rep.chromium_path()  # a missing chromium fails before the slow steps
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    quiet = not err_console.is_terminal  # no stray blank line on a pipe
    with Progress(*columns, console=err_console, transient=True, disable=quiet) as progress:
        task = progress.add_task("appraising", total=None)
        plan = rep.plan_report(kb, substance)
        progress.update(task, total=len(plan.jobs) + 1, completed=0)

        def on_plot(job: rep.PlotJob) -> None:
            progress.update(task, description=f"plot {job.stem}")
            progress.advance(task)

        plan.render_plots(on_plot)
        progress.update(task, description="printing PDF" if fmt == "pdf" else f"writing {fmt}")
        files = rep.write_report(plan, fmt, out)
        progress.advance(task)
    return files


def report(
    substance: Annotated[str, typer.Argument(help="Substance, brand or synonym (any script).")],
    fmt: Annotated[str, typer.Option("--format", help="html (standalone), pdf or md.")] = "html",
    out: Annotated[Path, typer.Option("--out", help="Folder to write into (created).")] = Path("."),
    database: DbOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="List the files written as JSON.")
    ] = False,
) -> None:
    """Write a substance dossier: its page as one document, plots included.

    HTML is one standalone file (style and SVG plots inside); PDF is that page printed by chromium
    (apt-get install chromium); md is Markdown with the plots as SVG files beside it.

    \b
    Example: immunograde report tocilizumab --format pdf --out reports/
    """
    from immunograde.web.report import FORMATS

    if fmt not in FORMATS:
        from immunograde.cli.lang import bad_choice

        bad_choice("--format", FORMATS)
    from immunograde.web import i18n
    from immunograde.web.report import PrintError

    choose(None)  # "no knowledge base" in the command line's language ...
    kb = open_kb(database)
    i18n.use(i18n.DEFAULT)  # ... the dossier in English, as before (it has no language option)
    try:
        files = _run_report(kb, substance, fmt, out)
    except PrintError as exc:
        err_console.print(f"error: {exc}", markup=False)
        raise typer.Exit(ExitCode.INTERNAL) from exc
    finally:
        kb.close()
    if as_json:
        print_json({"substance": substance, "format": fmt, "files": [str(f) for f in files]})
    else:
        for f in files:
            console.print(str(f), markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``report`` to ``app``."""
    app.command("serve")(serve)
    app.command("report")(report)

"""``immunograde import ctgov|aact|pubmed|csv PATH``: registry and bibliographic records -> ``reg_`` tables.

Every import is one transaction (all or nothing) and idempotent (re-importing changes nothing).
Progress goes to stderr as a rich progress bar; ``--format json`` prints the summary on stdout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress
from rich.table import Table

from immunograde.cli.kbopen import DbOpt
from immunograde.cli.lang import LangOpt, _, choose, num
from immunograde.cli.output import console, err_console, print_json
from immunograde.ingest.aact import import_aact
from immunograde.ingest.csv_outcomes import import_csv
from immunograde.ingest.ctgov import import_ctgov
from immunograde.ingest.pubmed import import_pubmed
from immunograde.ingest.writer import ImportSummary, importing
from immunograde.web import i18n

pgettext = i18n.pgettext

import_app = typer.Typer(
    help="Import registry and bibliographic records into the knowledge base (reg_ tables).\n\n"
    "\b\nExample: immunograde import ctgov ctg-studies.json.zip --format json",
    no_args_is_help=True,
)


class Format(StrEnum):
    text = "text"
    json = "json"


PathArg = Annotated[Path, typer.Argument(help="file, folder or zip to import")]
FormatOpt = Annotated[Format, typer.Option("--format", help="text or json summary")]
BatchOpt = Annotated[int, typer.Option("--batch-size", min=1, help="records per DuckDB batch")]


class _Bar:
    """Adapts a rich progress bar to the importers' progress protocol."""

    def __init__(self, bar: RichProgress) -> None:
        self.bar = bar
        self.task = bar.add_task("importing", total=None)

    def set_total(self, total: int | None, unit: str) -> None:
        self.bar.reset(self.task, total=total, description=f"importing {unit}")

    def advance(self, n: int = 1) -> None:
        self.bar.advance(self.task, n)


@contextmanager
def _progress(show: bool) -> Iterator[_Bar | None]:
    if not show:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with RichProgress(*columns, console=err_console, transient=True) as bar:
        yield _Bar(bar)


def _run(
    db: Path | None,
    fmt: Format,
    call: Callable[[duckdb.DuckDBPyConnection, _Bar | None], ImportSummary],
) -> None:
    with importing(db) as conn, _progress(fmt is Format.text and err_console.is_terminal) as bar:
        summary = call(conn, bar)
    _print(summary, fmt)


def _print(summary: ImportSummary, fmt: Format) -> None:
    if fmt is Format.json:
        print_json(summary)
        return
    table = Table(
        title=_("import %(kind)s: %(source)s") % {"kind": summary.kind, "source": summary.source}
    )
    for col in (
        pgettext("import", "read"), pgettext("import", "inserted"), pgettext("import", "updated"),
        pgettext("import", "unchanged"), pgettext("import", "deleted"),
        pgettext("import", "skipped"), pgettext("import", "seconds"),
    ):  # fmt: skip
        table.add_column(col, justify="right")
    table.add_row(
        *(
            str(x)
            for x in (summary.records_read, summary.inserted, summary.updated, summary.unchanged)
        ),
        str(summary.deleted),
        str(summary.skipped),
        num(summary.seconds, ".2f"),
    )
    console.print(table)
    for reason, n in summary.skip_reasons.items():
        console.print(_("skipped %(n)s: %(reason)s") % {"n": n, "reason": i18n.message(reason)})
    for warning in summary.warnings:
        console.print(_("warning: %(message)s") % {"message": i18n.message(warning)})


class Engine(StrEnum):
    """How ``import ctgov`` maps studies (:func:`immunograde.ingest.ctgov.import_ctgov`)."""

    python = "python"
    sql = "sql"


@import_app.command("ctgov")
def ctgov_cmd(
    path: PathArg,
    db: DbOpt = None,
    fmt: FormatOpt = Format.text,
    batch_size: BatchOpt = 2000,
    workers: Annotated[
        int,
        typer.Option("--workers", min=1, help="with --engine python: processes mapping a bulk zip"),
    ] = 1,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="python (default: msgspec + Python mapping) or sql (DuckDB parses and maps a"
            " bulk zip; slower, kept for the benchmark): the same rows for well-formed records,"
            " but sql stores a malformed field's JSON text where python refuses it",
        ),
    ] = Engine.python,
    lang: LangOpt = None,
) -> None:
    """ClinicalTrials.gov API v2 JSON: a study, a page, a folder, or the bulk zip.

    \b
    Example: immunograde import ctgov ctg-studies.json.zip --format json
    """
    choose(lang)
    _run(
        db,
        fmt,
        lambda c, p: import_ctgov(
            path, c, batch_size=batch_size, workers=workers, progress=p, engine=engine.value
        ),
    )


@import_app.command("aact")
def aact_cmd(
    path: PathArg,
    db: DbOpt = None,
    fmt: FormatOpt = Format.text,
    batch_size: BatchOpt = 2000,
    lang: LangOpt = None,
) -> None:
    """AACT pipe-delimited flat files: the unzipped folder or the zip (studies.txt, outcomes.txt, …).

    \b
    Example: immunograde import aact 20240101_pipe-delimited-export.zip
    """
    choose(lang)
    _run(db, fmt, lambda c, p: import_aact(path, c, batch_size=batch_size, progress=p))


@import_app.command("pubmed")
def pubmed_cmd(
    path: PathArg,
    db: DbOpt = None,
    fmt: FormatOpt = Format.text,
    batch_size: BatchOpt = 2000,
    lang: LangOpt = None,
) -> None:
    """PubMed/MEDLINE XML (efetch output or baseline files, .xml or .xml.gz, or a folder of them).

    \b
    Example: immunograde import pubmed pubmed24n0001.xml.gz --format json
    """
    choose(lang)
    _run(db, fmt, lambda c, p: import_pubmed(path, c, batch_size=batch_size, progress=p))


@import_app.command("csv")
def csv_cmd(
    path: PathArg,
    dataset: Annotated[
        str | None,
        typer.Option(
            "--dataset", "--question", help="dataset (question id); default: the file's stem"
        ),
    ] = None,
    db: DbOpt = None,
    fmt: FormatOpt = Format.text,
    lang: LangOpt = None,
) -> None:
    """Outcome data in metafor's columns: study, year, ai,n1i,ci,n2i | m1i,sd1i,n1i,… | yi,vi | estimate,ci_low,ci_high.

    \b
    Example: immunograde import csv bcg.csv --dataset bcg_tb --format json
    """
    choose(lang)
    _run(db, fmt, lambda c, p: import_csv(path, c, dataset=dataset, progress=p))


def register(app: typer.Typer) -> None:
    """Add the ``import`` command group (``import`` is a Python keyword, hence the explicit name)."""
    app.add_typer(import_app, name="import")

"""``immunograde kb check|build``, ``immunograde build`` and ``immunograde search``.

Thin shell over :mod:`immunograde.kb`: check reports every problem (file:line: field: message) and
exits with ``CHECK_FAILED``; build is atomic; search needs a built database (``NO_DATABASE`` otherwise).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from immunograde import settings
from immunograde.cli.exitcodes import ExitCode
from immunograde.cli.kbopen import DbOpt, open_kb
from immunograde.cli.lang import LangOpt, _, choose, counts_text, num
from immunograde.cli.output import console, err_console, print_json
from immunograde.errors import InputError, Problem
from immunograde.kb.build import BuildResult, build_kb
from immunograde.kb.check import check_kb
from immunograde.web import i18n

FormatOpt = Annotated[str, typer.Option("--format", help="Output format: text or json.")]
DataOpt = Annotated[
    Path | None,
    typer.Option("--data", help="Reviewed data folder (default: the checkout's data/)."),
]

kb_app = typer.Typer(
    help="Knowledge base: check and build the reviewed data files.", no_args_is_help=True
)


def _report(problems: list[Problem], fmt: str, extra: dict[str, object]) -> None:
    if fmt == "json":
        print_json({**extra, "ok": not problems, "problems": [p.as_dict() for p in problems]})
        return
    for p in problems:
        print(_("error: %(message)s") % {"message": i18n.problem(p)}, file=sys.stderr)
    if problems:
        n = len(problems)
        print(i18n.ngettext("%(count)s problem found", "%(count)s problems found", n) % {"count": n},
              file=sys.stderr)  # fmt: skip


TodayOpt = Annotated[
    str | None,
    typer.Option(
        "--today",
        help="Date (YYYY-MM-DD) that decides which reviews are due (default: the clock's).",
    ),
]


def _today(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        print(
            _("error: --today: %(text)r is not a date (YYYY-MM-DD)") % {"text": text},
            file=sys.stderr,
        )
        raise typer.Exit(ExitCode.USAGE) from None


@kb_app.command("check")
def check(data: DataOpt = None, fmt: FormatOpt = "text", today: TodayOpt = None,
          lang: LangOpt = None) -> None:  # fmt: skip
    """Validate every reviewed file and cross-reference; list ALL problems with file, line, field.

    Records and spec files whose next_review date has passed are listed as warnings (they do not
    fail the check).

    \b
    Example: immunograde kb check --format json
    """
    choose(lang)
    start = time.perf_counter()
    result = check_kb(data or settings.data_dir(), settings.shared_data_dir(), _today(today))
    seconds = round(time.perf_counter() - start, 3)
    due = result.review_due
    extra = {
        "counts": result.counts(),
        "seconds": seconds,
        "review_due": [d.as_dict() for d in due],
    }
    _report(result.problems, fmt, extra)
    if fmt != "json":
        for d in due:
            print(_("warning: review due: %(record)s") % {"record": d.render(i18n.message)},
                  file=sys.stderr)  # fmt: skip
        if due:
            n = len(due)
            print(i18n.ngettext("%(count)s record due for review", "%(count)s records due for review",
                                n) % {"count": n}, file=sys.stderr)  # fmt: skip
    if result.ok and fmt != "json":
        console.print(_("ok: %(counts)s (%(seconds)s s)")
                      % {"counts": counts_text(result.counts()), "seconds": num(seconds, "g")},
                      markup=False)  # fmt: skip
    if not result.ok:
        raise typer.Exit(ExitCode.CHECK_FAILED)


def run_build(data: Path | None, db: Path | None, fmt: str, *, echo: bool = True) -> BuildResult:
    """Build with a progress spinner; print the outcome unless ``echo`` is false; exit 6 on problems."""
    target = db or settings.db_path()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err_console, disable=fmt == "json", transient=True) as bar:
        task = bar.add_task(_("building knowledge base"), total=None)
        try:
            result: BuildResult = build_kb(
                data or settings.data_dir(),
                target,
                settings.shared_data_dir(),
                progress=lambda msg: bar.update(task, description=msg),
            )
        except InputError as exc:
            bar.stop()
            _report(exc.problems, fmt, {"db_path": str(target), "built": False})
            raise typer.Exit(ExitCode.CHECK_FAILED) from exc
    if not echo:
        return result
    if fmt == "json":
        print_json({"ok": True, "built": True, **result.__dict__})
        return result
    console.print(_("built %(path)s in %(seconds)s s: %(counts)s")
                  % {"path": result.db_path, "seconds": num(result.seconds, ".2f"),
                     "counts": counts_text(result.counts)}, markup=False)  # fmt: skip
    kept = ", ".join(result.preserved_tables) or _("none")
    console.print(_("data version %(version)s; imported tables kept: %(kept)s")
                  % {"version": result.data_version[:12], "kept": kept}, markup=False)  # fmt: skip
    return result


@kb_app.command("build")
def build(data: DataOpt = None, db: DbOpt = None, fmt: FormatOpt = "text",
          lang: LangOpt = None) -> None:  # fmt: skip
    """Check, then build the DuckDB knowledge base atomically (keeps imported reg_* tables).

    \b
    Example: immunograde kb build --format json
    """
    choose(lang)
    run_build(data, db, fmt)


def search_cmd(
    text: Annotated[str, typer.Argument(help="Any name, in any script (Kagocel, Кагоцел, …).")],
    limit: Annotated[int, typer.Option("--limit", min=1, help="Most hits to show.")] = 20,
    db: DbOpt = None,
    fmt: FormatOpt = "text",
    lang: LangOpt = None,
) -> None:
    """Find substances, products and classes by any name; tolerant of typos and transliteration.

    \b
    Example: immunograde search Кагоцел --format json
    """
    choose(lang)
    kb = open_kb(db)
    try:
        hits = kb.search(text, limit=limit)
    finally:
        kb.close()
    if fmt == "json":
        print_json({"query": text, "hits": hits})
        return
    if not hits:
        console.print(_("no match for %(text)r") % {"text": text}, markup=False)
        return
    table = Table(_("kind"), _("id"), _("substance"), _("matched name"), _("match"), _("score"))
    for h in hits:
        sub = h.substance_id if h.substance_id != h.entity_id else ""
        table.add_row(i18n.tr(h.entity_kind), h.entity_id, sub or "", h.matched_name,
                      _match_word(h.match), num(h.score, ".2f"))  # fmt: skip
    console.print(table)


def _match_word(match: str) -> str:
    """How a name matched (kb/search.py: exact, prefix, fuzzy), in words."""
    words = {"exact": _("exact"), "prefix": _("prefix"), "fuzzy": _("fuzzy")}
    return words.get(match, match)


def register(app: typer.Typer) -> None:
    """Add ``kb check``, ``kb build`` and ``search`` to ``app`` (``build`` is :mod:`.build_cmd`)."""
    app.add_typer(kb_app, name="kb")
    app.command("search")(search_cmd)

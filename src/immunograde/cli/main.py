"""Entry point: builds the typer app from the command modules and maps errors to exit codes.

Each command module owns its commands and exposes ``register(app)``; this file only wires them
(importing a module only when one of its commands runs, so ``immunograde --help`` starts in a
fraction of a second) and turns user errors into one clear line and a documented exit code (see
:mod:`.exitcodes`).
"""

from __future__ import annotations

import os

# one BLAS thread: the numerics are vectorised over arrays, and BLAS threads on top of them contend for the
# same cores (the GPS fit ran ~2x slower with more); set before numpy is first imported
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import importlib
import sys
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

from immunograde import __version__
from immunograde.cli import helplang
from immunograde.cli.exitcodes import EXIT_CODE_HELP, ExitCode
from immunograde.errors import BusyError, InputError, NotFoundError, Problem

#: command -> (module of ``immunograde.cli`` whose ``register(app)`` adds it, its one-line help).
#: ``immunograde --help`` lists these without importing any command module; a command's module is
#: imported only when that command runs (tests/cli/test_main.py checks the table against them).
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("build_cmd", "Build the knowledge base, record what changed in the evidence, prepare "
                           "the safety and market sections."),
    "meta": ("meta_cmd", "Pool the studies in FILE.csv (metafor's column names) as metafor's rma() "
                         "does."),
    "search": ("kb_cmd", "Find substances, products and classes by any name; tolerant of typos and "
                         "transliteration."),
    "appraise": ("appraise_cmd", "GRADE certainty, Summary of Findings and a verdict per form x "
                                 "indication."),
    "calibrate": ("calibrate_cmd", "Run ImmunoGrade on every outcome of the calibration set "
                                   "(published GRADE ratings with their verbatim sentence) and report "
                                   "n, exact agreement, weighted kappa, the confusion matrix, every "
                                   "disagreement with the domains ImmunoGrade rated down beside those "
                                   "the source says it rated down, and a tally of the domains on which "
                                   "they differ."),
    "tsa": ("living_cmd", "Trial sequential analysis of a question: required information size "
                          "(diversity-adjusted), Lan-DeMets boundaries (O'Brien-Fleming by "
                          "default), conclusion and what it would take."),
    "watch": ("living_cmd", "Import new ClinicalTrials.gov JSON / PubMed XML files from FOLDER, "
                            "rebuild, print changes."),
    "diff": ("living_cmd", "Compare two knowledge-base builds: estimate, certainty and verdict per "
                           "question, and the trials added, removed or corrected."),
    "experience": ("experience_cmd", "What does my experience show? Your N patients beside the "
                                     "control arms of the trials for that indication."),
    "claim": ("claim_cmd", "Check a claim sentence (Russian or English) against the evidence: what "
                           "it asserts, and what the trials say."),
    "serve": ("web_cmd", "Serve the web app and its JSON API."),
    "report": ("web_cmd", "Write a substance dossier: its page as one document, plots included."),
    "kb": ("kb_cmd", "Knowledge base: check and build the reviewed data files."),
    "import": ("import_cmd", "Import registry and bibliographic records into the knowledge base "
                             "(reg_ tables)."),
    "safety": ("safety_cmd", "Safety signals from spontaneous reports (FAERS, openFDA, any report "
                             "table)."),
    "market": ("market_cmd", "Prescribing and sales figures beside the verdicts (CMS, PBS, "
                             "pharmacy-market reports, NHS EPD)."),
}  # fmt: skip
_LOADED: dict[str, TyperGroup] = {}
#: ``--lang`` of the root and of the command groups (hidden: English help unchanged); the commands' own
#: ``--lang`` also sets their output's language (cli/lang.py)
LANG_OF_HELP = "Language of this help: en or ru (`immunograde --help --lang ru`)."


def command_group(module: str) -> TyperGroup:
    """The commands one module registers, as a click group (the module is imported now)."""
    if module not in _LOADED:
        sub = typer.Typer(pretty_exceptions_enable=False, add_completion=False,
                          rich_markup_mode=None)  # fmt: skip
        sub.callback()(lambda: None)  # a group even when the module adds a single command
        importlib.import_module(f"immunograde.cli.{module}").register(sub)
        group = typer.main.get_command(sub)
        assert isinstance(group, TyperGroup)
        for cmd in group.commands.values():
            _take_lang(cmd)
        _LOADED[module] = group
    return _LOADED[module]


def _take_lang(cmd: Any) -> None:
    """``immunograde kb --help --lang ru``, ``serve --help --lang ru``: a group or a command that prints
    no text of its own still takes ``--lang`` (hidden: its English help is unchanged) for its help."""
    if not any("--lang" in p.opts for p in cmd.params):
        cmd.params.append(TyperOption(param_decls=["--lang"], hidden=True, expose_value=False,
                                      help=LANG_OF_HELP))  # fmt: skip
    for sub in (getattr(cmd, "commands", None) or {}).values():
        _take_lang(sub)


class LazyGroup(TyperGroup):
    """The root command: lists :data:`COMMANDS` and imports a command's module only to run it.

    The help (and click's usage errors) speak the language of the command line (``--lang ru`` anywhere,
    else the locale: :mod:`.helplang`); in English nothing but the commands' own text is involved, in
    another language :mod:`.help_ru` translates copies of the commands (issue 18)."""

    help_lang = helplang.DEFAULT

    def main(self, args: Any = None, *pos: Any, **kw: Any) -> Any:
        argv = sys.argv[1:] if args is None else args
        self.help_lang = helplang.of_command_line(argv)
        helplang.on_command_line = helplang.given(argv)
        try:
            if self.help_lang == helplang.DEFAULT:
                return super().main(args, *pos, **kw)
            from immunograde.cli import help_ru

            with help_ru.speaking(self.help_lang):
                self.help = help_ru.translate_help(self.help)  # this object is made for this run
                self.params = help_ru.translated(self).params
                return super().main(args, *pos, **kw)
        finally:
            helplang.on_command_line = None

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        cmd = command_group(entry[0]).get_command(ctx, cmd_name)
        if self.help_lang == helplang.DEFAULT or cmd is None:
            return cmd
        from immunograde.cli import help_ru

        return help_ru.translated(cmd)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """As TyperGroup lists them, from :data:`COMMANDS` instead of the commands themselves."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        short = {name: text for name, (_, text) in COMMANDS.items()}
        if self.help_lang != helplang.DEFAULT:
            from immunograde.cli import help_ru

            short = {name: help_ru.translate_help(text) or text for name, text in short.items()}
        rows = [(name, TyperCommand(name=name, help=text).get_short_help_str(limit))
                for name, text in short.items()]  # fmt: skip
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    name="immunograde",
    cls=LazyGroup,
    help="ImmunoGrade: does it work, how sure are we, is it safe?  Evidence for immunomodulators.\n\n"
    + EXIT_CODE_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


@app.callback(invoke_without_command=True)
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
    lang: str | None = typer.Option(None, "--lang", hidden=True, help=LANG_OF_HELP),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit(ExitCode.OK)


def all_commands() -> list[str]:
    """Every command with its group (``import csv``, ...): imports every command module."""
    names = []
    for name, (module, _) in COMMANDS.items():
        cmd = command_group(module).commands.get(name)
        if isinstance(cmd, TyperGroup):
            names += [f"{name} {sub}" for sub in cmd.commands]
        else:
            names.append(name)
    return sorted(names)


def _also_click(kind: type[BaseException], name: str) -> tuple[type[BaseException], ...]:
    """``kind`` and the real click's exception ``name`` if click has been imported by a command
    (typer vendors its own click; importing the real one for everyone would cost start-up)."""
    module = sys.modules.get("click.exceptions")
    return (kind,) if module is None else (kind, getattr(module, name))


def _no_database(exc: NotFoundError) -> bool:
    """A missing knowledge base (exit 5), told apart without importing the knowledge-base stack at
    start-up: if ``kb.queries`` was never imported, the error cannot be its ``NoDatabaseError``."""
    queries = sys.modules.get("immunograde.kb.queries")
    return queries is not None and isinstance(exc, queries.NoDatabaseError)


def _error(message: object) -> str:
    """``error: message``, the prefix in the command's language (``--lang``) once a command has chosen
    one; the catalogue is never loaded for this alone (start-up)."""
    i18n = sys.modules.get("immunograde.web.i18n")
    if i18n is None or i18n.current() == i18n.DEFAULT:
        return f"error: {message}"
    if isinstance(message, NotFoundError):
        from immunograde.cli.lang import not_found_text

        message = not_found_text(message)
    elif isinstance(message, Problem):  # file, line and field as written; the sentence translated
        message = i18n.problem(message)
    else:
        message = i18n.message(message)
    return str(i18n.gettext("error: %(message)s") % {"message": message})


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; never show a traceback for a user's mistake."""
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=argv, prog_name="immunograde", standalone_mode=False)
    except _also_click(typer.Exit, "Exit") as exc:
        sys.exit(getattr(exc, "exit_code", ExitCode.OK))
    except _also_click(typer.Abort, "Abort"):
        aborted = "aborted"
        if command.help_lang != helplang.DEFAULT:  # type: ignore[attr-defined]
            from immunograde.cli import help_ru

            with help_ru.speaking(command.help_lang):  # type: ignore[attr-defined]
                aborted = help_ru.pgettext("command-line help", "aborted")
        print(aborted, file=sys.stderr)
        sys.exit(ExitCode.USAGE)
    except _also_click(typer.TyperException, "ClickException") as exc:  # usage, bad option values
        show = getattr(exc, "show", None)
        if callable(show) and command.help_lang != helplang.DEFAULT:  # type: ignore[attr-defined]
            from immunograde.cli import help_ru

            with help_ru.speaking(command.help_lang):  # type: ignore[attr-defined]
                help_ru.show_usage_error(exc)
        elif callable(show):
            show()
        else:
            print(_error(exc), file=sys.stderr)
        sys.exit(ExitCode.USAGE)
    except InputError as exc:
        for problem in exc.problems:
            print(_error(problem), file=sys.stderr)
        sys.exit(ExitCode.INPUT)
    except NotFoundError as exc:
        print(_error(exc), file=sys.stderr)
        sys.exit(ExitCode.NO_DATABASE if _no_database(exc) else ExitCode.NOT_FOUND)
    except BusyError as exc:
        print(_error(exc), file=sys.stderr)
        sys.exit(ExitCode.BUSY)
    except BrokenPipeError:
        sys.exit(ExitCode.OK)
    sys.exit(rv if isinstance(rv, int) else ExitCode.OK)


if __name__ == "__main__":
    main()

"""Entry point: builds the typer app from the command modules and maps errors to exit codes.

Each command module owns its commands and exposes ``register(app)``; this file only wires them and
turns user errors into one clear line and a documented exit code (see :mod:`.exitcodes`).
"""

from __future__ import annotations

import os

# one BLAS thread: the numerics are vectorised over arrays, and BLAS threads on top of them contend for the
# same cores (the GPS fit ran ~2x slower with more); set before numpy is first imported
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys

import click
import typer

from immunograde import __version__
from immunograde.cli import (
    appraise_cmd,
    build_cmd,
    calibrate_cmd,
    import_cmd,
    kb_cmd,
    living_cmd,
    meta_cmd,
    safety_cmd,
    web_cmd,
)
from immunograde.cli.exitcodes import EXIT_CODE_HELP, ExitCode
from immunograde.cli.output import err_console
from immunograde.errors import BusyError, InputError, NotFoundError

app = typer.Typer(
    name="immunograde",
    help="ImmunoGrade: does it work, how sure are we, is it safe?  Evidence for immunomodulators.\n\n"
    + EXIT_CODE_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)

for _module in (
    build_cmd,
    meta_cmd,
    kb_cmd,
    import_cmd,
    appraise_cmd,
    calibrate_cmd,
    safety_cmd,
    living_cmd,
    web_cmd,
):
    _module.register(app)


@app.callback(invoke_without_command=True)
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit(ExitCode.OK)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; never show a traceback for a user's mistake."""
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=argv, prog_name="immunograde", standalone_mode=False)
    except (typer.Exit, click.exceptions.Exit) as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, click.exceptions.Abort):
        err_console.print("aborted")
        sys.exit(ExitCode.USAGE)
    except (typer.TyperException, click.ClickException) as exc:
        # usage errors and bad option values (typer vendors its own click: both families are caught)
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            print(f"error: {exc}", file=sys.stderr)
        sys.exit(ExitCode.USAGE)
    except InputError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        sys.exit(ExitCode.INPUT)
    except NotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(ExitCode.NOT_FOUND)
    except BusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(ExitCode.BUSY)
    except BrokenPipeError:
        sys.exit(ExitCode.OK)
    sys.exit(rv if isinstance(rv, int) else ExitCode.OK)


if __name__ == "__main__":
    main()

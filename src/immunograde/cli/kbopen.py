"""A command's door to the knowledge base: a file not built yet is exit 5 with the message that says how
to build it, never a traceback (the one copy every reading command uses)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from immunograde.cli.exitcodes import ExitCode
from immunograde.kb.queries import KnowledgeBase, NoDatabaseError

#: every command's ``--db`` option (one declaration, one help text)
DbOpt = Annotated[
    Path | None,
    typer.Option(
        "--db", help="Knowledge-base file (default: IMMUNOGRADE_DB, else var/immunograde.duckdb)."
    ),
]


def open_kb(db: Path | None) -> KnowledgeBase:
    """The knowledge base at ``db`` (default: ``settings.db_path()``), or exit 5 with the reason."""
    try:
        return KnowledgeBase(db)
    except NoDatabaseError as exc:
        from immunograde.cli.lang import _, not_found_text
        from immunograde.cli.output import err_console

        # in the command's language, as every other error of the commands
        err_console.print(_("error: %(message)s") % {"message": not_found_text(exc)}, markup=False)
        raise typer.Exit(ExitCode.NO_DATABASE) from exc

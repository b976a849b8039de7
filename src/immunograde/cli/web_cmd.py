"""``immunograde serve`` (the web app) and ``immunograde report`` (a dossier to hand on)."""

from __future__ import annotations

from pathlib import Path

import typer

from immunograde.cli.exitcodes import ExitCode
from immunograde.cli.output import err_console
from immunograde.settings import db_path


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, help="Port to listen on."),
    database: Path = typer.Option(
        None, "--db", help="Knowledge-base file (default: var/immunograde.duckdb)."
    ),
    workers: int = typer.Option(1, help="Worker processes (uvicorn)."),
) -> None:
    """Serve the web app and its JSON API.

    Example: immunograde serve --port 8000   (then open http://127.0.0.1:8000/)
    """
    import uvicorn

    from immunograde.web.app import create_app

    path = database or db_path()
    if not path.exists():
        err_console.print(
            f"error: the knowledge base {path} has not been built: run `immunograde kb build`"
        )
        raise typer.Exit(ExitCode.NO_DATABASE)
    if workers > 1:
        import os

        os.environ["IMMUNOGRADE_DB"] = str(path)
        uvicorn.run(
            "immunograde.web.asgi:app", host=host, port=port, workers=workers, log_level="warning"
        )
    else:
        uvicorn.run(create_app(path), host=host, port=port, log_level="info")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``report`` to ``app``."""
    app.command("serve")(serve)

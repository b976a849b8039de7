"""Command module (filled in by its issue).  Exposes ``register(app)``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""

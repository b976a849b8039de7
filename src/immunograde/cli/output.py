"""Printing results: JSON for machines, rich tables for people.  One place, so every command agrees."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

from immunograde.jsonable import to_jsonable

console = Console(soft_wrap=True)  # never break a path or an id across lines
err_console = Console(stderr=True, soft_wrap=True)


def dumps(obj: Any, *, indent: int | None = 2) -> str:
    return json.dumps(to_jsonable(obj), indent=indent, ensure_ascii=False, allow_nan=False)


def print_json(obj: Any) -> None:
    sys.stdout.write(dumps(obj) + "\n")

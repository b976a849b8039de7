"""Printing results: JSON for machines, rich tables for people.  One place, so every command agrees.

``console`` and ``err_console`` (rich) are created on first use: importing rich costs more than a
small ``immunograde meta`` run, and commands that print JSON or plain text never need it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from immunograde.jsonable import to_jsonable

if TYPE_CHECKING:
    from rich.console import Console

    console: Console
    err_console: Console

_CONSOLES: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    """``console`` (stdout) and ``err_console`` (stderr): never break a path or an id across lines."""
    if name not in ("console", "err_console"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _CONSOLES:
        from rich.console import Console

        _CONSOLES[name] = Console(stderr=name == "err_console", soft_wrap=True)
    return _CONSOLES[name]


def dumps(obj: Any, *, indent: int | None = 2) -> str:
    return json.dumps(to_jsonable(obj), indent=indent, ensure_ascii=False, allow_nan=False)


def print_json(obj: Any) -> None:
    sys.stdout.write(dumps(obj) + "\n")


def print_json_rows(
    rows: Iterable[dict[str, Any]], *, array: bool = True, chunk: int = 1024
) -> None:
    """Write result rows (plain str/int/float/bool/None values; NaN becomes null) as they come, a
    chunk of rows at a time: a JSON array laid out as :func:`print_json` lays it out, or one object
    when ``array`` is False.  10,000 rows never exist as one list or one string."""
    import orjson

    out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
    write = out.write if out is not None else (lambda b: sys.stdout.write(b.decode()))
    if not array:
        for row in rows:
            write(orjson.dumps(row, option=orjson.OPT_INDENT_2) + b"\n")
        return
    it = iter(rows)
    sep = b"[\n"
    while batch := list(islice(it, chunk)):
        text = orjson.dumps(batch, option=orjson.OPT_INDENT_2)  # b"[\n  {...},\n  {...}\n]"
        write(sep + text[2:-2])
        sep = b",\n"
    write(b"\n]\n" if sep != b"[\n" else b"[]\n")
    if out is not None:
        out.flush()


def print_json_columns(keys: Sequence[str], chunks: Iterable[Sequence[Any]]) -> None:
    """Write rows given a chunk at a time as columns (one per key: a numpy array of float64, int
    or bool; a list of str; or one value for every row) as the JSON array :func:`print_json_rows`
    writes for the same rows -- byte for byte -- without a dictionary per row: each column is
    encoded by one orjson call (NaN and infinities become null, as orjson writes a float) and the
    rows are laid out from a template of the keys and the constant values (joined as str: joining
    half a million small bytes objects costs ten times more)."""
    import numpy as np
    import orjson

    out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
    write = out.write if out is not None else (lambda b: sys.stdout.write(b.decode()))
    names = ["    " + orjson.dumps(key).decode() + ": " for key in keys]
    first = True
    for cols in chunks:
        pieces, values, text = [], [], ",\n  {\n"  # each row: ",\n  {\n" then its key lines
        for j, (name, col) in enumerate(zip(names, cols, strict=True)):
            text += (",\n" if j else "") + name
            if isinstance(col, np.ndarray):
                pieces.append(text)
                encoded = orjson.dumps(col, option=orjson.OPT_SERIALIZE_NUMPY)
                values.append(encoded[1:-1].decode().split(","))
                text = ""
            elif isinstance(col, list):
                pieces.append(text)
                values.append(_strings(col, orjson.dumps))
                text = ""
            else:
                text += orjson.dumps(col).decode()
        pieces.append(text + "\n  }")
        row = [x for piece in pieces for x in (piece, "")][:-1]  # the pieces, a slot after each
        parts, step = row * len(values[0]), len(row)
        for j, vals in enumerate(values):
            parts[2 * j + 1 :: step] = vals
        text = "".join(parts)
        write(("[\n" + text[2:] if first else text).encode())
        first = False
    write(b"[]\n" if first else b"\n]\n")
    if out is not None:
        out.flush()


def _strings(col: list[str], dumps: Callable[[Any], bytes]) -> list[str]:
    """Each text as orjson writes it: one call for the column when no text holds a comma (the
    encoded list then splits at its commas), else one call per text."""
    if "," not in "".join(col):
        return list(dumps(col).decode()[1:-1].split(","))
    return [dumps(x).decode() for x in col]

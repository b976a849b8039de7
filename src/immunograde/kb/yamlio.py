"""Reading reviewed files with line numbers: YAML mappings remember where each key was written.

:func:`load_yaml` returns plain Python values, except that every mapping is a :class:`LineDict` (a
``dict`` that also knows its own line and each key's line).  :func:`line_of` follows a pydantic error
location (``("arms", 0, "route")``) through such a value to the line a person should look at.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from immunograde.errors import N_, Msg, Problem

#: the YAML parser's most common reasons (libyaml's and PyYAML's words), translated where shown
YAML_PROBLEMS = (
    N_("did not find expected key"),
    N_("mapping values are not allowed here"),
    N_("mapping values are not allowed in this context"),
    N_("did not find expected ',' or ']'"),
    N_("did not find expected ',' or '}'"),
    N_("could not find expected ':'"),
    N_("found undefined alias"),
    N_("did not find expected node content"),
    N_("did not find expected '-' indicator"),
    N_("found character that cannot start any token"),
    N_("found a tab character that violates indentation"),
    N_("found unexpected end of stream"),
    N_("block sequence entries are not allowed in this context"),
    N_("found unknown escape character"),
    N_("found unexpected ':'"),
)


class LineDict(dict[Any, Any]):
    """A YAML mapping with ``line`` (1-based, where it starts) and ``key_lines`` (key -> line)."""

    line: int = 0
    key_lines: dict[Any, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines = {}


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parser when present


class _LineLoader(_BaseLoader):
    """Safe loader (libyaml parser if available) that builds :class:`LineDict` and reports duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[LineDict]:
    out = LineDict()
    out.line = node.start_mark.line + 1
    yield out
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in out:
            loader.duplicates.append((str(key), line))
        out[key] = _value(loader, value_node)
        out.key_lines[key] = line


def _value(loader: _LineLoader, node: yaml.Node) -> Any:
    """A value as YAML reads it; a scalar YAML cannot turn into its type (``2026-13-01`` is not a date)
    stays the text written, for the record's validation to name with its line and field."""
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        if isinstance(node, yaml.ScalarNode):
            return node.value
        raise


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path, label: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML file; syntax errors and duplicate keys become problems, never exceptions."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(Msg("cannot read file: %(reason)s", reason=str(exc)), label)]
    loader = _LineLoader(text)
    try:
        value = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        said = Msg(reason) if reason in YAML_PROBLEMS else reason
        return None, [Problem(Msg("YAML syntax error: %(reason)s", reason=said), label, line)]
    finally:
        loader.dispose()
    problems = [Problem(Msg("duplicate key"), label, ln, key) for key, ln in loader.duplicates]
    return value, problems


def line_of(value: Any, loc: Sequence[int | str], default: int | None) -> int | None:
    """The line of the item at ``loc`` inside ``value`` (the deepest located ancestor)."""
    line = getattr(value, "line", None) or default
    node = value
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
            if isinstance(node, LineDict):
                line = node.line
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            if isinstance(node, LineDict):
                line = node.line
        else:
            break
    return line


def read_csv_rows(path: Path, label: str) -> tuple[list[LineDict], list[Problem]]:
    """Rows of a CSV file as :class:`LineDict` (``line`` = physical line; header is line 1)."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = []
            for raw in reader:
                row = LineDict({k: (v if v != "" else None) for k, v in raw.items()})
                row.line = reader.line_num
                rows.append(row)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return [], [Problem(Msg("cannot read CSV: %(reason)s", reason=str(exc)), label)]
    return rows, []

"""Load every reviewed file under ``data/`` into validated models, collecting ALL problems.

A YAML file holds either one record (a mapping), a list of records, or a mapping with ``records:`` (a
list) and an optional ``review:`` block whose fields apply to every record in the file (a record's own
fields win).  Regulatory status lives in CSV files whose ``source_*`` columns form the ``source``.

Nothing here raises for bad content: each problem becomes a :class:`~immunograde.errors.Problem`
with file, line and field, and loading carries on so ``kb check`` can report everything at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from immunograde.errors import InputError, Msg, Problem, existing_path
from immunograde.kb.models import RECORD_MODELS, Reviewed
from immunograde.kb.pydantic_text import after_field, error_text
from immunograde.kb.yamlio import LineDict, line_of, load_yaml, read_csv_rows

T = TypeVar("T", bound=BaseModel)

#: kind -> glob patterns relative to the data folder
LAYOUT: dict[str, tuple[str, ...]] = {
    "classes": ("classes.yaml", "classes/*.yaml"),
    "sources": ("sources.yaml", "sources/*.yaml"),
    "substances": ("substances/*.yaml",),
    "products": ("products/*.yaml",),
    "regulatory": ("regulatory/*.csv", "regulatory/*.yaml"),
    "claims": ("claims/*.yaml",),
    "trials": ("trials/*.yaml",),
    "questions": ("questions/*.yaml",),
    "search_logs": ("search_logs/*.yaml",),
}
#: kinds whose files hold exactly one record, with ``id`` equal to the file stem
ONE_PER_FILE = {"substances", "questions", "search_logs"}
_FIELD_PREFIX = re.compile(r"^([a-z_][a-z0-9_.]*): (.+)$", re.S)
_SOURCE_COLUMNS = (
    "file", "row", "key", "ref", "url", "pmid", "doi", "nct", "locator", "quote", "accessed",
)  # fmt: skip


@dataclass(frozen=True)
class Located(Generic[T]):
    """A validated record and where it was written."""

    record: T
    file: str
    line: int | None
    raw: Any = field(default=None, repr=False, compare=False)

    def line_of(self, path: str) -> int | None:
        """The line of a dotted field path (``"arms.0.substance"``) in the written record."""
        parts: list[int | str] = [int(p) if p.isdigit() else p for p in path.split(".")]
        return line_of(self.raw, parts, self.line)


@dataclass
class LoadedKB:
    """Every validated record by kind, the files read, and every problem found while loading."""

    records: dict[str, list[Located[Any]]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def of(self, kind: str) -> list[Located[Any]]:
        return self.records.get(kind, [])


def reviewed_files(data_dir: Path) -> Iterator[tuple[str, Path]]:
    """(kind, path) for every reviewed file, in a stable order."""
    for kind, patterns in LAYOUT.items():
        seen: set[Path] = set()
        for pattern in patterns:
            for path in sorted(data_dir.glob(pattern)):
                if path.is_file() and path not in seen:
                    seen.add(path)
                    yield kind, path


def _split_file(
    value: Any, label: str, kind: str
) -> tuple[list[Any], dict[str, Any], list[Problem]]:
    """Records and the file-level review block of one parsed YAML value."""
    if value is None:
        return [], {}, [Problem(Msg("file is empty"), label)]
    if isinstance(value, list):
        return value, {}, []
    if not isinstance(value, dict):
        return [], {}, [Problem(Msg("expected a mapping or a list of records"), label)]
    review = value.get("review") or {}
    if not isinstance(review, dict):
        return (
            [],
            {},
            [Problem(Msg("review: must be a mapping"), label, line_of(value, ["review"], 1))],
        )
    for key in ("records", kind):
        if key in value:
            records = value[key]
            if not isinstance(records, list):
                return (
                    [],
                    review,
                    [Problem(Msg("must be a list"), label, line_of(value, [key], 1), key)],
                )
            return records, review, []
    record = LineDict({k: v for k, v in value.items() if k != "review"})
    record.line = getattr(value, "line", 0)
    record.key_lines = dict(getattr(value, "key_lines", {}))
    return [record], review, []


def _merge(record: Any, review: dict[str, Any]) -> Any:
    if not isinstance(record, dict) or not review:
        return record
    merged = LineDict({**review, **record})
    merged.line = getattr(record, "line", 0)
    merged.key_lines = dict(getattr(record, "key_lines", {}))
    return merged


def validate(
    model: type[T], raw: Any, label: str, line: int | None
) -> tuple[T | None, list[Problem]]:
    """Validate one raw record; pydantic errors become problems located by line and field."""
    if not isinstance(raw, dict):
        return None, [Problem(Msg("a record must be a mapping"), label, line)]
    try:
        return model.model_validate(dict(raw)), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = [p for p in err["loc"] if isinstance(p, (int, str))]
            msg = error_text(err)
            named = _FIELD_PREFIX.match(msg) if err["type"] == "value_error" else None
            if named:  # a model validator names its field: "next_review: is before ..."
                loc, msg = [*loc, *named.group(1).split(".")], after_field(msg, named)
            where = line_of(raw, loc, line)
            problems.append(Problem(msg, label, where, ".".join(str(p) for p in loc) or None))
        return None, problems


def _csv_record(row: LineDict) -> LineDict:
    out = LineDict()
    source: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            continue
        if key.startswith("source_") and key[7:] in _SOURCE_COLUMNS:
            if value is not None:
                source[key[7:]] = int(value) if key == "source_row" and value.isdigit() else value
        elif value is not None:
            out[key] = value
    out["source"] = source
    out.line = row.line
    out.key_lines = {k: row.line for k in out}
    return out


def _raw_records(kind: str, path: Path, label: str) -> tuple[list[Any], list[Problem]]:
    if path.suffix == ".csv":
        rows, problems = read_csv_rows(path, label)
        return [_csv_record(r) for r in rows], problems
    value, problems = load_yaml(path, label)
    if value is None and problems:
        return [], problems
    records, review, more = _split_file(value, label, kind)
    return [_merge(r, review) for r in records], problems + more


def load_kb(data_dir: Path) -> LoadedKB:
    """Load and validate every reviewed file in ``data_dir`` (problems collected, never raised; a
    ``data_dir`` that does not exist is :class:`NotFoundError`, a file :class:`InputError`: never an
    empty knowledge base)."""
    if not data_dir.is_dir():
        existing_path(data_dir)  # not there: NotFoundError with the similar names beside it
        raise InputError.one(Msg("a file, not a folder of reviewed files"), file=str(data_dir))
    kb = LoadedKB(records={kind: [] for kind in LAYOUT})
    for kind, path in reviewed_files(data_dir):
        kb.files.append(path)
        label = path.relative_to(data_dir).as_posix()
        raws, problems = _raw_records(kind, path, label)
        kb.problems.extend(problems)
        model: type[Reviewed] = RECORD_MODELS[kind]
        for raw in raws:
            line = getattr(raw, "line", None)
            record, errs = validate(model, raw, label, line)
            kb.problems.extend(errs)
            if record is not None:
                kb.records[kind].append(Located(record, label, line, raw))
        if kind in ONE_PER_FILE and len(raws) > 1:
            kb.problems.append(
                Problem(Msg("a %(kind)s file holds exactly one record", kind=kind), label, 1)
            )
    return kb

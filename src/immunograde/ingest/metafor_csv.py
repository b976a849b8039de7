"""The metafor-column CSV reader: one set of rules for ``immunograde meta``, ``immunograde import
csv`` and the workbench upload (same checks, same messages).

Rules -- every problem names the file, the line (header = line 1) and the column; up to 50 are
reported at once, and nothing is pooled or stored unless the whole file passes:

* **Text**: UTF-8 (a byte-order mark is ignored).
* **Delimiter**: comma, semicolon or tab, whichever the header line holds most of; any other
  separator (``|``, ``:``, ...) is refused, naming what was found.
* **Header**: the first line.  Names are trimmed; an empty or repeated name is refused (a repeated
  ``ai`` would otherwise silently win); a name that is one of metafor's columns in another case or
  with a typo (``AI``, ``n1``, ``se``) is refused with the suggestion.  ``study`` (label) and
  ``year`` are optional; any other column is text (e.g. a grouping column for ``meta --by``).
* **Rows**: as many fields as the header (blank lines are skipped); a text field has at most
  1,000 characters; ``study`` labels default to ``Study N``.
* **Numbers**: plain decimal notation (``12``, ``-0.5``, ``1.2e-3``); an empty cell or ``NA`` is
  missing; anything else -- ``nan``, ``inf``, ``1e400``, ``1,5``, full-width or superscript digits --
  is refused, and so is any magnitude above 1e15.
* **Values**: counts (``ai, bi, ci, di``) are whole and >= 0; group sizes (``n1i, n2i, ni``) whole and
  >= 1; ``sd1i, sd2i`` > 0; ``vi`` >= 1e-30 and ``sei`` >= 1e-15 (a zero or vanishing variance gives
  one study all the weight); ``-1 <= ri <= 1``; ``year`` a whole number in 1800-2100.
* **Forms**: each row holds one complete input form (:data:`FORMS`); within it events <= group
  size, ``ai + bi >= 1``, ``n1i = ai + bi`` when both are given, and ``ci_low <= estimate <=
  ci_high`` with ``ci_low < ci_high``.  Pooling needs the same form in every row (checked where
  the table is pooled); ``import csv`` stores each row with its form.
* **Stored tables** (``store=True``, ``import csv``): rows are kept by their label, so ``study`` is
  required and not empty, the label ``slab`` (``"study, year"``, or ``study``) is unique, and only
  columns that can be stored (``study``, ``year``, the numeric columns) are allowed.

Checks that depend on the measure (a ratio estimate must be positive, ...) are made where the
measure is known, with the same file, line and column (:mod:`immunograde.evidence.workbench_input`).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from immunograde.errors import InputError, Msg, NotFoundError, Problem
from immunograde.ingest.metafor_checks import (
    FORM_NAMES,
    FORMS,
    FORMS_TEXT,
    check_values,
    storable,
    unique_labels,
)

FloatArray = NDArray[np.float64]
MAX_PROBLEMS = 50
MAX_TEXT = 1000  #: characters in a text field (study labels, grouping columns)
NUMERIC = tuple(dict.fromkeys(c for alts in FORMS.values() for cols in alts for c in cols))
KNOWN = ("study", "year", *NUMERIC)
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_PLAIN = re.compile(r"[0-9.eE+\-]*")
FAST_BYTES = 1 << 20  #: files this large are first tokenised by Arrow (:mod:`.metafor_arrow`)
MAX_ABS = 1e15  #: largest magnitude of any number (beyond it the pooling's sums lose meaning)


@dataclass(frozen=True)
class MetaforTable:
    """A validated table: numbers (NaN = missing), text columns, each row's input form and line."""

    label: str
    columns: tuple[str, ...]
    study: Sequence[str]
    year: list[int | None]
    numbers: dict[str, FloatArray]
    extra: Mapping[str, Sequence[str]]
    lines: NDArray[np.int64]
    form_codes: NDArray[np.int8]  #: index into :data:`FORM_NAMES` per row

    @property
    def k(self) -> int:
        return len(self.study)

    @cached_property
    def form(self) -> str:
        """The input form of every row, or ``"mixed"`` (``import csv`` stores mixed tables; pooling
        needs one form)."""
        lo, hi = int(self.form_codes.min()), int(self.form_codes.max())
        return FORM_NAMES[lo] if lo == hi else "mixed"

    def groups(self, column: str) -> tuple[NDArray[np.intp], list[str]]:
        """Each row's group number for text column ``column`` (groups numbered in order of first
        appearance) and the group labels."""
        cells = self.extra[column]
        fast = getattr(cells, "groups", None)
        if fast is not None:
            return fast()
        labels = list(dict.fromkeys(cells))
        number = {lab: i for i, lab in enumerate(labels)}
        return np.fromiter(map(number.__getitem__, cells), dtype=np.intp, count=self.k), labels

    def row_form(self, row: int) -> str:
        return FORM_NAMES[int(self.form_codes[row])]

    def forms_text(self) -> str:
        """Which forms occur, each with its first line (for a message about mixed forms)."""
        first: dict[str, int] = {}
        for code, line in zip(self.form_codes.tolist(), self.lines.tolist(), strict=True):
            first.setdefault(FORM_NAMES[code], line)
        return ", ".join(f"{f} (from line {line})" for f, line in first.items())


def decode(data: bytes, label: str) -> str:
    """UTF-8 text of ``data`` (BOM dropped); :class:`InputError` naming the line of a bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise InputError.one(
            Msg("not UTF-8 text (byte 0x%(byte)s at offset %(offset)s); save the file as UTF-8",
                byte=bad, offset=exc.start),
            file=label, line=line,
        ) from None  # fmt: skip


def read_file(path: Path, *, label: str | None = None) -> MetaforTable:
    """Read and validate the CSV file at ``path`` (:class:`NotFoundError` if it is missing).

    A file of a megabyte or more is first tokenised by Arrow (:mod:`.metafor_arrow`: the same rules,
    ten times faster); whatever that path does not accept is read here, with these messages."""
    if not path.is_file():
        raise NotFoundError(Msg("file not found: %(path)s", path=path))
    data = path.read_bytes()
    label = label or str(path)
    if len(data) >= FAST_BYTES:
        from immunograde.ingest.metafor_arrow import read_fast

        table = read_fast(data, label)
        if table is not None:
            return table
    return read_metafor_csv(decode(data, label), label)


def read_metafor_csv(
    text: str, label: str, *, max_rows: int | None = None, store: bool = False
) -> MetaforTable:
    """Parse and validate ``text`` (rules: module docstring); :class:`InputError` lists problems.

    ``store`` adds the rules of a table that is stored by its labels (``import csv``)."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InputError.one(
            Msg("empty input: expected a header row with metafor's column names (%(forms)s)",
                forms=FORMS_TEXT),
            file=label, line=1,
        )  # fmt: skip
    delimiter = find_delimiter(text, label)
    rows, lines = _split(text, delimiter, label, max_rows)
    header = parse_header(rows[0], label, store)
    body, lines = rows[1:], lines[1:]
    if not body:
        raise InputError.one(Msg("no data rows under the header (k = 0)"), file=label, line=2)
    problems: list[Problem] = []
    cols = _columns(header, body, lines, label, problems)
    numbers = {c: _numbers(cols[c], c, lines, label, problems) for c in header if c in NUMERIC}
    year = _years(cols.get("year"), lines, label, problems)
    extra = {c: cols[c] for c in header if c not in NUMERIC and c not in ("study", "year")}
    for c in ("study", *extra):
        if c in cols:
            _text_lengths(cols[c], c, lines, label, problems)
    if store:
        unique_labels(cols["study"], year, lines, label, problems)
    at = np.asarray(lines, dtype=np.int64)
    refused = [p.line for p in problems if p.field in NUMERIC and p.line is not None]
    forms = check_values(numbers, lines, label, problems, np.isin(at, refused))
    problems.sort(key=lambda p: p.line or 0)
    _raise(problems)
    study = [s.strip() or f"Study {i}" for i, s in enumerate(cols["study"], 1)] if "study" in cols \
        else [f"Study {i}" for i in range(1, len(body) + 1)]  # fmt: skip
    return MetaforTable(label, header, study, year, numbers, extra, at, forms)


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise InputError(problems[:MAX_PROBLEMS])


def find_delimiter(text: str, label: str) -> str:
    """The separator of the header line: the most frequent of comma, semicolon and tab."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best]:
        return best
    others = sorted({ch for ch in first if not (ch.isalnum() or ch in "_ \r\"'.-")})
    if others:
        found = ", ".join(repr(ch) for ch in others)
        raise InputError.one(
            Msg("the header is separated by %(found)s, not by commas; save the file as CSV "
                "(comma, semicolon or tab between columns)", found=found), file=label, line=1,
        )  # fmt: skip
    return ","  # one column: the header check names what is missing


def _split(
    text: str, delimiter: str, label: str, max_rows: int | None
) -> tuple[list[list[str]], list[int]]:
    """Rows of fields and the line each row starts on (blank lines skipped)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        if '"' not in text:  # no quoted fields: a record is a line (the common, fast case)
            rows = list(reader)
            lines = list(range(1, len(rows) + 1))
            if not all(map(any, rows)):
                kept = [i for i, r in enumerate(rows) if any(r)]
                rows, lines = [rows[i] for i in kept], [lines[i] for i in kept]
        else:
            rows, lines = _split_quoted(reader)
    except csv.Error as exc:
        raise _csv_problem(exc, text, delimiter, reader.line_num, label) from None
    if max_rows is not None and len(rows) > max_rows + 1:
        raise InputError.one(
            Msg("more than %(max_rows)s rows; use the command line for larger analyses",
                max_rows=max_rows),
            file=label, line=lines[max_rows + 1],
        )  # fmt: skip
    return rows, lines


def _split_quoted(reader: Any) -> tuple[list[list[str]], list[int]]:
    """Records that may span lines: each is placed on the line where it starts."""
    rows: list[list[str]] = []
    lines: list[int] = []
    line = 1
    for row in reader:
        if any(row):
            rows.append(row)
            lines.append(line)
        line = reader.line_num + 1
    return rows, lines


def _csv_problem(exc: csv.Error, text: str, delimiter: str, line: int, label: str) -> InputError:
    """A malformed record as a clear error: for an over-long field, which column it is in."""
    message = Msg("malformed CSV: %(reason)s", reason=str(exc))
    field = None
    if "field larger than field limit" in message:
        physical = text.splitlines()[line - 1] if line >= 1 else ""
        parts = physical.split(delimiter)
        long = next((i for i, p in enumerate(parts) if len(p) > MAX_TEXT), None)
        header = [h.strip() for h in text.split("\n", 1)[0].split(delimiter)]
        if long is not None and long < len(header):
            field = header[long].strip('"')
        message = Msg("a field is longer than %(limit)s characters (text fields hold at most "
                      "%(most)s)", limit=format(csv.field_size_limit(), ","),
                      most=format(MAX_TEXT, ","))  # fmt: skip
    return InputError.one(message, file=label, line=line, field=field)


def parse_header(raw: list[str], label: str, store: bool) -> tuple[str, ...]:
    """Trimmed names; empty, repeated and near-miss names are refused (all reported at once)."""
    names = [h.strip() for h in raw]
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    lower = {k.lower(): k for k in KNOWN}
    for i, name in enumerate(names, 1):
        if not name:
            problems.append(Problem(Msg("column %(i)s has no name", i=i), label, 1))
        elif name in seen:
            problems.append(Problem(
                Msg("column %(name)s appears twice (columns %(first)s and %(i)s); keep one",
                    name=repr(name), first=seen[name], i=i), label, 1, name))  # fmt: skip
        elif name not in KNOWN:
            near = lower.get(name.lower()) or next(
                iter(difflib.get_close_matches(name, NUMERIC, n=1, cutoff=0.8)), None
            )
            if near:
                problems.append(
                    Problem(
                        Msg(
                            "unknown column %(name)s (did you mean %(near)s?)",
                            name=repr(name),
                            near=repr(near),
                        ),
                        label,
                        1,
                        name,
                    )
                )
        seen.setdefault(name, i)
    if store:
        storable(names, KNOWN, label, problems)
    if not problems and not any(set(cols) <= set(names) for a in FORMS.values() for cols in a):
        closest = max((c for a in FORMS.values() for c in a),
                      key=lambda c: (len(set(c) & set(names)), -len(c)))  # fmt: skip
        missing = [c for c in closest if c not in names]
        problems.append(Problem(
            Msg("missing column(s) %(missing)s for the form %(form)s; need one of %(forms)s",
                missing=", ".join(missing), form=",".join(closest), forms=FORMS_TEXT),
            label, 1, missing[0]))  # fmt: skip
    _raise(problems)
    return tuple(names)


def _columns(
    header: tuple[str, ...],
    body: list[list[str]],
    lines: list[int],
    label: str,
    problems: list[Problem],
) -> dict[str, list[str]]:
    """Transpose the rows into columns; rows with another number of fields are reported."""
    width = len(header)
    if set(map(len, body)) != {width}:
        for row, line in zip(body, lines, strict=True):
            if len(row) != width and len(problems) < MAX_PROBLEMS:
                problems.append(Problem(Msg("%(n)s fields, but the header has %(width)s",
                                            n=len(row), width=width),
                                        label, line))  # fmt: skip
        _raise(problems)
    return {name: list(col) for name, col in zip(header, zip(*body, strict=True), strict=True)}


def _numbers(
    cells: list[str], name: str, lines: list[int], label: str, problems: list[Problem]
) -> FloatArray:
    """A numeric column (NaN = missing); bad cells are reported, never guessed."""
    values = None
    if _PLAIN.fullmatch("".join(cells)):  # only digits, '.', 'e', signs: Python's float() then
        try:  # reads exactly the plain notation of the rules (no nan, inf, '_', spaces)
            values = np.fromiter(map(float, cells), dtype=float, count=len(cells))
        except ValueError:  # an empty cell or a malformed number
            values = None
    if values is None:
        values = _numbers_slow(cells, name, lines, label, problems)
    big = np.flatnonzero(~(np.abs(values) <= MAX_ABS) & ~np.isnan(values))
    for i in big[: MAX_PROBLEMS - len(problems)]:
        problems.append(Problem(
            Msg("%(value)s is out of range (magnitudes up to 1e15)",
                value=_short(cells[i].strip())),
            label, lines[i], name))  # fmt: skip
    return values


def _numbers_slow(
    cells: list[str], name: str, lines: list[int], label: str, problems: list[Problem]
) -> FloatArray:
    out = np.empty(len(cells))
    for i, cell in enumerate(cells):
        text = cell.strip()
        if text in ("", "NA"):
            out[i] = np.nan
        elif _NUMBER.fullmatch(text):
            out[i] = float(text)
        else:
            out[i] = np.nan
            if len(problems) < MAX_PROBLEMS:
                problems.append(Problem(Msg("not a number: %(value)s", value=_short(text)),
                                        label, lines[i], name))  # fmt: skip
    return out


def _short(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:37] + "...")


def _years(
    cells: list[str] | None, lines: list[int], label: str, problems: list[Problem]
) -> list[int | None]:
    if cells is None:
        return [None] * len(lines)
    out: list[int | None] = []
    for cell, line in zip(cells, lines, strict=True):
        text = cell.strip()
        if text in ("", "NA"):
            out.append(None)
            continue
        value = float(text) if _NUMBER.fullmatch(text) else None
        if value is None or not (value.is_integer() and 1800 <= value <= 2100):
            problems.append(
                Problem(Msg("not a year: %(value)s", value=_short(text)), label, line, "year")
            )
            out.append(None)
        else:
            out.append(int(value))
    return out


def _text_lengths(
    cells: list[str], name: str, lines: list[int], label: str, problems: list[Problem]
) -> None:
    if max(map(len, cells), default=0) <= MAX_TEXT:
        return
    for cell, line in zip(cells, lines, strict=True):
        if len(cell) > MAX_TEXT and len(problems) < MAX_PROBLEMS:
            problems.append(Problem(
                Msg("%(n)s characters; a text field holds at most %(most)s",
                    n=format(len(cell), ","), most=format(MAX_TEXT, ",")),
                label, line, name))  # fmt: skip

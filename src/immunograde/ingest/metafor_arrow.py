"""Large metafor-column files tokenised by Apache Arrow's CSV reader: the same rules, faster.

Python's ``csv`` module and a float per cell cost about 2.5 microseconds per row -- more than fitting
the row's meta-analysis (benchmarks/results/meta_cli.md).  For a file of at least
:data:`FAST_BYTES`, :func:`read_fast` splits it with Arrow (C++) and applies the rules of
:mod:`.metafor_csv` column by column: the header through the same functions, numbers through the
same grammar (an RE2 full match, then Arrow's correctly rounded cast to double), the same
magnitude, year and text-length limits, and the same value and form checks
(:func:`.metafor_checks.check_values`).  It returns a table only when every rule passes and the file
is plainly laid out (no quoted fields, no blank lines, one record per line); otherwise ``None``,
and the caller reads the file with the reference reader, which reports each problem with its
own message.  So a file either gives the same table both ways (tests/ingest/test_metafor_csv.py
compares them) or the reference reader's errors.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from immunograde.errors import Problem
from immunograde.ingest.metafor_checks import check_values
from immunograde.ingest.metafor_csv import (
    FAST_BYTES,
    MAX_ABS,
    MAX_TEXT,
    NUMERIC,
    MetaforTable,
    find_delimiter,
    parse_header,
)

__all__ = ["FAST_BYTES", "read_fast"]
_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_BOM = b"\xef\xbb\xbf"


def read_fast(data: bytes, label: str) -> MetaforTable | None:
    """The table of ``data`` read through Arrow, or ``None`` (read it with the reference reader)."""
    data = data.removeprefix(_BOM)
    if b'"' in data:  # (a blank line: Arrow's column count refuses it, see _tokenise)
        return None
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):  # a bare CR ends a line
        return None
    end = data.find(b"\n")  # the header line (without copying the rest of the file)
    try:
        first = (data if end < 0 else data[:end]).decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    delimiter = find_delimiter(first, label)  # a refused delimiter or header: the same errors
    header = parse_header(first.split(delimiter), label, False)
    arrow = _tokenise(data, delimiter, header)
    if arrow is None or arrow.num_rows == 0:
        return None
    return _table(arrow, header, label)


def _tokenise(data: bytes, delimiter: str, header: tuple[str, ...]) -> Any:
    """Arrow's CSV reader, serial and in one block: numbers parsed to double (empty and ``NA`` are
    missing), text columns dictionary-encoded (codes in order of first appearance)."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    names = [f"c{i}" for i in range(len(header))]
    text = pa.dictionary(pa.int32(), pa.string())
    types = {n: pa.float64() if h in NUMERIC or h == "year" else text
             for n, h in zip(names, header, strict=True)}  # fmt: skip
    try:  # serial: a failed threaded read can leave Arrow's workers running at exit (pyarrow 21)
        return pacsv.read_csv(
            pa.BufferReader(data),  # Arrow reads the bytes where they are
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=1, use_threads=False, block_size=len(data) + 1
            ),
            # a blank line is a row of one field: refused (ragged), as a scan for it would
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char=False, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                null_values=["", "NA"],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a malformed number, ragged rows, bad UTF-8, ...
        return None


def _table(arrow: Any, header: tuple[str, ...], label: str) -> MetaforTable | None:
    k = arrow.num_rows
    cols = {name: arrow.column(i).chunk(0) for i, name in enumerate(header)}
    numbers: dict[str, NDArray[np.float64]] = {}
    for name in header:
        if name in NUMERIC:
            values = _numbers(cols[name])
            if values is None:
                return None
            numbers[name] = values
    year = _years(cols.get("year"), k)
    text = [c for c in header if c not in NUMERIC and c != "year"]
    if year is None or not all(_short_enough(cols[c]) for c in text):
        return None
    problems: list[Problem] = []
    forms = check_values(numbers, range(2, k + 2), label, problems, np.zeros(k, dtype=bool))
    if problems:
        return None
    study: Sequence[str] = (
        ArrowStrings(cols["study"], labels=True)
        if "study" in cols
        else [f"Study {i}" for i in range(1, k + 1)]
    )
    extra: dict[str, Sequence[str]] = {c: ArrowStrings(cols[c]) for c in text if c != "study"}
    return MetaforTable(label, header, study, year, numbers, extra,
                        np.arange(2, k + 2, dtype=np.int64), forms)  # fmt: skip


def _numbers(cells: Any) -> NDArray[np.float64] | None:
    """The column as floats (NaN = missing); None if a value is not finite (the text said ``nan``,
    ``inf`` or ``1e400``) or beyond the magnitude limit -- the reference reader explains it."""
    out = np.asarray(cells.to_numpy(zero_copy_only=False), dtype=float)
    nan = np.isnan(out)
    if int(nan.sum()) != cells.null_count or np.any(np.abs(out[~nan]) > MAX_ABS):
        return None
    return out


def _years(cells: Any, k: int) -> list[int | None] | None:
    if cells is None:
        return [None] * k
    values = _numbers(cells)
    if values is None:
        return None
    v = values[~np.isnan(values)]
    if not np.all((v == np.floor(v)) & (v >= 1800) & (v <= 2100)):
        return None
    return [None if x != x else int(x) for x in values.tolist()]


class ArrowStrings(Sequence[str]):
    """A dictionary-encoded text column kept in Arrow until it is read (``meta --by`` reads one
    column of many, and groups it from the codes without making 100,000 Python strings).
    ``labels``: study labels as the reference reader makes them (trimmed; an empty one becomes
    ``Study N``)."""

    def __init__(self, cells: Any, *, labels: bool = False) -> None:
        self._cells, self._labels = cells, labels
        self._list: list[str] | None = None

    def _values(self) -> list[str]:
        if self._list is None:
            words = self._cells.dictionary.to_numpy(zero_copy_only=False)
            raw = words[self._codes()].tolist()
            self._list = [s.strip() or f"Study {i}" for i, s in enumerate(raw, 1)] \
                if self._labels else raw  # fmt: skip
        return self._list

    def _codes(self) -> NDArray[np.intp]:
        return np.asarray(self._cells.indices.to_numpy(zero_copy_only=False), dtype=np.intp)

    def __len__(self) -> int:
        return len(self._cells)

    def __getitem__(self, i: Any) -> Any:
        return self._values()[i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def groups(self) -> tuple[NDArray[np.intp], list[str]]:
        """Each cell's group number, numbered in order of first appearance, and the groups
        (Arrow's dictionary is built in that order)."""
        return self._codes(), self._cells.dictionary.to_numpy(zero_copy_only=False).tolist()


def _short_enough(cells: Any) -> bool:
    """Every text at most MAX_TEXT characters: checked on the bytes (a UTF-8 character is one
    byte or more); a longer byte string sends the file to the reference reader, which counts
    characters."""
    words = cells.dictionary
    offsets = np.frombuffer(words.buffers()[1], dtype=np.int32)[
        words.offset : words.offset + len(words) + 1
    ]
    return len(words) == 0 or int(np.diff(offsets).max()) <= MAX_TEXT

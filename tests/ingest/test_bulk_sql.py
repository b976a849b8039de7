"""The SQL expressions of ingest/bulk_sql.py against the Python helpers they mirror (ingest/common.py).

Property tests: for generated strings, wherever the SQL guard says "exact", the SQL value must equal
the Python value; where it does not, the record goes to the Python mapper (so no value is lost).
"""

from __future__ import annotations

import math
import sys
from typing import Any

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from immunograde.ingest import bulk_sql
from immunograde.ingest.common import clean_text, split_p_value, to_float

CONN = duckdb.connect()
SPACES = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
NUMBERISH = st.text(
    alphabet=st.sampled_from([*"0123456789+-.eE<>=≤≥ ,_naifNAIF%٣", "\u00a0", "\t"]),
    max_size=12,
)
TEXTISH = st.text(alphabet=st.sampled_from(list("ab ,.-") + SPACES), max_size=16)


def _eval(expressions: list[str], values: list[str | None]) -> list[tuple[Any, ...]]:
    CONN.register("_t", pa.table({"x": pa.array(values, pa.string())}))
    try:
        return CONN.execute(f"SELECT {', '.join(expressions)} FROM _t").fetchall()
    finally:
        CONN.unregister("_t")


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return (math.isnan(a) and math.isnan(b)) or a == b


def test_white_space_class_is_exactly_python_isspace() -> None:
    """Every code point (surrogates aside) matches the RE2 class iff ``str.isspace()``."""
    rows = CONN.execute(
        f"SELECT i FROM range(0, {sys.maxunicode + 1}) t(i) "
        f"WHERE (i < 55296 OR i > 57343) AND regexp_matches(chr(i::INTEGER), '{bulk_sql.WS}')"
    ).fetchall()
    assert [chr(r[0]) for r in rows] == SPACES


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), TEXTISH), max_size=30))
def test_clean_equals_clean_text(values: list[str | None]) -> None:
    got = _eval([bulk_sql.clean("x")], values)
    assert [r[0] for r in got] == [clean_text(v) for v in values]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), NUMBERISH), max_size=30))
def test_num_equals_to_float_where_the_guard_holds(values: list[str | None]) -> None:
    got = _eval([bulk_sql.num("x"), bulk_sql.num_ok("x", bulk_sql.num("x"))], values)
    for value, (sql, ok) in zip(values, got, strict=True):
        if ok:
            assert _same(sql, to_float(value)), value


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), NUMBERISH), max_size=30))
def test_p_value_parts_equal_split_p_value_where_the_guard_holds(values: list[str | None]) -> None:
    value, modifier, ok = bulk_sql.p_value_parts("x")
    got = _eval([value, modifier, ok], values)
    for raw, (p, mod, good) in zip(values, got, strict=True):
        if good:
            want_p, want_mod = split_p_value(raw)
            assert _same(p, want_p) and mod == want_mod, raw


def test_guards_send_the_forms_the_sql_does_not_read_to_python() -> None:
    # hand-written cases: plain forms are read in SQL, the others are left to Python
    values = ["7.0", "<0.001", "NA", "1,234", "12.5%", "1_000", "nan", " 5 ", None]
    got = _eval([bulk_sql.num("x"), bulk_sql.num_ok("x", bulk_sql.num("x"))], values)
    assert got == [
        (7.0, True), (0.001, True), (None, True), (None, False), (None, False), (None, False),
        (None, False), (None, False), (None, True),
    ]  # fmt: skip

"""The one metafor-column CSV reader (immunograde.ingest.metafor_csv): its rules, the reproductions of
issue 19 through ``import csv`` (the same reader serves ``meta`` and the workbench: their
reproductions are in tests/cli/test_meta_cmd.py and tests/web/test_workbench.py), and the Arrow
tokeniser for large files (immunograde.ingest.metafor_arrow), which must give the reference reader's
table or hand the file back to it.

Expected values are hand-derived from the inputs written here (counts, lines, columns).
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np
import pytest

from immunograde.errors import InputError
from immunograde.ingest.csv_outcomes import import_csv
from immunograde.ingest.metafor_arrow import ArrowStrings, read_fast
from immunograde.ingest.metafor_csv import FAST_BYTES, MetaforTable, read_file, read_metafor_csv
from immunograde.ingest.schema import ensure_schema

#: issue 19's reproductions: text -> (line, column, what the message says)
REPRODUCTIONS = {
    # the last ai ten times the first: it used to win silently and turn benefit into harm
    "repeated column": ("study,ai,n1i,ci,n2i,ai\nA,2,100,8,100,20\nB,3,120,12,120,30\n", 1, "ai",
                        "column 'ai' appears twice (columns 2 and 6)"),
    "140,000-character study": ("study,yi,vi\n" + "S" * 140_000 + ",0.1,0.02\nB,0.2,0.03\n", 2,
                                "study", "a field is longer than"),
    "year holding a superscript two": ("study,year,yi,vi\nA,²,0.1,0.02\nB,2001,0.2,0.03\n", 2,
                                       "year", "not a year: '²'"),
    "variance of 1e-160": ("study,yi,vi\nA,0.1,1e-160\nB,0.2,0.03\n", 2, "vi",
                           "a sampling variance below 1e-30 would give this study all the weight"),
    "pipe-delimited": ("study|yi|vi\nA|0.1|0.02\nB|0.2|0.03\n", 1, None,
                       "the header is separated by '|', not by commas"),
    "sei = 0": ("study,yi,sei\nA,0.1,0\nB,0.2,0.1\n", 2, "sei", "a standard error must be > 0: 0"),
    "yi = 1e400": ("study,yi,vi\nA,1e400,0.02\nB,0.2,0.03\n", 2, "yi",
                   "'1e400' is out of range (magnitudes up to 1e15)"),
    "yi = nan": ("study,yi,vi\nA,nan,0.02\nB,0.2,0.03\n", 2, "yi", "not a number: 'nan'"),
}  # fmt: skip


def _problem(exc: InputError) -> tuple[int | None, str | None, str]:
    p = exc.problems[0]
    return p.line, p.field, p.message


@pytest.mark.parametrize("case", list(REPRODUCTIONS))
def test_import_csv_refuses_and_stores_nothing(case: str, tmp_path: Path) -> None:
    text, line, field, message = REPRODUCTIONS[case]
    path = tmp_path / "outcomes.csv"
    path.write_text(text, encoding="utf-8")
    conn = duckdb.connect()
    ensure_schema(conn)
    with pytest.raises(InputError) as err:
        import_csv(path, conn)
    got = _problem(err.value)
    assert got[:2] == (line, field) and message in got[2], got
    assert err.value.problems[0].file == str(path)
    assert conn.execute("SELECT count(*) FROM reg_csv_outcomes").fetchone() == (0,)


@pytest.mark.parametrize("case", list(REPRODUCTIONS))
def test_reader_refuses_with_line_and_column(case: str) -> None:
    text, line, field, message = REPRODUCTIONS[case]
    with pytest.raises(InputError) as err:
        read_metafor_csv(text, "x.csv")
    assert _problem(err.value)[:2] == (line, field) and message in _problem(err.value)[2]


def test_delimiters_bom_and_line_ends_give_one_table() -> None:
    rows = [("A", "2001", "0.5", "0.04"), ("B", "2003", "-0.25", "0.09")]
    ref = read_metafor_csv("study,year,yi,vi\n" + "".join(",".join(r) + "\n" for r in rows), "x")
    for sep in (";", "\t"):
        for end in ("\n", "\r\n"):
            text = "\ufeff" + sep.join(("study", "year", "yi", "vi")) + end
            text += "".join(sep.join(r) + end for r in rows)
            t = read_metafor_csv(text, "x")
            assert t.study == ref.study and t.year == [2001, 2003]
            assert t.numbers["yi"].tolist() == [0.5, -0.25] and t.form == "generic"


def test_missing_cells_spaces_and_default_labels() -> None:
    t = read_metafor_csv("yi,vi,note\n 0.5 ,0.04,x\n-0.25,0.09,\n", "x")
    assert t.study == ["Study 1", "Study 2"] and t.extra == {"note": ["x", ""]}
    assert t.numbers["yi"].tolist() == [0.5, -0.25]
    t = read_metafor_csv("study,ai,n1i,ci,n2i,yi,vi\nA,1,10,2,10,NA,\n", "x")
    assert t.form == "binary" and math.isnan(t.numbers["yi"][0])


RULES = {  # text -> every (line, column) refused
    "header near-misses": ("study,AI,n1,ci,n2i,se\nA,1,10,2,10,1\n", [(1, "AI"), (1, "n1"), (1, "se")]),
    "empty column name": ("study,,yi,vi\nA,x,0.1,0.2\n", [(1, None)]),
    "ragged row": ("study,yi,vi\nA,0.1\nB,0.1,0.2,9\n", [(2, None), (3, None)]),
    "counts": ("study,ai,n1i,ci,n2i\nA,2.5,10,-1,10\nB,1,0,1,10\n", [(2, "ai"), (2, "ci"), (3, "n1i")]),
    "events > group size": ("study,ai,n1i,ci,n2i\nA,12,10,1,10\n", [(2, "ai")]),
    "n1i is not ai + bi": ("study,ai,bi,n1i,ci,di\nA,1,5,7,1,5\n", [(2, "n1i")]),
    "no participants": ("study,ai,bi,ci,di\nA,0,0,1,5\n", [(2, "bi")]),
    "standard deviations": ("study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,1,0,10,2,1,10\n", [(2, "sd1i")]),
    "correlation": ("study,ri,ni\nA,1.2,50\nB,0.3,2.5\n", [(2, "ri"), (3, "ni")]),
    "estimate outside its interval": ("study,estimate,ci_low,ci_high\nA,1.5,1.6,2\nB,1,1,1\n",
                                      [(2, "estimate"), (3, "ci_high")]),
    "incomplete row": ("study,ai,n1i,ci,n2i\nA,1,10,2,10\nB,1,,2,10\n", [(3, None)]),
    "year out of range": ("study,year,yi,vi\nA,1700,0.1,0.2\nB,2001.5,0.1,0.2\n", [(2, "year"), (3, "year")]),
    "quoted record over two lines": ('study,yi,vi\n"A\nB",0.1,0.2\nC,x,0.2\n', [(4, "yi")]),
    "not UTF-8 is decoded elsewhere; NUL is text": ("study,yi,vi\nA,0.1,0.2\x00\n", [(2, "vi")]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(RULES))
def test_rules(case: str) -> None:
    text, expected = RULES[case]
    with pytest.raises(InputError) as err:
        read_metafor_csv(text, "x.csv")
    assert [(p.line, p.field) for p in err.value.problems] == expected
    assert all(p.file == "x.csv" for p in err.value.problems)


def test_at_most_fifty_problems_in_line_order() -> None:
    text = "study,yi,vi\n" + "".join(f"S{i},x,-1\n" for i in range(100))
    with pytest.raises(InputError) as err:
        read_metafor_csv(text, "x")
    lines = [p.line or 0 for p in err.value.problems]
    assert len(lines) == 50 and lines == sorted(lines) and lines[0] == 2


def test_mixed_forms_are_read_but_not_pooled() -> None:
    from immunograde.evidence.workbench_input import effect_sizes

    t = read_metafor_csv("study,yi,vi,ai,n1i,ci,n2i\nA,0.1,0.2,,,,\nB,,,1,10,2,10\n", "x.csv")
    assert t.form == "mixed" and [t.row_form(0), t.row_form(1)] == ["generic", "binary"]
    with pytest.raises(InputError, match=r"rows mix input forms: generic \(from line 2\), "
                                         r"binary \(from line 3\)"):  # fmt: skip
        effect_sizes(t, "OR")


def test_stored_tables_need_unique_labels_and_storable_columns() -> None:
    with pytest.raises(InputError) as err:
        read_metafor_csv("yi,vi,drug\n0.1,0.2,x\n", "x", store=True)
    assert [(p.line, p.field) for p in err.value.problems] == [(1, "study"), (1, "drug")]
    with pytest.raises(InputError) as err:
        read_metafor_csv("study,year,yi,vi\nA,2001,0.1,0.2\n,2002,0.1,0.2\nA,2001,0.3,0.2\n", "x",
                         store=True)  # fmt: skip
    assert [(p.line, p.field, p.message) for p in err.value.problems] == [
        (3, "study", "study name is empty"),
        (4, "study", "study 'A, 2001' already on line 2"),
    ]


def test_import_stores_correlations_and_mixed_forms(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("study,year,ri,ni,yi,vi\nA,2001,0.3,50,,\nB,2002,,,0.1,0.02\n")
    conn = duckdb.connect()
    ensure_schema(conn)
    assert import_csv(path, conn).inserted == 2
    rows = conn.execute("SELECT slab, form, ri, ni, yi, vi FROM reg_csv_outcomes ORDER BY row_no")
    assert rows.fetchall() == [("A, 2001", "correlation", 0.3, 50.0, None, None),
                               ("B, 2002", "generic", None, None, 0.1, 0.02)]  # fmt: skip


# -- the Arrow tokeniser for large files -----------------------------------------------------------


def _tables_equal(a: MetaforTable, b: MetaforTable) -> None:
    assert a.columns == b.columns and list(a.study) == list(b.study) and a.year == b.year
    assert {k: list(v) for k, v in a.extra.items()} == {k: list(v) for k, v in b.extra.items()}
    assert np.array_equal(a.lines, b.lines) and np.array_equal(a.form_codes, b.form_codes)
    assert a.numbers.keys() == b.numbers.keys()
    for c in a.numbers:  # bit for bit, missing cells included
        assert np.array_equal(a.numbers[c], b.numbers[c], equal_nan=True), c


def _valid(seed: int, rows: int = 300) -> str:
    """A valid table mixing every form's columns' shapes: counts, means, yi/vi, NA, text."""
    rng = np.random.default_rng(seed)
    out = ["study,year,group,ai,n1i,ci,n2i,yi,vi,note"]
    for i in range(rows):
        n1, n2 = rng.integers(5, 500, 2)
        a, c = rng.integers(0, n1 + 1), rng.integers(0, n2 + 1)
        y = f"{rng.normal():.17g}" if i % 7 else "NA"
        v = f"{rng.uniform(1e-3, 2):.6e}" if i % 7 else ""
        year = str(rng.integers(1950, 2030)) if i % 5 else ""
        study = f" Trial {i} " if i % 3 else ""  # trimmed; empty becomes "Study N"
        out.append(f"{study},{year},g{i % 4},{a},{n1},{c},{n2},{y},{v},Ünïcode {i}")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("layout", ["plain", "crlf", "bom", "semicolon"])
def test_arrow_reads_what_the_reference_reads(seed: int, layout: str) -> None:
    text = _valid(seed)
    if layout == "crlf":
        text = text.replace("\n", "\r\n")
    elif layout == "bom":
        text = "\ufeff" + text
    elif layout == "semicolon":
        text = text.replace(",", ";")
    fast = read_fast(text.encode(), "x.csv")
    assert fast is not None
    _tables_equal(fast, read_metafor_csv(text, "x.csv"))
    codes, labels = fast.groups("group")
    assert labels == ["g0", "g1", "g2", "g3"] and codes[:6].tolist() == [0, 1, 2, 3, 0, 1]


FALLBACK = {  # files the Arrow path hands back to the reference reader
    "quoted field": 'study,yi,vi\n"A, the first",0.1,0.2\n',
    "blank line": "study,yi,vi\nA,0.1,0.2\n\nB,0.1,0.2\n",
    "blank CRLF line": "study,yi,vi\r\nA,0.1,0.2\r\n\r\nB,0.1,0.2\r\n",
    "blank last line": "study,yi,vi\nA,0.1,0.2\nB,0.1,0.2\n\n",
    "blank line after the header": "study,yi,vi\n\nA,0.1,0.2\n",
    "bare CR": "study,yi,vi\rA,0.1,0.2\rB,0.1,0.2\r",
    "nan": "study,yi,vi\nA,nan,0.2\n",
    "inf": "study,yi,vi\nA,inf,0.2\n",
    "1e400": "study,yi,vi\nA,1e400,0.2\n",
    "ragged": "study,yi,vi\nA,0.1\n",
    "long text": "study,yi,vi\n" + "é" * 600 + ",0.1,0.2\n",  # 600 characters, 1,200 bytes
    "a broken rule": "study,yi,vi\nA,0.1,-0.2\n",
    "no rows": "study,yi,vi\n",
}


@pytest.mark.parametrize("case", list(FALLBACK))
def test_arrow_hands_unusual_files_back(case: str) -> None:
    assert read_fast(FALLBACK[case].encode(), "x.csv") is None


def test_arrow_trims_padded_numbers_as_the_reference_does() -> None:
    text = "study,yi,vi\nA, 0.1,0.2 \nB,\t-3e-2,1\n"
    fast = read_fast(text.encode(), "x")
    assert fast is not None
    _tables_equal(fast, read_metafor_csv(text, "x"))


def test_arrow_refuses_what_the_reference_refuses_in_the_header() -> None:
    for text in ("a|b\n1|2\n", "study,ai,ai,ci,n2i\n"):
        with pytest.raises(InputError) as fast:
            read_fast(text.encode(), "x")
        with pytest.raises(InputError) as ref:
            read_metafor_csv(text, "x")
        assert fast.value.problems == ref.value.problems


def test_read_file_uses_arrow_for_large_files_and_the_reference_for_errors(tmp_path: Path) -> None:
    text = _valid(4, rows=1)
    body = text.split("\n", 1)[1]
    big = text + body * (FAST_BYTES // len(body) + 1)
    path = tmp_path / "big.csv"
    path.write_text(big.replace(" Trial 0 ", "Trial 0"), encoding="utf-8")
    table = read_file(path)
    assert isinstance(table.study, ArrowStrings) and len(table.study) == table.k
    _tables_equal(table, read_metafor_csv(path.read_text(encoding="utf-8"), str(path)))
    path.write_text(big + "Z,2001,g1,1,10,2,10,0.1,-0.5,x\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_file(path)
    assert _problem(err.value)[:2] == (table.k + 2, "vi")

"""Outcome-data CSV in metafor's columns, built from metadat's dat.bcg (../shared/data)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from immunograde import settings
from immunograde.errors import InputError
from immunograde.ingest.csv_outcomes import import_csv
from immunograde.ingest.schema import ensure_schema

BCG = settings.shared_data_dir() / "trials" / "metadat" / "dat.bcg.csv"


def _mem() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    ensure_schema(c)
    return c


def _bcg_csv(path: Path, rows: int | None = None) -> list[dict[str, str]]:
    """dat.bcg as metafor's escalc(ai=tpos, bi=tneg, ci=cpos, di=cneg) columns."""
    with BCG.open(encoding="utf-8") as fh:
        src = list(csv.DictReader(fh))[:rows]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["study", "year", "ai", "bi", "ci", "di"])
        for r in src:
            w.writerow([r["author"], r["year"], r["tpos"], r["tneg"], r["cpos"], r["cneg"]])
    return src


def test_bcg_rows_are_stored_with_their_form(tmp_path: Path) -> None:
    f = tmp_path / "bcg.csv"
    src = _bcg_csv(f)
    c = _mem()
    s = import_csv(f, c, dataset="bcg_tb")
    assert (s.records_read, s.inserted) == (13, 13)  # dat.bcg has 13 trials
    first = c.execute(
        "SELECT slab, study, year, form, ai, bi, ci, di, n1i FROM reg_csv_outcomes WHERE row_no = 1"
    ).fetchone()
    # dat.bcg.csv data row 1: Aronson, 1948, tpos 4, tneg 119, cpos 11, cneg 128
    assert first == ("Aronson, 1948", "Aronson", 1948, "binary", 4.0, 119.0, 11.0, 128.0, None)
    # two trials share an author label in dat.bcg (data rows 3 and 10: Rosenthal et al, 1960 and 1961)
    rosenthal = c.execute(
        "SELECT slab FROM reg_csv_outcomes WHERE study = 'Rosenthal et al' ORDER BY 1"
    )
    assert rosenthal.fetchall() == [("Rosenthal et al, 1960",), ("Rosenthal et al, 1961",)]
    assert src[0]["author"] == "Aronson"


def test_reimport_is_idempotent_and_replaces_the_dataset(tmp_path: Path) -> None:
    f = tmp_path / "bcg.csv"
    _bcg_csv(f)
    c = _mem()
    import_csv(f, c)
    again = import_csv(f, c)
    assert (again.unchanged, again.inserted, again.updated, again.deleted) == (13, 0, 0, 0)
    _bcg_csv(f, rows=10)
    shrunk = import_csv(f, c)
    assert (shrunk.unchanged, shrunk.deleted) == (10, 3)
    assert c.execute("SELECT count(*) FROM reg_csv_outcomes WHERE dataset = 'bcg'").fetchone() == (
        10,
    )


def test_every_problem_is_reported_with_its_line_and_column(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(
        "study,year,ai,n1i,ci,n2i,yi,vi,estimate,ci_low,ci_high\n"
        "A,2001,5,50,7,48,,,,,\n"  # line 2: fine
        "B,2002,60,50,7,48,,,,,\n"  # line 3: ai > n1i
        "C,20x3,5,50,7,48,,,,,\n"  # line 4: year not a number
        ",2004,,,,,0.1,-0.2,,,\n"  # line 5: no study; negative vi
        "E,2005,,,,,,,1.5,1.6,2.0\n"  # line 6: estimate outside its CI
        "A,2001,,,,,0.3,,,,\n"  # line 7: duplicate study; incomplete row
        "G,2007,2.5,50,7,48,,,,,\n",  # line 8: a count that is not whole
        encoding="utf-8",
    )
    c = _mem()
    with pytest.raises(InputError) as err:
        import_csv(f, c)
    got = {(p.line, p.field) for p in err.value.problems}
    assert got == {
        (3, "ai"), (4, "year"), (5, "study"), (5, "vi"), (6, "estimate"), (7, "study"), (7, None),
        (8, "ai"),
    }  # fmt: skip
    assert len(err.value.problems) == 8
    assert all(p.file == str(f) for p in err.value.problems)
    assert c.execute("SELECT count(*) FROM reg_csv_outcomes").fetchone() == (0,)


def test_unknown_column_gets_a_suggestion(tmp_path: Path) -> None:
    f = tmp_path / "typo.csv"
    f.write_text("study,ai,n1,ci,n2i\nA,1,10,2,10\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"unknown column 'n1' \(did you mean 'n1i'\?\)"):
        import_csv(f, _mem())

"""Fuzz ``meta``, ``import csv`` and the workbench upload with mutated BCG tables (issue 19).

Per input: exit 0 with the result of the same table written plainly (``meta``, workbench) or with
exactly the table's values stored (``import csv``); or exit 3 naming the file, and for ``import
csv`` a database unchanged to the byte.  An input the documented rules refuse must be refused
(:func:`csv_model.must_refuse`); a traceback, a hang or a wrong result fails.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))  # importlib import mode
import fuzzkit as fk
from csv_model import MEASURE, Table, canonical, must_refuse, mutated, write

from immunograde.ingest import schema
from immunograde.ingest.csv_outcomes import import_csv


@pytest.fixture(scope="module", autouse=True)
def _save_stats() -> object:
    yield
    fk.save_all()


@st.composite
def inputs(draw: st.DrawFn) -> tuple[Table, bytes, bool]:
    """A structured table, its bytes, and whether bytes were damaged afterwards (then only the
    invariants are judged, not the oracle)."""
    t = draw(mutated())
    data = t.data()
    if draw(st.integers(0, 3)) == 0:
        data, _ = draw(fk.byte_mutation(data))
        return t, data, True
    return t, data, False


def _meta(path: Path, measure: str) -> fk.Outcome:
    return fk.run_cli(["meta", str(path), "--measure", measure, "--format", "json"])


@fk.fuzz(bounded=200)
@given(inputs())
def test_fuzz_meta(case: tuple[Table, bytes, bool]) -> None:
    t, data, damaged = case
    measure = MEASURE[t.form]
    with tempfile.TemporaryDirectory() as tmp:
        path = write(t, Path(tmp), data=data)
        got = fk.judged("meta", lambda: _meta(path, measure))
        if got.code == 3:
            assert fk.names_file(got, path), got.err
            return
        if not _should_hold("meta", t, damaged, measure):
            return
        _finite("meta", json.loads(got.out), t)
        plain = _meta(write(canonical(t), Path(tmp), "plain.csv"), measure)
        if plain.code != 0 or json.loads(plain.out) != json.loads(got.out):
            raise fk.wrong("meta", f"result differs from the same table written plainly: {t.notes}")


@fk.fuzz(bounded=150)
@given(inputs())
def test_fuzz_import_csv(case: tuple[Table, bytes, bool]) -> None:
    t, data, damaged = case
    conn = _db()
    before = fk.dump(conn)
    with tempfile.TemporaryDirectory() as tmp:
        path = write(t, Path(tmp), data=data)
        got = fk.judged("import csv", lambda: _outcome(import_csv(path, conn, dataset="d")))
        if got.code == 3:
            assert fk.names_file(got, path), got.err
            if fk.dump(conn) != before:
                raise fk.wrong("import csv", "a refused import changed the database")
            return
        if fk.non_finite(conn):
            raise fk.wrong("import csv", f"stored non-finite numbers: {fk.non_finite(conn)}")
        if damaged:
            return
        why = must_refuse(t, store=True)
        if why:
            raise fk.wrong(
                "import csv", f"accepted although the rules refuse it ({why}): {t.notes}"
            )
        _stored_values_are_the_tables(conn, canonical(t))


SEED_STORE = Table("generic_vi", ["study", "yi", "vi"], [["Old", "0.1", "0.02"]])
_DB: list[duckdb.DuckDBPyConnection] = []


def _db() -> duckdb.DuckDBPyConnection:
    """One in-memory database for the whole run (each input's refusal is checked against a dump
    taken just before it): the reg_ tables and a dataset already stored."""
    if not _DB:
        conn = duckdb.connect()
        schema.ensure_schema(conn)
        with tempfile.TemporaryDirectory() as tmp:
            import_csv(write(SEED_STORE, Path(tmp), "seed.csv"), conn, dataset="d")
        _DB.append(conn)
    return _DB[0]


def _outcome(summary: object) -> fk.Outcome:
    return fk.Outcome(0, "", "", value=summary)


def _stored_values_are_the_tables(conn: duckdb.DuckDBPyConnection, t: Table) -> None:
    cols = [c for c in t.header if c not in ("study", "year")]
    got = conn.execute(
        f"SELECT study, {', '.join(cols)} FROM reg_csv_outcomes WHERE dataset = 'd' ORDER BY row_no"
    ).fetchall()
    want = [(r[0].strip(), *(float(r[t.header.index(c)]) for c in cols)) for r in t.rows]
    if [tuple(g) for g in got] != want:
        raise fk.wrong("import csv", f"stored {got[:3]} ..., expected {want[:3]} ...")


def _workbench(data: bytes, name: str, measure: str) -> fk.Outcome:
    """What ``POST /workbench`` does with an upload up to the numbers: size limit, decoding, the
    reader with the row limit, the analysis with its sensitivity analyses (:func:`web.workbench.
    analyse` without drawing the charts from the result: altair costs ~50x the analysis)."""
    from immunograde.evidence.workbench import analyse_table
    from immunograde.evidence.workbench_input import decode
    from immunograde.web import workbench as wb

    if len(data) > wb.LIMITS["max_bytes"]:
        return fk.Outcome(3, "too large", "")
    table = wb.read_metafor_csv(decode(data, name), name, max_rows=wb.LIMITS["max_rows"])
    return fk.Outcome(0, "", "", value=analyse_table(table, measure, "REML", "z"))


@fk.fuzz(bounded=150)
@given(inputs())
def test_fuzz_workbench_upload(case: tuple[Table, bytes, bool]) -> None:
    t, data, damaged = case
    measure = MEASURE[t.form]
    got = fk.judged("workbench", lambda: _workbench(data, "upload.csv", measure))
    if got.code == 3:
        assert got.error is None or all(p.file == "upload.csv" for p in got.error.problems), got.err
        return
    if not _should_hold("workbench", t, damaged, measure):
        return
    plain = _workbench(canonical(t).data(), "upload.csv", measure)
    _finite("workbench", got.value.result, t)
    a, b = (json.dumps(r.value.result, sort_keys=True, default=str) for r in (got, plain))
    if a != b:
        raise fk.wrong("workbench", f"result differs from the table written plainly: {t.notes}")


def _should_hold(target: str, t: Table, damaged: bool, measure: str) -> bool:
    """Whether an accepted table's result must be checked: not for a damaged input (any clean outcome
    is right); a table the rules refuse, accepted, is a wrong result."""
    if damaged:
        return False
    why = must_refuse(t, store=False, measure=measure)
    if why:
        raise fk.wrong(target, f"accepted although the rules refuse it ({why}): {t.notes}")
    return True


def _finite(target: str, result: dict, t: Table) -> None:
    """An accepted table gives a finite estimate, standard error and interval."""
    for group in result.get("groups", [result]) if isinstance(result, dict) else [result]:
        bad = [k for k in ("estimate", "se", "ci_low", "ci_high") if k in group
               and not fk.finite(group[k])]  # fmt: skip
        if bad:
            raise fk.wrong(target, f"accepted, but {bad} not finite: {t.notes}")

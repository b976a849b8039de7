"""Fuzz ``safety ingest`` with mutated FAERS quarterly zips and openFDA JSON (issue 19).

Seeds: the FAERS 2017Q2 and legacy AERS 2004Q1 samples in ``../shared/data/pharmacovigilance``, and
openFDA drug-event reports built from the 2017Q2 sample's first reports in openFDA's layout (there is
no openFDA file among the samples).  Each input runs what ``safety ingest`` runs: conversion to
Parquet, then -- if the files are accepted -- de-duplication, drug mapping (the knowledge base's name
index, loaded once), counting and scoring with the GPS prior fitted as the command does.  Invariant:
exit 0 with sane counts (at least one report, no more reports than DEMO rows, no negative count) or
exit 3 naming the file; never a traceback or a hang.  (That a refused ``safety ingest`` leaves the
stored results as they were is tests/safety/test_reliability_inputs.py.)
"""

from __future__ import annotations

import json
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))  # importlib import mode
import fuzzkit as fk

from immunograde import settings
from immunograde.safety import faers, openfda, scoring
from immunograde.safety.engines import make_engine
from immunograde.safety.mapping import NameIndex, load_name_index
from immunograde.safety.pipeline import PipelineOptions, run_pipeline

SAMPLES = settings.shared_data_dir() / "pharmacovigilance" / "faers_sample"
QUARTERS = {}
for _zip in sorted(SAMPLES.glob("*.zip")):
    with zipfile.ZipFile(_zip) as _z:
        QUARTERS[_zip.name] = {i.filename: _z.read(i) for i in _z.infolist() if not i.is_dir()}


@pytest.fixture(scope="module", autouse=True)
def _save_stats() -> object:
    yield
    fk.save_all()


@pytest.fixture(scope="module", autouse=True)
def _remembered_fits() -> object:
    """The GPS prior fit remembered by its exact input for this module's run (restored after).

    :func:`~immunograde.stats.gps_fit.fit_prior` is a pure function of its arguments (independent
    starts, collected in start order), and the fit is ~90 % of an accepted input's time; many
    mutations leave the counts as they were, so the same squashed points come back again and
    again.  Every :data:`fk.RECHECK`-th repeat is refitted and must give the identical result.
    """
    fits = fk.Remembered(scoring.fit_prior, _fit_key, "GPS fit")
    scoring.fit_prior = fits
    yield
    scoring.fit_prior = fits.func
    for target in ("safety ingest (FAERS)", "safety ingest (openFDA)"):
        if target in fk.STATS:
            fk.STATS[target].remembered = fits.counts()
    fk.save_all()


def _fit_key(data: Any, **options: Any) -> bytes:
    arrays = (data.n, data.e, data.weight)
    return b"|".join(
        [*(a.dtype.str.encode() + a.tobytes() for a in arrays), repr(options).encode()]
    )


_INDEX: list[NameIndex] = []


def _index() -> NameIndex:
    """The knowledge base's drug-name index, loaded once (~7 s CPU) before the first input is timed."""
    if not _INDEX:
        _INDEX.append(load_name_index())
    return _INDEX[0]


def _pipeline(folder: Path, label: str) -> fk.Outcome:
    """What ``safety ingest`` does after reading the files (the stored results are not written)."""
    engine = make_engine("duckdb", threads=fk.THREADS)
    try:
        result = run_pipeline(engine, folder, PipelineOptions(), index=_index(), label=label)
    finally:
        engine.close()
    return fk.Outcome(0, "", "", value=result)


def _sane(target: str, result: Any, demo_rows: int | None) -> None:
    n = result.score.n_reports
    table = result.score.table
    if n < 1 or (demo_rows is not None and n > demo_rows):
        raise fk.wrong(target, f"{n} reports scored from {demo_rows} DEMO rows")
    for col in ("n", "n_drug", "n_event"):
        if table.num_rows and pc.min(table[col]).as_py() < 0:
            raise fk.wrong(target, f"negative {col}")


# -- FAERS ----------------------------------------------------------------------------------------


@st.composite
def faers_inputs(draw: st.DrawFn) -> tuple[str, bytes, int | None]:
    """(zip name, bytes, DEMO data rows when known) from one sample quarter with 1-3 changes."""
    name = draw(st.sampled_from(sorted(QUARTERS)))
    files = dict(QUARTERS[name])
    known = True
    for _ in range(draw(st.integers(1, 3))):
        member = draw(st.sampled_from(sorted(files)))
        kind = draw(st.sampled_from(["cell", "cell", "cell", "cell", "id", "bytes", "drop", "header",
                                     "lines"]))  # fmt: skip
        lines = files[member].split(b"\n")
        if kind in ("cell", "id") and len(lines) > 2:
            i = draw(st.integers(1, len(lines) - 2))
            cells = lines[i].split(b"$")
            j = 0 if kind == "id" else draw(st.integers(0, len(cells) - 1))
            cells[j] = draw(st.sampled_from(fk.WEIRD_TEXT)).encode()
            lines[i] = b"$".join(cells)
            files[member] = b"\n".join(lines)
        elif kind == "bytes":
            files[member] = draw(fk.byte_mutation(files[member]))[0]
            known = False
        elif kind == "drop":
            del files[member]
            if not files:
                break
        elif kind == "header":
            files[member] = b"\n".join(lines[1:])
        elif kind == "lines" and len(lines) > 3:
            i = draw(st.integers(1, len(lines) - 2))
            files[member] = b"\n".join(lines[:i] + lines[i + 1 :] + lines[i : i + 1] * 2)
            known = False
    demo = next((v for k, v in files.items() if "DEMO" in k.upper()), None)
    rows = (demo.count(b"\n") + 1 if demo is not None else None) if known else None
    data, _damage = draw(fk.archive_damage(fk.make_zip(files)))
    return name, data, rows


def _judge_ingest(label: str, convert: Callable[[list[Path], Path], object], name: str,
                  data: bytes, expected: int | None) -> None:  # fmt: skip
    """``data`` written as ``name``, converted to Parquet and scored: a clean refusal naming the file,
    or a sane result (:func:`_sane`, against ``expected`` records when the input is known)."""
    _index()  # loaded outside the timed run
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)

        def run() -> fk.Outcome:
            convert([path], Path(tmp) / "parquet")
            return _pipeline(Path(tmp) / "parquet", str(path))

        got = fk.judged(label, run)
        if got.code == 3:
            assert fk.names_file(got, path), got.err
            return
    _sane(label, got.value, expected)


@fk.fuzz(bounded=60)
@given(faers_inputs())
def test_fuzz_safety_ingest_faers(case: tuple[str, bytes, int | None]) -> None:
    _judge_ingest("safety ingest (FAERS)", faers.ingest, *case)  # expected: the DEMO file's rows


# -- openFDA --------------------------------------------------------------------------------------


def _openfda_seed() -> dict[str, Any]:
    """The 2017Q2 sample's first 20 reports in openFDA's drug-event layout."""
    files = QUARTERS["faers_ascii_2017q2.zip"]

    def table(prefix: str) -> list[dict[str, str]]:
        text = next(v for k, v in files.items() if prefix in k).decode("latin-1").splitlines()
        head = text[0].lower().split("$")
        return [dict(zip(head, line.split("$"), strict=False)) for line in text[1:]]

    drugs, reacs = table("DRUG"), table("REAC")
    results = []
    for d in table("DEMO")[:20]:
        pid = d["primaryid"]
        results.append({
            "safetyreportid": pid, "safetyreportversion": d.get("caseversion", "1"),
            "receivedate": d.get("fda_dt", ""),
            "patient": {
                "patientsex": {"M": "1", "F": "2"}.get(d.get("sex", ""), "0"),
                "patientonsetage": d.get("age", ""), "patientonsetageunit": "801",
                "drug": [{"medicinalproduct": r["drugname"], "drugcharacterization":
                          {"PS": "1", "SS": "1", "C": "2", "I": "3"}.get(r["role_cod"], "2"),
                          "activesubstance": {"activesubstancename": r.get("prod_ai", "")}}
                         for r in drugs if r["primaryid"] == pid],
                "reaction": [{"reactionmeddrapt": r["pt"]} for r in reacs if r["primaryid"] == pid],
            },
        })  # fmt: skip
    return {"meta": {"results": {"total": len(results)}}, "results": results}


OPENFDA = _openfda_seed()
HOT = [("results", 0, "safetyreportid"), ("results", 0, "patient"), ("results", 0, "patient", "drug"),
       ("results", 0, "patient", "drug", 0, "medicinalproduct"), ("results", 1, "patient", "reaction"),
       ("results", 0, "patient", "reaction", 0, "reactionmeddrapt"), ("results",), ("results", 2),
       ("results", 0, "patient", "patientonsetage"), ("results", 0, "receivedate"),
       ("results", 0, "patient", "drug", 0, "activesubstance")]  # fmt: skip


@st.composite
def openfda_inputs(draw: st.DrawFn) -> tuple[str, bytes, int | None]:
    doc, _ = draw(fk.json_mutation(OPENFDA, HOT))
    text = json.dumps(doc).encode()
    known: int | None = len(doc["results"]) if isinstance(doc, dict) and \
        isinstance(doc.get("results"), list) else None  # fmt: skip
    if draw(st.integers(0, 3)) == 0:
        text = draw(fk.byte_mutation(text))[0]
        known = None
    form = draw(st.sampled_from(["json", "json", "gz", "zip"]))
    if form == "gz":
        import gzip

        data, _ = draw(fk.archive_damage(gzip.compress(text)))
        return "drug-event.json.gz", data, known
    if form == "zip":
        data, _damage = draw(fk.archive_damage(fk.make_zip({"drug-event-0001-of-0001.json": text})))
        return "drug-event.json.zip", data, known
    return "drug-event.json", text, known


@fk.fuzz(bounded=60)
@given(openfda_inputs())
def test_fuzz_safety_ingest_openfda(case: tuple[str, bytes, int | None]) -> None:
    _judge_ingest("safety ingest (openFDA)", openfda.convert, *case)  # expected: the reports

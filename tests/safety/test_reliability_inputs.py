"""Issue 19's reproductions for ``safety ingest``: FAERS zips and openFDA JSON that used to give a
traceback or an unclear message are refused with exit code 3, naming the file (and member, line or
field); the stored safety results are left as they were."""

from __future__ import annotations

import gzip
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from immunograde import settings
from immunograde.cli.main import main
from immunograde.errors import InputError
from immunograde.safety import faers, openfda

Damage = Callable[[bytes, str, int], Path]  #: the damaged_zip fixture (tests/conftest.py)

SAMPLE = (
    settings.shared_data_dir() / "pharmacovigilance" / "faers_sample" / "faers_ascii_2017q2.zip"
)
REPORT = {"safetyreportid": "1001", "patient": {
    "drug": [{"medicinalproduct": "HUMIRA", "drugcharacterization": "1"}],
    "reaction": [{"reactionmeddrapt": "Headache"}]}}  # fmt: skip


def _members() -> dict[str, bytes]:
    with zipfile.ZipFile(SAMPLE) as z:
        return {i.filename: z.read(i) for i in z.infolist() if not i.is_dir()}


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _faers_refused(path: Path, tmp_path: Path, *words: str) -> InputError:
    with pytest.raises(InputError) as err:
        faers.ingest([path], tmp_path / "parquet")
    assert str(path) in str(err.value)
    for w in words:
        assert w in str(err.value), str(err.value)
    return err.value


def test_faers_damaged_member_is_named(tmp_path: Path, damaged_zip: Damage) -> None:
    f = damaged_zip(_zip(tmp_path / "q.zip", _members()).read_bytes(), "ascii/DRUG17Q2.txt", 30)
    err = _faers_refused(f, tmp_path, "damaged zip member")
    assert err.problems[0].file == f"{f}!ascii/DRUG17Q2.txt"


def future_zip_version(data: bytes, member: str) -> bytes:
    """``data`` (a zip) with ``member``'s central-directory entry asking for zip version 8.4."""
    at = data.index(b"PK\x01\x02")
    while data[at + 46 : at + 46 + len(member)] != member.encode():
        at = data.index(b"PK\x01\x02", at + 4)
    return data[: at + 6] + b"T\x00" + data[at + 8 :]


def test_faers_and_openfda_zips_of_a_future_version_are_refused(tmp_path: Path) -> None:
    """A member asking for zip version 8.4 (one flipped byte; the fuzz suite's find in AACT zips):
    zipfile's NotImplementedError is a clear refusal naming the zip, not a traceback."""
    data = _zip(tmp_path / "q.zip", _members()).read_bytes()
    f = tmp_path / "future.zip"
    f.write_bytes(future_zip_version(data, "ascii/REAC17Q2.txt"))
    _faers_refused(f, tmp_path, "not a readable zip", "zip file version 8.4")
    g = tmp_path / "drug-event.json.zip"
    raw = _zip(tmp_path / "o.zip", {"drug-event.json": json.dumps({"results": [REPORT]}).encode()})
    g.write_bytes(future_zip_version(raw.read_bytes(), "drug-event.json"))
    _openfda_refused(g, tmp_path, "not a readable zip (truncated or damaged: zip file version 8.4)")


def test_faers_demo_without_header(tmp_path: Path) -> None:
    m = _members()
    m["ascii/DEMO17Q2.txt"] = m["ascii/DEMO17Q2.txt"].split(b"\n", 1)[1]
    err = _faers_refused(_zip(tmp_path / "nohdr.zip", m), tmp_path, "not a FAERS header")
    assert (err.problems[0].line, err.problems[0].field) == (1, "primaryid")


def test_faers_zip_without_reac(tmp_path: Path) -> None:
    m = _members()
    del m["ascii/REAC17Q2.txt"]
    _faers_refused(_zip(tmp_path / "noreac.zip", m), tmp_path, "has no REAC17Q2.txt")


def test_faers_huge_or_odd_report_id(tmp_path: Path) -> None:
    m = _members()
    head, first, rest = m["ascii/DEMO17Q2.txt"].split(b"\n", 2)
    m["ascii/DEMO17Q2.txt"] = b"\n".join([head, b"9" * 30 + first[first.index(b"$") :], rest])
    err = _faers_refused(_zip(tmp_path / "huge.zip", m), tmp_path, "report id must be a whole")
    assert (err.problems[0].line, err.problems[0].field) == (2, "primaryid")
    m["ascii/DEMO17Q2.txt"] = b"\n".join([head, "²".encode() + first[first.index(b"$") :], rest])
    _faers_refused(_zip(tmp_path / "sup.zip", m), tmp_path, "report id must be a whole")


def test_faers_zero_reports(tmp_path: Path) -> None:
    m = _members()
    m = {k: v.split(b"\n", 1)[0] + b"\n" for k, v in m.items()}
    _faers_refused(_zip(tmp_path / "zero.zip", m), tmp_path, "zero reports")


def test_faers_truncated_zip(tmp_path: Path) -> None:
    data = SAMPLE.read_bytes()
    f = tmp_path / "cut.zip"
    f.write_bytes(data[: len(data) // 2])
    _faers_refused(f, tmp_path, "not a readable zip")


def _json(path: Path, payload: object) -> Path:
    path.write_text(json.dumps(payload))
    return path


def _odd(**change: object) -> dict:
    rep = json.loads(json.dumps(REPORT))
    for where, value in change.items():
        target = rep
        keys = where.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        target[keys[-1]] = value
    return {"results": [rep]}


OPENFDA = {
    "results not objects": ({"results": [1, 2, 3]}, "results[0]", "expected an object"),
    "product a number": (_odd(patient__drug__0__medicinalproduct=12345),
                         "results[0].patient.drug[0].medicinalproduct", "expected text"),
    "huge report id": (_odd(safetyreportid="9" * 40), "results[0].safetyreportid",
                       "below 10^18"),
    "drug not a list": (_odd(patient__drug="HUMIRA"), "results[0].patient.drug", "expected a list"),
    "zero reports": ({"results": []}, "results", "zero reports"),
    "no results": ({"meta": {}}, "results", "no 'results' list"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(OPENFDA))
def test_openfda_refused_naming_the_field(tmp_path: Path, case: str) -> None:
    payload, field, words = OPENFDA[case]
    f = _json(tmp_path / "event.json", payload)
    with pytest.raises(InputError) as err:
        openfda.convert([f], tmp_path / "parquet")
    p = err.value.problems[0]
    assert (p.file, p.field) == (str(f), field) and words in p.message, str(err.value)


def _openfda_refused(f: Path, tmp_path: Path, words: str) -> None:
    with pytest.raises(InputError) as err:
        openfda.convert([f], tmp_path / "parquet")
    assert str(f) in str(err.value) and words in str(err.value), str(err.value)


def test_openfda_empty_zip(tmp_path: Path) -> None:
    f = tmp_path / "drug-event.json.zip"
    zipfile.ZipFile(f, "w").close()
    _openfda_refused(f, tmp_path, "empty zip")


def test_openfda_truncated_gz(tmp_path: Path) -> None:
    g = gzip.compress(json.dumps({"results": [REPORT]}).encode())
    f = tmp_path / "drug-event.json.gz"
    f.write_bytes(g[: len(g) // 2])
    _openfda_refused(f, tmp_path, "truncated gzip")


def test_openfda_5000_nested_arrays(tmp_path: Path) -> None:
    f = tmp_path / "nested.json"
    f.write_text('{"results":' + "[" * 5000 + "]" * 5000 + "}")
    _openfda_refused(f, tmp_path, "nested too deeply")


def test_openfda_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMMUNOGRADE_MAX_INFLATED_MB", "1")
    f = tmp_path / "bomb.json.gz"
    f.write_bytes(gzip.compress(b'{"results": [], "x": "' + b" " * (3 << 20) + b'"}'))
    _openfda_refused(f, tmp_path, "IMMUNOGRADE_MAX_INFLATED_MB")


def test_safety_ingest_cli_exit_3_leaves_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.setenv("IMMUNOGRADE_SAFETY", str(tmp_path / "safety"))
    (tmp_path / "safety").mkdir()
    (tmp_path / "safety" / "kept.txt").write_text("previous results")
    f = _json(tmp_path / "event.json", OPENFDA["product a number"][0])
    with pytest.raises(SystemExit) as done:
        main(["safety", "ingest", str(f)])
    assert done.value.code == 3
    err = capsys.readouterr().err
    assert f"error: {f}: results[0].patient.drug[0].medicinalproduct: expected text" in err
    assert "Traceback" not in err
    assert [p.name for p in (tmp_path / "safety").iterdir()] == ["kept.txt"]


def test_the_samples_still_ingest(tmp_path: Path) -> None:
    rep = faers.ingest([SAMPLE], tmp_path)
    assert {t.table for t in rep.tables} >= {"demo", "drug", "reac"}
    out = openfda.convert([_json(tmp_path / "ok.json", {"results": [REPORT]})], tmp_path / "o")
    assert out == {"demo": 1, "drug": 1, "reac": 1}


def test_impossible_ages_are_unknown_not_a_stratum(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    m = _members()
    head, *rows = m["ascii/DEMO17Q2.txt"].decode("latin-1").split("\n")
    cols = head.lower().split("$")
    age, unit = cols.index("age"), cols.index("age_cod")
    odd = ["nan", "inf", "-3", "1e400", "200"]
    for i, value in enumerate(odd):
        cells = rows[i].split("$")
        cells[age], cells[unit] = value, "YR"
        rows[i] = "$".join(cells)
    m["ascii/DEMO17Q2.txt"] = "\n".join([head, *rows]).encode("latin-1")
    faers.ingest([_zip(tmp_path / "ages.zip", m)], tmp_path / "p")
    ages = pq.read_table(next((tmp_path / "p").glob("demo_*.parquet")))["age_years"].to_pylist()
    assert ages[: len(odd)] == [None] * len(odd)
    assert all(a is None or 0 <= a <= 150 for a in ages)


def test_faers_drug_table_without_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    """Found by the fuzz suite: a DRUG file cut to its first word ('isr') left no report with a drug
    and an event, and the scoring raised 'no reports in any stratum' (a traceback)."""
    m = {k: v for k, v in _members().items()}
    m["ascii/DRUG17Q2.txt"] = b"primaryid"
    f = _zip(tmp_path / "nodrug.zip", m)
    monkeypatch.setenv("IMMUNOGRADE_SAFETY", str(tmp_path / "safety"))
    with pytest.raises(SystemExit) as done:
        main(["safety", "ingest", str(f), "--no-stratify"])
    assert done.value.code == 3
    assert f"error: {f}: no report has both a drug" in capsys.readouterr().err

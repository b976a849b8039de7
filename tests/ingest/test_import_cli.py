"""``immunograde import …`` end to end: JSON summary, exit codes, one-line errors."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import duckdb
import pytest

from immunograde import settings
from immunograde.cli.main import main

REG = settings.shared_data_dir() / "registries"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(argv)
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


def test_import_ctgov_json_summary_then_idempotent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "kb.duckdb"
    code, out, _ = _run(["import", "ctgov", str(REG), "--db", str(db), "--format", "json"], capsys)
    first = json.loads(out)
    assert (code, first["records_read"], first["inserted"]) == (0, 3, 3)
    code, out, _ = _run(["import", "ctgov", str(REG), "--db", str(db), "--format", "json"], capsys)
    assert (code, json.loads(out)["unchanged"]) == (0, 3)
    with duckdb.connect(str(db)) as c:
        assert c.execute("SELECT count(*) FROM reg_studies").fetchone() == (3,)


def test_import_uses_the_knowledge_base_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "var" / "immunograde.duckdb"
    monkeypatch.setenv("IMMUNOGRADE_DB", str(db))
    code, out, _ = _run(["import", "pubmed", str(REG / "pubmed_29768149_rct_sygma1.xml")], capsys)
    assert code == 0 and "inserted" in out
    with duckdb.connect(str(db)) as c:
        assert c.execute("SELECT pmid FROM reg_pubmed").fetchall() == [("29768149",)]


def test_bad_input_is_one_line_and_exit_code_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("study,ai,n1i,ci,n2i\nA,9,5,1,5\n", encoding="utf-8")
    code, _, err = _run(["import", "csv", str(bad), "--db", str(tmp_path / "kb.duckdb")], capsys)
    assert code == 3
    assert err.strip() == f"error: {bad}:2: ai: ai (9) is larger than n1i (5)"


def test_missing_file_exit_code_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(
        ["import", "aact", str(tmp_path / "nope"), "--db", str(tmp_path / "k.duckdb")], capsys
    )
    assert code == 4 and "no such file or folder" in err


def test_import_csv_for_a_question(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "outcomes.csv"
    # dat.bcg (metadat) data row 1, Aronson 1948: tpos 4, tneg 119, cpos 11, cneg 128
    data.write_text("study,year,ai,bi,ci,di\nAronson,1948,4,119,11,128\n", encoding="utf-8")
    db = tmp_path / "kb.duckdb"
    code, out, _ = _run(
        ["import", "csv", str(data), "--question", "bcg_tb", "--db", str(db), "--format", "json"],
        capsys,
    )
    assert (code, json.loads(out)["inserted"]) == (0, 1)
    with duckdb.connect(str(db)) as c:
        assert c.execute("SELECT dataset, slab, form FROM reg_csv_outcomes").fetchall() == [
            ("bcg_tb", "Aronson, 1948", "binary")
        ]


def test_import_ctgov_engines_agree_on_a_bulk_zip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bulk = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(bulk, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(REG.glob("*.json")):
            zf.write(f, f.name)
    db = tmp_path / "kb.duckdb"
    args = ["import", "ctgov", str(bulk), "--db", str(db), "--format", "json", "--engine"]
    code, out, _ = _run([*args, "sql"], capsys)
    assert (code, json.loads(out)["inserted"]) == (0, 3)  # the three fixture studies
    code, out, _ = _run([*args, "python"], capsys)
    assert (code, json.loads(out)["unchanged"]) == (0, 3)  # same rows and hashes: unchanged

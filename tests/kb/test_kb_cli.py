"""CLI contract of ``kb check``, ``kb build`` and ``search``: output formats and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from immunograde.cli import kb_cmd
from immunograde.cli.exitcodes import ExitCode

BROKEN_SUBSTANCE = """\
id: kagocel
name: Kagocel
classes: [interferon-inducers]
source: {file: unproven_lists/fuflomycin_rsp_fk_flat.csv, row: 80}
extracted_by: tests
date_reviewed: 2026-11-24
next_review: 2027-11-24
verified: true
"""


def _app() -> typer.Typer:
    app = typer.Typer()
    kb_cmd.register(app)
    return app


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_app(), list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_lists_every_problem_and_exits_check_failed(tmp_path: Path) -> None:
    (tmp_path / "substances").mkdir()
    (tmp_path / "substances" / "kagocel.yaml").write_text(BROKEN_SUBSTANCE, encoding="utf-8")
    code, _, err = _run("kb", "check", "--data", str(tmp_path))
    assert code == ExitCode.CHECK_FAILED
    assert "substances/kagocel.yaml:8: verified: true needs checked_by" in err
    code, out, _ = _run("kb", "check", "--data", str(tmp_path), "--format", "json")
    body = json.loads(out)
    assert code == ExitCode.CHECK_FAILED and body["ok"] is False
    assert [(p["file"], p["line"], p["field"]) for p in body["problems"]] == [
        ("substances/kagocel.yaml", 8, "verified")  # the class check waits for a valid record
    ]


def test_check_and_build_the_catalogue(catalogue_dir: Path, tmp_path: Path) -> None:
    code, out, _ = _run("kb", "check", "--data", str(catalogue_dir), "--format", "json")
    assert code == ExitCode.OK and json.loads(out)["ok"] is True
    db = tmp_path / "kb.duckdb"
    code, out, _ = _run(
        "kb", "build", "--data", str(catalogue_dir), "--db", str(db), "--format", "json"
    )
    body = json.loads(out)
    assert code == ExitCode.OK and body["built"] is True and db.exists()
    assert body["counts"]["questions"] == 1 and len(body["data_version"]) == 64


def test_search_needs_a_database(tmp_path: Path) -> None:
    code, _, err = _run("search", "Kagocel", "--db", str(tmp_path / "missing.duckdb"))
    assert code == ExitCode.NO_DATABASE
    assert "run `immunograde kb build`" in err


def test_search_json(catalogue_db: Path) -> None:
    code, out, _ = _run("search", "Кагоцел", "--db", str(catalogue_db), "--format", "json")
    body = json.loads(out)
    assert code == ExitCode.OK and body["query"] == "Кагоцел"
    assert (body["hits"][0]["entity_id"], body["hits"][0]["match"]) == ("kagocel", "exact")
    code, out, _ = _run("search", "Kagocel", "--db", str(catalogue_db))
    assert code == ExitCode.OK and "kagocel" in out


DUE = BROKEN_SUBSTANCE.replace("verified: true", "verified: false")
CLASS = """\
id: interferon-inducers
name: Interferon inducers
kind: no_atc
source: {file: atc/README.md}
extracted_by: tests
date_reviewed: 2026-11-24
next_review: 2028-01-01
"""


def test_check_lists_due_reviews_as_warnings_and_takes_today(tmp_path: Path) -> None:
    (tmp_path / "substances").mkdir()
    (tmp_path / "substances" / "kagocel.yaml").write_text(DUE, encoding="utf-8")
    (tmp_path / "classes.yaml").write_text(CLASS, encoding="utf-8")
    code, _, err = _run("kb", "check", "--data", str(tmp_path), "--today", "2027-11-24")
    assert code == ExitCode.OK and "review due" not in err
    code, _, err = _run("kb", "check", "--data", str(tmp_path), "--today", "2027-11-25")
    assert code == ExitCode.OK  # a warning, not a failure
    assert (
        "warning: review due: substances/kagocel.yaml:7: substances kagocel: next_review 2027-11-24"
        in err
    )
    code, out, _ = _run(
        "kb", "check", "--data", str(tmp_path), "--today", "2027-11-25", "--format", "json"
    )
    body = json.loads(out)
    assert body["ok"] is True and body["review_due"] == [
        {"file": "substances/kagocel.yaml", "line": 7, "kind": "substances", "id": "kagocel",
         "next_review": "2027-11-24"}
    ]  # fmt: skip
    code, _, err = _run("kb", "check", "--data", str(tmp_path), "--today", "25.11.2027")
    assert code == ExitCode.USAGE and "--today" in err


def test_a_data_folder_that_is_not_there_is_not_an_empty_knowledge_base(
    tmp_path: Path, cli_main
) -> None:  # type: ignore[no-untyped-def]
    """``--data`` naming no folder was "ok: 0 classes ..." (exit 0) and ``kb build`` wrote an empty
    knowledge base: now "not found" (4) with the similar names beside it, and nothing written."""
    (tmp_path / "data").mkdir()
    missing, db = tmp_path / "dat", tmp_path / "kb.duckdb"
    code, out, err = cli_main("kb", "check", "--data", str(missing))
    assert code == ExitCode.NOT_FOUND and out == ""
    assert f"no such file or folder: {missing} Did you mean: data?" in err
    code, _, err = cli_main("kb", "build", "--data", str(missing), "--db", str(db))
    assert code == ExitCode.NOT_FOUND and not db.exists() and "Traceback" not in err


def test_a_file_given_as_the_data_folder(tmp_path: Path, cli_main) -> None:  # type: ignore[no-untyped-def]
    afile = tmp_path / "substances.yaml"
    afile.write_text(BROKEN_SUBSTANCE, encoding="utf-8")
    code, out, err = cli_main("kb", "check", "--data", str(afile))
    assert code == ExitCode.INPUT and out == ""
    assert f"{afile}: a file, not a folder of reviewed files" in err
    code, _, err = cli_main("kb", "check", "--data", str(afile), "--lang", "ru")
    assert "это файл, а не папка с проверенными файлами данных" in err

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

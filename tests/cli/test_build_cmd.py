"""``immunograde build`` runs the whole job: knowledge base, evidence history, safety section.

Checked on the repository's reviewed files and the FAERS sample in ../shared (real rows; see
../shared/data/pharmacovigilance/README.md): the build counts equal the files under data/, the history
records the build once, and the sample's scored pairs land in the safety store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from immunograde.cli.main import app
from immunograde.settings import data_dir


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IMMUNOGRADE_DB", str(tmp_path / "kb.duckdb"))
    monkeypatch.setenv("IMMUNOGRADE_HISTORY", str(tmp_path / "history.duckdb"))
    monkeypatch.setenv("IMMUNOGRADE_SAFETY", str(tmp_path / "safety"))
    return tmp_path


def test_build_json_reports_every_step(env: Path) -> None:
    result = CliRunner().invoke(app, ["build", "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["build"]["counts"]["questions"] == len(
        list((data_dir() / "questions").glob("*.yaml"))
    )
    assert body["changes"] == []  # the first recorded build has nothing to compare with
    assert body["history_started"] is True  # and says the history starts with it (issue 12)
    assert body["safety"].startswith("scored the FAERS sample")
    assert (env / "safety" / "signals.parquet").exists()
    assert body["market"].startswith(
        "7 shipped files (cms_partd_usafacts inserted"
    )  # reg_market_* tables
    again = json.loads(CliRunner().invoke(app, ["build", "--format", "json", "--no-safety"]).stdout)
    assert again["changes"] == [] and again["safety"].startswith("skipped")
    assert again["history_started"] is False
    assert again["market"].startswith("7 shipped files (all unchanged)")  # kept across the rebuild


def test_build_stops_on_bad_data(env: Path, tmp_path: Path) -> None:
    (tmp_path / "data" / "substances").mkdir(parents=True)
    (tmp_path / "data" / "substances" / "x.yaml").write_text("id: x\nname: X\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", "--data", str(tmp_path / "data"), "--no-safety"])
    assert result.exit_code == 6
    assert not (env / "kb.duckdb").exists()

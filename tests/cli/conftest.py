"""A knowledge base built from the repository's reviewed files (once per test session and worker), and the
command line run as a user runs it: a new ``python -m immunograde`` process against that file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from immunograde.kb.build import build_kb
from immunograde.settings import data_dir

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="session")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clikb") / "kb.duckdb"
    build_kb(data_dir(), path)
    return path


@pytest.fixture(scope="session")
def answers_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same knowledge base with the stored answers (``immunograde build`` stores them), for the
    commands that read them (appraise, experience, the Russian command tests)."""
    from immunograde.evidence.answers import store_answers

    path = tmp_path_factory.mktemp("answerskb") / "kb.duckdb"
    build_kb(data_dir(), path)
    store_answers(path)
    return path


@pytest.fixture
def answers_cli(answers_db: Path, cli_main, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The in-process command runner (tests/conftest.py ``cli_main``) with ``answers_db`` as the
    knowledge base (``IMMUNOGRADE_DB``) and its own history file beside it."""
    monkeypatch.setenv("IMMUNOGRADE_HISTORY", str(answers_db.parent / "history.duckdb"))
    monkeypatch.setenv("IMMUNOGRADE_DB", str(answers_db))
    return cli_main


def run_cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``immunograde *args`` in a new process against ``db`` (its own history file beside it)."""
    env = dict(os.environ, IMMUNOGRADE_DB=str(db), IMMUNOGRADE_HISTORY=str(db.parent / "h.duckdb"),
               PYTHONPATH=str(ROOT / "src"))  # fmt: skip
    return subprocess.run([sys.executable, "-m", "immunograde", *args], env=env,
                          capture_output=True, text=True, check=False, timeout=300)  # fmt: skip

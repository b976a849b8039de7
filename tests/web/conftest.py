"""A knowledge base built from the repository's reviewed files, and the app over it (once per worker)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from immunograde.evidence.answers import store_answers
from immunograde.evidence.history import record_build
from immunograde.kb.build import build_kb
from immunograde.settings import data_dir, shared_data_dir

warnings.filterwarnings("ignore", message=".*httpx2.*")
from fastapi.testclient import TestClient  # noqa: E402

from immunograde.web.app import create_app  # noqa: E402


@pytest.fixture(scope="session")
def web_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built as ``immunograde build`` builds it: the knowledge base, the stored answers, the history
    (beside the file, where the app reads it)."""
    path = tmp_path_factory.mktemp("webkb") / "immunograde.duckdb"
    build_kb(data_dir(), path, shared_data_dir())
    store_answers(path)
    record_build(path, path.parent / "history.duckdb")
    return path


@pytest.fixture(scope="session")
def client(web_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(web_db)) as c:
        yield c

"""Shared fixtures for the safety tests: one SparkSession per test session (slow to start)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from immunograde.settings import shared_data_dir


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    pyspark_sql = pytest.importorskip("pyspark.sql")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("immunograde-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture
def cli(
    cli_main: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., tuple[int, str, str]]:
    """``immunograde safety ...`` in-process with IMMUNOGRADE_HOME = tmp_path."""
    monkeypatch.setenv("IMMUNOGRADE_HOME", str(tmp_path))
    monkeypatch.setenv("IMMUNOGRADE_SHARED", str(shared_data_dir().parent))
    return lambda *args: cli_main("safety", *args)

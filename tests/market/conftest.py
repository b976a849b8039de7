"""A knowledge base built from the repository's reviewed files with the shipped prescribing and sales files
imported (../shared/data/prescribing, ../shared/data/market), once per test session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from immunograde.kb.build import build_kb
from immunograde.kb.queries import KnowledgeBase
from immunograde.market.importer import ImportReport, import_shipped
from immunograde.settings import data_dir, shared_data_dir

SHARED = shared_data_dir()
CMS = SHARED / "prescribing" / "us_cms_drug_spending"


@pytest.fixture(scope="session")
def market_import(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportReport]:
    folder = tmp_path_factory.mktemp("marketkb")
    db = folder / "immunograde.duckdb"
    build_kb(data_dir(), db, SHARED)
    return db, import_shipped(db)


@pytest.fixture(scope="session")
def market_db(market_import: tuple[Path, ImportReport]) -> Path:
    return market_import[0]


@pytest.fixture()
def kb(market_db: Path) -> Iterator[KnowledgeBase]:
    k = KnowledgeBase(market_db)
    yield k
    k.close()


@pytest.fixture()
def run(
    cli_main: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[int, str, str]]:
    """The real entry point (its exit codes), in this process, over the knowledge base ``db``."""

    def invoke(db: Path, *args: str) -> tuple[int, str, str]:
        monkeypatch.setenv("IMMUNOGRADE_DB", str(db))
        return cli_main(*args)

    return invoke

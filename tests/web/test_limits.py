"""Out-of-range query parameters are refused with 422 and a message, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest
from fastapi.testclient import TestClient

from immunograde.web.app import create_app


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app over an empty database file: enough for parameter checks (no build needed)."""
    path = tmp_path_factory.mktemp("bare") / "empty.duckdb"
    with duckdb.connect(str(path)) as con:  # the table every request's view reads, and the one that
        # marks a built knowledge base (a file without it is "not built": KnowledgeBase, exit 5 / 503)
        con.execute("CREATE TABLE names (name VARCHAR, name_kind VARCHAR, entity_kind VARCHAR, "
                    "entity_id VARCHAR, substance_id VARCHAR)")  # fmt: skip
        con.execute("CREATE TABLE substances (id VARCHAR, record_json VARCHAR)")
    with TestClient(create_app(path, warm=False)) as c:
        yield c


@pytest.mark.parametrize("url", ["/changes?limit=-5", "/changes.json?limit=0", "/search?q=a&limit=-1",
                                 "/changes?limit=100000"])  # fmt: skip
def test_limits_out_of_range_answer_422(bare: TestClient, url: str) -> None:
    r = bare.get(url)
    assert r.status_code == 422
    assert "limit" in r.text
    twin = bare.get(url.replace("?", ".json?", 1) if ".json" not in url else url)
    assert twin.status_code == 422 and "limit" in twin.json()["error"]["message"]

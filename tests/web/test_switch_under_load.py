"""A new knowledge base switched in while clients read (issue 19): no request fails, every answer is
wholly one version (byte for byte the old file's page or the new file's), the new version is served
only once it is prepared, and every request that starts after the switch reads the new one.

The server runs as ``immunograde serve`` runs it (warm-up on: the new version is prepared in a separate
process, :mod:`immunograde.web.prepare`, and its pages rendered before it is served).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from immunograde.web.app import create_app

CLIENTS = 4
ROUNDS_AFTER = 2  #: rounds of every URL each client sends once the switch is complete


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _renamed(src: Path, dst: Path, sid: str) -> None:
    """A copy of ``src`` where substance ``sid`` has another name (a visible change in the pages)."""
    shutil.copyfile(src, dst)
    with duckdb.connect(str(dst)) as con:
        (record,) = con.execute("SELECT record_json FROM substances WHERE id = ?", [sid]).fetchone()  # type: ignore[misc]
        data = json.loads(record)
        data["name"] = f"{data['name']} (version B)"
        con.execute("UPDATE substances SET name = ?, record_json = ? WHERE id = ?",
                    [data["name"], json.dumps(data), sid])  # fmt: skip
        con.execute("CHECKPOINT")


def _answers(db: Path, urls: list[str]) -> dict[str, bytes]:
    with TestClient(create_app(db, warm=False)) as c:
        return {u: c.get(u).content for u in urls}


@pytest.fixture
def versions(
    web_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, Path, str]]:
    monkeypatch.setenv("IMMUNOGRADE_HISTORY", str(web_db.parent / "history.duckdb"))
    with duckdb.connect(str(web_db), read_only=True) as con:
        sid = con.execute("SELECT substance FROM questions ORDER BY substance LIMIT 1").fetchone()[
            0
        ]  # type: ignore[index]
    a, b = tmp_path / "kb.duckdb", tmp_path / ".kb.duckdb.next"
    shutil.copyfile(web_db, a)
    _renamed(web_db, b, sid)
    yield a, b, sid


def test_a_switch_during_concurrent_requests(
    versions: tuple[Path, Path, str], tmp_path: Path
) -> None:
    db, staged, sid = versions
    urls = [
        f"/substances/{sid}.json",
        f"/substances/{sid}",
        "/map.json",
        "/index.json",
        "/classes.json",
    ]
    ref_b_path = tmp_path / "ref-b.duckdb"
    shutil.copyfile(staged, ref_b_path)
    old, new = _answers(db, urls), _answers(ref_b_path, urls)
    assert old[urls[0]] != new[urls[0]], "the two versions must differ"
    app = create_app(db, warm=True)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        thread.join(0.05)
    store = app.state.kb
    base = f"http://127.0.0.1:{port}"
    try:
        for u in urls:  # each page once: the server holds them, so the switch prepares them
            assert httpx.get(base + u, timeout=600).content == old[u]
        seen: list[tuple[str, int | str, bytes, bool]] = []
        switched = threading.Event()

        def client() -> None:
            after = 0
            with httpx.Client(base_url=base, timeout=600) as c:
                while after < ROUNDS_AFTER:
                    done_before = switched.is_set()
                    for u in urls:
                        started_after = switched.is_set()
                        try:
                            r = c.get(u)
                            seen.append((u, r.status_code, r.content, started_after))
                        except httpx.HTTPError as exc:
                            seen.append((u, type(exc).__name__, b"", started_after))
                    after += done_before

        clients = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for t in clients:
            t.start()
        new_stamp = None
        os.replace(staged, db)  # as a build does
        while store._served[1] != new_stamp:  # the switch is noticed by a request, prepared, served
            new_stamp = store._stamp_now()
            opener = store._opener
            if opener is not None:
                opener.join(1)
            else:
                threading.Event().wait(0.05)
        switched.set()
        for t in clients:
            t.join()
    finally:
        server.should_exit = True
        thread.join()
    failed = [(u, s) for u, s, _, _ in seen if s != 200]
    assert not failed, (
        f"{len(failed)} of {len(seen)} requests failed during the switch: {failed[:5]}"
    )
    mixed = [u for u, _, body, _ in seen if body not in (old[u], new[u])]
    assert not mixed, f"{len(mixed)} answers were neither the old version nor the new: {mixed[:5]}"
    stale = [u for u, _, body, after in seen if after and body != new[u]]
    assert not stale, (
        f"{len(stale)} requests started after the switch read the old version: {stale[:5]}"
    )
    assert any(after for *_, after in seen)

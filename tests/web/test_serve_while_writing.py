"""The documented ``watch`` workflow: ``serve`` runs while a ``build`` and an ``import`` write the same
knowledge base.  Readers never see an error (no 500 while the files are switched) and requests after
the writers finish read the new files (issue 19)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from immunograde.web.app import create_app

SRC = Path(__file__).resolve().parents[2] / "src"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "immunograde", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip


@pytest.fixture
def served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Path, dict[str, str], FastAPI]]:
    db, history = tmp_path / "kb.duckdb", tmp_path / "history.duckdb"
    monkeypatch.setenv("IMMUNOGRADE_HISTORY", str(history))
    env = {**os.environ, "PYTHONPATH": str(SRC), "IMMUNOGRADE_BUILD_WORKERS": "1"}
    build = _cli("build", "--no-safety", "--no-market", "--db", str(db), env=env)
    out, _ = build.communicate(timeout=600)
    assert build.returncode == 0, out
    port = _free_port()
    app = create_app(db, warm=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        thread.join(0.05)
    yield f"http://127.0.0.1:{port}", db, env, app
    server.should_exit = True
    thread.join()


def test_build_and_import_while_serving(
    served: tuple[str, Path, dict[str, str], FastAPI], tmp_path: Path
) -> None:
    base, db, env, app = served
    with duckdb.connect(str(db), read_only=True) as con:
        sid = con.execute("SELECT id FROM substances ORDER BY id LIMIT 1").fetchone()[0]  # type: ignore[index]
    urls = ["/index.json", "/changes.json", "/changes", f"/substances/{sid}.json", "/methods.json"]
    statuses: list[tuple[str, int | str]] = []
    stop = threading.Event()

    def poll() -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            while not stop.is_set():
                for url in urls:
                    try:
                        statuses.append((url, client.get(url).status_code))
                    except httpx.HTTPError as exc:
                        statuses.append((url, type(exc).__name__))

    csv = tmp_path / "new.csv"
    csv.write_text("study,year,ai,n1i,ci,n2i\nA,2001,4,50,9,51\nB,2003,7,80,12,79\n")
    before = db.stat().st_ino
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    writers = [_cli("build", "--no-safety", "--no-market", "--db", str(db), env=env),
               _cli("import", "csv", str(csv), "--dataset", "served_new", "--db", str(db), env=env)]  # fmt: skip
    outputs = [w.communicate(timeout=600)[0] for w in writers]
    stop.set()
    poller.join(300)
    assert [w.returncode for w in writers] == [0, 0], outputs
    bad = [(u, s) for u, s in statuses if s != 200]
    assert not bad, f"{len(bad)} of {len(statuses)} requests failed while writing: {bad[:5]}"
    assert len(statuses) >= len(urls)
    assert db.stat().st_ino != before  # a new file was switched in
    assert httpx.get(base + "/changes.json", timeout=120).status_code == 200
    assert httpx.get(base + "/index.json", timeout=120).status_code == 200
    view = app.state.kb.view()  # what the next request reads: the file as the writers left it
    try:
        sql = "SELECT count(*) FROM reg_csv_outcomes WHERE dataset = 'served_new'"
        assert view.con.execute(sql).fetchone() == (2,)
    finally:
        view.con.close()
    assert app.state.kb.version()[0][0] == db.stat().st_ino
    assert not list(db.parent.glob(f".{db.name}.tmp-*")), "a writer left its copy behind"

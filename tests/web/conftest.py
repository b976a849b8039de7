"""A knowledge base built from the repository's reviewed files, and the app over it (once per worker); for
the browser tests, the real server on a free loopback port and Debian's chromium (once per module)."""

from __future__ import annotations

import socket
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

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


CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(web_db: Path) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(create_app(web_db), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            pytest.fail(f"the server did not start on port {port}")
        thread.join(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
                    "(apt-get install chromium; `make` installs it)")  # fmt: skip
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def text_contrast(page: Page, selector: str) -> float:
    """WCAG contrast of an element's computed text colour on its computed background (opaque)."""
    return float(page.evaluate(
        """sel => {
          const el = document.querySelector(sel), cs = getComputedStyle(el);
          const lum = c => { const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map(v => {
              v = v / 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
          const [hi, lo] = [lum(cs.color), lum(cs.backgroundColor)].sort((a, b) => b - a);
          return (hi + 0.05) / (lo + 0.05);
        }""",
        selector,
    ))  # fmt: skip

"""Fixtures shared by test folders that cannot import each other (pytest's importlib mode)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def no_locale_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see no locale of the developer's shell: with ``LANG=ru_RU.UTF-8`` the commands and their
    ``--help`` speak Russian (issue 18), so tests that read English would fail there.  Tests of the
    Russian output set the locale or ``--lang`` themselves."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def damaged_zip(tmp_path: Path) -> Callable[[bytes, str, int], Path]:
    """``make(data, member, skip)``: the zip ``data`` with four bytes overwritten ``skip`` bytes after
    the name ``member`` in its local header (so the member's data fails its CRC), written to
    ``damaged.zip``."""

    def make(data: bytes, member: str, skip: int) -> Path:
        out = bytearray(data)
        at = out.index(member.encode()) + len(member) + skip
        out[at : at + 4] = b"\xff\xff\xff\xff"
        path = tmp_path / "damaged.zip"
        path.write_bytes(bytes(out))
        return path

    return make


@pytest.fixture
def cli_main(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[int, str, str]]:
    """``immunograde ARGS`` in this process: its exit code, standard output and standard error.

    Tables are 200 columns wide (the commands hold their consoles from their first import, and a
    console made by an earlier test keeps the width it found), no locale comes from the environment,
    and the language is English again after each call.
    """
    from immunograde.cli import output
    from immunograde.cli.main import main
    from immunograde.web import i18n

    monkeypatch.setenv("COLUMNS", "200")
    for name in ("console", "err_console"):
        monkeypatch.setattr(getattr(output, name), "_width", 200)
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            with pytest.raises(SystemExit) as exc:
                main(list(argv))
        finally:
            i18n.use("en")
        out = capsys.readouterr()
        return int(exc.value.code or 0), out.out, out.err

    return run

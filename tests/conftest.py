"""Fixtures shared by test folders that cannot import each other (pytest's importlib mode)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


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

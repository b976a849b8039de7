"""Rendered charts kept on disk by the content of their specification, shared by every process.

Drawing a chart with vl-convert is the slow step of a dossier: its first drawing in a process starts
a JavaScript engine and loads the system fonts (1-4 s), and every text mark is measured by laying
its glyphs out as paths (a forest plot of 64 rows, ~280 texts, takes 1.2-2.4 s).  A chart whose
specification did not change draws the same bytes, so the image is kept in a file named by the
SHA-256 of the specification, the format and vl-convert's version: the command line (``immunograde
report``) and the web server's workers read and write the same folder (``settings.chart_cache_dir``,
``charts/`` beside the knowledge base), so a chart drawn once by either is not drawn again, across
processes, restarts and rebuilds that leave it unchanged.

Only charts of the knowledge base go here (questions, substances, the map, the market); charts of a
reader's upload (the workbench) are never written to disk.  Files are written to a temporary name and
renamed, so a reader sees a whole image or none; the folder is kept under :data:`KEEP_BYTES` by removing
the least recently used files.  A folder that cannot be written only costs the saving: the chart is
drawn and returned as without the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from immunograde.plots.render import render

KEEP_BYTES = 256 * 2**20  #: the folder is pruned to this size, oldest use first
PRUNE_EVERY = 64  #: writes between two size checks of the folder
_writes = 0


def key(spec: dict[str, Any], fmt: str) -> str:
    """The file name of ``spec`` drawn as ``fmt`` (with the renderer's version: a new vl-convert may
    draw the same specification differently)."""
    import vl_convert as vlc

    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
    version = getattr(vlc, "__version__", "")
    return hashlib.sha256(f"{version}\n{fmt}\n{text}".encode()).hexdigest()


def _path(folder: Path, name: str, fmt: str) -> Path:
    return folder / name[:2] / f"{name}.{fmt}"


def _whole(data: bytes, fmt: str) -> bool:
    """A file that ends as its format ends (a truncated file is drawn again, not served)."""
    tail = data[-16:].rstrip()
    return {"svg": tail.endswith(b"</svg>"), "png": data[-8:-4] == b"IEND",
            "pdf": b"%%EOF" in tail}.get(fmt, False)  # fmt: skip


def read(folder: Path, spec: dict[str, Any], fmt: str) -> bytes | None:
    path = _path(folder, key(spec, fmt), fmt)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not _whole(data, fmt):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # a use: the least recently used files go first
    return data


def write(folder: Path, spec: dict[str, Any], fmt: str, data: bytes) -> None:
    global _writes
    path = _path(folder, key(spec, fmt), fmt)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return
    _writes += 1
    if _writes % PRUNE_EVERY == 0:
        prune(folder)


def prune(folder: Path, keep_bytes: int = KEEP_BYTES) -> int:
    """Remove the least recently used images until the folder holds at most ``keep_bytes``; the
    number of files removed."""
    files = []
    for path in folder.glob("??/*"):
        with contextlib.suppress(OSError):
            st = path.stat()
            files.append((st.st_mtime, st.st_size, path))
    total, removed = sum(f[1] for f in files), 0
    for _, size, path in sorted(files, key=lambda f: f[0]):
        if total <= keep_bytes:
            break
        with contextlib.suppress(OSError):
            path.unlink()
            total, removed = total - size, removed + 1
    return removed


def render_kept(folder: Path | None, spec: dict[str, Any], fmt: str) -> bytes:
    """``spec`` drawn as ``fmt``: from ``folder`` when it was drawn before, else drawn and kept there
    (``folder=None``: drawn, not kept)."""
    if folder is not None:
        hit = read(folder, spec, fmt)
        if hit is not None:
            return hit
    data = render(spec, fmt)
    if folder is not None:
        write(folder, spec, fmt, data)
    return data

"""``immunograde watch FOLDER``: import new registry/PubMed files, rebuild, record, report changes.

Files already imported (same name, size and modification time, listed in ``FOLDER/.imported``)
are skipped, so a scheduler can run the command repeatedly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from immunograde import settings
from immunograde.evidence.history import Change, record_build
from immunograde.ingest.ctgov import import_ctgov
from immunograde.ingest.pubmed import import_pubmed
from immunograde.ingest.writer import importing
from immunograde.kb.build import build_kb

MARKER = ".imported"


@dataclass
class WatchResult:
    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith((".xml", ".xml.gz")):
        return "pubmed"
    if name.endswith((".json", ".zip", ".jsonl")):
        return "ctgov"
    return None


def _seen(folder: Path) -> dict[str, list[float]]:
    f = folder / MARKER
    return json.loads(f.read_text()) if f.exists() else {}


def watch_once(
    folder: Path,
    *,
    db_path: Path | None = None,
    data_dir: Path | None = None,
    hist: Path | None = None,
    say: Callable[[str], None] = lambda _m: None,
) -> WatchResult:
    """Import every new file in ``folder``, rebuild the knowledge base, record the build."""
    db = db_path or settings.db_path()
    seen = _seen(folder)
    out = WatchResult()
    new = [p for p in sorted(folder.iterdir()) if p.is_file() and _kind(p)]
    for p in new:
        stamp = [p.stat().st_size, p.stat().st_mtime]
        if seen.get(p.name) == stamp:
            out.skipped.append(p.name)
            continue
        say(f"importing {p.name}")
        with importing(db) as con:  # readers (serve) keep the previous version until it is done
            (import_pubmed if _kind(p) == "pubmed" else import_ctgov)(p, con)
        seen[p.name] = stamp
        out.imported.append(p.name)
    say("rebuilding the knowledge base")
    build_kb(data_dir or settings.data_dir(), db, settings.shared_data_dir())
    out.changes = record_build(db, hist)
    tmp = folder / (MARKER + ".tmp")
    tmp.write_text(json.dumps(seen, indent=1))
    tmp.replace(folder / MARKER)
    return out

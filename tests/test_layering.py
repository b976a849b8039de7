"""One-way layering, enforced: cli/web -> evidence -> grading -> stats (see STYLE.md).

Each package may import only the project packages listed for it.  ``stats`` imports nothing from the
project (pure numerics, no I/O).  The test reads every module's imports with ``ast``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "immunograde"

BASE = {"errors", "settings", "jsonable"}
ALLOWED: dict[str, set[str]] = {
    "stats": set(),
    "grading": {"stats"},
    "kb": BASE | {"stats"},
    "ingest": BASE | {"kb"},
    "plots": BASE | {"stats"},
    "safety": BASE | {"stats", "kb"},
    "evidence": BASE | {"stats", "grading", "kb", "ingest", "safety", "plots"},
    "market": BASE | {"stats", "kb", "ingest", "safety", "plots", "evidence"},
    "web": BASE | {"stats", "grading", "kb", "ingest", "safety", "plots", "evidence", "market"},
    "cli": BASE
    | {"stats", "grading", "kb", "ingest", "safety", "plots", "evidence", "web", "market"},
}


def _project_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "immunograde" and len(parts) > 1:
                found.add(parts[1])
    return found


def _modules() -> list[tuple[str, Path]]:
    out = []
    for pkg in ALLOWED:
        for path in sorted((SRC / pkg).rglob("*.py")):
            out.append((pkg, path))
    return out


@pytest.mark.parametrize(("pkg", "path"), _modules(), ids=lambda v: str(v))
def test_imports_follow_layers(pkg: str, path: Path) -> None:
    imported = _project_imports(path) - {pkg, "__init__"}
    forbidden = imported - ALLOWED[pkg]
    assert not forbidden, f"{path.relative_to(SRC)} ({pkg}) imports {sorted(forbidden)}"


def test_every_package_is_layered() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(ALLOWED), "a new package needs a place in ALLOWED"


def test_layering_test_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "m.py"
    bad.write_text("from immunograde.evidence import x\nimport immunograde.web.app\n")
    assert _project_imports(bad) == {"evidence", "web"}

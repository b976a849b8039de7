"""One-way layering, enforced: cli/web -> evidence -> grading -> stats (see STYLE.md).

Each package may import only the project packages listed for it.  ``stats`` imports nothing from the
project (pure numerics, no I/O).  The test reads every module's imports with ``ast``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "immunograde"

BASE = {"errors", "settings", "jsonable", "archives", "procs"}
ALLOWED: dict[str, set[str]] = {
    "stats": set(),
    "grading": {"stats"},
    "kb": BASE | {"stats"},
    "ingest": BASE | {"kb"},
    "plots": BASE | {"stats"},
    "safety": BASE | {"stats", "kb"},
    "evidence": BASE | {"stats", "grading", "kb", "ingest", "safety", "plots"},
    "market": BASE | {"stats", "kb", "ingest", "safety", "plots", "evidence"},
    # the surfaces read numbers and grades only through the evidence layer (issue 12): never stats or
    # grading directly
    "web": BASE | {"kb", "ingest", "safety", "plots", "evidence", "market"},
    "cli": BASE | {"kb", "ingest", "safety", "plots", "evidence", "web", "market"},
}


def _absolute(path: Path, node: ast.ImportFrom) -> list[str]:
    """The absolute module names a relative ``from . import x`` / ``from ..pkg import y`` reaches."""
    parts = ["immunograde", *path.relative_to(SRC).with_suffix("").parts]
    base = parts[: len(parts) - node.level]
    if node.module:
        return [".".join([*base, node.module])]
    return [".".join([*base, a.name]) for a in node.names]


def _project_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names = _absolute(path, node)
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


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    """A relative import reaching another layer counts like an absolute one."""
    mod = SRC / "web" / "x.py"
    node = ast.parse("from ..grading import config").body[0]
    assert isinstance(node, ast.ImportFrom)
    assert _absolute(mod, node) == ["immunograde.grading"]
    node = ast.parse("from ..stats.rma import rma_uni").body[0]
    assert isinstance(node, ast.ImportFrom)
    assert _absolute(mod, node) == ["immunograde.stats.rma"]


#: the one statement a surface may send to the knowledge base's connection: the web's DuckDB memory setting
CONNECTION_SETTINGS = re.compile(r"\.con\.execute\(f?\"SET memory_limit")
SQL = re.compile(
    r"\b(?:SELECT|INSERT|UPDATE|DELETE)\b[^\n\"']*\b(?:FROM|INTO|SET)\b|\.con\.execute\(|\.sql\("
)


def _surface_modules() -> list[Path]:
    return [p for pkg in ("web", "cli") for p in sorted((SRC / pkg).rglob("*.py"))]


@pytest.mark.parametrize("path", _surface_modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_surfaces_write_no_sql(path: Path) -> None:
    """The web and the command line ask the knowledge base through its query methods (kb.queries) and the
    evidence layer; they write no SQL of their own (issue 12: 'the web runs statistics and SQL of its own')."""
    text = CONNECTION_SETTINGS.sub("", path.read_text(encoding="utf-8"))
    found = [m.group(0) for m in SQL.finditer(text)]
    assert not found, f"{path.relative_to(SRC)}: {found[:3]}"


def test_the_sql_check_sees_sql() -> None:
    assert SQL.search('kb.con.execute("SELECT id FROM sources")')
    assert SQL.search('rows = con.sql("select 1")') or SQL.search("x.sql(")
    assert SQL.search("q = 'SELECT class_id, count(*) FROM substance_classes'")
    assert not SQL.search("Select the rows from the table")  # prose

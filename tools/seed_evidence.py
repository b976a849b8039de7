"""Generate the evidence seed (data/questions, data/trials, data/sources/evidence.yaml) from ../shared.

Deterministic: the same shared files give byte-identical YAML.  Every outcome-data row carries the
source file (path under ../shared/data) and its 1-based data row (header = row 0).  Nothing here is typed
from memory: numbers come from the CSVs; the question texts (PICO, outcome, published results, notes) and
which rows belong to each question are the reviewed spec files ``data/specs/questions/*.yaml`` (format:
data/README.md).  Modules: ``seed_evidence_common`` (machinery), ``seed_evidence_specs`` (reads the specs),
``seed_evidence_readers`` / ``_covid`` / ``_cochrane`` / ``_interferons`` (one reader per source) and
``seed_evidence_sources`` (bibliography and the build order).

Usage::

    .venv/bin/python tools/seed_evidence.py            # (re)write the files
    .venv/bin/python tools/seed_evidence.py --check    # exit 1 if the committed files differ
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))

from seed_evidence_sources import build_all  # noqa: E402

from immunograde.errors import InputError  # noqa: E402
from immunograde.settings import data_dir  # noqa: E402


class _Dumper(yaml.SafeDumper):
    """Safe dumper that never emits aliases (records are independent)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(obj: Any) -> str:
    """YAML text: insertion order, unicode, wide lines (stable across runs)."""
    return yaml.dump(
        obj,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=110,
        default_flow_style=False,
    )


def render() -> dict[str, str]:
    """All generated files: relative path under data/ -> YAML text."""
    out = build_all()
    files: dict[str, str] = {}
    for q in out.questions:
        files[f"questions/{q['id']}.yaml"] = dump(q)
    for group, trials in sorted(out.trials.items()):
        body = {"trials": [trials[k] for k in sorted(trials)]}
        files[f"trials/{group}.yaml"] = dump(body)
    files["sources/evidence.yaml"] = dump({"sources": out.sources})
    return files


def write(files: dict[str, str], root: Path) -> None:
    """Write each file atomically (temp file + rename); remove stale generated question/trial files."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".yaml.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    for folder in ("questions", "trials"):
        for path in sorted((root / folder).glob("*.yaml")):
            if f"{folder}/{path.name}" not in files and _is_generated(path):
                path.unlink()


def _is_generated(path: Path) -> bool:
    return "script:tools/seed_evidence.py" in path.read_text(encoding="utf-8")


def differences(files: dict[str, str], root: Path) -> list[str]:
    """Relative paths whose committed text differs from the generated text."""
    diff = []
    for rel, text in files.items():
        path = root / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            diff.append(rel)
    return diff


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    try:
        files = render()
    except InputError as exc:
        print(f"{exc}\nquestion specs: {len(exc.problems)} problem(s)", file=sys.stderr)
        return 1
    root = data_dir()
    if args.check:
        diff = differences(files, root)
        for rel in diff:
            print(f"differs: data/{rel}")
        return 1 if diff else 0
    write(files, root)
    print(f"wrote {len(files)} files under {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

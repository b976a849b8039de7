"""A knowledge base built from the project's reviewed ``data/`` for the appraisal tests.

While part of the catalogue (substances, classes) is missing, the build adds name-only catalogue stubs
for the substances and classes the evidence files reference (no numbers: ids and names only), so the
evidence -- every number of which comes from ``data/`` -- can be appraised.  Once the catalogue is in
``data/`` the real files are used unchanged.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from immunograde import settings
from immunograde.kb.build import build_kb
from immunograde.kb.check import check_kb
from immunograde.kb.queries import KnowledgeBase

REVIEW = {
    "source": {"ref": "metadat-dat-bcg"},
    "extracted_by": "test-stub",
    "date_reviewed": "2026-11-24",
    "next_review": "2027-11-24",
}


def _stub_catalogue(data: Path, problems: list[str]) -> None:
    subs = sorted(
        {m.group(1) for p in problems if (m := re.search(r"unknown substance '([^']+)'", p))}
    )
    classes = sorted(
        {m.group(1) for p in problems if (m := re.search(r"unknown class '([^']+)'", p))}
    )
    cls = [
        {"id": c, "name": c.replace("-", " "), "kind": "no_atc", **REVIEW}
        for c in [*classes, "stub-class"]
    ]
    (data / "classes").mkdir(exist_ok=True)
    (data / "classes" / "zz-test-stubs.yaml").write_text(
        yaml.safe_dump({"classes": cls}, sort_keys=False)
    )
    (data / "substances").mkdir(exist_ok=True)
    for s in subs:
        rec = {"id": s, "name": s.replace("-", " "), "classes": ["stub-class"], **REVIEW}
        (data / "substances" / f"{s}.yaml").write_text(yaml.safe_dump(rec, sort_keys=False))


@pytest.fixture(scope="session")
def kb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = settings.data_dir()
    result = check_kb(src, None)
    data = src
    if not result.ok:
        messages = [p.message for p in result.problems]
        if not all(m.startswith(("unknown substance", "unknown class")) for m in messages):
            pytest.fail(
                "data/ has problems other than a missing catalogue: " + "; ".join(messages[:5])
            )
        data = tmp_path_factory.mktemp("data") / "data"
        shutil.copytree(src, data)
        _stub_catalogue(data, messages)
    out = tmp_path_factory.mktemp("kb") / "kb.duckdb"
    build_kb(data, out)
    return out


@pytest.fixture()
def kb(kb_path: Path) -> Iterator[KnowledgeBase]:
    k = KnowledgeBase(kb_path)
    try:
        yield k
    finally:
        k.close()

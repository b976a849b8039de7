"""Fixtures for the knowledge-base tests: a copy of the seeded catalogue plus one real evidence question.

The question's numbers are read from ``../shared/data/trials/metadat/dat.bcg.csv`` (rows 1-3, Colditz
1994 BCG trials), never typed, so the query tests can compare against the same CSV rows.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from immunograde import settings
from immunograde.kb.build import build_kb

REPO = Path(__file__).resolve().parents[2]
SHARED = settings.shared_data_dir()
BCG = "trials/metadat/dat.bcg.csv"
REVIEW = {
    "extracted_by": "script:tests/kb/conftest.py",  # rows read from the CSV by code, not by hand
    "date_reviewed": "2026-11-24",
    "next_review": "2027-11-24",
    "verified": False,
}


def bcg_rows() -> list[dict[str, str]]:
    with (SHARED / BCG).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))[:3]


def _evidence() -> tuple[dict[str, Any], dict[str, Any]]:
    trials, data = [], []
    for i, r in enumerate(bcg_rows(), 1):
        tid = f"bcg-{i}"
        n1, n2 = int(r["tpos"]) + int(r["tneg"]), int(r["cpos"]) + int(r["cneg"])
        trials.append({
            "id": tid, "label": f"{r['author']} {r['year']}", "year": int(r["year"]),
            "design": {"randomised": r["alloc"] == "random"},
            "arms": [{"label": "BCG", "substance": "bcg-vaccine"}, {"label": "control", "control": True}],
            "rob": [{"question": "bcg-tb", "overall": "some_concerns"}] if i == 1 else [],
            "source": {"file": BCG, "row": i},
        })  # fmt: skip
        data.append({"trial": tid, "ai": int(r["tpos"]), "n1i": n1, "ci": int(r["cpos"]),
                     "n2i": n2, "source": {"file": BCG, "row": i}})  # fmt: skip
    question = {
        "id": "bcg-tb", "title": "BCG vaccine for preventing tuberculosis (test fixture)",
        "population": "trial participants", "comparator": "no vaccine",
        "intervention": {"substance": "bcg-vaccine", "route": "unknown"},
        "outcome": {"name": "tuberculosis", "type": "binary", "measure": "RR",
                    "importance": "critical"},
        "data": data, "source": {"file": BCG}, **REVIEW,
    }  # fmt: skip
    return {"review": REVIEW, "records": trials}, question


def write_catalogue_copy(dest: Path) -> Path:
    """The committed catalogue files plus the BCG fixture question, in ``dest``."""
    data = REPO / "data"
    shutil.copy(data / "classes.yaml", dest / "classes.yaml")
    for folder in ("substances", "products", "regulatory", "claims"):
        shutil.copytree(data / folder, dest / folder)
    (dest / "sources").mkdir()
    shutil.copy(data / "sources" / "catalogue.yaml", dest / "sources" / "catalogue.yaml")
    trials, question = _evidence()
    (dest / "trials").mkdir()
    (dest / "questions").mkdir()
    (dest / "trials" / "bcg.yaml").write_text(yaml.safe_dump(trials, allow_unicode=True), "utf-8")
    (dest / "questions" / "bcg-tb.yaml").write_text(yaml.safe_dump(question), "utf-8")
    return dest


@pytest.fixture(scope="session")
def catalogue_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_catalogue_copy(tmp_path_factory.mktemp("kbdata"))


@pytest.fixture(scope="session")
def catalogue_db(catalogue_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("kbdb") / "kb.duckdb"
    build_kb(catalogue_dir, db, SHARED)
    return db


@pytest.fixture(scope="session")
def bcg_source_rows() -> list[dict[str, str]]:
    """Rows 1-3 of dat.bcg.csv, as the fixture question cites them."""
    return bcg_rows()

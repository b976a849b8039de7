"""Shared machinery for tools/seed_evidence.py: CSV access, review fields, record assembly."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from immunograde.kb.model_specs import QuestionSpec
from immunograde.kb.specs import SpecOf
from immunograde.settings import shared_data_dir

SCRIPT = "script:tools/seed_evidence.py"
DATE_REVIEWED = "2026-11-24"
NEXT_REVIEW = "2027-11-24"

#: Sources whose files are curated, versioned datasets (CRAN packages): script extraction is verified.
CURATED_PREFIXES = ("trials/metadat/", "trials/bayesmeta/")


@cache
def rows(rel: str) -> tuple[dict[str, str], ...]:
    """Data rows of a CSV under ../shared/data; index i is data row i + 1 (header = row 0)."""
    with open(shared_data_dir() / rel, encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def numbered(rel: str) -> list[tuple[int, dict[str, str]]]:
    """(1-based row number, row) pairs."""
    return list(enumerate(rows(rel), start=1))


def count(text: str) -> int | None:
    """An event count or sample size from a CSV cell ('' -> None, '6.0' -> 6); non-integers raise."""
    text = text.strip()
    if text == "":
        return None
    value = float(text)
    if not value.is_integer():
        raise ValueError(f"count {text!r} is not an integer")
    return int(value)


def real(text: str) -> float | None:
    """A real number from a CSV cell ('' -> None)."""
    text = text.strip()
    return None if text == "" else float(text)


def slug(text: str) -> str:
    """Lower-case id: letters and digits joined by single hyphens."""
    text = text.lower().replace("&", " and ").replace("ö", "o").replace("é", "e").replace("õ", "o")
    text = text.replace("ü", "u").replace("ç", "c").replace("ã", "a")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def verified_for(rel: str) -> bool:
    return rel.startswith(CURATED_PREFIXES)


def review(verified: bool) -> dict[str, Any]:
    return {
        "extracted_by": SCRIPT,
        "checked_by": None,
        "date_reviewed": DATE_REVIEWED,
        "next_review": NEXT_REVIEW,
        "verified": verified,
    }


def publication_sources(entries: tuple[tuple[str, str, str], ...]) -> list[dict[str, Any]]:
    """Bibliography entries ``(id, citation, url)`` for hand extractions (unverified until checked)."""
    return [
        {
            "id": sid,
            "kind": "publication",
            "citation": cite,
            "source": src(url=url),
            **review(False),
        }
        for sid, cite, url in entries
    ]


def src(file: str | None = None, row: int | None = None, **kw: Any) -> dict[str, Any]:
    """A SourceRef mapping without empty fields."""
    out: dict[str, Any] = {}
    if file is not None:
        out["file"] = file
    if row is not None:
        out["row"] = row
    out.update({k: v for k, v in kw.items() if v is not None})
    return out


@dataclass
class Out:
    """Everything the generator produces."""

    questions: list[dict[str, Any]] = field(default_factory=list)
    trials: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    substances: set[str] = field(default_factory=set)

    def _merge_arms(self, have: dict[str, Any], record: dict[str, Any]) -> None:
        """A later question of a multi-arm trial adds the arms the first did not name."""
        known = {(a["label"], a.get("substance")) for a in have.get("arms", [])}
        for a in record.get("arms", []):
            if (a["label"], a.get("substance")) not in known:
                have.setdefault("arms", []).append(a)
                known.add((a["label"], a.get("substance")))
                if a.get("substance"):
                    self.substances.add(a["substance"])

    def trial(self, group: str, record: dict[str, Any]) -> dict[str, Any]:
        """Add a trial record to a group (first record wins; RoB entries and new arms are merged)."""
        for other_group, trials in self.trials.items():
            if record["id"] in trials and other_group != group:
                raise ValueError(f"trial id {record['id']} in two groups")
        trials = self.trials.setdefault(group, {})
        if record["id"] in trials:
            have = trials[record["id"]]
            for rob in record.get("rob", []):
                if rob not in have.setdefault("rob", []):
                    have["rob"].append(rob)
            self._merge_arms(have, record)
            return have
        trials[record["id"]] = record
        for arm in record.get("arms", []):
            if arm.get("substance"):
                self.substances.add(arm["substance"])
        return record


def trial_record(
    tid: str, label: str, source: dict[str, Any], verified: bool, **fields: Any
) -> dict[str, Any]:
    """A Trial mapping with review fields; None-valued optional fields are dropped."""
    rec: dict[str, Any] = {"id": tid, "label": label}
    for key, value in fields.items():
        if value is None or value == () or value == []:
            continue
        rec[key] = value
    rec["source"] = source
    rec.update(review(verified))
    return rec


def design(
    randomised: bool | None = None,
    allocation: str = "unknown",
    blinding: str = "unknown",
    control: str = "unknown",
) -> dict[str, Any]:
    out: dict[str, Any] = {"randomised": randomised}
    out["allocation_concealment"] = allocation
    out["blinding"] = blinding
    out["control"] = control
    return out


def arm(
    label: str, substance: str | None = None, control: bool = False, **kw: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {"label": label}
    if substance:
        out["substance"] = substance
    out.update({k: v for k, v in kw.items() if v is not None})
    if control:
        out["control"] = True
    return out


def data_row(trial: str, source: dict[str, Any], note: str | None = None, **values: Any) -> dict:
    """An OutcomeData mapping (with the source row's footnote as ``note``)."""
    out: dict[str, Any] = {"trial": trial}
    out.update({k: v for k, v in values.items() if v is not None})
    if note:
        out["note"] = note
    out["source"] = source
    return out


def question(s: SpecOf, data: list[dict[str, Any]], extra_notes: tuple[str, ...] = ()) -> dict:
    """Assemble a Question mapping from a reviewed spec (fields copied as written) and its rows.

    The question's review dates are the spec's; ``verified`` follows the data source (a script
    extraction from a curated dataset is verified; anything else waits for a second reader)."""
    raw, spec = s.raw, s.spec
    q: dict[str, Any] = {"id": spec.id, "title": raw["title"], "population": raw["population"]}
    if raw.get("indication"):
        q["indication"] = raw["indication"]
    q["intervention"] = raw["intervention"]
    q["comparator"] = raw["comparator"]
    q["outcome"] = raw["outcome"]
    for name in ("model", "method", "subgroup_by"):
        if raw.get(name) is not None:
            q[name] = raw[name]
    if raw.get("published"):
        q["published"] = raw["published"]
    q["data"] = data
    notes = [*raw.get("notes", ()), *extra_notes]
    if notes:
        q["notes"] = "\n".join(notes)
    source = raw.get("source") or derived_source(spec)
    q["source"] = source
    q.update(review(verified_for(source.get("file", ""))))
    if spec.checked_by and spec.verified:  # a second person compared the numbers with a source
        q["checked_by"], q["verified"] = spec.checked_by, True
    q["date_reviewed"] = spec.date_reviewed.isoformat()
    q["next_review"] = spec.next_review.isoformat()
    return q


def derived_source(spec: QuestionSpec) -> dict[str, Any]:
    """A Cochrane question's source: the review file, its bibliography entry, DOI and analysis name."""
    ds = spec.dataset
    if ds.reader != "pairwise70":
        raise ValueError(f"question spec {spec.id}: source is required for reader {ds.reader!r}")
    name = next(
        r["Analysis.name"].strip()
        for r in rows(ds.p70_file)
        if f"{r['Analysis.group']}.{r['Analysis.number']}" == ds.analysis
    )
    return src(
        ds.p70_file,
        ref="cochrane-" + slug(str(ds.review)),
        doi=f"10.1002/14651858.{ds.review}",
        locator=f"Analysis {ds.analysis}: {name}",
    )


@dataclass
class Selected:
    """The data rows of every spec of one reader, collected as the reader walks its file."""

    specs: list[SpecOf]
    data: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, r: dict[str, str], row: dict[str, Any]) -> None:
        """Give the data row to every spec whose ``dataset.where`` matches the source row ``r``."""
        for s in self.specs:
            if selected(s, r):
                self.data.setdefault(s.spec.id, []).append(row)

    def emit(self, out: Out) -> None:
        """One question per spec, with the rows collected for it."""
        for s in self.specs:
            out.questions.append(question(s, self.data.get(s.spec.id, [])))


def selected(s: SpecOf, r: dict[str, str]) -> bool:
    """The source row matches the spec's ``dataset.where`` (cells compared without outer spaces)."""
    return all((r.get(k) or "").strip() == v for k, v in s.spec.dataset.where.items())

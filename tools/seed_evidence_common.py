"""Shared machinery for tools/seed_evidence.py: CSV access, review fields, record assembly.

Fields that the knowledge-base model (src/immunograde/kb/models.py) does not have yet are emitted only
when the model has them; otherwise their content is folded into ``notes`` so nothing is lost and
``immunograde kb check`` still passes.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from immunograde.kb import models
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


def has_field(model: type, name: str) -> bool:
    return name in getattr(model, "model_fields", {})


@dataclass
class Out:
    """Everything the generator produces."""

    questions: list[dict[str, Any]] = field(default_factory=list)
    trials: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    substances: set[str] = field(default_factory=set)

    def trial(self, group: str, record: dict[str, Any]) -> dict[str, Any]:
        """Add a trial record to a group (first record wins; RoB entries are merged)."""
        for other_group, trials in self.trials.items():
            if record["id"] in trials and other_group != group:
                raise ValueError(f"trial id {record['id']} in two groups")
        trials = self.trials.setdefault(group, {})
        if record["id"] in trials:
            have = trials[record["id"]]
            for rob in record.get("rob", []):
                if rob not in have.setdefault("rob", []):
                    have["rob"].append(rob)
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
    """An OutcomeData mapping; a note goes into ``note`` when the model has that field."""
    out: dict[str, Any] = {"trial": trial}
    out.update({k: v for k, v in values.items() if v is not None})
    if note and has_field(models.OutcomeData, "note"):
        out["note"] = note
    out["source"] = source
    return out


@dataclass(frozen=True)
class Spec:
    """The written part of a question (PICO, outcome, preferred analysis, published result)."""

    id: str
    title: str
    population: str
    intervention: dict[str, Any]
    comparator: str
    outcome: dict[str, Any]
    source: dict[str, Any]
    indication: str | None = None
    model: str | None = "random"
    method: str | None = "REML"
    subgroup_by: str | None = None
    published: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = ()
    verified: bool = False


def question(spec: Spec, data: list[dict[str, Any]], extra_notes: tuple[str, ...] = ()) -> dict:
    """Assemble a Question mapping; fields the model lacks are written into ``notes``."""
    q: dict[str, Any] = {"id": spec.id, "title": spec.title, "population": spec.population}
    if spec.indication:
        q["indication"] = spec.indication
    q["intervention"] = _intervention(spec.intervention)
    q["comparator"] = spec.comparator
    q["outcome"] = _outcome(spec.outcome)
    notes = list(spec.notes) + list(extra_notes)
    for name, value in (
        ("model", spec.model),
        ("method", spec.method),
        ("subgroup_by", spec.subgroup_by),
    ):
        if value is None:
            continue
        if has_field(models.Question, name):
            q[name] = value
        else:
            notes.append(f"preferred {name}: {value}")
    if spec.published:
        if has_field(models.Question, "published"):
            q["published"] = list(spec.published)
        else:
            notes.extend(_published_text(p) for p in spec.published)
    notes.extend(_lost_intervention_text(spec.intervention))
    notes.extend(_lost_outcome_text(spec.outcome))
    q["data"] = data
    if notes:
        q["notes"] = "\n".join(notes)
    q["source"] = spec.source
    q.update(review(spec.verified))
    return q


def _intervention(iv: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in iv.items() if has_field(models.Intervention, k) and v is not None}
    subs = iv.get("substances") or ()
    if "substance" not in out and subs and not has_field(models.Intervention, "substances"):
        out["substance"] = subs[0]
    return out


def _lost_intervention_text(iv: dict[str, Any]) -> list[str]:
    subs = iv.get("substances") or ()
    if subs and not has_field(models.Intervention, "substances"):
        return [
            "intervention pools several substances: "
            + ", ".join(subs)
            + f" (models.Intervention has no 'substances' field yet; '{subs[0]}' stands in)"
        ]
    return []


def _outcome(oc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in oc.items() if has_field(models.Outcome, k)}


def _lost_outcome_text(oc: dict[str, Any]) -> list[str]:
    lost = [f"outcome {k}: {v}" for k, v in oc.items() if not has_field(models.Outcome, k)]
    return lost


def _published_text(p: dict[str, Any]) -> str:
    keys = ("measure", "model", "method", "subgroup", "k", "n", "estimate", "ci_low", "ci_high")
    parts = [f"{k}={p[k]}" for k in keys if p.get(k) is not None]
    if p.get("certainty"):
        parts.append(f"GRADE certainty={p['certainty']}")
    where = p["source"]
    cite = ", ".join(f"{k}: {v}" for k, v in where.items())
    note = f"; {p['note']}" if p.get("note") else ""
    return f"published result ({cite}): " + ", ".join(parts) + note

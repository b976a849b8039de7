"""Calibration: ImmunoGrade's certainty against published GRADE ratings (``immunograde calibrate``).

The calibration set is reviewed data: every ``published`` entry of a question that gives a certainty
rating with the verbatim sentence stating it (``quote``) and its source.  Each is appraised with the
answer every surface shows (:mod:`immunograde.evidence.answers`), and the two ratings are
compared: n, exact agreement, linearly weighted kappa, the 4x4 confusion matrix and every disagreement
with the domains behind ImmunoGrade's rating.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from immunograde.evidence.answers import Answers
from immunograde.grading.agreement import confusion, exact_agreement, weighted_kappa
from immunograde.grading.config import LEVELS
from immunograde.kb.queries import KnowledgeBase


def level_of(text: str) -> str:
    """A published rating as a level key ("Very low" -> "very_low"); ValueError when it is none."""
    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in LEVELS:
        raise ValueError(f"not a GRADE level: {text!r}")
    return key


@dataclass(frozen=True)
class Item:
    """One outcome of the calibration set, rated by the source and by ImmunoGrade."""

    question_id: str
    source: str
    published: str
    ours: str | None
    quote: str
    downgrades: list[dict[str, Any]]


@dataclass(frozen=True)
class Calibration:
    n: int
    sources: int
    exact_agreement: float | None
    weighted_kappa: float | None
    levels: tuple[str, ...]
    confusion: list[list[int]]  #: rows = ImmunoGrade, columns = published, LEVELS order
    disagreements: list[dict[str, Any]] = field(default_factory=list)
    not_rated: list[str] = field(
        default_factory=list
    )  #: published rating but no pooled result here


def _source_text(p: Any) -> str:
    s = p.source
    return (
        s.ref
        or (s.doi and f"doi:{s.doi}")
        or (s.pmid and f"PMID {s.pmid}")
        or s.url
        or s.file
        or "?"
    )


def calibration_items(kb: KnowledgeBase) -> list[Item]:
    """Every published certainty with its quote, appraised by ImmunoGrade."""
    items = []
    answers = Answers(kb)  # the stored answer every page shows (the same recipe when not stored)
    for q in kb.all_questions():
        rated = [p for p in q.published if p.certainty and p.quote]
        if not rated:
            continue
        a = answers.question(q.id)
        for p in rated:
            level = level_of(str(p.certainty))
            items.append(
                Item(q.id, _source_text(p), level, a.certainty, str(p.quote), a.downgrades)
            )
    return items


def _why(it: Item) -> str:
    down = (
        ", ".join(f"{d['domain']} -{d['levels']}" for d in it.downgrades) or "no domain rated down"
    )
    if LEVELS.index(str(it.ours)) < LEVELS.index(it.published):
        return f"ImmunoGrade rated lower: {down}"
    return f"ImmunoGrade rated higher ({down}): the source rated down more"


def calibrate(kb: KnowledgeBase) -> Calibration:
    """Compare ImmunoGrade with every published rating in the calibration set."""
    items = calibration_items(kb)
    rated = [i for i in items if i.ours is not None]
    m = confusion([i.ours for i in rated], [i.published for i in rated])  # type: ignore[misc]
    dis = [
        {"question_id": i.question_id, "source": i.source, "published": i.published, "ours": i.ours,
         "downgrades": i.downgrades, "why": _why(i)}
        for i in rated if i.ours != i.published
    ]  # fmt: skip
    return Calibration(
        n=len(rated),
        sources=len({i.source for i in rated}),
        exact_agreement=exact_agreement(m),
        weighted_kappa=weighted_kappa(m),
        levels=LEVELS,
        confusion=m,
        disagreements=dis,
        not_rated=[i.question_id for i in items if i.ours is None],
    )

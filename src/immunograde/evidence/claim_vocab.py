"""The reviewed claim vocabulary (``claim_vocabulary.yaml``), typed and compiled.

Terms are regular-expression fragments matched case-insensitively at a word start on text with "ё" folded
to "е"; each concept's ``questions`` are lower-case substrings of the stored questions' English indication
or outcome (see the file's header).  A malformed file raises :class:`InputError` naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from immunograde.errors import InputError, Msg, Problem

FILE = "immunograde/evidence/claim_vocabulary.yaml"
KINDS = ("indications", "purposes", "outcomes", "effects", "mechanism", "status", "forms")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Review(_Model):
    source: dict[str, Any]
    extracted_by: str = Field(min_length=1)
    checked_by: str | None = None
    date_reviewed: dt.date
    next_review: dt.date
    verified: bool = False


class Concept(_Model):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    label: dict[str, str]
    terms: tuple[str, ...] = Field(min_length=1)
    questions: tuple[str, ...] = ()
    direction: str | None = Field(None, pattern=r"^(benefit|no_benefit)$")
    #: ``forms`` only: the routes (knowledge-base route codes) a dose form named in a claim stands for
    routes: tuple[str, ...] = ()


class Ruling(_Model):
    body: str = Field(min_length=1, description="a regular expression matched on the body's name")
    judges: dict[str, str]


class VocabularyFile(_Model):
    review: Review
    indications: tuple[Concept, ...]
    purposes: tuple[Concept, ...]
    outcomes: tuple[Concept, ...]
    effects: tuple[Concept, ...]
    mechanism: tuple[Concept, ...]
    status: tuple[Concept, ...]
    forms: tuple[Concept, ...] = ()
    rulings: tuple[Ruling, ...] = ()


@dataclass(frozen=True)
class Hit:
    """One vocabulary concept found in a text: which, where, and the words that matched."""

    kind: str
    concept: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Vocabulary:
    """The concepts by kind and one compiled pattern per concept."""

    review: Review
    concepts: dict[str, dict[str, Concept]]
    patterns: dict[tuple[str, str], re.Pattern[str]]
    rulings: tuple[Ruling, ...] = ()

    def label(self, kind: str, concept: str, lang: str = "en") -> str:
        c = self.concepts[kind][concept]
        return c.label.get(lang) or c.label["en"]

    def find(self, text: str) -> list[Hit]:
        """Every concept occurrence; where two overlap, the longer one is kept (purposes are a separate
        layer: "treatment" is both a purpose and an effect word)."""
        folded = fold(text)
        hits = [
            Hit(kind, cid, m.start(), m.end(), text[m.start() : m.end()])
            for (kind, cid), pat in self.patterns.items()
            for m in pat.finditer(folded)
        ]
        hits.sort(key=lambda h: (-(h.end - h.start), h.start, KINDS.index(h.kind)))
        kept: list[Hit] = []
        for h in hits:
            layer = [k for k in kept if (k.kind == "purposes") == (h.kind == "purposes")]
            if all(h.end <= k.start or h.start >= k.end for k in layer):
                kept.append(h)
        return sorted(kept, key=lambda h: (h.start, KINDS.index(h.kind)))


def fold(text: str) -> str:
    """Lower case, "ё" -> "е", same length as the text (spans stay valid)."""
    out = text.lower().replace("ё", "е")
    return out if len(out) == len(text) else text.replace("ё", "е").replace("Ё", "Е")


def _compile(c: Concept, where: str) -> re.Pattern[str]:
    body = "|".join(f"(?:{t})" for t in c.terms)
    try:
        return re.compile(rf"(?<!\w)(?:{body})", re.IGNORECASE)
    except re.error as exc:
        raise InputError.one(
            Msg("bad term: %(reason)s", reason=str(exc)), file=FILE, field=where
        ) from exc


def parse_vocabulary(text: str) -> Vocabulary:
    """The vocabulary a YAML text describes (``InputError`` naming the field when it is malformed)."""
    try:
        f = VocabularyFile.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        problems = [
            Problem(e["msg"], FILE, None, ".".join(str(p) for p in e["loc"])) for e in exc.errors()
        ]
        raise InputError(problems) from exc
    concepts = {k: {c.id: c for c in getattr(f, k)} for k in KINDS}
    patterns = {
        (k, c.id): _compile(c, f"{k}.{c.id}.terms") for k in KINDS for c in concepts[k].values()
    }
    return Vocabulary(f.review, concepts, patterns, f.rulings)


@lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    """The packaged vocabulary."""
    text = (
        resources.files("immunograde.evidence").joinpath("claim_vocabulary.yaml").read_text("utf-8")
    )
    return parse_vocabulary(text)

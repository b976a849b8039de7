"""Check a pasted claim sentence (issue 17): what was understood, what was not, and what the stored
evidence says -- the one recipe behind ``immunograde claim``, ``/api/v1/claims/check`` and the web form.

The JSON contract: ``text``, ``recognised {substance, product, indication, outcome, direction, purpose,
size, mechanisms, statuses, names}``, ``assessment {category, label, reasons, searched_on}``,
``evidence [question_id, verdict, certainty, estimate, ...]``, ``permitted_wording``, ``unrecognised``.
"""

from __future__ import annotations

import threading
from typing import Any

from immunograde.evidence.answers import Answers
from immunograde.evidence.claim_assess import assess
from immunograde.evidence.claim_records import reading_dict
from immunograde.evidence.claims import NameIndex, check_text, read_claim
from immunograde.jsonable import to_jsonable
from immunograde.kb.queries import KnowledgeBase

_INDEXES: dict[int, tuple[object, NameIndex]] = {}
_LOCK = threading.Lock()


def name_index(kb: KnowledgeBase) -> NameIndex:
    """The knowledge base's name index, built once per list of names (the web's per-request views of one
    knowledge base share it)."""
    entries = kb.name_entries()
    with _LOCK:
        key = id(entries)
        if key not in _INDEXES:
            _INDEXES.clear()  # one knowledge base at a time is enough
            _INDEXES[key] = (
                entries,
                NameIndex(entries),
            )  # the list kept alive: its id stays its own
        return _INDEXES[key][1]


def check_claim(kb: KnowledgeBase, text: str, answers: Answers | None = None) -> dict[str, Any]:
    """Read ``text`` and set it against the stored answers (``InputError`` for empty or too long)."""
    text = check_text(text)
    reading = read_claim(text, name_index(kb))
    a = assess(answers or Answers(kb), reading)
    recognised = reading_dict(reading)
    return {
        "text": text,
        "recognised": recognised,
        "assessment": {
            "category": a.category,
            "label": a.label,
            "reasons": list(a.reasons),
            "searched_on": a.searched_on,
        },
        "evidence": to_jsonable(list(a.evidence)),
        "permitted_wording": a.permitted_wording,
        "unrecognised": list(reading.unrecognised),
        "detail": a.detail,
    }

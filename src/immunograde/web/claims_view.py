"""The claims pages' data (issue 17): every claim with its assessment, and the claim checker's answer.

Presentation only: the assessments come from :mod:`immunograde.evidence.claim_records` and
:mod:`immunograde.evidence.claim_check`; this module orders them, counts them and adds the vocabulary's
labels in the reader's language.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from immunograde.errors import InputError
from immunograde.evidence.answers import Answers
from immunograde.evidence.claim_assess import CATEGORIES
from immunograde.evidence.claim_check import check_claim
from immunograde.evidence.claim_records import all_claims, substance_claims
from immunograde.evidence.claim_vocab import load_vocabulary
from immunograde.evidence.claims import MAX_CHARS, NameIndex
from immunograde.jsonable import to_jsonable
from immunograde.kb.queries import KnowledgeBase
from immunograde.settings import shared_data_dir
from immunograde.web import i18n

#: the issue's two examples, shown as links under the form
EXAMPLES = ("Эргоферон сокращает длительность ОРВИ", "Arbidol treats COVID-19")
_KINDS = {"indication": "indications", "outcome": "outcomes", "mechanisms": "mechanism",
          "statuses": "status"}  # fmt: skip


def _names(kind: str, ids: list[str]) -> dict[str, list[str]]:
    """Concept labels in every language the pages speak (cached page data is language-independent)."""
    vocab = load_vocabulary()
    known = [c for c in ids if c in vocab.concepts[kind]]
    return {lang: [vocab.label(kind, c, lang) for c in known] for lang in i18n.LANGUAGES}


def _labelled(reading: dict[str, Any]) -> dict[str, Any]:
    """The reading with its concepts' labels (``<key>_names``: language -> labels)."""
    out = dict(reading)
    for key, kind in _KINDS.items():
        out[f"{key}_names"] = _names(kind, reading.get(key, []))
    return out


def _labelled_detail(detail: dict[str, Any]) -> dict[str, Any]:
    out = dict(detail)
    for key, kind in (
        ("indications", "indications"),
        ("mechanisms", "mechanism"),
        ("statuses", "status"),
    ):
        out[f"{key}_names"] = _names(kind, detail.get(key, []))
    return out


def _claim(c: Any) -> dict[str, Any]:
    d: dict[str, Any] = to_jsonable(c)
    for s in d["sentences"]:
        s["reading"] = _labelled(s["reading"])
        s["assessment"]["detail"] = _labelled_detail(s["assessment"]["detail"])
    return d


def claims_page(kb: KnowledgeBase, names: NameIndex) -> dict[str, Any]:
    """Every claim (records, then uncovered published rulings), its assessment, and the counts."""
    assessed = all_claims(Answers(kb), names, shared_data_dir())
    counts = Counter(c.category for c in assessed)
    return {
        "counts": [{"category": k, "n": counts.get(k, 0)} for k in CATEGORIES],
        "total": len(assessed),
        "claims": [_claim(c) for c in assessed],
        "max_chars": MAX_CHARS,
        "substance_names": {s.id: s.name for s in kb.list_substances()},
    }


def for_substance(
    kb: KnowledgeBase, names: NameIndex, substance_id: str
) -> dict[str, dict[str, Any]]:
    """The substance's claims' assessments by claim id (for its page's claims section)."""
    return {cid: _claim(c) for cid, c in substance_claims(Answers(kb), names, substance_id).items()}


def check_page(kb: KnowledgeBase, text: str) -> dict[str, Any]:
    """The checker's answer for ``text`` (``error`` instead when the text is empty or too long)."""
    page: dict[str, Any] = {"text": text, "max_chars": MAX_CHARS, "result": None, "error": None,
                            "examples": list(EXAMPLES)}  # fmt: skip
    if text == "":
        return page  # the empty form
    try:
        result = check_claim(kb, text)
    except InputError as exc:
        page["error"] = str(exc)
        page["error_kind"] = "empty" if not text.strip() else "too_long"
        page["length"] = len(text.strip())
        return page
    page["result"] = labelled(result)
    return page


def labelled(result: dict[str, Any]) -> dict[str, Any]:
    """A checker's answer with its concepts' labels in every language (the page, the CLI's text)."""
    return {**result, "recognised": _labelled(result["recognised"]),
            "detail": _labelled_detail(result["detail"])}  # fmt: skip

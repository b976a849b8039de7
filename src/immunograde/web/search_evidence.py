"""Search by form and indication: «свечи виферон», "interferon nasal", «ОРВИ», "COVID-19".

A query is split into words.  A word that names a route or a dose form ("nasal", «свечи»,
"suppositories") or a word of an indication ("influenza", «грипп», "COVID-19"), in English or Russian,
is a *qualifier*; the other words, joined, are a name searched as every name is (kb/search.py).  The
hits are the evidence map's cells (substance x form x indication, each with its stored verdict) that
satisfy every qualifier and, when a name is given, belong to a substance the name finds.

Words are compared after :func:`immunograde.kb.search.normalise`, a word matching a vocabulary word
when that word starts with the query word's stem (Russian endings vary: «назальный», «назальные»).
The vocabulary is the routes (and their Russian words in the catalogue), the names of forms in
:data:`FORM_WORDS` and the indications (and their reviewed Russian wording).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from immunograde.kb.queries import KnowledgeBase
from immunograde.kb.search import normalise
from immunograde.web import i18n, i18n_glossary

# words for a form and the routes they mean (the routes' own names and their Russian words in the
# catalogue are added): the dose forms of data/products in both languages and their everyday names
_INJECTED = ("parenteral", "intramuscular", "subcutaneous", "intravenous")
FORM_WORDS: dict[str, tuple[str, ...]] = {
    "nasal": ("intranasal",), "nose": ("intranasal",), "нос": ("intranasal",),
    "назальный": ("intranasal",), "назально": ("intranasal",), "интраназальный": ("intranasal",),
    "spray": ("intranasal",), "спрей": ("intranasal",), "drops": ("intranasal", "oral"),
    "капли": ("intranasal", "oral"),
    "suppositories": ("rectal",), "suppository": ("rectal",), "суппозитории": ("rectal",),
    "свечи": ("rectal",), "свеча": ("rectal",), "ректальный": ("rectal",),
    "tablets": ("oral",), "capsules": ("oral",), "syrup": ("oral",), "pills": ("oral",),
    "granules": ("oral",), "таблетки": ("oral",), "капсулы": ("oral",), "сироп": ("oral",),
    "гранулы": ("oral",), "lozenges": ("buccal",), "пастилки": ("buccal",),
    "injection": _INJECTED, "injections": _INJECTED, "инъекции": _INJECTED, "укол": _INJECTED,
    "уколы": _INJECTED, "ампулы": _INJECTED,
    "gel": ("topical",), "ointment": ("topical",), "мазь": ("topical",), "гель": ("topical",),
    "eye": ("ophthalmic",), "глазные": ("ophthalmic",),
}  # fmt: skip
WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
STOP = {"and", "or", "for", "the", "of", "in", "и", "или", "для", "при", "от", "в", "на", "с", "по"}


def _stem(word: str) -> str:
    """The query word without a Russian or English ending's last letters (at least 4 kept)."""
    return word[: max(4, len(word) - 2)] if len(word) > 5 else word


def _words(text: str) -> list[str]:
    return [w for w in (normalise(m) for m in WORD.findall(text or "")) if w and w not in STOP]


def _matches(word: str, vocabulary: Iterable[str]) -> bool:
    stem = _stem(word)
    return any(v == word or (len(stem) >= 3 and v.startswith(stem)) for v in vocabulary)


def route_vocabulary(routes: Iterable[str]) -> dict[str, set[str]]:
    """Each known word for a form -> the routes it means."""
    vocab: dict[str, set[str]] = {}

    def add(text: str, route: str) -> None:
        for w in _words(text):
            if len(w) >= 3:
                vocab.setdefault(w, set()).add(route)

    ru = i18n.translations("ru")
    for route in routes:
        if route and route != "unknown":
            add(route.replace("_", " "), route)
            add(ru.gettext(route.replace("_", " ")), route)
    for word, meant in FORM_WORDS.items():
        for route in meant:
            add(word, route)
    return vocab


def _indication_words(indication: str | None) -> set[str]:
    if not indication:
        return set()
    russian = i18n_glossary.indications("ru").get(indication, "")
    return set(_words(indication)) | set(_words(russian))


def understand(
    query: str, vocab: dict[str, set[str]], cells: list[dict[str, Any]]
) -> dict[str, Any]:
    """The query's route words (with the routes they may mean), indication words and remaining name."""
    indication_vocab = set().union(*(_indication_words(c["indication"]) for c in cells))
    routes: list[set[str]] = []
    indications: list[str] = []
    names: list[str] = []
    for raw in WORD.findall(query):
        word = normalise(raw)
        if not word or word in STOP:
            continue
        meant = {r for v, rs in vocab.items() if _matches(word, [v]) for r in rs}
        if meant:
            routes.append(meant)
        elif len(word) >= 3 and _matches(word, indication_vocab):
            indications.append(word)
        else:
            names.append(raw)
    return {"routes": routes, "indications": indications, "name": " ".join(names)}


def evidence_hits(
    kb: KnowledgeBase, query: str, cells: list[dict[str, Any]], limit: int = 40
) -> list[dict[str, Any]]:
    """The map cells the query's form and indication words (and name, if any) pick out; none when the
    query has no form or indication word (a plain name search)."""
    vocab = route_vocabulary({c["route"] for c in cells})
    parsed = understand(query, vocab, cells)
    if not parsed["routes"] and not parsed["indications"]:
        return []
    substances: set[str] | None = None
    if parsed["name"]:
        found = kb.search(parsed["name"], limit=50)
        substances = {h.substance_id or h.entity_id for h in found if h.entity_kind != "class"}
    chosen = []
    for c in cells:
        if substances is not None and c["substance_id"] not in substances:
            continue
        if any(c["route"] not in meant for meant in parsed["routes"]):
            continue
        words = _indication_words(c["indication"])
        if any(not _matches(w, words) for w in parsed["indications"]):
            continue
        chosen.append(c)
    return chosen[:limit]

"""Name search in any script, tolerant of typos and transliteration.

Every name and the query are reduced to *keys*:

1. ``normalise``: NFKC, case-fold, ``ё`` -> ``е``, accents dropped, anything but letters and digits
   removed ("Uro-Vaxom" -> "urovaxom"); in a name mixing scripts, Cyrillic look-alikes become Latin
   ("acridоnacetate" with a Cyrillic "о" -> "acridonacetate");
2. ``transliterate``: Cyrillic -> Latin by each of three schemes — BGN/PCGN-like ("Кагоцел" ->
   "kagotsel"), GOST 7.79-B-like ("kagocel") and a German-style one (ц -> "z", ж -> "sch");
3. ``skeleton``: a phonetic fold of the Latin spelling that makes the schemes and English spellings
   meet ("ts"/"tz" -> "c", "ph" -> "f", "kh" -> "h", "y" -> "i", hard "c" -> "k", doubled letters
   collapsed), so "Kagocel", "Кагоцел" and "Cagocel" share one skeleton.

Ranking: exact (score 1.0; 0.97 when equal only after transliteration/folding) > prefix (0.9) > fuzzy
(0.8 x similarity), where similarity is the larger of
normalised Levenshtein similarity and trigram Jaccard similarity of the skeletons.  A fuzzy hit needs
similarity >= ``threshold`` (0.7 by default).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_CYR = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєў"
_COMMON = dict(zip("абвгдезиклмнопрстуф", "abvgdeziklmnoprstuf", strict=True))
_SCHEMES: dict[str, dict[str, str]] = {
    "bgn": {"ё": "e", "ж": "zh", "й": "y", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
            "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "yi",
            "є": "ye", "ў": "u"},
    "gost": {"ё": "yo", "ж": "zh", "й": "j", "х": "x", "ц": "c", "ч": "ch", "ш": "sh", "щ": "shh",
             "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "i",
             "є": "e", "ў": "u"},
    "german": {"ё": "jo", "ж": "sch", "й": "i", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch",
               "щ": "schtsch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "ju", "я": "ja",
               "і": "i", "ї": "ji", "є": "je", "ў": "u"},
}  # fmt: skip
_FOLDS = [
    (r"sch", "sh"), (r"shch|shh", "sh"), (r"ph", "f"), (r"th", "t"),
    (r"ck", "k"), (r"qu", "kv"), (r"q", "k"), (r"w", "v"), (r"kh", "h"), (r"x", "ks"),
    (r"tz|ts", "c"), (r"c(?=[eiy])", "C"), (r"c(?!h)", "k"), (r"C", "c"),
    (r"[yj]", "i"), (r"ae", "e"), (r"z", "s"), (r"(.)\1+", r"\1"),
]  # fmt: skip
_FOLD_RES = [(re.compile(p), r) for p, r in _FOLDS]
_CYR_RE = re.compile(f"[{_CYR}]")
_LAT_RE = re.compile("[a-z]")
_HOMOGLYPHS = str.maketrans("аеорсухкмтв", "aeopcyxkmtb")

EXACT, PREFIX, FUZZY = "exact", "prefix", "fuzzy"
_RANK = {EXACT: 1.0, PREFIX: 0.9, FUZZY: 0.8}


def normalise(text: str) -> str:
    """Case-folded letters and digits only (accents dropped, ``ё`` -> ``е``)."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    decomposed = unicodedata.normalize("NFKD", text)
    kept = [ch for ch in decomposed if not unicodedata.combining(ch)]
    text = "".join(ch for ch in unicodedata.normalize("NFC", "".join(kept)) if ch.isalnum())
    if _CYR_RE.search(text) and _LAT_RE.search(text):  # mixed script: Cyrillic look-alikes -> Latin
        text = text.translate(_HOMOGLYPHS)
    return text


def transliterate(text: str, scheme: str = "bgn") -> str:
    """Cyrillic letters to Latin by ``scheme`` (``bgn``, ``gost`` or ``german``); others unchanged."""
    table = {**_COMMON, **_SCHEMES[scheme]}
    return "".join(table.get(ch, ch) for ch in text)


def skeleton(latin: str) -> str:
    """Phonetic fold of a normalised Latin spelling (see module docstring)."""
    out = latin
    for pattern, repl in _FOLD_RES:
        out = pattern.sub(repl, out)
    return out


@lru_cache(maxsize=65536)
def keys(text: str) -> tuple[str, frozenset[str]]:
    """A name's normalised form and the skeletons of its Latin spellings.

    Names with digits (ATC codes, "OM-85") are transliterated but not phonetically folded.
    """
    norm = normalise(text)
    if not norm:
        return "", frozenset()
    latins = {transliterate(norm, s) for s in _SCHEMES} if _CYR_RE.search(norm) else {norm}
    if any(ch.isdigit() for ch in norm):
        return norm, frozenset(latins)
    return norm, frozenset(skeleton(t) for t in latins)


def levenshtein(a: str, b: str, max_dist: int | None = None) -> int:
    """Edit distance (insertions, deletions, substitutions; Levenshtein 1966).

    With ``max_dist``, stops early and returns ``max_dist + 1`` once the distance must exceed it.
    """
    if len(a) < len(b):
        a, b = b, a
    if max_dist is not None and len(a) - len(b) > max_dist:
        return max_dist + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if max_dist is not None and min(cur) > max_dist:
            return max_dist + 1
        prev = cur
    return prev[-1]


@lru_cache(maxsize=65536)
def _trigrams(s: str) -> frozenset[str]:
    padded = f"  {s} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def similarity(a: str, b: str, threshold: float = 0.0) -> float:
    """max(1 - levenshtein / max length, trigram Jaccard) in [0, 1].

    Levenshtein similarities below ``threshold`` are not computed exactly (reported as 0).
    """
    if not a or not b:
        return 0.0
    ta, tb = _trigrams(a), _trigrams(b)
    jaccard = len(ta & tb) / len(ta | tb)
    longest = max(len(a), len(b))
    max_dist = int((1.0 - threshold) * longest)
    dist = levenshtein(a, b, max_dist)
    lev = 1.0 - dist / longest if dist <= max_dist else 0.0
    return max(lev, jaccard)


@dataclass(frozen=True)
class NameEntry:
    """One searchable name of one entity (substance, product or class)."""

    name: str
    name_kind: str
    entity_kind: str
    entity_id: str
    substance_id: str | None = None


@dataclass(frozen=True)
class SearchHit:
    """A matched entity, the name that matched, how (exact/prefix/fuzzy) and the score in [0, 1]."""

    entity_kind: str
    entity_id: str
    matched_name: str
    name_kind: str
    match: str
    score: float
    substance_id: str | None = None


def _match(
    query: tuple[str, frozenset[str]], name: tuple[str, frozenset[str]], threshold: float
) -> tuple[str, float] | None:
    (qn, qs), (nn, ns) = query, name
    if qn == nn:
        return EXACT, 1.0
    if qs & ns:  # equal up to transliteration and spelling
        return EXACT, 0.97
    prefix = len(qn) >= 3 and nn.startswith(qn)
    if prefix or any(len(q) >= 3 and n.startswith(q) for q in qs for n in ns):
        return PREFIX, 1.0
    pairs = [(qn, nn), *((q, n) for q in qs for n in ns)]
    best = max(similarity(a, b, threshold) for a, b in pairs)
    return (FUZZY, best) if best >= threshold else None


def search(
    query: str, entries: Iterable[NameEntry], *, limit: int = 20, threshold: float = 0.7
) -> list[SearchHit]:
    """Entities whose names match ``query``, best first, one hit per entity (its best name)."""
    qkeys = keys(query)
    if not qkeys[0]:
        return []
    best: dict[tuple[str, str], SearchHit] = {}
    for e in entries:
        found = _match(qkeys, keys(e.name), threshold)
        if found is None:
            continue
        kind, sim = found
        score = round(_RANK[kind] * sim, 4)
        hit = SearchHit(
            e.entity_kind, e.entity_id, e.name, e.name_kind, kind, score, e.substance_id
        )
        key = (e.entity_kind, e.entity_id)
        if key not in best or score > best[key].score:
            best[key] = hit
    order = {"substance": 0, "product": 1, "class": 2}
    hits = sorted(best.values(), key=lambda h: (-h.score, order.get(h.entity_kind, 3), h.entity_id))
    return hits[:limit]

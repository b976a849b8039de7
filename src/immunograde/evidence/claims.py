"""Read a claim sentence: which product or substance, indication, outcome and direction it asserts.

The product is found through the knowledge base's names (every substance and product name, synonym and
brand, any script): a run of one to four words matches a name when their normalised form or a phonetic
skeleton equals the name's (:mod:`immunograde.kb.search`), after dropping a Russian case ending of at most
two letters ("Эргоферона" -> "Эргоферон").  Nothing fuzzy: a near miss is reported as not recognised.
Indication, purpose, outcome, effect, mechanism and status words come from the reviewed vocabulary
(:mod:`.claim_vocab`).  What the reader could not recognise is listed (``unrecognised``), never guessed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from immunograde.errors import InputError, Msg
from immunograde.evidence.claim_vocab import Hit, Vocabulary, fold, load_vocabulary
from immunograde.kb.search import NameEntry, keys, normalise

MAX_CHARS = 2000
_WORD = re.compile(r"\w[\w'-]*")
_CYR = re.compile("[а-яіїєў]")
_ENDINGS = (
    "ами",
    "ому",
    "ого",
    "ом",
    "ой",
    "ою",
    "ем",
    "ах",
    "ам",
    "ов",
    "а",
    "у",
    "е",
    "ы",
    "и",
    "ю",
    "я",
)
_SIZE = re.compile(
    r"(?:в\s+\d+(?:[.,]\d+)?\s+раза?|на\s+\d+(?:[.,]\d+)?\s*%|\d+(?:[.,]\d+)?\s*(?:%|times\b|"
    r"раза?\b|дн\w*|days?\b|час\w*|hours?\b)|twice|вдвое|в два раза|в три раза)",
    re.IGNORECASE,
)
_NAME_LIKE = re.compile(r"^(?:[A-ZА-ЯЁ][\w-]{3,}|\w+®)$")


@dataclass(frozen=True)
class NameMatch:
    """A product or substance name found in the text."""

    text: str
    start: int
    end: int
    substance_id: str
    product_id: str | None
    name: str


@dataclass(frozen=True)
class Reading:
    """What a sentence asserts, as recognised; ``unrecognised`` says what was not."""

    text: str
    substances: tuple[str, ...]
    products: tuple[str, ...]
    names: tuple[NameMatch, ...]
    indications: tuple[str, ...]
    purpose: str | None
    outcomes: tuple[str, ...]
    effects: tuple[str, ...]
    direction: str | None
    size: str | None
    mechanisms: tuple[str, ...]
    statuses: tuple[str, ...]
    hits: tuple[Hit, ...]
    unrecognised: tuple[dict[str, str], ...] = field(default=())
    #: the routes of the dose forms the sentence names ("свечи": rectal), from the vocabulary's ``forms``
    routes: tuple[str, ...] = ()

    @property
    def clinical(self) -> bool:
        """Whether it names a clinical indication (what trials can test)."""
        return bool(self.indications)


def _stems(word: str) -> Iterable[str]:
    yield word
    if _CYR.search(word):
        for e in _ENDINGS:
            if word.endswith(e) and len(word) - len(e) >= 4:
                yield word[: -len(e)]


class NameIndex:
    """Every substance and product name of a knowledge base, by normalised form and skeleton."""

    def __init__(self, entries: Iterable[NameEntry], stop: Iterable[str] = ()) -> None:
        self.exact: dict[str, set[tuple[str, str | None, str]]] = {}
        self.skel: dict[str, set[tuple[str, str | None, str]]] = {}
        stopped = {normalise(s) for s in stop}
        for e in entries:
            if not e.substance_id or e.entity_kind not in ("substance", "product"):
                continue
            norm, skels = keys(e.name)
            if len(norm) < 4 or norm in stopped:
                continue
            item = (e.substance_id, e.entity_id if e.entity_kind == "product" else None, e.name)
            self.exact.setdefault(norm, set()).add(item)
            for s in skels:
                if len(s) >= 4:
                    self.skel.setdefault(s, set()).add(item)

    def lookup(self, text: str) -> set[tuple[str, str | None, str]]:
        for stem in _stems(normalise(text)):
            found = self.exact.get(stem)
            if found:
                return found
            _, skels = keys(stem)
            hits = set().union(*(self.skel.get(s, set()) for s in skels)) if skels else set()
            if hits:
                return hits
        return set()

    def find(self, text: str, taken: list[tuple[int, int]]) -> list[NameMatch]:
        words = list(_WORD.finditer(text))
        out: list[NameMatch] = []
        i = 0
        while i < len(words):
            for n in range(min(4, len(words) - i), 0, -1):
                start, end = words[i].start(), words[i + n - 1].end()
                if any(start < b and end > a for a, b in taken):
                    continue
                found = self.lookup(text[start:end])
                if found:
                    out += [
                        NameMatch(text[start:end], start, end, *f) for f in sorted(found, key=str)
                    ]
                    i += n - 1
                    break
            i += 1
        return out


def _ordered(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _unrecognised(r: Reading, spans: list[tuple[int, int]]) -> list[dict[str, str]]:
    """What the reader could not recognise: missing parts, and words that look like unknown names."""
    text = r.text
    out = []
    if not r.substances:
        out.append(
            {
                "part": "product",
                "text": "",
                "message": "no product or substance of the knowledge base named",
            }
        )
    if not r.indications:
        msg = "no indication named" + (
            " (only a mechanism or status is stated)" if r.mechanisms or r.statuses else ""
        )
        out.append({"part": "indication", "text": "", "message": msg})
    if r.indications and not r.outcomes:
        out.append(
            {
                "part": "outcome",
                "text": "",
                "message": "no outcome named: the claim is read as 'helps in' the indication",
            }
        )
    if not r.direction:
        out.append(
            {
                "part": "direction",
                "text": "",
                "message": "no effect word (reduces, treats, prevents ...) recognised",
            }
        )
    for m in _WORD.finditer(text):
        w = m.group()
        first = m.start() == 0 or text[: m.start()].rstrip().endswith((".", "!", "?", "/"))
        marked = "-" in w or "®" in text[m.end() : m.end() + 1] or any(c.isdigit() for c in w)
        if (
            _NAME_LIKE.match(w)
            and not any(a <= m.start() < b for a, b in spans)
            and (marked or not first)
        ):
            out.append(
                {
                    "part": "name",
                    "text": w,
                    "message": f"{w!r} looks like a name but is not one the knowledge base knows",
                }
            )
    return out


def check_text(text: str) -> str:
    """The text, stripped; ``InputError`` when empty or longer than :data:`MAX_CHARS`."""
    t = (text or "").strip()
    if not t:
        raise InputError.one(Msg("the claim text is empty: paste a sentence"), field="text")
    if len(t) > MAX_CHARS:
        raise InputError.one(
            Msg(
                "the claim text is %(n)s characters; at most %(max_chars)s are read (paste one sentence)",
                n=len(t),
                max_chars=MAX_CHARS,
            ),
            field="text",
        )
    return t


#: how far (characters) a dose form may stand from a product's name to be its form ("свечи Виферон",
#: "Azoximer bromide suppositories"); further away a form word is incidental ("one tablet cannot ...")
FORM_REACH = 25


def _beside(hit: Hit, named: list[tuple[int, int]]) -> bool:
    return any(hit.start - b <= FORM_REACH and a - hit.end <= FORM_REACH for a, b in named)


def read_claim(text: str, names: NameIndex, vocab: Vocabulary | None = None) -> Reading:
    """What ``text`` asserts (see module docstring)."""
    vocab = vocab or load_vocabulary()
    matches = names.find(text, [])
    named = [(m.start, m.end) for m in matches]
    hits = [h for h in vocab.find(text) if all(h.end <= a or h.start >= b for a, b in named)]
    spans = [(h.start, h.end) for h in hits]
    by = {
        k: _ordered(h.concept for h in hits if h.kind == k)
        for k in ("indications", "purposes", "outcomes", "effects", "mechanism", "status", "forms")
    }
    # an outcome phrase that holds its own effect word ("ускоряет выздоровление": accelerates recovery) is
    # kept whole as the outcome, and its effect word still counts
    inner = [cid for h in hits if h.kind == "outcomes" for (kind, cid), pat in vocab.patterns.items()
             if kind == "effects" and pat.search(fold(h.text))]  # fmt: skip
    by["effects"] = _ordered((*by["effects"], *inner))
    dirs = {vocab.concepts["effects"][e].direction for e in by["effects"]}
    direction = "no_benefit" if "no_benefit" in dirs else ("benefit" if "benefit" in dirs else None)
    if not (by["indications"] or by["outcomes"]):
        direction = None  # an effect word in a mechanism clause ("reduces the viral load") is no claim of benefit
    purpose = by["purposes"][0] if len(by["purposes"]) == 1 else None
    if purpose is None and by["effects"] == ("prevents",) and set(by["outcomes"]) <= {"incidence"}:
        purpose = "prevention"
    size = _SIZE.search(text) if direction else None
    reading = Reading(
        text=text,
        substances=_ordered(m.substance_id for m in matches),
        products=_ordered(m.product_id for m in matches if m.product_id),
        names=tuple(matches),
        indications=by["indications"],
        purpose=purpose,
        outcomes=by["outcomes"],
        effects=by["effects"],
        direction=direction,
        size=size.group() if size else None,
        mechanisms=by["mechanism"],
        statuses=by["status"],
        hits=tuple(hits),
        routes=_ordered(
            r
            for h in hits
            if h.kind == "forms" and _beside(h, named)
            for r in vocab.concepts["forms"][h.concept].routes
        ),
    )
    unrec = _unrecognised(reading, spans + named)
    return dataclasses.replace(reading, unrecognised=tuple(unrec))

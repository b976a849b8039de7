"""Name search: any script, transliteration schemes, typos; ranking exact > prefix > fuzzy.

Expected transliterations are written out by hand from the scheme tables (BGN/PCGN: ц = ts, х = kh;
GOST 7.79-B: ц = c, х = x); edit distances are counted by hand.
"""

from __future__ import annotations

import pytest

from immunograde.kb.search import (
    NameEntry,
    keys,
    levenshtein,
    normalise,
    search,
    similarity,
    transliterate,
)

ENTRIES = [
    NameEntry("Kagocel", "name", "substance", "kagocel", "kagocel"),
    NameEntry("Кагоцел", "synonym", "substance", "kagocel", "kagocel"),
    NameEntry("Ergoferon", "synonym", "substance", "ergoferon", "ergoferon"),
    NameEntry("Cycloferon", "brand", "product", "cycloferon", "meglumine-acridonacetate"),
    NameEntry("umifenovir", "name", "substance", "umifenovir", "umifenovir"),
    NameEntry("Arbidol", "synonym", "substance", "umifenovir", "umifenovir"),
    NameEntry("Interferons", "name", "class", "l03ab", None),
    NameEntry(
        "interferon alfa-2b", "name", "substance", "interferon-alfa-2b", "interferon-alfa-2b"
    ),
    NameEntry("L04AC", "atc", "class", "l04ac", None),
    NameEntry("L04AK", "atc", "class", "l04ak", None),
]


@pytest.mark.parametrize(
    ("text", "scheme", "latin"),
    [
        ("кагоцел", "bgn", "kagotsel"),
        ("кагоцел", "gost", "kagocel"),
        ("кагоцел", "german", "kagozel"),
        ("эргоферон", "bgn", "ergoferon"),
        ("хилак", "bgn", "khilak"),
        ("хилак", "gost", "xilak"),
        ("щука", "bgn", "shchuka"),
    ],
)
def test_transliteration_schemes(text: str, scheme: str, latin: str) -> None:
    assert transliterate(text, scheme) == latin


def test_normalise_folds_case_punctuation_yo_and_mixed_script() -> None:
    assert normalise("Uro-Vaxom") == "urovaxom"
    assert normalise("Ёлка") == "елка"
    assert normalise("Meglumine acridоnacetate") == "meglumineacridonacetate"  # Cyrillic о inside


def test_all_schemes_and_english_spelling_share_a_skeleton() -> None:
    assert keys("Кагоцел")[1] & keys("Kagocel")[1]
    assert keys("Циклоферон")[1] & keys("Cycloferon")[1]
    assert keys("Cagocel")[1] & keys("Kagocel")[1]


def test_levenshtein_hand_counted() -> None:
    assert levenshtein("kagocel", "kagocl") == 1  # one deletion
    assert levenshtein("kitten", "sitting") == 3  # the textbook case
    assert levenshtein("kitten", "sitting", max_dist=1) == 2  # bounded: stops early
    assert similarity("kagocel", "kagocl") == pytest.approx(1 - 1 / 7)


@pytest.mark.parametrize(
    ("query", "entity", "match", "score"),
    [
        ("Kagocel", "kagocel", "exact", 1.0),
        ("Кагоцел", "kagocel", "exact", 1.0),
        ("KAGOCEL", "kagocel", "exact", 1.0),
        ("Cagocel", "kagocel", "exact", 0.97),  # equal after spelling fold
        ("Эргоферон", "ergoferon", "exact", 0.97),  # equal after transliteration
        ("Циклоферон", "cycloferon", "exact", 0.97),
        ("арбидол", "umifenovir", "exact", 0.97),
        ("Kagocl", "kagocel", "fuzzy", round(0.8 * (1 - 1 / 7), 4)),  # one letter missing
        ("umifen", "umifenovir", "prefix", 0.9),
    ],
)
def test_search_finds(query: str, entity: str, match: str, score: float) -> None:
    top = search(query, ENTRIES)[0]
    assert (top.entity_id, top.match, top.score) == (entity, match, score)


def test_ranking_exact_before_prefix_before_fuzzy() -> None:
    hits = search("interferon", ENTRIES)
    assert [(h.entity_id, h.match) for h in hits] == [
        ("interferon-alfa-2b", "prefix"),
        ("l03ab", "prefix"),
    ]
    codes = search("L04AC", ENTRIES)  # codes are not phonetically folded: L04AK is only fuzzy
    assert [(h.entity_id, h.match) for h in codes] == [("l04ac", "exact"), ("l04ak", "fuzzy")]
    mixed = [
        NameEntry(n, "name", "substance", n.lower()) for n in ("Kagocal", "Kagocelium", "Kagocel")
    ]
    assert [h.match for h in search("kagocel", mixed)] == ["exact", "prefix", "fuzzy"]
    assert search("zzzz", ENTRIES) == []
    zoster = [NameEntry("zoster, live attenuated", "name", "substance", "zoster")]
    assert search("zzzzzz", zoster) == []  # its fold "s" is too short to count as a prefix
    assert search("  ", ENTRIES) == []


def test_one_hit_per_entity_with_its_best_name() -> None:
    hits = search("Kagocel", ENTRIES)
    assert [(h.entity_id, h.matched_name) for h in hits] == [("kagocel", "Kagocel")]

"""The claim reader (issue 17): real claim sentences, their expected readings kept as data
(``claim_sentences.yaml``), and what the reader says it did not recognise."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from immunograde.errors import InputError
from immunograde.evidence.claim_vocab import load_vocabulary, parse_vocabulary
from immunograde.evidence.claims import MAX_CHARS, NameIndex, check_text, read_claim
from immunograde.kb.queries import KnowledgeBase
from immunograde.settings import data_dir, shared_data_dir

SET = Path(__file__).with_name("claim_sentences.yaml")
SENTENCES = yaml.safe_load(SET.read_text(encoding="utf-8"))["sentences"]


@pytest.fixture(scope="module")
def names(kb_path: Path) -> NameIndex:
    kb = KnowledgeBase(kb_path)
    try:
        return NameIndex(kb.name_entries())
    finally:
        kb.close()


def test_the_set_is_real_and_large_enough() -> None:
    """At least 30 sentences that name a product, Russian and English; each verbatim in its claim record
    (and in the shared CSV row when it comes from one)."""
    named = [s for s in SENTENCES if s["expected"]["substances"]]
    assert len(named) >= 30
    assert {s["language"] for s in SENTENCES} >= {"ru", "en"}
    records = {}
    for f in (data_dir() / "claims").glob("*.yaml"):
        for r in yaml.safe_load(f.read_text(encoding="utf-8"))["records"]:
            records[r["id"]] = r
    shared = shared_data_dir()
    for s in SENTENCES:
        assert s["text"] in records[s["source"]["claim"]]["statement"], s["text"]
        csv = shared / s["source"].get("shared_file", "-")
        if (
            csv.name == "label_and_promo_claims.csv" and csv.exists()
        ):  # the regulators' CSV summarises;
            assert s["text"] in csv.read_text(encoding="utf-8")  # its records quote the page itself


@pytest.mark.parametrize("item", SENTENCES, ids=lambda s: s["text"][:40])
def test_each_sentence_is_read_as_expected(item: dict, names: NameIndex) -> None:
    r = read_claim(item["text"], names)
    e = item["expected"]
    got = {
        "substances": list(r.substances),
        "indications": list(r.indications),
        "outcomes": list(r.outcomes),
        "direction": r.direction,
        "mechanisms": list(r.mechanisms),
    }
    assert got == e
    parts = {u["part"] for u in r.unrecognised}
    assert ("product" in parts) == (not e["substances"])  # says so when it found none
    assert ("indication" in parts) == (not e["indications"])
    assert ("direction" in parts) == (e["direction"] is None)


def test_the_issue_examples(names: NameIndex) -> None:
    r = read_claim("Эргоферон сокращает длительность ОРВИ", names)
    assert (r.substances, r.indications, r.outcomes, r.effects, r.direction) == (
        ("ergoferon",),
        ("arvi",),
        ("duration",),
        ("reduces",),
        "benefit",
    )
    r = read_claim("Arbidol treats COVID-19", names)
    assert (r.substances, r.indications, r.purpose, r.direction) == (
        ("umifenovir",),
        ("covid19",),
        "treatment",
        "benefit",
    )


def test_an_unknown_name_is_reported_not_guessed(names: NameIndex) -> None:
    r = read_claim("Allokin-alfa cures COVID-19", names)
    assert r.substances == ()
    assert any(u["part"] == "name" and u["text"] == "Allokin-alfa" for u in r.unrecognised)


def test_a_mechanism_is_no_direction(names: NameIndex) -> None:
    r = read_claim("Kagocel induces interferon", names)
    assert r.mechanisms == ("interferon_induction",) and r.direction is None and not r.clinical


def test_empty_and_too_long_text_are_input_errors() -> None:
    with pytest.raises(InputError, match="empty"):
        check_text("   ")
    with pytest.raises(InputError, match="at most"):
        check_text("x" * (MAX_CHARS + 1))


def test_the_vocabulary_is_reviewed_data() -> None:
    v = load_vocabulary()
    assert v.review.extracted_by and v.review.next_review > v.review.date_reviewed
    for want in ("ОРВИ", "ARVI", "acute respiratory viral infection", "грипп", "influenza"):
        assert v.find(want), want
    for mech in ("induces interferon", "индуктор интерферона"):
        assert [h.concept for h in v.find(mech)] == ["interferon_induction"], mech
    assert [h.concept for h in v.find("обладает интерферон-индуцирующей активностью")] == [
        "interferon_induction"
    ]
    with pytest.raises(InputError, match="indications"):
        parse_vocabulary("review: {}\n")

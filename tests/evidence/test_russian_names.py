"""A substance can be found and named in a claim by its Russian name (issue 18: users ask in Russian).

The pages already showed the reviewed Russian names (``locale/ru/substances.yaml``); search found
«Гидроксихлорохин» only as a fuzzy transliteration (0.63) and the claim reader not at all, so «Гидроксихлорохин
снижает смертность при COVID-19» was "not testable".  The names table now holds each Russian name that is
not already among the substance's names.
"""

from __future__ import annotations

from immunograde.evidence.claim_check import check_claim
from immunograde.kb.queries import KnowledgeBase
from immunograde.kb.tables import russian_names


def test_every_russian_name_is_searchable(kb: KnowledgeBase) -> None:
    russian = russian_names()
    entries = {(e.name, e.substance_id) for e in kb.name_entries()}
    ids = {s.id for s in kb.list_substances()}
    missing = [(sid, name) for sid, name in russian.items() if sid in ids and not any(
        n.casefold() == name.casefold() and s == sid for n, s in entries)]  # fmt: skip
    assert len(russian) > 200 and not missing, missing[:5]
    hit = kb.search("гидроксихлорохин", limit=1)[0]
    assert (hit.entity_id, hit.match) == ("hydroxychloroquine", "exact")


def test_a_russian_claim_names_its_substance_by_its_russian_name(kb: KnowledgeBase) -> None:
    """The field's answer (WHO: hydroxychloroquine does not reduce COVID-19 mortality) reaches a claim
    written in Russian; the same claim in English is assessed the same way."""
    ru = check_claim(kb, "Гидроксихлорохин снижает смертность при COVID-19")
    en = check_claim(kb, "Hydroxychloroquine reduces mortality in COVID-19")
    assert ru["recognised"]["substance"] == ["hydroxychloroquine"]
    assert ru["assessment"]["category"] == en["assessment"]["category"] == "contradicted"

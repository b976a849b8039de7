"""The query API over a built knowledge base (seeded catalogue + a BCG question read from dat.bcg.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from immunograde import settings
from immunograde.errors import NotFoundError
from immunograde.kb.queries import KnowledgeBase, NoDatabaseError, open_kb


@pytest.fixture(scope="module")
def kb(catalogue_db: Path) -> KnowledgeBase:
    base = KnowledgeBase(catalogue_db)
    yield base  # type: ignore[misc]
    base.close()


def _atc_row(code: str) -> dict[str, str]:
    with (settings.shared_data_dir() / "atc/atc_immunomodulator_extract.csv").open(
        encoding="utf-8"
    ) as fh:
        return next(r for r in csv.DictReader(fh) if r["atc_code"] == code)


def test_get_substance_and_class(kb: KnowledgeBase) -> None:
    toci = kb.get_substance("tocilizumab")
    assert (toci.name, toci.atc_codes, toci.classes) == ("tocilizumab", ("L04AC07",), ("l04ac",))
    cls = kb.get_class("l04ac")
    assert (cls.name, cls.parent) == (_atc_row("L04AC")["atc_name"], "l04a")


def test_unknown_ids_raise_with_suggestions(kb: KnowledgeBase) -> None:
    with pytest.raises(NotFoundError) as err:
        kb.get_substance("tocilizumb")
    assert "tocilizumab" in err.value.suggestions
    with pytest.raises(NotFoundError) as err:
        kb.get_substance("Кагоцел")  # a name, not an id: the suggestion is the id
    assert err.value.suggestions[0] == "kagocel"
    with pytest.raises(NotFoundError) as err:
        kb.get_question("bcg-tbc")
    assert err.value.suggestions[0] == "bcg-tb"


def test_class_members_include_subclasses(kb: KnowledgeBase) -> None:
    direct = {s.id for s in kb.class_members("l04ac")}
    assert {"tocilizumab", "sarilumab", "basiliximab"} <= direct
    whole = {s.id for s in kb.list_substances("l04")}
    assert direct < whole and "baricitinib" in whole
    assert {s.id for s in kb.class_members("interferon-inducers")} >= {"kagocel", "tilorone"}


def test_products_are_distinct_by_form(kb: KnowledgeBase) -> None:
    forms = {p.id: (p.route, p.dose_form) for p in kb.products_for("interferon-alfa-2b")}
    assert forms["viferon-suppositories"] == ("rectal", "суппозитории (suppositories)")
    assert forms["alpharona-injection"][0] == "parenteral"
    assert forms["alpharona-nasal-drops"][0] == "intranasal"
    assert "ema-introna" in forms


def test_regulatory_status_with_explicit_unknowns(kb: KnowledgeBase) -> None:
    rows = {(r.agency, r.product_name): r for r in kb.regulatory_for("interferon-alfa-2b")}
    assert rows[("EMA", "IntronA")].status == "authorised"
    assert rows[("EMA", "Viraferon")].status == "withdrawn"
    assert rows[("FDA", None)].status == "unknown" and rows[("FDA", None)].date is None
    kagocel = {(r.agency, r.status) for r in kb.regulatory_for("kagocel")}
    assert kagocel == {("EMA", "unknown"), ("FDA", "unknown"), ("Minzdrav (ГРЛС)", "unknown")}


def test_hand_sourced_status_replaces_the_scripts_unknown(kb: KnowledgeBase) -> None:
    """data/regulatory/hand-ingavirin.yaml: the Russian registration read from the Vidal card (with its
    quote) replaces the seed's substance-level "unknown"; FDA and EMA stay unknown (nothing was found)."""
    rows = kb.regulatory_for("pentanedioic-acid-imidazolyl-ethanamide")
    ru = [r for r in rows if r.country == "RU"]
    assert [(r.status, r.product, str(r.date)) for r in ru] == [
        ("authorised", "ingavirin-capsules-60mg", "2024-06-14")
    ]
    assert "ЛП-(005765)-(РГ-RU) от 14.06.24" in (ru[0].source.quote or "")
    assert {(r.agency, r.status) for r in rows if r.country != "RU"} == {
        ("EMA", "unknown"),
        ("FDA", "unknown"),
    }


def test_claims_for_substance_include_product_claims(kb: KnowledgeBase) -> None:
    claims = {c.id: c for c in kb.claims_for("interferon-alfa-2b")}
    assert {"rsp-viferon", "rsp-alpharona", "rsp-genferon"} <= set(claims)
    assert claims["rsp-viferon"].claimant_kind == "satirical_wiki"
    assert [c.claimant_kind for c in kb.claims_for("prednisolone")] == ["professional_body"]


def test_questions_trials_and_outcome_data(
    kb: KnowledgeBase, bcg_source_rows: list[dict[str, str]]
) -> None:
    assert [q.id for q in kb.questions_for("bcg-vaccine")] == ["bcg-tb"]
    assert [q.id for q in kb.all_questions()] == ["bcg-tb"]
    assert kb.get_question("bcg-tb").outcome.measure == "RR"
    trials = kb.trials_for_question("bcg-tb")
    assert [t.trial.label for t in trials] == [
        f"{r['author']} {r['year']}" for r in bcg_source_rows
    ]
    assert trials[0].rob is not None and trials[0].rob.overall == "some_concerns"
    assert trials[1].rob is None
    rows = kb.outcome_data("bcg-tb")
    for row, src in zip(rows, bcg_source_rows, strict=True):
        flat = row.metafor()
        n1 = int(src["tpos"]) + int(src["tneg"])
        n2 = int(src["cpos"]) + int(src["cneg"])
        assert flat == {"trial_id": row.trial_id, "label": f"{src['author']} {src['year']}",
                        "year": int(src["year"]), "subgroup": None, "ai": float(src["tpos"]),
                        "n1i": float(n1), "ci": float(src["cpos"]), "n2i": float(n2)}  # fmt: skip
        assert row.form == "binary"


def test_names_map_to_substances(kb: KnowledgeBase) -> None:
    names = kb.all_names()
    assert names["Кагоцел"] == ("kagocel",)
    assert names["Arbidol"] == ("umifenovir",)
    assert names["Виферон"] == ("interferon-alfa-2b",)  # a product brand names its substance
    hits = kb.substances_by_name("Виферон")
    assert hits[0].entity_id == "interferon-alfa-2b" and hits[0].match == "exact"
    assert kb.search("Кагоцел")[0].entity_id == "kagocel"


def test_build_info(kb: KnowledgeBase) -> None:
    info = kb.build_info()
    assert info is not None and len(str(info["data_version"])) == 64
    assert info["counts"]["questions"] == 1  # type: ignore[index]


def test_missing_database(tmp_path: Path) -> None:
    with (
        pytest.raises(NoDatabaseError, match="immunograde kb build"),
        open_kb(tmp_path / "x.duckdb"),
    ):
        pass


def test_listings(kb: KnowledgeBase) -> None:
    assert len(kb.list_products()) == len({p.id for p in kb.list_products()}) > 200
    assert [t.id for t in kb.list_trials()] == ["bcg-1", "bcg-2", "bcg-3"]
    kinds = {c.claimant_kind for c in kb.list_claims()}
    # the unproven-drug lists (seeded) and the products' own published claims (claims/hand-published.yaml)
    assert {"satirical_wiki", "professional_body", "activist", "label", "advertisement"} <= kinds


def test_every_sampled_name_finds_its_entity_exactly(kb: KnowledgeBase) -> None:
    from immunograde.kb.search import transliterate

    entries = kb.name_entries()
    sample = entries[:: max(1, len(entries) // 60)]
    for e in sample:
        hits = kb.search(e.name, limit=50)
        exact = {(h.entity_kind, h.entity_id) for h in hits if h.score == 1.0}
        assert (e.entity_kind, e.entity_id) in exact, e.name
        if any("а" <= ch <= "я" for ch in e.name.lower()):  # its BGN transliteration finds it too
            latin = transliterate(e.name.lower(), "bgn")
            found = {(h.entity_kind, h.entity_id) for h in kb.search(latin, limit=50)}
            assert (e.entity_kind, e.entity_id) in found, (e.name, latin)


def test_evidence_index(kb: KnowledgeBase) -> None:
    assert kb.evidence_index() == {"bcg-vaccine": ("bcg-tb",)}

"""Names as printed -> catalogue substances and classes, with the knowledge base's own name search; every
figure is either mapped or listed among the unmapped names with its volume (nothing dropped)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from immunograde.kb.queries import KnowledgeBase
from immunograde.market import store
from immunograde.market.names import NameMapper, read_catalogue, strip_salts
from immunograde.market.query import MAPPED, _key, mappings, unmapped_names


@pytest.fixture()
def mapper(kb: KnowledgeBase) -> NameMapper:
    return NameMapper(read_catalogue(kb.con))


@pytest.mark.parametrize(
    ("name", "generic", "code", "match", "substances", "class_id"),
    [
        ("Actemra*", "Tocilizumab", None, "brand", ("tocilizumab",), None),  # CMS Part D, Medicaid
        ("Humira Pen", "Adalimumab", None, "generic", ("adalimumab",), None),
        ("Кагоцел", None, None, "brand", ("kagocel",), None),  # market points
        ("Ингавирин", None, None, "brand", ("pentanedioic-acid-imidazolyl-ethanamide",), None),
        ("Арбидол", None, None, "brand", ("umifenovir",), None),
        ("Intron A", "Interferon Alfa-2b,recomb.", "J9214", "brand", ("interferon-alfa-2b",), None),
        ("Solu-Medrol", "Methylprednisolone Sod Succ", None, "brand", ("methylprednisolone",), None),
        ("Methylprednisolone Acetate", "Methylprednisolone Acetate", None, "generic without salt", ("methylprednisolone",), None),
        ("Acetasol HC", "Hydrocortisone/Acetic Acid", None, "ingredients", ("hydrocortisone",), None),
        ("IMMUNOSUPPRESSIVE AGENTS", None, "L04", "class", (), "l04"),  # PBS
        ("COUGH AND COLD PREPARATIONS", None, "R05", "unmapped", (), None),  # no catalogue class
        ("antivirals (segment)", None, None, "segment", (), None),
        ("Abilify", "Aripiprazole", None, "unmapped", (), None),
    ],
)  # fmt: skip
def test_examples(mapper: NameMapper, name: str, generic: str | None, code: str | None, match: str,
                  substances: tuple[str, ...], class_id: str | None) -> None:  # fmt: skip
    m = mapper.map(name, generic, code)
    assert (m.match, m.substance_ids, m.class_id) == (match, substances, class_id)


def test_brand_of_several_products_takes_the_route_they_share(mapper: NameMapper) -> None:
    ingavirin = mapper.map("Ингавирин")  # names the substance; four catalogue products, all oral
    assert (ingavirin.product_id, ingavirin.product_route) == (None, "oral")
    assert "ingavirin-syrup" in (ingavirin.note or "")
    cycloferon = mapper.map("Циклоферон")  # tablets and injection: no route is inferred
    assert cycloferon.substance_ids and cycloferon.product_route is None


def test_combination_says_what_is_not_in_the_catalogue(mapper: NameMapper) -> None:
    m = mapper.map("Acetasol HC", "Hydrocortisone/Acetic Acid")
    assert m.note == "also contains Acetic Acid (not in the catalogue)"


def test_salt_words() -> None:
    assert strip_salts("Methylprednisolone Sod Succ") == "Methylprednisolone"
    assert strip_salts("Interferon Alfa-2b,recomb.") == "Interferon Alfa-2b"
    assert strip_salts("Hydroxychloroquine Sulfate") == "Hydroxychloroquine"


def test_mapped_names_are_exact_hits_of_the_name_search(kb: KnowledgeBase) -> None:
    """A brand or generic mapped here is an exact hit of KnowledgeBase.substances_by_name for the same
    substance (the search the web and CLI use): no second, looser matcher."""
    rows = kb.con.execute(
        f"SELECT name, generic_name, match, substance_ids FROM {store.NAMES} WHERE match IN "
        "('brand', 'generic', 'generic without salt') ORDER BY name, generic_name"
    ).fetchall()
    assert len(rows) > 100
    for name, generic, match, subs in rows[::7]:  # every 7th: the search is slow in pure Python
        text = {
            "brand": name.rstrip("*"),
            "generic": generic,
            "generic without salt": strip_salts(generic),
        }[match]
        hit = kb.substances_by_name(text, limit=3)[0]
        assert (hit.match, hit.entity_id) == ("exact", subs[0]), (name, generic)


def test_nothing_is_dropped(kb: KnowledgeBase) -> None:
    """Per dataset and metric: mapped figures + the unmapped list's volumes = every figure imported."""
    maps, remapped = mappings(kb)
    assert not remapped  # mapped at import against this very catalogue
    everything: dict[tuple[str, str], float] = defaultdict(float)
    mapped: dict[tuple[str, str], float] = defaultdict(float)
    for ds, name, generic, code, metric, unit, value in kb.con.execute(
        f"SELECT dataset, name, generic_name, code, metric, unit, value FROM {store.FIGURES}"
    ).fetchall():
        everything[(ds, f"{metric} ({unit})")] += value
        if maps[_key(ds, name, generic, code)].match in MAPPED:
            mapped[(ds, f"{metric} ({unit})")] += value
    listed: dict[tuple[str, str], float] = defaultdict(float)
    for row in unmapped_names(kb):
        for label, value in row["volumes"].items():
            listed[(row["dataset"], label)] += value
    for key, total in everything.items():
        assert mapped[key] + listed[key] == pytest.approx(total, rel=1e-12), key
    assert any(r["name"] == "COUGH AND COLD PREPARATIONS" for r in unmapped_names(kb, "au_pbs"))

"""Page data about the catalogue (names, classes, counts): knowledge-base queries shaped for templates."""

from __future__ import annotations

from typing import Any

from immunograde.errors import NotFoundError
from immunograde.kb.queries import KnowledgeBase


def booster_ids(kb: KnowledgeBase) -> set[str]:
    """Substances that someone's list of unproven products names (they carry claims)."""
    return kb.claimed_substance_ids()


def home_data(kb: KnowledgeBase) -> dict[str, Any]:
    from immunograde.web.history import recent_changes

    counts = {
        "substances": kb.count("substances"),
        "products": kb.count("products"),
        "questions": kb.count("questions"),
        "trials": kb.count("trials"),
        "boosters": len(booster_ids(kb)),
    }
    return {"counts": counts, "build": kb.build_info(), "changes": recent_changes(kb, 10)}


def _display_names(kb: KnowledgeBase) -> dict[tuple[str, str], str]:
    names: dict[tuple[str, str], str] = {}
    for e in kb.name_entries():
        if e.name_kind == "name" or (e.entity_kind == "product" and e.name_kind == "brand"):
            names.setdefault((e.entity_kind, e.entity_id), e.name)
    return names


def search_results(kb: KnowledgeBase, query: str, limit: int) -> list[dict[str, Any]]:
    """Search hits with a link and a display name; products link to their substance."""
    names = _display_names(kb)
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for hit in kb.search(query, limit=limit):
        key = (hit.entity_kind, hit.entity_id)
        if key in seen:
            continue
        seen.add(key)
        if hit.entity_kind == "class":
            href = f"/classes/{hit.entity_id}"
        elif hit.entity_kind == "product":
            href = f"/substances/{hit.substance_id}#products"
        else:
            href = f"/substances/{hit.entity_id}"
        out.append(
            {
                "kind": hit.entity_kind,
                "id": hit.entity_id,
                "name": names.get(key, hit.matched_name),
                "matched": hit.matched_name,
                "match": hit.match,
                "score": round(hit.score, 4),
                "href": href,
                "substance_id": None
                if hit.entity_kind == "class"
                else hit.substance_id or hit.entity_id,
                "form": _product_form(kb, hit.entity_id) if hit.entity_kind == "product" else None,
            }
        )
    return out


def _product_form(kb: KnowledgeBase, product_id: str) -> str | None:
    """The product's dose form ("rectal suppositories"): what tells a brand's products apart (Виферон
    gel, ointment, suppositories)."""
    try:
        return kb.get_product(product_id).dose_form
    except NotFoundError:
        return None


def exact_page(results: list[dict[str, Any]]) -> str | None:
    """The one page every exact hit leads to (a substance typed exactly, its brand's products, a class),
    or None when no hit is exact or exact hits lead to different pages."""
    pages = {r["href"].partition("#")[0] for r in results if r["match"] == "exact"}
    if len(pages) != 1:
        return None
    page = pages.pop()
    return next(r["href"] for r in results if r["match"] == "exact" and r["href"].startswith(page))


def classes_data(kb: KnowledgeBase) -> dict[str, Any]:
    members = kb.class_member_counts()
    classes = [
        {
            "id": c.id,
            "name": c.name,
            "atc_code": c.atc_code,
            "parent": c.parent,
            "members": members.get(c.id, 0),
        }
        for c in kb.list_classes()
    ]
    classes.sort(key=lambda c: (c["atc_code"] is None, c["atc_code"] or "", c["name"]))
    return {"classes": classes}


def best_verdict(substance_page: dict[str, Any]) -> dict[str, Any]:
    """The substance's best verdict across its evidence cards (rules.yaml's order), with the certainty of
    the question that decided it: what a search hit shows beside the name."""
    from immunograde.evidence.rules import load_rules

    rules = load_rules().verdicts
    cards = substance_page.get("evidence") or []
    if not cards:
        key = "no_controlled_evidence"
        return {"verdict": key, "verdict_label": rules.labels[key], "certainty": None,
                "indication": None, "form": None, "cards": 0}  # fmt: skip
    order = list(rules.order)
    best = min(
        cards, key=lambda c: order.index(c["verdict"]) if c["verdict"] in order else len(order)
    )
    certainty = next((q["certainty"] for q in best.get("questions", [])
                      if q["question_id"] == best.get("deciding_question_id")), None)  # fmt: skip
    return {"verdict": best["verdict"], "verdict_label": best["verdict_label"], "certainty": certainty,
            "indication": best["indication"], "form": best["form"], "cards": len(cards)}  # fmt: skip

"""Products, EMA regulatory status, claims and explicit-unknown status rows for the catalogue seed."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import catalogue_spec as spec
from catalogue_sources import ema_status, read_csv, review, slug, src

if TYPE_CHECKING:
    from seed_catalogue import Catalogue

INN_COL = "International non-proprietary name (INN) / common name"
EMA_NO_FORM = "not stated in the EMA EPAR table"
RSP_CLAIMANT = (
    "Encyclopedia Pathologica (encyclopatia.ru), satirical wiki list «Расстрельный список "
    "препаратов», as compiled by the fuflomycin project"
)
FK_CLAIMANT = (
    "Formulary Committee of the Russian Academy of Medical Sciences (ФК РАМН), negative list"
)
HOMEO_CLAIMANT = "fuflomycin project, list of homeopathic and 'release-active' products"

SOURCES: list[dict[str, Any]] = [
    {"id": "who-atc-ddd-2026", "kind": "dataset", "licence": "CC BY-NC-SA 4.0 (atcd repo); © WHOCC, "
     "non-commercial use with attribution",
     "citation": "WHO Collaborating Centre for Drug Statistics Methodology, ATC/DDD Index 2026 "
     "(scraped snapshot 2026-04-25, fabkury/atcd commit 1e92aec7)",
     "source": {"file": "atc/README.md"}, **review(True)},
    {"id": "ema-epar-2022-11-17", "kind": "dataset", "licence": "© European Medicines Agency",
     "citation": "European Medicines Agency, Medicines output: European public assessment reports "
     "(generated 2022-11-17)", "source": {"file": "regulatory/README.md"}, **review(True)},
    {"id": "fuflomycin-lists", "kind": "list", "licence": "MIT (repository)",
     "citation": "fuflomycin/fuflomycin (GitHub) commit d935be54: lists of drugs with unproven "
     "efficacy (Encyclopedia Pathologica list, ФК РАМН negative list, homeopathy list)",
     "source": {"file": "unproven_lists/README.md"}, **review(True)},
]  # fmt: skip


def strip_html(text: str) -> str:
    """A list entry's ``contents`` (HTML) as its text: tags removed, entities decoded (the source's
    ``&quot;`` is a quotation mark), white space collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text or ""))).strip()


def _key_substances(cat: Catalogue, key: str) -> list[str]:
    out = []
    for entry in spec.LIST_SUBSTANCES:
        if entry["key"] != key:
            continue
        if entry.get("atc"):
            out += [k for k, v in cat.substances.items() if entry["atc"] in v.get("atc_codes", [])]
        else:
            out.append(str(entry["id"]))
    return out


def add_list_products(cat: Catalogue) -> None:
    for p in spec.LIST_PRODUCTS:
        row, _ = cat.s.flat_row(str(p["key"]), "rsp")
        cat.products["lists"].append({
            "id": p["id"], "brand": p["brand"], "substances": list(p["substances"]),
            "synonyms": [n for n in cat.s.rsp[p["key"]]["other"] if n.isascii()],
            "dose_form": p["dose_form"], "route": p["route"],
            **({"strength": p["strength"]} if p.get("strength") else {}),
            "notes": f"Form, route and composition as the source text says: «{p['quote']}».",
            "source": src(spec.RSP_JSON, None, ref="fuflomycin-lists", key=p["key"],
                          locator=f"{spec.FLAT} row {row}"),
            **review(False),
        })  # fmt: skip


def _ema_match(cat: Catalogue, rec: dict[str, str]) -> str | None:
    inn, active, atc = (
        rec[INN_COL].strip().lower(),
        rec["Active substance"].strip().lower(),
        rec["ATC code"],
    )
    for sid, sub in cat.substances.items():
        if not sub.get("atc_codes"):
            continue
        names = {sub["name"].lower(), *(n.lower() for n in sub["synonyms"] if n.isascii())}
        if inn in names or active in names:
            return sid
    for sid, sub in cat.substances.items():
        if atc in sub.get("atc_codes", []):
            return sid
    return None


#: a route word in the EMA INN/common name ("influenza vaccine (live attenuated, nasal)")
_INN_ROUTES = (("nasal", "intranasal"), ("oral", "oral"))


def _ema_product(sid: str, rec: dict[str, str], row: int, status: str) -> dict[str, Any]:
    pid = "ema-" + slug(rec["Medicine name"].split(" (previously")[0])
    atc = (
        rec["ATC code"] if re.fullmatch(r"[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}", rec["ATC code"]) else None
    )
    route = next(
        (r for word, r in _INN_ROUTES if re.search(rf"\b{word}\b", rec[INN_COL])), "unknown"
    )
    return {
        "id": pid, "brand": rec["Medicine name"], "substances": [sid], "dose_form": EMA_NO_FORM,
        "route": route, "markets": ["EU"] if status == "authorised" else [],
        **({"atc_code": atc} if atc else {}),
        "notes": f"EMA product number {rec['Product number']}; marketing authorisation holder "
        f"{rec['Marketing authorisation holder/company name']}; INN {rec[INN_COL]}."
        + (" Route from the INN/common name." if route != "unknown" else ""),
        "source": src(spec.EMA_FULL, row, ref="ema-epar-2022-11-17", url=rec["URL"] or None),
        **review(True),
    }  # fmt: skip


CMS_BRANDS = "prescribing/us_cms_drug_spending/partd_brandlvl.csv"
US_BRAND_NOTE = (
    "US brand names: Medicare Part D spending by brand (prescribing/us_cms_drug_spending/"
    "partd_brandlvl.csv), where the generic name is this substance's."
)


def add_us_brands(cat: Catalogue) -> None:
    """US brand names of ATC substances (Plaquenil, Actemra) from the CMS Part D spending file: a brand
    whose generic name, with salt and ester words dropped, is the substance's WHO ATC name.  A brand
    printed with a pack or pen suffix ("Humira Pen") is kept only as its shorter name ("Humira"); a name
    that starts with the substance's own is a generic, not a brand."""
    from immunograde.market.names import strip_salts

    by_name = {r["name"].casefold(): sid for sid, r in cat.substances.items() if r.get("atc_codes")}
    found: dict[str, set[str]] = {}
    for rec in read_csv(cat.s.shared / CMS_BRANDS):
        brand = rec["Brand Name"].rstrip("*").strip()
        generics = {
            rec["Generic Name"].strip().casefold(),
            strip_salts(rec["Generic Name"]).casefold(),
        }
        sid = next((by_name[g] for g in generics if g in by_name), None)
        # a generic sold under its own name ("Prednisolone Sodium Phosphate") is not a brand
        if sid and not brand.casefold().startswith(cat.substances[sid]["name"].casefold()):
            found.setdefault(sid, set()).add(brand)
    for sid, brands in sorted(found.items()):
        sub = cat.substances[sid]
        names = sub.setdefault("brand_names", [])
        before = len(names)
        for brand in sorted(brands, key=lambda b: (len(b), b)):
            known = [n.casefold() for n in names]
            if brand.casefold() in known or any(
                brand.casefold().startswith(k + " ") for k in known
            ):
                continue
            names.append(brand)
        if len(names) > before:
            sub["notes"] = "\n".join(filter(None, [sub.get("notes"), US_BRAND_NOTE]))


def add_ema(cat: Catalogue) -> None:
    cat.ema_matched = set()
    for row, rec in enumerate(cat.s.ema, 1):
        sid = _ema_match(cat, rec)
        if sid is None:
            continue
        cat.ema_matched.add(sid)
        status = ema_status(rec["Authorisation status"])
        product = None
        if status != "refused":
            prod = _ema_product(sid, rec, row, status)
            cat.products["ema"].append(prod)
            product = prod["id"]
            sub = cat.substances[sid]
            brands = sub.setdefault("brand_names", [])
            brand = rec["Medicine name"].split(" (previously")[0]
            if brand not in brands:
                brands.append(brand)
            note = "brand_names: EMA medicine names (products/ema.yaml, source rows there)."
            if note not in (sub.get("notes") or ""):
                sub["notes"] = "\n".join(filter(None, [sub.get("notes"), note]))
        date_col = "Date of refusal of marketing authorisation" if status == "refused" else (
            "Marketing authorisation date")  # fmt: skip
        cat.regulatory.append({
            "substance": sid, "product": product, "product_name": rec["Medicine name"],
            "agency": "EMA", "country": "EU", "status": status, "date": rec[date_col][:10] or None,
            "note": f"date = {date_col.lower()}",
            "source_file": spec.EMA_FULL, "source_row": row, "source_ref": "ema-epar-2022-11-17",
            **review(True),
        })  # fmt: skip


def _unknown(sid: str, agency: str, country: str, note: str) -> dict[str, Any]:
    return {
        "substance": sid, "product": None, "product_name": None, "agency": agency,
        "country": country, "status": "unknown", "date": None, "note": note,
        "source_file": "regulatory/README.md", "source_row": None, "source_ref": None,
        **review(True),
    }  # fmt: skip


def add_unknown_status(cat: Catalogue) -> None:
    listed = {s for recs in cat.claims.values() for c in recs for s in c["substances"]}
    listed |= {s for p in cat.products["lists"] for s in p["substances"]}
    for sid in sorted(cat.substances):
        if sid not in cat.ema_matched:
            cat.regulatory.append(_unknown(sid, "EMA", "EU", "not in the EMA list of centrally "
                "authorised medicines (2022-11-17); national authorisations are not covered"))  # fmt: skip
        cat.regulatory.append(_unknown(sid, "FDA", "US", "FDA data (Drugs@FDA, Orange Book, "
            "Purple Book) are not available offline"))  # fmt: skip
        if sid in listed:
            cat.regulatory.append(_unknown(sid, "Minzdrav (ГРЛС)", "RU", "Russian State Register "
                "(ГРЛС) data are not available offline"))  # fmt: skip


def _claim(
    cid: str,
    subject: str,
    claimant: str,
    kind: str,
    statement: str,
    label: str,
    subs: list[str],
    prods: list[str],
    source: dict[str, Any],
    claim_kind: str,
) -> dict[str, Any]:
    return {
        "id": cid, "substances": subs, "products": prods, "subject_name": subject,
        "claimant": claimant, "claimant_kind": kind, "statement": statement, "language": "ru",
        "claim_kind": claim_kind, "label": label, "source": source, **review(True),
    }  # fmt: skip


def add_claims(cat: Catalogue) -> None:
    keys = list(dict.fromkeys([str(e["key"]) for e in spec.LIST_SUBSTANCES]
                              + [str(p["key"]) for p in spec.LIST_PRODUCTS]))  # fmt: skip
    # the statement is the entry's whole text from the list's JSON (the flat CSV keeps only its first 600
    # characters, cut mid-word): a claim is quoted whole
    for key in keys:
        _, rec = cat.s.flat_row(key, "rsp")
        prods = [str(p["id"]) for p in spec.LIST_PRODUCTS if p["key"] == key]
        source = {
            "ref": "fuflomycin-lists",
            "url": rec["source"],
            "file": spec.RSP_JSON,
            "key": key,
        }
        cat.claims["rsp"].append(_claim(f"rsp-{slug(key)}", rec["title_ru"], RSP_CLAIMANT,
            "satirical_wiki", strip_html(cat.s.rsp[key]["contents"]), rec["label"],
            _key_substances(cat, key), prods, source, "unproven"))  # fmt: skip
    for key, sid in spec.FK_SUBSTANCES.items():
        _, rec = cat.s.flat_row(key, "fk")
        source = {"ref": "fuflomycin-lists", "url": rec["source"], "file": spec.FK_JSON, "key": key}
        cat.claims["fk"].append(_claim(f"fk-{slug(key)}", rec["title_ru"], FK_CLAIMANT,
            "professional_body", strip_html(cat.s.fk[key]["contents"]), rec["label"], [sid], [],
            source, "not_recommended"))  # fmt: skip
    _homeopathy(cat)


def _homeopathy(cat: Catalogue) -> None:
    for rec in cat.s.homeo:
        text = strip_html(rec.get("contents") or "")
        if not (
            re.search(spec.HOMEO_PATTERN, rec["title"] + " " + text) or rec["id"] in spec.HOMEO_ALSO
        ):
            continue
        sid = cat.homeopathy_substance(rec["id"], rec)
        pid = f"{sid}-product"
        source = {"ref": "fuflomycin-lists", "file": spec.HOMEO_JSON, "key": rec["id"]}
        markets = ["BY"] if "rceth.by" in (rec.get("source") or "") else []
        cat.products["lists"].append({
            "id": pid, "brand": rec["title"], "substances": [sid], "dose_form": "not stated in the source",
            "route": "unknown", "markets": markets,
            "notes": "markets: BY because the source cites the Belarus register (rceth.by)" if markets
            else None, "source": source, **review(False),
        })  # fmt: skip
        cat.claims["homeopathy"].append(_claim(f"homeopathy-{sid}", rec["title"], HOMEO_CLAIMANT,
            "activist", text, rec["label"], [sid], [pid], source, "homeopathic"))  # fmt: skip


REG_COLUMNS = [
    "substance", "product", "product_name", "agency", "country", "status", "date", "note",
    "source_file", "source_row", "source_ref", "extracted_by", "checked_by", "date_reviewed",
    "next_review", "verified",
]  # fmt: skip


def write_regulatory(rows: list[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=REG_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            out = {k: ("" if r.get(k) is None else r[k]) for k in REG_COLUMNS}
            out["verified"] = "true" if r["verified"] else "false"
            writer.writerow(out)

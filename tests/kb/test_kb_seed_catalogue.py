"""The seeded catalogue agrees with its shared sources: each test re-reads the cited file and row.

Also: the seed script is deterministic (re-running it reproduces the committed files byte for byte).
"""

from __future__ import annotations

import csv
import filecmp
import html
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from immunograde.kb.loader import LoadedKB, load_kb
from immunograde.kb.search import normalise

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
SEEDED = ["classes.yaml", "sources/catalogue.yaml", "regulatory/status.csv", "products", "claims",
          "substances"]  # fmt: skip


def _csv(rel: str) -> list[dict[str, str]]:
    with (SHARED / rel).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def kb() -> LoadedKB:
    loaded = load_kb(REPO / "data")
    assert loaded.problems == []
    return loaded


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict[str, str]]]:
    files = ["atc/atc_immunomodulator_extract.csv", "atc/who_atc_ddd_2026-04-25.csv",
             "regulatory/ema_epar_human_2022-11-17_no_indication_text.csv",
             "unproven_lists/fuflomycin_rsp_fk_flat.csv"]  # fmt: skip
    return {f: _csv(f) for f in files}


def _by_id(kb: LoadedKB, kind: str) -> dict[str, Any]:
    return {loc.record.id: loc.record for loc in kb.of(kind)}


def test_seed_script_reproduces_the_committed_files(tmp_path: Path) -> None:
    script = REPO / "tools" / "seed_catalogue.py"
    subprocess.run([sys.executable, str(script), "--shared", str(SHARED), "--out", str(tmp_path)],
                   check=True, capture_output=True)  # fmt: skip
    for rel in SEEDED:
        ours, fresh = REPO / "data" / rel, tmp_path / rel
        if ours.is_dir():
            cmp = filecmp.dircmp(ours, fresh)
            hand = [
                f for f in cmp.left_only if f.startswith("hand-")
            ]  # curators' files, not seeded
            assert (cmp.left_only, cmp.right_only, cmp.diff_files) == (hand, [], []), rel
        else:
            assert ours.read_bytes() == fresh.read_bytes(), rel


def test_atc_substances_match_their_cited_row(kb: LoadedKB, rows: dict[str, Any]) -> None:
    checked = 0
    for loc in kb.of("substances"):
        s, src = loc.record, loc.record.source
        if not s.atc_codes:
            continue
        row = rows[src.file][src.row - 1]
        assert row["atc_code"] == s.atc_codes[0], s.id
        assert row["atc_name"] in (s.name, *s.synonyms), s.id
        checked += 1
    assert checked > 170


def test_every_l03_l04_substance_is_seeded(kb: LoadedKB, rows: dict[str, Any]) -> None:
    codes = {c for loc in kb.of("substances") for c in loc.record.atc_codes}
    extract = rows["atc/atc_immunomodulator_extract.csv"]
    wanted = {r["atc_code"] for r in extract if r["atc_level"] == "5"
              and r["atc_code"][:3] in ("L03", "L04") and not r["atc_name"].endswith("combinations")}  # fmt: skip
    assert len(wanted) == 167  # 169 unique level-5 L03/L04 codes less L03AB60 and L03AB61
    assert wanted - codes == set()


@pytest.mark.parametrize(
    ("sid", "code"),
    [("bcg-vaccine", "J07AN01"), ("hydroxychloroquine", "P01BA02"), ("tocilizumab", "L04AC07"),
     ("sarilumab", "L04AC14"), ("baricitinib", "L04AF02"), ("dexamethasone", "H02AB02"),
     ("hydrocortisone", "H02AB09"), ("methylprednisolone", "H02AB04"), ("prednisolone", "H02AB06"),
     ("zinc", "A12CB01"), ("basiliximab", "L04AC02"), ("daclizumab", "L04AC01"),
     ("rituximab", "L01FA01"), ("herpes-zoster-vaccine", "J07BK03"), ("rsv-vaccine", "J07BX05"),
     ("ritlecitinib", "L04AF08"), ("deuruxolitinib", "L04AF09"), ("interferon-alfa-2b", "L03AB05"),
     ("umifenovir", "J05AX13"), ("tilorone", "J05AX19"), ("inosine-pranobex", "J05AX05"),
     ("pidotimod", "L03AX05")],
)  # fmt: skip
def test_required_substances_and_codes(kb: LoadedKB, sid: str, code: str) -> None:
    assert code in _by_id(kb, "substances")[sid].atc_codes


@pytest.mark.parametrize(
    ("sid", "name"),
    [("kagocel", "Кагоцел"), ("ergoferon", "Эргоферон"), ("anaferon", "Анаферон"),
     ("meglumine-acridonacetate", "Циклоферон"), ("azoximer-bromide", "Полиоксидоний"),
     ("pentanedioic-acid-imidazolyl-ethanamide", "Ингавирин"), ("tilorone", "Амиксин"),
     ("umifenovir", "Arbidol"), ("inosine-pranobex", "Isoprinosine"), ("om-85", "Broncho-Vaxom"),
     ("om-89", "Uro-Vaxom"), ("irs-19", "IRS 19"), ("glucosaminylmuramyl-dipeptide", "Likopid"),
     ("sodium-deoxyribonucleate", "Derinat"), ("oscillokokcinum", "Оциллококцинум"),
     ("riamilovir", "Триазавирин"), ("riamilovir", "Triazavirine")],
)  # fmt: skip
def test_listed_immune_boosters_are_seeded_with_their_names(
    kb: LoadedKB, sid: str, name: str
) -> None:
    assert name in _by_id(kb, "substances")[sid].all_names()


def test_atc_links_of_list_entries_are_by_name_or_by_a_quoted_source(
    kb: LoadedKB, rows: dict[str, Any]
) -> None:
    """A list entry joins an ATC substance by its names (the spec's reviewed choice), or, where its names
    cannot (Triazavirine = riamilovir), through ``same_as``: a source whose quote names the entry's product;
    the substance then says so in its notes and is not verified (an editorial link)."""
    import yaml

    spec = yaml.safe_load((REPO / "data" / "specs" / "catalogue.yaml").read_text(encoding="utf-8"))
    flat = {
        r["id"]: r for r in rows["unproven_lists/fuflomycin_rsp_fk_flat.csv"] if r["list"] == "rsp"
    }
    subs = {loc.record.id: loc.record for loc in kb.of("substances")}
    by_code = {c: s for s in subs.values() for c in s.atc_codes}
    linked = 0
    for entry in spec["list_substances"]:
        if not entry.get("atc"):
            continue
        r, sub = flat[entry["key"]], by_code[entry["atc"]]
        names = {
            r["title_ru"],
            r["inn"],
            *(n.strip() for n in r["other_names"].split(";") if n.strip()),
        }
        by_name = any(normalise(n) == normalise(sub.name) for n in names)
        if "same_as" in entry:
            assert not by_name, entry["key"]  # only where the names cannot link it
            quote = entry["same_as"]["quote"].casefold()
            assert any(n.casefold() in quote for n in names), entry["key"]
            assert entry["same_as"]["url"] in (sub.notes or "") and sub.verified is False
            linked += 1
    assert linked >= 1 and "triazavirine" not in subs


def _entry_names(source: Any, rows: dict[str, Any], homeo: dict[str, Any]) -> set[str]:
    if source.file.endswith("flat.csv"):
        r = rows[source.file][source.row - 1]
        return {r["title_ru"], r["inn"], *(n.strip() for n in r["other_names"].split(";"))}
    e = homeo[source.key]
    return {e["title"], *e["other"]}


def test_list_substance_names_come_from_their_entry(kb: LoadedKB, rows: dict[str, Any]) -> None:
    homeo = {
        e["id"]: e
        for e in json.loads((SHARED / "unproven_lists/fuflomycin_homeopathy.json").read_text())
    }
    checked = 0
    for loc in kb.of("substances"):
        s = loc.record
        if s.atc_codes:
            continue
        names = _entry_names(s.source, rows, homeo)
        assert set(s.synonyms) <= names, s.id
        assert any(normalise(s.name) in normalise(n) for n in names), s.id
        checked += 1
    assert checked > 50


def test_ema_status_rows_match_the_ema_table(kb: LoadedKB, rows: dict[str, Any]) -> None:
    ema = rows["regulatory/ema_epar_human_2022-11-17_no_indication_text.csv"]
    status = {"Authorised": "authorised", "Withdrawn": "withdrawn", "Refused": "refused"}
    seen = 0
    for loc in kb.of("regulatory"):
        r = loc.record
        if not r.extracted_by.startswith("script:"):
            continue  # hand-sourced rows (regulatory/hand-*.yaml) carry their own quote, checked by kb check
        if r.agency != "EMA" or r.status == "unknown":
            assert r.date is None and r.source.row is None
            continue
        row = ema[r.source.row - 1]
        assert (r.product_name, r.status) == (
            row["Medicine name"],
            status[row["Authorisation status"]],
        )
        column = (
            "Date of refusal of marketing authorisation"
            if r.status == "refused"
            else "Marketing authorisation date"
        )
        assert (r.date.isoformat() if r.date else "") == row[column][:10]
        seen += 1
    assert seen > 100


def test_claims_quote_their_list_whole_and_say_who_claims(
    kb: LoadedKB, rows: dict[str, Any]
) -> None:
    """Each seeded claim quotes its list entry's whole text (the flat CSV's 600-character summary is cut
    mid-word, so the statement comes from the list's JSON); names and label come from the flat row."""
    flat = {(r["list"], r["id"]): r for r in rows["unproven_lists/fuflomycin_rsp_fk_flat.csv"]}
    lists = {
        name: {e["id"]: e for e in json.loads((SHARED / f"unproven_lists/{file}").read_text())}
        for name, file in (
            ("rsp", "fuflomycin_rsp.json"),
            ("fk", "fuflomycin_fk.json"),
            ("homeopathy", "fuflomycin_homeopathy.json"),
        )
    }
    kinds = {"rsp": "satirical_wiki", "fk": "professional_body", "homeopathy": "activist"}
    seeded = [
        loc.record for loc in kb.of("claims") if loc.record.extracted_by.startswith("script:")
    ]
    cut = 0
    for c in seeded:
        name = c.id.split("-", 1)[0]
        e = lists[name][c.source.key]
        # the entry's HTML as text: tags out, entities decoded (the list writes a quote as &quot;)
        text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", e["contents"]))).strip()
        assert c.statement == text and c.claimant_kind == kinds[name]
        assert not re.search(r"&(?:[a-z]+|#\d+);", c.statement), c.id
        if name != "homeopathy":
            row = flat[(name, c.source.key)]
            assert (c.subject_name, c.label) == (row["title_ru"], row["label"])
            cut += len(row["summary_ru"]) < len(text)
    assert cut > 0  # entries the flat CSV had cut are now whole
    assert {c.claimant_kind for c in seeded} == {"satirical_wiki", "professional_body", "activist"}


def test_list_products_take_their_form_from_the_source_text(kb: LoadedKB) -> None:
    rsp = {
        e["id"]: e for e in json.loads((SHARED / "unproven_lists/fuflomycin_rsp.json").read_text())
    }
    products = _by_id(kb, "products")
    for p in products.values():
        if p.source.file != "unproven_lists/fuflomycin_rsp.json":
            continue
        quote = re.search("«(.+)»", p.notes or "")
        entry = rsp[p.source.key]
        assert quote and quote.group(1) in entry["contents"] + " ".join(entry["other"]), p.id
    viferon, intron = products["viferon-suppositories"], products["ema-introna"]
    assert viferon.substances == intron.substances == ("interferon-alfa-2b",)
    assert (viferon.route, intron.route) == ("rectal", "unknown")


def test_ema_products_take_route_only_from_the_inn_text(kb: LoadedKB, rows: dict[str, Any]) -> None:
    ema = rows["regulatory/ema_epar_human_2022-11-17_no_indication_text.csv"]
    routes = {}
    for loc in kb.of("products"):
        p = loc.record
        if p.source.ref != "ema-epar-2022-11-17":
            continue
        row = ema[p.source.row - 1]
        assert p.brand == row["Medicine name"]
        assert p.dose_form == "not stated in the EMA EPAR table"
        inn = row["International non-proprietary name (INN) / common name"]
        expected = (
            "intranasal"
            if re.search(r"\bnasal\b", inn)
            else "oral"
            if re.search(r"\boral\b", inn)
            else "unknown"
        )
        assert p.route == expected, p.id
        routes[p.id] = p.route
    assert routes["ema-fluenz-tetra"] == "intranasal" and routes["ema-dukoral"] == "oral"
    assert routes["ema-introna"] == "unknown"


def test_release_active_class_follows_the_source_producer_and_text(kb: LoadedKB) -> None:
    homeo = {
        e["id"]: e
        for e in json.loads((SHARED / "unproven_lists/fuflomycin_homeopathy.json").read_text())
    }
    release_active = set()
    for loc in kb.of("substances"):
        s = loc.record
        if s.source.file != "unproven_lists/fuflomycin_homeopathy.json":
            continue
        e = homeo[s.source.key]
        by_source = "Материа Медика" in (e["producer"] or "") and "антител" in e["contents"].lower()
        assert ("release-active-antibodies" in s.classes) == by_source, s.id
        assert "homeopathic-products" in s.classes
        if by_source:
            release_active.add(s.id)
    assert release_active == {"anaferon", "ergoferon", "tenoten"}


def test_list_product_synonyms_are_the_entrys_latin_names(kb: LoadedKB) -> None:
    rsp = {
        e["id"]: e for e in json.loads((SHARED / "unproven_lists/fuflomycin_rsp.json").read_text())
    }
    products = _by_id(kb, "products")
    for p in products.values():
        if p.source.file == "unproven_lists/fuflomycin_rsp.json":
            assert set(p.synonyms) <= set(rsp[p.source.key]["other"]), p.id
    assert products["viferon-suppositories"].synonyms == ("Viferon",)


def test_brand_names_are_ema_or_us_medicine_names_of_the_substance(kb: LoadedKB) -> None:
    """Every EMA medicine name of the substance; the others are US brands of the CMS Part D file whose
    generic name (salt words dropped) is the substance's name."""
    from immunograde.market.names import strip_salts

    with (SHARED / "prescribing/us_cms_drug_spending/partd_brandlvl.csv").open(newline="") as f:
        us = {(r["Brand Name"].rstrip("*").strip(), g.casefold()) for r in csv.DictReader(f)
              for g in (r["Generic Name"].strip(), strip_salts(r["Generic Name"]))}  # fmt: skip
    ema_brands: dict[str, set[str]] = {}
    for loc in kb.of("products"):
        p = loc.record
        if p.source.ref == "ema-epar-2022-11-17":
            ema_brands.setdefault(p.substances[0], set()).add(p.brand.split(" (previously")[0])
    subs = _by_id(kb, "substances")
    for sid, s in subs.items():
        ema = ema_brands.get(sid, set())
        assert ema <= set(s.brand_names), sid
        for brand in set(s.brand_names) - ema:
            assert (brand, s.name.casefold()) in us, (sid, brand)
    assert "RoActemra" in subs["tocilizumab"].brand_names
    assert "Actemra" in subs["tocilizumab"].brand_names
    assert subs["hydroxychloroquine"].brand_names == ("Plaquenil",)

"""Seed the catalogue (classes, substances, products, regulatory status, claims, sources) from shared data.

Deterministic: reads ``../shared/data`` (ATC, EMA, unproven lists) and the reviewed choices in
``data/specs/catalogue.yaml`` (read by ``tools/catalogue_spec.py``), and writes YAML/CSV under ``data/``.
Every record names its source file and row (or JSON key).  Run: ``.venv/bin/python tools/seed_catalogue.py [--shared DIR] [--out DIR]``;
``--check`` compares the generated files with the committed ones (exit 1 and a list if they differ).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalogue_spec as spec
from catalogue_sources import (
    SCRIPT,
    Sources,
    review,
    slug,
    src,
)

ROOT = Path(__file__).resolve().parents[1]


class Catalogue:
    """Collects records, then writes them."""

    def __init__(self, s: Sources) -> None:
        self.s = s
        self.classes: dict[str, dict[str, Any]] = {}
        self.substances: dict[str, dict[str, Any]] = {}
        self.products: dict[str, list[dict[str, Any]]] = {"ema": [], "lists": []}
        self.regulatory: list[dict[str, Any]] = []
        self.claims: dict[str, list[dict[str, Any]]] = {"rsp": [], "fk": [], "homeopathy": []}
        self.ema_matched: set[str] = set()

    # ---------------------------------------------------------------- classes
    def atc_class(self, code: str) -> str:
        """Add the ATC group ``code`` and its ancestors; return its id."""
        cid = code.lower()
        if cid in self.classes:
            return cid
        file, row, rec = self.s.atc_row(code)
        parent = self.atc_class(code[: {3: 1, 4: 3, 5: 4}[len(code)]]) if len(code) > 1 else None
        self.classes[cid] = {
            "id": cid, "name": rec["atc_name"], "kind": "atc", "atc_code": code,
            **({"parent": parent} if parent else {}), "source": src(file, row, ref="who-atc-ddd-2026"),
            **review(True),
        }  # fmt: skip
        return cid

    def no_atc_classes(self) -> None:
        for cid, (name, description, file) in spec.NO_ATC_CLASSES.items():
            self.classes[cid] = {
                "id": cid, "name": name, "kind": "no_atc", "description": description,
                "source": {"file": file}, **review(False),
            }  # fmt: skip

    # ---------------------------------------------------------------- substances
    def atc_substance(self, sid: str, name: str, codes: tuple[str, ...]) -> None:
        file, row, _ = self.s.atc_row(codes[0])
        synonyms = [self.s.atc_row(c)[2]["atc_name"] for c in codes]
        self.substances[sid] = {
            "id": sid, "name": name,  # the WHO ATC name: an INN where one exists (inn left unset)
            "synonyms": sorted({n for n in synonyms if n != name}),
            "atc_codes": list(codes), "classes": list(dict.fromkeys(self.atc_class(c[:5]) for c in codes)),
            "source": src(file, row, ref="who-atc-ddd-2026"), **review(True),
        }  # fmt: skip

    def seed_atc(self) -> None:
        merged = {c for _, codes in spec.ATC_MERGED.values() for c in codes}
        codes = [c for c in self.s.atc_level5(spec.ATC_ALL_OF) if c not in merged]
        for code in [*codes, *spec.ATC_EXTRA]:
            name = self.s.atc_row(code)[2]["atc_name"]
            if name.endswith(", combinations") or code in merged:
                continue
            self.atc_substance(slug(name), name, (code,))
        for sid, (name, group) in spec.ATC_MERGED.items():
            self.atc_substance(sid, name, group)

    def list_substance(self, entry: dict[str, Any]) -> None:
        row, rec = self.s.flat_row(str(entry["key"]))
        names = self.s.flat_names(rec)
        if "names" in entry:
            names = [n for n in names if n in entry["names"]]
        if entry.get("atc"):
            sid = next(k for k, v in self.substances.items() if entry["atc"] in v["atc_codes"])
            sub = self.substances[sid]
            extra = [n for n in names if n.casefold() not in {sub["name"].casefold()}]
            sub["synonyms"] = sorted(set(sub["synonyms"]) | set(extra))
            sub["classes"] = list(dict.fromkeys([*sub["classes"], *entry.get("extra_classes", ())]))
            note = (
                f"Names from {spec.FLAT} row {row} ('{rec['title_ru']}'), matched by INN/ATC name."
            )
            if entry.get(
                "same_as"
            ):  # the ATC name is not among the entry's names: a quoted source links them
                same = entry["same_as"]
                note = (
                    f"Names from {spec.FLAT} row {row} ('{rec['title_ru']}'), linked to this ATC substance "
                    f'by a quoted source ({same["url"]}): "{" ".join(same["quote"].split())}".'
                )
                sub["verified"] = False  # an editorial link (data/README.md, review fields)
            sub["notes"] = "\n".join(filter(None, [sub.get("notes"), note]))
            return
        sid = str(entry["id"])
        self.substances[sid] = {
            "id": sid, "name": entry["name"], "synonyms": sorted(set(names) - {entry["name"]}),
            "classes": list(entry["classes"]),
            "notes": "No WHO ATC code; class assigned by ImmunoGrade editors (tools/catalogue_spec.py). "
            "Composition as named by the source list only.",
            "source": src(spec.FLAT, row, ref="fuflomycin-lists"), **review(False),
        }  # fmt: skip

    def homeopathy_substance(self, key: str, rec: dict[str, Any]) -> str:
        sid = slug(key)
        classes = ["homeopathic-products"]
        producer, text = rec.get("producer") or "", rec.get("contents") or ""
        if re.search(spec.RELEASE_ACTIVE_PRODUCER, producer) and re.search(
            spec.RELEASE_ACTIVE_TEXT, text
        ):
            classes.insert(0, "release-active-antibodies")
        names = list(dict.fromkeys([rec["title"], *(rec.get("other") or [])]))
        latin = [n for n in names if n.isascii()]
        name = latin[0] if latin else rec["title"]
        self.substances[sid] = {
            "id": sid, "name": name, "synonyms": sorted(set(names) - {name}), "classes": classes,
            "notes": "Named after the product: the source does not name an active substance."
            + (f" Producer (source): {rec['producer']}." if rec.get("producer") else ""),
            "source": {"ref": "fuflomycin-lists", "file": spec.HOMEO_JSON, "key": key},
            **review(False),
        }  # fmt: skip
        return sid


def build(shared: Path) -> Catalogue:
    from catalogue_records import (
        add_claims,
        add_ema,
        add_list_products,
        add_unknown_status,
        add_us_brands,
    )

    cat = Catalogue(Sources(shared))
    cat.no_atc_classes()
    cat.seed_atc()
    for entry in spec.LIST_SUBSTANCES:
        cat.list_substance(entry)
    add_list_products(cat)
    add_ema(cat)
    add_us_brands(cat)
    add_claims(cat)
    add_unknown_status(cat)
    return cat


_SUBSTANCE_KEYS = (
    "id", "name", "inn", "synonyms", "brand_names", "atc_codes", "classes", "mechanism", "notes",
    "cautions", "source", "extracted_by", "checked_by", "date_reviewed", "next_review", "verified",
)  # fmt: skip


def _dump(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(f"# generated by {SCRIPT[7:]}; edit the script or its spec, not this file\n" + text,
                    encoding="utf-8")  # fmt: skip


def write(cat: Catalogue, out: Path) -> dict[str, int]:
    from catalogue_records import SOURCES, write_regulatory

    _dump(out / "classes.yaml", {"records": sorted(cat.classes.values(), key=lambda r: r["id"])})
    _dump(out / "sources" / "catalogue.yaml", {"records": SOURCES})
    sub_dir = out / "substances"
    for old in sub_dir.glob("*.yaml"):
        old.unlink()
    for sid, rec in sorted(cat.substances.items()):
        ordered = {k: rec[k] for k in _SUBSTANCE_KEYS if rec.get(k) not in (None, [], "")}
        _dump(sub_dir / f"{sid}.yaml", ordered)
    for name, recs in cat.products.items():
        _dump(out / "products" / f"{name}.yaml", {"records": recs})
    for name, recs in cat.claims.items():
        _dump(out / "claims" / f"{name}.yaml", {"records": recs})
    write_regulatory(cat.regulatory, out / "regulatory" / "status.csv")
    counts = {"classes": len(cat.classes), "substances": len(cat.substances)}
    counts |= {"products": sum(map(len, cat.products.values())), "regulatory": len(cat.regulatory)}
    counts["claims"] = sum(map(len, cat.claims.values()))
    return counts


#: what the seed writes under data/ (files and folders)
SEEDED = ("classes.yaml", "sources/catalogue.yaml", "regulatory/status.csv", "products", "claims",
          "substances")  # fmt: skip


def differences(fresh: Path, committed: Path) -> list[str]:
    """Paths (relative to data/) whose freshly generated bytes differ from the committed ones."""
    out = []
    for rel in SEEDED:
        new, old = fresh / rel, committed / rel
        # the seed owns substances/ whole; in products/ and claims/ it writes its files beside hand-curated ones
        owned = [*old.glob("*")] if rel == "substances" else []
        names = sorted({p.name for p in [*new.glob("*"), *owned]}) if new.is_dir() else [""]
        for name in names:
            if name.startswith("hand-") and not (new / name).exists():
                continue  # a curator's hand-curated file (data/README.md), never seeded
            a, b = (new / name, old / name) if name else (new, old)
            if not (a.is_file() and b.is_file() and a.read_bytes() == b.read_bytes()):
                out.append(f"{rel}/{name}" if name else rel)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "data")
    parser.add_argument(
        "--check", action="store_true", help="compare with --out instead of writing"
    )
    args = parser.parse_args()
    if not args.check:
        print(write(build(args.shared), args.out))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        write(build(args.shared), Path(tmp))
        diff = differences(Path(tmp), args.out)
    for rel in diff:
        print(f"differs: data/{rel}")
    return 1 if diff else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Readers for the shared files the catalogue seed uses, and small record helpers.

Row numbers are 1-based data rows (the header is row 0), as ``csv.DictReader`` counts them, so a test
can re-read ``rows[row - 1]`` and compare.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import catalogue_spec as spec

SCRIPT = "script:tools/seed_catalogue.py"
DATE_REVIEWED = "2026-11-24"
NEXT_REVIEW = "2027-11-24"
_HOMOGLYPHS = str.maketrans("АВЕКМНОРСТХаеорсух", "ABEKMHOPCTXaeopcyx")


def slug(text: str) -> str:
    """Lower-case id: runs of anything but letters/digits become one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def fold_homoglyphs(text: str) -> str:
    """Cyrillic letters that look Latin -> Latin, in a word that mixes both scripts."""
    words = []
    for word in text.split(" "):
        mixed = re.search("[A-Za-z]", word) and re.search("[А-Яа-яЁё]", word)
        words.append(word.translate(_HOMOGLYPHS) if mixed else word)
    return " ".join(words)


def src(file: str, row: int | None = None, **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {k: v for k, v in kw.items() if v is not None}
    out["file"] = file
    if row is not None:
        out["row"] = row
    return out


def review(verified: bool) -> dict[str, Any]:
    return {
        "extracted_by": SCRIPT,
        "checked_by": None,
        "date_reviewed": DATE_REVIEWED,
        "next_review": NEXT_REVIEW,
        "verified": verified,
    }


def ema_status(text: str) -> str:
    """EMA 'Authorisation status' -> our status vocabulary (unknown for anything unexpected)."""
    return {"Authorised": "authorised", "Withdrawn": "withdrawn", "Refused": "refused"}.get(
        text.strip(), "unknown"
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


class Sources:
    """The shared files, read once."""

    def __init__(self, shared: Path) -> None:
        self.shared = shared
        self.atc: dict[str, tuple[str, int, dict[str, str]]] = {}
        for file in (spec.ATC_FULL, spec.ATC_EXTRACT):  # the extract wins where it has the code
            seen: set[str] = set()
            for i, rec in enumerate(read_csv(shared / file), 1):
                if rec["atc_code"] not in seen:
                    seen.add(rec["atc_code"])
                    self.atc[rec["atc_code"]] = (file, i, rec)
        self.flat = read_csv(shared / spec.FLAT)
        self.rsp = {e["id"]: e for e in json.loads((shared / spec.RSP_JSON).read_text("utf-8"))}
        self.fk = {e["id"]: e for e in json.loads((shared / spec.FK_JSON).read_text("utf-8"))}
        self.homeo = json.loads((shared / spec.HOMEO_JSON).read_text("utf-8"))
        self.ema = read_csv(shared / spec.EMA_FULL)

    def atc_row(self, code: str) -> tuple[str, int, dict[str, str]]:
        return self.atc[code]

    def atc_level5(self, prefixes: tuple[str, ...]) -> list[str]:
        rows = read_csv(self.shared / spec.ATC_EXTRACT)
        codes = [
            r["atc_code"]
            for r in rows
            if r["atc_level"] == "5" and r["atc_code"].startswith(prefixes)
        ]
        return list(dict.fromkeys(codes))

    def flat_row(self, key: str, list_name: str | None = None) -> tuple[int, dict[str, str]]:
        for i, rec in enumerate(self.flat, 1):
            if rec["id"] == key and (list_name is None or rec["list"] == list_name):
                return i, rec
        raise KeyError(f"{spec.FLAT}: no entry {key!r}")

    @staticmethod
    def flat_names(rec: dict[str, str]) -> list[str]:
        """Title, INN and other names of a flat-list entry, each once, in source order."""
        names = [rec["title_ru"], rec["inn"], *rec["other_names"].split(";")]
        return list(dict.fromkeys(n.strip() for n in names if n and n.strip()))

"""Country names as registries write them -> ISO 3166-1 alpha-2 codes.

ClinicalTrials.gov and AACT give country *names* (``"United States"``, ``"Korea, Republic of"``,
``"Turkey"``).  Names are matched after folding case, accents and punctuation against the ISO
3166-1 names (:mod:`._iso3166`) plus the older or shorter names registries still use (``ALIASES``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from immunograde.ingest._iso3166 import ISO_3166_1

#: names used by ClinicalTrials.gov (current or historical) that are not ISO 3166-1 names
ALIASES: dict[str, str] = {
    "Turkey": "TR",
    "Macedonia, The Former Yugoslav Republic of": "MK",
    "Libyan Arab Jamahiriya": "LY",
    "Palestinian Territory, occupied": "PS",
    "Palestinian Territories": "PS",
    "Macau": "MO",
    "Swaziland": "SZ",
    "Cape Verde": "CV",
    "Virgin Islands (U.S.)": "VI",
    "Russia": "RU",
    "Kosovo": "XK",
    "Burma": "MM",
    "Great Britain": "GB",
    "Iran": "IR",
    "Syria": "SY",
    "Laos": "LA",
    "Moldova": "MD",
}


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in ISO_3166_1.splitlines():
        code, *names = line.split("|")
        for name in names:
            table[_fold(name)] = code
    for name, code in ALIASES.items():
        table[_fold(name)] = code
    return table


@lru_cache(maxsize=4096)
def iso2(name: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country name, or None when the name is unknown."""
    if not name:
        return None
    return _table().get(_fold(name))

"""The editorial part of the catalogue seed, read from the reviewed file ``data/specs/catalogue.yaml``.

Which ATC codes and list entries to take and how to group them are choices, made and reviewed in that
file (validated by :class:`immunograde.kb.model_specs.CatalogueSpec`; an unknown key is an error naming
file, line and key).  Every name, code, date and status that ends up in ``data/`` is read from
``../shared/data`` by ``tools/seed_catalogue.py``, and ``tests/kb/test_kb_seed_catalogue.py`` re-reads the
sources to prove it.  This module exposes the spec under the names the seed uses.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from immunograde.errors import InputError
from immunograde.kb.specs import catalogue_spec

ATC_EXTRACT = "atc/atc_immunomodulator_extract.csv"
ATC_FULL = "atc/who_atc_ddd_2026-04-25.csv"
EMA_FULL = "regulatory/ema_epar_human_2022-11-17_no_indication_text.csv"
FLAT = "unproven_lists/fuflomycin_rsp_fk_flat.csv"
RSP_JSON = "unproven_lists/fuflomycin_rsp.json"
FK_JSON = "unproven_lists/fuflomycin_fk.json"
HOMEO_JSON = "unproven_lists/fuflomycin_homeopathy.json"

DATA = Path(__file__).resolve().parents[1] / "data"
try:
    _SPEC, _RAW = catalogue_spec(DATA)
except InputError as exc:
    sys.exit(f"{exc}\ncatalogue spec: {len(exc.problems)} problem(s)")

ATC_ALL_OF: tuple[str, ...] = _SPEC.atc_all_of
ATC_EXTRA: tuple[str, ...] = _SPEC.atc_extra
ATC_MERGED: dict[str, tuple[str, tuple[str, ...]]] = {
    sid: (m.name, m.codes) for sid, m in _SPEC.atc_merged.items()
}
NO_ATC_CLASSES: dict[str, tuple[str, str, str]] = {
    cid: (c.name, c.description, c.file) for cid, c in _SPEC.no_atc_classes.items()
}
#: list entries and list products as written (plain mappings, keys as in the file)
LIST_SUBSTANCES: list[dict[str, Any]] = _RAW["list_substances"]
LIST_PRODUCTS: list[dict[str, Any]] = _RAW["list_products"]
HOMEO_PATTERN: str = _SPEC.homeo_pattern
HOMEO_ALSO: tuple[str, ...] = _SPEC.homeo_also
RELEASE_ACTIVE_PRODUCER: str = _SPEC.release_active_producer
RELEASE_ACTIVE_TEXT: str = _SPEC.release_active_text
FK_SUBSTANCES: dict[str, str] = _SPEC.fk_substances

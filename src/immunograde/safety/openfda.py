"""openFDA drug-event JSON (``https://api.fda.gov/drug/event.json`` results or bulk download
files) -> the same Parquet tables as FAERS (``demo``, ``drug``, ``reac``).

Mapping: ``safetyreportid`` -> ``primaryid``/``caseid`` (openFDA already keeps one version per
report, ``safetyreportversion`` -> ``caseversion``); ``receivedate`` -> ``fda_dt``;
``patientsex`` 1/2 -> M/F; ``patientonsetage`` with ``patientonsetageunit`` (800 decade, 801 year,
802 month, 803 week, 804 day, 805 hour) -> ``age_years``; ``drugcharacterization`` 1 -> ``S``
(suspect; openFDA has no primary/secondary split), 2 -> ``C``, 3 -> ``I``; ``medicinalproduct`` ->
``drugname``; ``activesubstance.activesubstancename`` (else ``openfda.substance_name``) ->
``prod_ai``; ``reactionmeddrapt`` -> ``pt``.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from immunograde.errors import InputError

_AGE_UNIT = {
    "800": 10.0,
    "801": 1.0,
    "802": 1 / 12,
    "803": 7 / 365.25,
    "804": 1 / 365.25,
    "805": 1 / 8766,
}
_ROLE = {"1": "S", "2": "C", "3": "I"}
_SEX = {"1": "M", "2": "F"}


def _load(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise InputError.one("no such file", file=str(path))
    try:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as z:
                payload = json.loads(z.read(z.namelist()[0]))
        elif path.suffix == ".gz":
            payload = json.loads(gzip.decompress(path.read_bytes()))
        else:
            payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise InputError.one(f"not openFDA drug-event JSON: {exc}", file=str(path)) from exc
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list):
        raise InputError.one("no 'results' list", file=str(path), field="results")
    return results


def _age(patient: dict[str, Any]) -> float | None:
    try:
        return float(patient["patientonsetage"]) * _AGE_UNIT[str(patient["patientonsetageunit"])]
    except (KeyError, TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    return int(digits) if digits else None


def convert(paths: list[Path], out_dir: Path) -> dict[str, int]:
    """Write ``demo/drug/reac_openfda.parquet``; return row counts."""
    demo: dict[str, list[Any]] = {
        k: []
        for k in ("primaryid", "caseid", "caseversion", "fda_dt", "age_years", "sex", "quarter")
    }
    drug: dict[str, list[Any]] = {k: [] for k in ("primaryid", "drugname", "prod_ai", "role_cod")}
    reac: dict[str, list[Any]] = {k: [] for k in ("primaryid", "pt")}
    for path in paths:
        for i, rep in enumerate(_load(path)):
            rid = _int(rep.get("safetyreportid"))
            if rid is None:
                raise InputError.one(
                    "missing safetyreportid", file=str(path), field=f"results[{i}]"
                )
            patient = rep.get("patient") or {}
            for key, value in (("primaryid", rid), ("caseid", rid),
                               ("caseversion", _int(rep.get("safetyreportversion"))),
                               ("fda_dt", _int(rep.get("receivedate"))), ("age_years", _age(patient)),
                               ("sex", _SEX.get(str(patient.get("patientsex")), "U")),
                               ("quarter", "openfda")):  # fmt: skip
                demo[key].append(value)
            for d in patient.get("drug") or []:
                active = (d.get("activesubstance") or {}).get("activesubstancename")
                names = (d.get("openfda") or {}).get("substance_name") or []
                drug["primaryid"].append(rid)
                drug["drugname"].append(d.get("medicinalproduct"))
                drug["prod_ai"].append(active or ("\\".join(names) if names else None))
                drug["role_cod"].append(_ROLE.get(str(d.get("drugcharacterization")), "C"))
            for r in patient.get("reaction") or []:
                reac["primaryid"].append(rid)
                reac["pt"].append(r.get("reactionmeddrapt"))
    out_dir.mkdir(parents=True, exist_ok=True)
    types = {
        "primaryid": pa.int64(),
        "caseid": pa.int64(),
        "caseversion": pa.int64(),
        "fda_dt": pa.int64(),
        "age_years": pa.float64(),
    }
    for name, cols in (("demo", demo), ("drug", drug), ("reac", reac)):
        table = pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in cols.items()})
        tmp = out_dir / f".{name}_openfda.parquet.tmp"
        pq.write_table(table, tmp)
        tmp.replace(out_dir / f"{name}_openfda.parquet")
    return {
        "demo": len(demo["primaryid"]),
        "drug": len(drug["primaryid"]),
        "reac": len(reac["primaryid"]),
    }

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

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from immunograde.archives import open_zip, read_gzip, read_zip_member
from immunograde.errors import InputError, Msg, existing_path
from immunograde.safety.faers import MAX_AGE

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


def _load(path: Path) -> list[Any]:
    if not path.is_file():
        existing_path(path)  # a missing file is not found (exit 4), with similar names
        raise InputError.one(Msg("no such file"), file=str(path))
    label = str(path)
    if path.suffix == ".zip":
        with open_zip(path) as z:
            files = [i for i in z.infolist() if not i.is_dir()]
            if not files:
                raise InputError.one(Msg("empty zip: no openFDA JSON file in it"), file=label)
            label = f"{path}!{files[0].filename}"
            raw = read_zip_member(z, files[0], label)
    elif path.suffix == ".gz":
        raw = read_gzip(path, label)
    else:
        raw = path.read_bytes()
    try:
        payload = json.loads(raw.decode("utf-8-sig"))
    except RecursionError:
        raise InputError.one(
            Msg("JSON nested too deeply: not openFDA drug-event JSON"), file=label
        ) from None
    except ValueError as exc:
        raise InputError.one(
            Msg("not openFDA drug-event JSON: %(reason)s", reason=str(exc)), file=label
        ) from None
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list):
        raise InputError.one(Msg("no 'results' list"), file=label, field="results")
    return results


def _age(patient: dict[str, Any]) -> float | None:
    try:
        age = float(patient["patientonsetage"]) * _AGE_UNIT[str(patient["patientonsetageunit"])]
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return age if 0 <= age <= MAX_AGE else None  # NaN, negative, beyond a human age: unknown


def _int(value: Any, where: str = "", label: str | None = None) -> int | None:
    """Digits of a report id, version or date; over 18 digits is refused when ``where`` is given
    (an id) and None otherwise."""
    digits = "".join(ch for ch in str(value or "") if ch.isascii() and ch.isdigit())
    if len(digits) > 18:
        if where:
            raise InputError.one(
                Msg("a report id must be a whole number below 10^18, got %(value)s", value=repr(str(value)[:40])),
                file=label, field=where,
            )  # fmt: skip
        return None
    return int(digits) if digits else None


def _obj(value: Any, label: str, where: str) -> dict[str, Any]:
    """An object (``{}`` when absent); anything else is refused, naming where it is."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError.one(Msg("expected an object, got %(name)s", name=type(value).__name__), file=label,
                             field=where)  # fmt: skip
    return value


def _objs(value: Any, label: str, where: str) -> list[dict[str, Any]]:
    """A list of objects (``[]`` when absent); anything else is refused."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError.one(
            Msg("expected a list, got %(name)s", name=type(value).__name__), file=label, field=where
        )
    return [_obj(v, label, f"{where}[{i}]") for i, v in enumerate(value)]


def _text(value: Any, label: str, where: str) -> str | None:
    """A name or term: text (or absent); a number, list or object is refused."""
    if value is None or isinstance(value, str):
        return value or None
    raise InputError.one(Msg("expected text, got %(name)s %(value)s", name=type(value).__name__, value=repr(str(value)[:40])),
                         file=label, field=where)  # fmt: skip


def convert(paths: list[Path], out_dir: Path) -> dict[str, int]:
    """Write ``demo/drug/reac_openfda.parquet``; return row counts."""
    demo: dict[str, list[Any]] = {
        k: []
        for k in ("primaryid", "caseid", "caseversion", "fda_dt", "age_years", "sex", "quarter")
    }
    drug: dict[str, list[Any]] = {k: [] for k in ("primaryid", "drugname", "prod_ai", "role_cod")}
    reac: dict[str, list[Any]] = {k: [] for k in ("primaryid", "pt")}
    for path in paths:
        label = str(path)
        for i, item in enumerate(_load(path)):
            rep = _obj(item, label, f"results[{i}]")
            rid = _int(rep.get("safetyreportid"), f"results[{i}].safetyreportid", label)
            if rid is None:
                raise InputError.one(
                    Msg("missing safetyreportid"), file=label, field=f"results[{i}]"
                )
            patient = _obj(rep.get("patient"), label, f"results[{i}].patient")
            for key, value in (("primaryid", rid), ("caseid", rid),
                               ("caseversion", _int(rep.get("safetyreportversion"))),
                               ("fda_dt", _int(rep.get("receivedate"))), ("age_years", _age(patient)),
                               ("sex", _SEX.get(str(patient.get("patientsex")), "U")),
                               ("quarter", "openfda")):  # fmt: skip
                demo[key].append(value)
            at = f"results[{i}].patient"
            for j, d in enumerate(_objs(patient.get("drug"), label, f"{at}.drug")):
                dj = f"{at}.drug[{j}]"
                active = _text(
                    _obj(d.get("activesubstance"), label, f"{dj}.activesubstance").get(
                        "activesubstancename"
                    ),
                    label,
                    f"{dj}.activesubstance",
                )
                names = _obj(d.get("openfda"), label, f"{dj}.openfda").get("substance_name") or []
                if not isinstance(names, list):
                    names = [names]
                names = [
                    n
                    for k, x in enumerate(names)
                    if (n := _text(x, label, f"{dj}.openfda.substance_name[{k}]"))
                ]
                drug["primaryid"].append(rid)
                drug["drugname"].append(
                    _text(d.get("medicinalproduct"), label, f"{dj}.medicinalproduct")
                )
                drug["prod_ai"].append(active or ("\\".join(names) if names else None))
                drug["role_cod"].append(_ROLE.get(str(d.get("drugcharacterization")), "C"))
            for j, r in enumerate(_objs(patient.get("reaction"), label, f"{at}.reaction")):
                reac["primaryid"].append(rid)
                reac["pt"].append(_text(r.get("reactionmeddrapt"), label,
                                        f"{at}.reaction[{j}].reactionmeddrapt"))  # fmt: skip
    if not demo["primaryid"]:
        raise InputError.one(
            Msg("no reports in 'results' (zero reports): nothing to score"),
            file=", ".join(map(str, paths)), field="results",
        )  # fmt: skip
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

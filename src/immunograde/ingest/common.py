"""Value helpers shared by the ClinicalTrials.gov JSON and AACT importers (one mapping, two readers)."""

from __future__ import annotations

import math
import re
from typing import Any

from immunograde.errors import InputError, Msg

_NCT = re.compile(r"^NCT[0-9]{8}$")
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}

#: ClinicalTrials.gov lead sponsor class -> ImmunoGrade ``funding`` vocabulary (data/README.md)
PUBLIC_CLASSES = frozenset({"NIH", "FED", "OTHER_GOV"})


def clean_text(value: Any) -> str | None:
    """Free text with runs of white space (incl. newlines) folded to one space; None when empty."""
    if value is None:
        return None
    if type(value) is not str:
        if isinstance(value, (list, dict)):  # caught by the readers: "unexpected structure"
            raise TypeError(f"expected text, got {type(value).__name__} {short_repr(value)}")
        value = str(value)
    text = " ".join(value.split())
    return text or None


def short_repr(value: Any) -> str:
    """``repr(value)``, cut to 60 characters for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def to_int(
    value: Any, *, where: str, field: str, file: str | None = None, minimum: int | None = None
) -> int | None:
    """An integer count; None when absent; :class:`InputError` naming the record and field if not
    a whole number, outside 64 bits (the database column) or below ``minimum`` (counts and
    enrolment: 0)."""
    if value is None or value == "":
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif not isinstance(value, (bool, list, dict)):
        try:
            number = int(str(value).strip())
        except ValueError:
            try:
                as_float = float(str(value).strip())
            except ValueError:
                as_float = float("nan")
            if as_float.is_integer():
                number = int(as_float)
    if number is None:
        raise InputError.one(
            Msg(
                "%(where)s: expected a whole number, got %(value)s",
                where=where,
                value=short_repr(value),
            ),
            file=file,
            field=field,
        )
    if not -(2**63) <= number < 2**63:
        raise InputError.one(
            Msg("%(where)s: number out of range: %(value)s", where=where, value=short_repr(value)),
            file=file,
            field=field,
        )
    if minimum is not None and number < minimum:
        raise InputError.one(
            Msg("%(where)s: must be at least %(minimum)s (a count or enrolment), got %(value)s", where=where, minimum=minimum, value=short_repr(value)),
            file=file, field=field,
        )  # fmt: skip
    return number


def to_float(value: Any) -> float | None:
    """A number reported as text (``"7.0"``, ``"NA"``, ``"<0.001"`` -> 0.001); None if not a number,
    and None for ``nan``, ``inf`` and numbers beyond a double (``1e400``): never stored as a value
    (the text itself is kept beside it where the registry gives one)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # the common case: a plain number
    except (TypeError, ValueError):
        text = str(value).strip().lstrip("<>=≤≥ ").strip()
        try:
            number = float(text)
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def split_p_value(raw: Any) -> tuple[float | None, str | None]:
    """``"<0.001"`` -> ``(0.001, "<")``; ``"0.0386"`` -> ``(0.0386, None)`` (as AACT splits it)."""
    if raw is None or str(raw).strip() == "":
        return None, None
    text = str(raw)
    modifier = re.sub(r"[\d.\-]", "", text).strip() or None
    return to_float(re.sub(r"[<> =]", "", text)), modifier


def partial_date(value: Any) -> str | None:
    """A registry date as ISO 8601 with the precision given: ``"2015-09"``, ``"2014-08-05"``.

    Accepts ISO (``2015-09``, ``2015-09-30``) and the older ``September 2015`` /
    ``September 30, 2015`` spellings; anything else is kept as written.
    """
    text = clean_text(value)
    if text is None:
        return None
    if re.fullmatch(r"\d{4}(-\d{2}){0,2}", text):
        return text
    m = re.fullmatch(r"([A-Za-z]+)\s+(?:(\d{1,2}),\s*)?(\d{4})", text)
    if m and m.group(1).lower() in _MONTHS:
        month = _MONTHS[m.group(1).lower()]
        day = f"-{int(m.group(2)):02d}" if m.group(2) else ""
        return f"{m.group(3)}-{month:02d}{day}"
    return text


def check_nct(nct_id: Any, *, where: str, file: str | None) -> str:
    if not isinstance(nct_id, str) or not _NCT.match(nct_id):
        raise InputError.one(
            Msg(
                "%(where)s: not a ClinicalTrials.gov id (NCT + 8 digits): %(nct_id)s",
                where=where,
                nct_id=repr(nct_id),
            ),
            file=file,
            field="nct_id",
        )
    return nct_id


def funding(lead_class: str | None, collaborator_classes: list[str]) -> str:
    """Funding in the knowledge-base vocabulary from ClinicalTrials.gov sponsor classes.

    ``INDUSTRY`` lead -> ``industry``; a non-industry lead with an industry collaborator ->
    ``mixed``; an ``NIH``/``FED``/``OTHER_GOV`` lead -> ``public``; anything else (``OTHER``,
    ``NETWORK``, ``INDIV``, ``UNKNOWN``) -> ``unknown``: a university or charity lead does not say
    who paid.
    """
    if lead_class == "INDUSTRY":
        return "industry"
    if "INDUSTRY" in collaborator_classes:
        return "mixed"
    if lead_class in PUBLIC_CLASSES:
        return "public"
    return "unknown"


#: intervention types as arm groups spell them in ``interventionNames`` (``"Drug: Dupilumab"``)
_TYPE_LABELS = frozenset(
    {"Drug", "Biological", "Device", "Procedure", "Radiation", "Behavioral", "Genetic", "Other",
     "Dietary Supplement", "Combination Product", "Diagnostic Test", "Procedure/Surgery"}
)  # fmt: skip


def strip_type_prefix(name: str) -> str:
    """``"Drug: Dupilumab"`` -> ``"Dupilumab"``; names without a known type prefix stay as they are."""
    head, sep, tail = name.partition(": ")
    return tail if sep and head in _TYPE_LABELS else name

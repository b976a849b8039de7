"""ClinicalTrials.gov JSON documents: decoding (orjson when installed) and mapping one document."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from immunograde.errors import InputError, Msg
from immunograde.ingest.ctgov_fields import project
from immunograde.ingest.ctgov_map import nct_id_of, parse_study
from immunograde.ingest.writer import Record

try:  # orjson parses ~2-3x faster when installed; stdlib json otherwise
    import orjson

    _loads: Callable[[bytes], Any] = orjson.loads
    JSON_PARSER = "orjson"
except ImportError:  # pragma: no cover - depends on the environment
    _loads = json.loads
    JSON_PARSER = "json"

#: decode only the keys the mapping reads (msgspec); the benchmark turns it off to compare
PROJECT = True


def _too_deep(label: str) -> InputError:
    return InputError.one(
        Msg("JSON nested too deeply (about 1,000 levels): not a ClinicalTrials.gov record"),
        file=label,
    )


def _decode(data: bytes, label: str) -> Any:
    try:
        return _loads(data)
    except RecursionError:
        raise _too_deep(label) from None
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        msg = getattr(exc, "msg", str(exc))
        raise InputError.one(
            Msg("not valid JSON: %(reason)s", reason=msg), file=label, line=line
        ) from None


def _documents(data: bytes, label: str) -> Iterator[tuple[str, Any]]:
    """The study objects in a file: one study, a page's ``studies`` or a JSON array of studies.

    Decoded with :func:`.ctgov_fields.project` (only the keys the mapping reads) when it accepts
    the document, in full otherwise; the mapping gives the same rows either way.
    """
    try:
        obj = project(data) if PROJECT else None
    except RecursionError:
        raise _too_deep(label) from None
    if obj is None:
        obj = _decode(data, label)
    if isinstance(obj, dict) and isinstance(obj.get("studies"), list):
        obj = obj["studies"]
    if isinstance(obj, list):
        for i, doc in enumerate(obj):
            yield f"{label}#{i}", doc
    else:
        yield label, obj


#: a mapped document: (record label, the record or None when skipped, skip reason or warnings)
Item = tuple[str, Record | None, list[str]]
NOT_A_STUDY = Msg("not a ClinicalTrials.gov study (no protocolSection.identificationModule.nctId)")


def map_document(label: str, doc: Any) -> Item:
    """Map one document to its record (or a skip reason), with warnings about unknown countries."""
    if not isinstance(doc, dict) or nct_id_of(doc) is None:
        return label, None, [NOT_A_STUDY]
    parts = parse_study(doc, label)
    record = parts.record()
    warnings: list[str] = [
        Msg(
            "%(label)s: %(nct)s: unknown country name %(name)s left out",
            label=label,
            nct=parts.nct_id,
            name=repr(n),
        )
        for n in parts.unknown_countries
    ]
    return label, record, warnings

"""Decoding only the keys the mapping reads (:mod:`immunograde.ingest.ctgov_fields`) changes nothing.

The three real API v2 records in ../shared/data/registries are mapped after a projected decode
and after a full decode (orjson); the mapping must give the same items, and on edited records
(values replaced by nulls, lists, numbers, 70-bit integers, invalid UTF-8, …) the same items or
the same error.  The projection must declare every key the mapper reads: the mapper is run on
dicts that record each key it asks for.
"""

from __future__ import annotations

import copy
import json
import typing
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from immunograde import settings as ig_settings
from immunograde.errors import InputError
from immunograde.ingest import ctgov_docs, ctgov_fields
from immunograde.ingest.ctgov_docs import _documents, map_document

REG = ig_settings.shared_data_dir() / "registries"
FIXTURES = (
    "ctgov_v2_NCT02278341_certolizumab_axspa.json",
    "ctgov_v2_NCT02210780_dupilumab_ad.json",
    "ctgov_v2_NCT03630471_no_results.json",
)
DOCS = [json.loads((REG / f).read_text(encoding="utf-8")) for f in FIXTURES]

Path_ = tuple[str, ...]


class _Recorder(dict[str, Any]):
    """A dict that records the path of every key read from it (``[]`` marks a list element)."""

    def __init__(self, data: dict[str, Any], path: Path_, seen: set[Path_]) -> None:
        super().__init__({k: _wrap(v, (*path, k), seen) for k, v in data.items()})
        self._path, self._seen = path, seen

    def get(self, key: str, default: Any = None) -> Any:
        self._seen.add((*self._path, key))
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self._seen.add((*self._path, key))
        return super().__getitem__(key)


def _wrap(value: Any, path: Path_, seen: set[Path_]) -> Any:
    if isinstance(value, dict):
        return _Recorder(value, path, seen)
    if isinstance(value, list):
        return [_wrap(v, (*path, "[]"), seen) for v in value]
    return value


def _mapper_paths() -> set[Path_]:
    seen: set[Path_] = set()
    for doc in DOCS:
        label, record, _ = map_document("x", _wrap(doc, (), seen))
        assert record is not None, label
    return seen


def _declared(path: Path_) -> bool:
    """Whether ``path`` leads through the declared types of :class:`ctgov_fields.Study`."""
    typ: Any = ctgov_fields.Study
    for part in path:
        if typing.is_typeddict(typ):
            hints = typing.get_type_hints(typ, include_extras=True)
            if part not in hints:
                return False
            typ = hints[part]
        elif part == "[]" and typing.get_origin(typ) is list:
            typ = typing.get_args(typ)[0]
        else:
            return False  # the mapper went inside a value declared as a leaf
    return True


def test_the_projection_declares_every_key_the_mapper_reads() -> None:
    paths = _mapper_paths()
    assert len(paths) > 60, "the recorder must see the mapper's reads"
    missing = sorted(p for p in paths if not _declared(p))
    assert missing == []


def test_every_declared_key_is_read_by_the_mapper() -> None:
    """Nothing is decoded for no reader (``studies`` is read by the page reader)."""
    paths = _mapper_paths() | {("studies",)}
    declared: set[Path_] = set()

    def walk(typ: Any, path: Path_) -> None:
        if typing.get_origin(typ) is list and typing.is_typeddict(typing.get_args(typ)[0]):
            walk(typing.get_args(typ)[0], (*path, "[]"))
        elif typing.is_typeddict(typ):
            for key, hint in typing.get_type_hints(typ, include_extras=True).items():
                if (*path, key) not in declared and path.count("[]") < 8:
                    declared.add((*path, key))
                    if key != "studies":
                        walk(hint, (*path, key))

    walk(ctgov_fields.Study, ())
    assert sorted(declared - paths) == []


def _items(data: bytes, project: bool) -> Any:
    """What the reader and mapper make of ``data``: the mapped items (as their ``repr``, so that a
    NaN read from ``"NaN"`` compares equal), or the error text."""
    saved = ctgov_docs.PROJECT
    ctgov_docs.PROJECT = project
    try:
        return repr([map_document(label, doc) for label, doc in _documents(data, "f.json")])
    except InputError as exc:
        return f"InputError: {exc}"
    finally:
        ctgov_docs.PROJECT = saved


@pytest.mark.parametrize("indent", (None, 2))
@pytest.mark.parametrize("i", range(3), ids=FIXTURES)
def test_the_real_records_map_the_same(i: int, indent: int | None) -> None:
    data = json.dumps(DOCS[i], indent=indent).encode()
    projected = ctgov_fields.project(data)
    assert projected is not None
    assert len(orjson.dumps(projected)) < len(data) / 2  # most of the record is skipped
    items = _items(data, True)
    assert items.startswith("[('f.json', Record(key=(")
    assert items == _items(data, False)


def _paths(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*path, k))
    elif isinstance(doc, list):
        for k, v in enumerate(doc[:3]):
            out += _paths(v, (*path, k))
    return out


_PATHS = [(i, p) for i, doc in enumerate(DOCS) for p in _paths(doc)]
_READ = [
    (i, p) for i, p in _PATHS if _declared(tuple("[]" if isinstance(k, int) else k for k in p))
]
_VALUES = (
    None, [], {}, "", " a\u00a0 b\t", "x", 0, -1, 7.5, True, 2**70, -(2**70), [2**70],
    {"k": 2**70}, ["a", None], [{"x": 1}], {"date": "2015"}, "NaN",
)  # fmt: skip
_DELETE = object()


def _edit(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(doc)
    parent = out
    for k in path[:-1]:
        parent = parent[k]
    if value is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    target=st.sampled_from(_READ) | st.sampled_from(_PATHS),
    value=st.sampled_from((*_VALUES, _DELETE)),
)
def test_edited_records_map_the_same_or_fail_the_same(
    target: tuple[int, tuple[Any, ...]], value: Any
) -> None:
    i, path = target
    data = json.dumps(_edit(DOCS[i], path, value)).encode()
    assert _items(data, True) == _items(data, False)


@pytest.mark.parametrize(
    "data",
    (
        b'[{"protocolSection": {"identificationModule": {"nctId": "NCT01234567"}}}]',
        b'{"studies": [{"protocolSection": {"identificationModule": {"nctId": "NCT01234567"}}}]}',
        b'{"studies": [1, 2]}',
        b'{"studies": "none"}',
        b'{"protocolSection": null}',
        b"\xef\xbb\xbf{}",
        b'{"protocolSection": {"identificationModule": {"nctId": "NCT01234567"}}, "x": "\xff"}',
        b'{"protocolSection": {"designModule": {"enrollmentInfo": {"count": 9223372036854775808}}}}',
        b'{"protocolSection": ,}',
        b"",
    ),
    ids=(
        "array",
        "page",
        "page-of-numbers",
        "page-not-a-list",
        "null-section",
        "bom",
        "invalid-utf8-in-a-skipped-key",
        "64-bit-overflow",
        "invalid-json",
        "empty",
    ),
)
def test_documents_the_projection_declines_are_read_in_full(data: bytes) -> None:
    assert _items(data, True) == _items(data, False)


def test_a_page_is_projected_study_by_study() -> None:
    page = orjson.dumps({"studies": DOCS, "nextPageToken": "abc"})
    projected = ctgov_fields.project(page)
    assert projected is not None and len(projected["studies"]) == 3
    assert "nextPageToken" not in projected
    assert _items(page, True) == _items(page, False)


def test_invalid_utf8_anywhere_is_an_error_as_in_a_full_decode(tmp_path: Path) -> None:
    doc = orjson.dumps(DOCS[2]).replace(b'"briefSummary":"', b'"briefSummary":"\xff', 1)
    assert b"\xff" in doc
    assert ctgov_fields.project(doc) is None
    result = _items(doc, True)
    assert result.startswith("InputError: f.json")
    assert "not valid JSON" in result


_OM = ("resultsSection", "outcomeMeasuresModule", "outcomeMeasures", 0)


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    (
        (
            ("protocolSection", "statusModule", "overallStatus"),
            [],
            "overall_status",
            "reg_studies.overall_status: expected text, got []",
        ),
        (
            ("protocolSection", "statusModule", "overallStatus"),
            7,
            "overall_status",
            "reg_studies.overall_status: expected text, got 7",
        ),
        (
            ("protocolSection", "designModule", "enrollmentInfo", "count"),
            2**70,
            "protocolSection.designModule.enrollmentInfo.count",
            "number out of range",
        ),
        (
            ("protocolSection", "contactsLocationsModule", "locations", 0, "country"),
            -1,
            "protocolSection.contactsLocationsModule.locations.country",
            "expected text, got -1",
        ),
        (
            ("protocolSection", "sponsorCollaboratorsModule", "leadSponsor", "class"),
            ["x"],
            "protocolSection.sponsorCollaboratorsModule.leadSponsor.class",
            "expected text, got ['x']",
        ),
        (
            (*_OM, "denoms", 0, "counts", 0, "value"),
            "99999999999999999999",
            "resultsSection.outcomeMeasuresModule.outcomeMeasures[0].denoms.counts",
            "number out of range",
        ),
        (
            (*_OM, "classes", 0, "categories", 0, "measurements", 0, "groupId"),
            {"id": 1},
            "group_code",
            "reg_outcome_measurements.group_code: expected text, got {'id': 1}",
        ),
        (
            ("protocolSection", "identificationModule", "briefTitle"),
            ["a"],
            None,
            "unexpected structure (expected text, got list ['a'])",
        ),
    ),
    ids=lambda v: v[-1] if isinstance(v, tuple) else None,
)
def test_values_of_the_wrong_type_are_named_not_a_traceback(
    tmp_path: Path, path: tuple[Any, ...], value: Any, field: str | None, message: str
) -> None:
    """Found by the edit test above: these used to end in a TypeError or an Arrow error."""
    import duckdb

    from immunograde.ingest import schema
    from immunograde.ingest.ctgov import import_ctgov

    file = tmp_path / "study.json"
    file.write_text(json.dumps(_edit(DOCS[0], path, value)), encoding="utf-8")
    conn = duckdb.connect()
    schema.ensure_schema(conn)
    with pytest.raises(InputError) as err:
        import_ctgov(file, conn)
    problem = err.value.problems[0]
    assert (problem.file, problem.field) == (str(file), field)
    assert message in problem.message
    assert problem.message.startswith("NCT02552212: ")
    assert conn.execute("SELECT count(*) FROM reg_studies").fetchone() == (0,)

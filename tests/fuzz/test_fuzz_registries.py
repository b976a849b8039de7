"""Fuzz ``import ctgov``, ``import pubmed`` and ``import aact`` with mutated real records (issue 19).

Seeds: the ClinicalTrials.gov and PubMed records in ``../shared/data/registries`` and the AACT
flat-file fixture (tests/fixtures/aact, derived from the same studies).  Per input: exit 0 with
nothing impossible stored (no negative enrolment or count, no NaN or infinity, PMIDs that are the
file's ASCII digits, an enrolment equal to the record's when it is a whole number), or exit 3
naming the file with the database unchanged to the byte.  Never a traceback or a hang.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))  # importlib import mode
import fuzzkit as fk

from immunograde import settings
from immunograde.ingest import schema
from immunograde.ingest.aact import import_aact
from immunograde.ingest.ctgov import import_ctgov
from immunograde.ingest.pubmed import import_pubmed

REG = settings.shared_data_dir() / "registries"
STUDIES = [json.loads(p.read_text()) for p in sorted(REG.glob("ctgov_v2_*.json"))]
SYGMA = (REG / "pubmed_29768149_rct_sygma1.xml").read_bytes()
AACT = Path(__file__).resolve().parents[1] / "fixtures" / "aact"
AACT_FILES = {p.name: p.read_bytes() for p in sorted(AACT.glob("*.txt"))}
ENROL = ("protocolSection", "designModule", "enrollmentInfo", "count")


@pytest.fixture(scope="module", autouse=True)
def _save_stats() -> object:
    yield
    fk.save_all()


_DB: list[duckdb.DuckDBPyConnection] = []


def _db() -> duckdb.DuckDBPyConnection:
    """One in-memory knowledge base for the run, with the reg_ tables (refusals are checked against
    a dump taken just before each input)."""
    if not _DB:
        conn = duckdb.connect(config={"threads": fk.THREADS})
        schema.ensure_schema(conn)
        _DB.append(conn)
    return _DB[0]


def _hot(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Paths the importer reads as numbers, ids and lists (mutated more often)."""
    om = ("resultsSection", "outcomeMeasuresModule", "outcomeMeasures", 0)
    return [ENROL, ("protocolSection", "identificationModule", "nctId"), (*om, "denoms", 0, "counts", 0, "value"),
            (*om, "classes", 0, "categories", 0, "measurements", 0, "value"),
            (*om, "analyses", 0, "pValue"), (*om, "analyses", 0, "paramValue"), ("hasResults",),
            ("protocolSection", "conditionsModule", "conditions"),
            ("protocolSection", "statusModule", "startDateStruct", "date"),
            ("protocolSection", "contactsLocationsModule", "locations", 0, "country"),
            ("protocolSection", "armsInterventionsModule", "interventions", 0, "name")]  # fmt: skip


@st.composite
def ctgov_inputs(draw: st.DrawFn) -> tuple[str, bytes, list[Any] | None, str]:
    """(file name, bytes, the study documents when the bytes are undamaged, engine)."""
    docs = []
    for doc in draw(st.lists(st.sampled_from(STUDIES), min_size=1, max_size=3)):
        docs.append(draw(fk.json_mutation(doc, _hot(doc)))[0] if draw(st.booleans()) else doc)
    shape = draw(st.sampled_from(["study", "page", "array", "zip", "zip"]))
    known: list[Any] | None = docs
    if shape == "study":
        members = {"study.json": json.dumps(docs[0]).encode()}
        known = docs[:1]
    elif shape == "page":
        members = {"page.json": json.dumps({"studies": docs, "nextPageToken": "x"}).encode()}
    elif shape == "array":
        members = {"array.json": json.dumps(docs).encode()}
    else:
        members = {f"NCT{i:08d}.json": json.dumps(d).encode() for i, d in enumerate(docs)}
    if draw(st.integers(0, 3)) == 0:
        name = draw(st.sampled_from(sorted(members)))
        members[name] = draw(fk.byte_mutation(members[name]))[0]
        known = None
    engine = "python"
    if shape == "zip":
        data, damage = draw(fk.archive_damage(fk.make_zip(members)))
        known = known if damage == "none" else None
        engine = draw(st.sampled_from(["python", "python", "sql"]))
        return "ctg-studies.json.zip", data, known, engine
    name, data = next(iter(members.items()))
    return name, data, known, engine


@fk.fuzz(bounded=100)
@given(ctgov_inputs())
def test_fuzz_import_ctgov(case: tuple[str, bytes, list[Any] | None, str]) -> None:
    name, data, docs, engine = case
    conn = _db()
    before = fk.dump(conn)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        got = fk.judged("import ctgov", lambda: _ok(import_ctgov(path, conn, engine=engine)))
        if got.code == 3:
            _refusal_left_nothing("import ctgov", got, path, conn, before)
            return
    _nothing_impossible("import ctgov", conn)
    last = {}  # a study twice in one import: the later record is kept (the other reported skipped)
    for doc in docs or []:
        last[repr(_get(doc, ("protocolSection", "identificationModule", "nctId")))] = doc
    for doc in last.values():
        nct, count = (
            _get(doc, ("protocolSection", "identificationModule", "nctId")),
            _get(doc, ENROL),
        )
        if isinstance(nct, str) and type(count) is int:
            row = conn.execute(
                "SELECT enrollment FROM reg_studies WHERE nct_id = ?", [nct]
            ).fetchone()
            if row and row[0] != count:
                raise fk.wrong("import ctgov", f"{nct}: enrolment {count} stored as {row[0]}")


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    try:
        for k in path:
            doc = doc[k]
    except (KeyError, IndexError, TypeError):
        return None
    return doc


def _ok(summary: object) -> fk.Outcome:
    return fk.Outcome(0, "", "", value=summary)


def _refusal_left_nothing(
    target: str, got: fk.Outcome, path: Path, conn: duckdb.DuckDBPyConnection, before: str
) -> None:
    assert fk.names_file(got, path), got.err
    if fk.dump(conn) != before:
        raise fk.wrong(target, "a refused import changed the database")


def _nothing_impossible(target: str, conn: duckdb.DuckDBPyConnection) -> None:
    if bad := fk.non_finite(conn):
        raise fk.wrong(target, f"stored NaN or infinity in {bad}")
    for sql in ("SELECT count(*) FROM reg_studies WHERE enrollment < 0",
                "SELECT count(*) FROM reg_outcome_counts WHERE count < 0",
                "SELECT count(*) FROM reg_studies WHERE NOT regexp_full_match(nct_id, 'NCT[0-9]{8}')"):  # fmt: skip
        n = conn.execute(sql).fetchone()
        if n and n[0]:
            raise fk.wrong(target, f"stored: {sql}")


# -- PubMed ---------------------------------------------------------------------------------------

_PMID_AT = re.compile(rb"<PMID[^>]*>([^<]*)</PMID>")
XML_CHANGES = {
    "pmid": lambda x, v: _PMID_AT.sub(b"<PMID Version=\"1\">" + v + b"</PMID>", x, count=1),
    "namespace": lambda x, v: x.replace(b"<PubmedArticleSet>", b'<PubmedArticleSet xmlns="urn:x">', 1),
    "doctype": lambda x, v: re.sub(rb"<!DOCTYPE[^>]*>", b'<!DOCTYPE PubmedArticleSet SYSTEM "' + v + b'">', x, count=1),
    "entity": lambda x, v: re.sub(rb"<!DOCTYPE[^>]*>", b'<!DOCTYPE PubmedArticleSet [<!ENTITY e "' + v + b'">]>', x, count=1).replace(b"<ArticleTitle>", b"<ArticleTitle>&e;", 1),
    "encoding": lambda x, v: x.replace(b'<?xml version="1.0" ?>', b'<?xml version="1.0" encoding="' + v + b'"?>', 1),
    "twice": lambda x, v: x.replace(b"</PubmedArticleSet>", x[x.find(b"<PubmedArticle>"):x.find(b"</PubmedArticle>") + 16] + b"</PubmedArticleSet>"),
    "delete": lambda x, v: x.replace(b"</PubmedArticleSet>", b"<DeleteCitation><PMID>" + v + b"</PMID></DeleteCitation></PubmedArticleSet>"),
    "xinclude": lambda x, v: x.replace(b"<ArticleTitle>", b'<ArticleTitle><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="' + v + b'"/>', 1),
    "empty": lambda x, v: b'<?xml version="1.0"?>\n<PubmedArticleSet></PubmedArticleSet>\n',
    "deep": lambda x, v: x.replace(b"<ArticleTitle>", b"<ArticleTitle>" + b"<i>" * 2000 + b"</i>" * 2000, 1),
}  # fmt: skip
XML_VALUES = [b"29768149", b"1", b"0", b"-1", b"", b" 42 ", "２９７".encode(), b"x", b"9" * 30,
              b"utf-16", b"x-bogus", b"latin-1", b"ascii", b"file:///etc/passwd", b"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_190101.dtd",
              b"&amp;", b"]]>", b"\xff\xfe"]  # fmt: skip


@st.composite
def pubmed_inputs(draw: st.DrawFn) -> tuple[str, bytes, bytes | None]:
    """(file name, bytes as stored, the XML before compression when not damaged afterwards)."""
    xml = SYGMA
    for _ in range(draw(st.integers(0, 3))):
        change = draw(st.sampled_from(sorted(XML_CHANGES)))
        xml = XML_CHANGES[change](xml, draw(st.sampled_from(XML_VALUES)))
    known: bytes | None = xml
    if draw(st.integers(0, 2)) == 0:
        xml = draw(fk.byte_mutation(xml))[0]
        known = None
    if draw(st.booleans()):
        data, damage = draw(fk.archive_damage(gzip.compress(xml)))
        return "pubmed.xml.gz", data, known if damage == "none" else None
    return "pubmed.xml", xml, known


@fk.fuzz(bounded=200)
@given(pubmed_inputs())
def test_fuzz_import_pubmed(case: tuple[str, bytes, bytes | None]) -> None:
    name, data, xml = case
    conn = _db()
    before = fk.dump(conn)
    pmids_before = {r[0] for r in conn.execute("SELECT pmid FROM reg_pubmed").fetchall()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        got = fk.judged("import pubmed", lambda: _ok(import_pubmed(path, conn)))
        if got.code == 3:
            _refusal_left_nothing("import pubmed", got, path, conn, before)
            return
    _nothing_impossible("import pubmed", conn)
    stored = {r[0] for r in conn.execute("SELECT pmid FROM reg_pubmed").fetchall()}
    if any(not re.fullmatch(r"[0-9]{1,12}", p) for p in stored):
        raise fk.wrong("import pubmed", f"stored a PMID that is not ASCII digits: {stored}")
    if xml is not None:
        in_file = {m.strip().decode("utf-8", "replace") for m in _PMID_AT.findall(xml)}
        if new := stored - pmids_before - in_file:
            raise fk.wrong("import pubmed", f"stored PMIDs not in the file: {new}")


# -- AACT -----------------------------------------------------------------------------------------


@st.composite
def aact_inputs(draw: st.DrawFn) -> tuple[str, dict[str, bytes] | bytes]:
    """A zip (bytes) or a folder (member name -> bytes) of AACT files, one or two of them changed."""
    files = dict(AACT_FILES)
    for _ in range(draw(st.integers(1, 2))):
        name = draw(st.sampled_from(sorted(files)))
        kind = draw(st.sampled_from(["cell", "cell", "cell", "bytes", "drop", "header"]))
        lines = files[name].split(b"\n")
        if kind == "cell" and len(lines) > 2:
            i = draw(st.integers(1, len(lines) - 2))
            cells = lines[i].split(b"|")
            j = draw(st.integers(0, len(cells) - 1))
            cells[j] = draw(st.sampled_from(fk.WEIRD_TEXT)).encode()
            lines[i] = b"|".join(cells)
            files[name] = b"\n".join(lines)
        elif kind == "bytes":
            files[name] = draw(fk.byte_mutation(files[name]))[0]
        elif kind == "drop" and name != "studies.txt":
            del files[name]
        elif kind == "header":
            files[name] = b"\n".join(lines[1:])
    if draw(st.integers(0, 3)) == 0:
        return "aact", files
    return "aact.zip", draw(fk.archive_damage(fk.make_zip(files)))[0]


@fk.fuzz(bounded=40)
@given(aact_inputs())
def test_fuzz_import_aact(case: tuple[str, dict[str, bytes] | bytes]) -> None:
    name, data = case
    conn = _db()
    before = fk.dump(conn)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.mkdir()
            for member, content in data.items():
                (path / member).write_bytes(content)
        got = fk.judged("import aact", lambda: _ok(import_aact(path, conn)))
        if got.code == 3:
            _refusal_left_nothing("import aact", got, path, conn, before)
            return
    _nothing_impossible("import aact", conn)

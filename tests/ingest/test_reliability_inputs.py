"""Issue 19's input reproductions for the registry importers: each is refused with exit code 3 and a
message naming the file (and the record or field), nothing is stored, and never a traceback.

The CSV reproductions (``meta``, ``import csv``, the workbench) are in test_metafor_csv.py,
tests/cli/test_meta_cmd.py and tests/web/test_workbench.py; FAERS / openFDA in
tests/safety/test_reliability_inputs.py.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from immunograde import settings
from immunograde.cli.main import main
from immunograde.errors import InputError
from immunograde.ingest import schema
from immunograde.ingest.aact import import_aact
from immunograde.ingest.ctgov import import_ctgov
from immunograde.ingest.pubmed import import_pubmed

Damage = Callable[[bytes, str, int], Path]  #: the damaged_zip fixture (tests/conftest.py)

REG = settings.shared_data_dir() / "registries"
STUDY = REG / "ctgov_v2_NCT02210780_dupilumab_ad.json"
SYGMA = REG / "pubmed_29768149_rct_sygma1.xml"
AACT = Path(__file__).resolve().parents[1] / "fixtures" / "aact"


def _mem() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    schema.ensure_schema(c)
    return c


def _dump(c: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    names = [
        r[0] for r in c.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
    ]
    return [(n, c.execute(f"SELECT count(*) FROM {n}").fetchone()[0]) for n in names]  # type: ignore[index]


def _refused(run, path: Path, *words: str, field: str | None = None) -> InputError:  # type: ignore[no-untyped-def]
    c = _mem()
    before = _dump(c)
    with pytest.raises(InputError) as err:
        run(path, c)
    p = err.value.problems[0]
    assert p.file and Path(p.file.split("!")[0]).name == path.name, str(err.value)
    for w in words:
        assert w in str(err.value), str(err.value)
    if field is not None:
        assert p.field == field, str(err.value)
    assert _dump(c) == before  # nothing stored
    return err.value


def _study() -> dict:
    return json.loads(STUDY.read_text())


# -- ClinicalTrials.gov ---------------------------------------------------------------------------


def test_ctgov_1000_nested_arrays(tmp_path: Path) -> None:
    text = json.dumps(_study()).replace(
        '"conditions": [', '"conditions": [' + "[" * 1000 + "]" * 1000 + ",", 1
    )
    f = tmp_path / "nested.json"
    f.write_text(text)
    _refused(import_ctgov, f, "nested too deeply")


def test_ctgov_negative_enrolment(tmp_path: Path) -> None:
    doc = _study()
    doc["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = -5
    f = tmp_path / "neg.json"
    f.write_text(json.dumps(doc))
    _refused(import_ctgov, f, "NCT02210780", "must be at least 0",
             field="protocolSection.designModule.enrollmentInfo.count")  # fmt: skip


def test_ctgov_negative_count(tmp_path: Path) -> None:
    doc = _study()
    om = doc["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]
    om["denoms"][0]["counts"][0]["value"] = "-97"
    f = tmp_path / "negcount.json"
    f.write_text(json.dumps(doc))
    _refused(import_ctgov, f, "must be at least 0", field=(
        "resultsSection.outcomeMeasuresModule.outcomeMeasures[0].denoms.counts"))  # fmt: skip


@pytest.mark.parametrize("engine", ["python", "sql"])
def test_ctgov_infinity_and_huge_measurements_are_not_stored(tmp_path: Path, engine: str) -> None:
    doc = _study()
    om = doc["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]
    m = om["classes"][0]["categories"][0]["measurements"][0]
    m["value"], m["spread"] = "Infinity", "1e400"
    f = tmp_path / "bulk.zip"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("NCT02210780.json", json.dumps(doc))
    c = _mem()
    import_ctgov(f, c, engine=engine)
    rows = c.execute("SELECT param_value, param_value_num, dispersion_value_num FROM "
                     "reg_outcome_measurements WHERE param_value = 'Infinity'").fetchall()  # fmt: skip
    assert rows == [("Infinity", None, None)]
    bad = c.execute("SELECT count(*) FROM reg_outcome_measurements WHERE NOT isfinite("
                    "param_value_num) OR NOT isfinite(dispersion_value_num)").fetchone()  # fmt: skip
    assert bad == (0,)


def test_ctgov_json_infinity_is_not_json(tmp_path: Path) -> None:
    doc = _study()
    doc["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = float("inf")
    f = tmp_path / "inf.json"
    f.write_text(json.dumps(doc))  # writes the bare word Infinity
    _refused(import_ctgov, f, "not valid JSON")


def _bulk(tmp_path: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("NCT02210780", "NCT02278341"):
            src = next(REG.glob(f"ctgov_v2_{name}_*.json"))
            z.writestr(f"{name}.json", src.read_bytes())
    return buf.getvalue()


def test_ctgov_truncated_bulk_zip(tmp_path: Path) -> None:
    data = _bulk(tmp_path)
    f = tmp_path / "ctg-studies.json.zip"
    f.write_bytes(data[: len(data) // 2])
    _refused(import_ctgov, f, "not a readable zip (truncated or damaged")


def future_zip_version(data: bytes, member: str) -> bytes:
    """``data`` (a zip) with ``member``'s central-directory entry asking for zip version 8.4 to
    extract it (one flipped byte, as the fuzz suite made it): Python's zipfile refuses the whole
    archive with NotImplementedError when it opens it."""
    at = data.index(b"PK\x01\x02")  # the central directory's first entry
    while data[at + 46 : at + 46 + len(member)] != member.encode():
        at = data.index(b"PK\x01\x02", at + 4)
    return data[: at + 6] + b"T\x00" + data[at + 8 :]


@pytest.mark.parametrize("engine", ["python", "sql"])
def test_ctgov_zip_of_a_future_version_is_refused(tmp_path: Path, engine: str) -> None:
    """Found by the fuzz suite: NotImplementedError('zip file version 8.4') was a traceback."""
    f = tmp_path / "ctg-studies.json.zip"
    f.write_bytes(future_zip_version(_bulk(tmp_path), "NCT02278341.json"))
    _refused(lambda p, c: import_ctgov(p, c, engine=engine), f, "not a readable zip", "8.4")


def test_ctgov_damaged_member_is_named(tmp_path: Path, damaged_zip: Damage) -> None:
    f = damaged_zip(_bulk(tmp_path), "NCT02278341.json", 40)
    err = _refused(import_ctgov, f, "damaged zip member")
    assert err.problems[0].file == f"{f}!NCT02278341.json"


@pytest.mark.parametrize("text", ["[]", '{"studies": []}'])
def test_ctgov_zero_records_is_an_error(tmp_path: Path, text: str) -> None:
    f = tmp_path / "empty.json"
    f.write_text(text)
    _refused(import_ctgov, f, "nothing to import")


def test_ctgov_zip_bomb_stops_at_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMMUNOGRADE_MAX_INFLATED_MB", "1")
    f = tmp_path / "bomb.zip"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("NCT00000001.json", b'{"a": "' + b" " * (3 << 20) + b'"}')
    assert f.stat().st_size < 10_000
    _refused(import_ctgov, f, "IMMUNOGRADE_MAX_INFLATED_MB", "more than 1 MiB")


def test_ctgov_cli_exit_code_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = _study()
    doc["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = -5
    f = tmp_path / "neg.json"
    f.write_text(json.dumps(doc))
    with pytest.raises(SystemExit) as done:
        main(["import", "ctgov", str(f), "--db", str(tmp_path / "kb.duckdb")])
    assert done.value.code == 3
    assert f"{f}: protocolSection.designModule.enrollmentInfo.count" in capsys.readouterr().err
    assert not (tmp_path / "kb.duckdb").exists()


# -- PubMed ---------------------------------------------------------------------------------------


def _xml(tmp_path: Path, name: str, data: bytes) -> Path:
    f = tmp_path / name
    f.write_bytes(data)
    return f


def test_pubmed_truncated_gz(tmp_path: Path) -> None:
    g = gzip.compress(SYGMA.read_bytes())
    _refused(import_pubmed, _xml(tmp_path, "t.xml.gz", g[: len(g) // 2]), "truncated gzip")


def test_pubmed_bad_crc(tmp_path: Path) -> None:
    g = bytearray(gzip.compress(SYGMA.read_bytes()))
    g[-8] ^= 0xFF
    _refused(import_pubmed, _xml(tmp_path, "crc.xml.gz", bytes(g)), "CRC check failed")


def test_pubmed_unknown_declared_encoding(tmp_path: Path) -> None:
    data = SYGMA.read_bytes().replace(
        b'<?xml version="1.0" ?>', b'<?xml version="1.0" encoding="x-bogus-9"?>'
    )
    _refused(
        import_pubmed, _xml(tmp_path, "enc.xml", data), "unknown declared encoding", "x-bogus-9"
    )


def test_pubmed_full_width_pmid(tmp_path: Path) -> None:
    data = SYGMA.read_bytes().replace(
        b">29768149<", "＞２９７６８１４９＜".encode()[3:-3].join((b">", b"<")), 1
    )
    _refused(import_pubmed, _xml(tmp_path, "fw.xml", data), "without a numeric PMID", field="PMID")


def test_pubmed_default_namespace_is_not_zero_records(tmp_path: Path) -> None:
    data = SYGMA.read_bytes().replace(b"<PubmedArticleSet>", b'<PubmedArticleSet xmlns="urn:x">', 1)
    _refused(import_pubmed, _xml(tmp_path, "ns.xml", data), "XML namespace")


def test_pubmed_zero_records(tmp_path: Path) -> None:
    data = b'<?xml version="1.0"?>\n<PubmedArticleSet></PubmedArticleSet>\n'
    _refused(import_pubmed, _xml(tmp_path, "zero.xml", data), "nothing to import")


def test_pubmed_gzip_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMMUNOGRADE_MAX_INFLATED_MB", "1")
    body = SYGMA.read_bytes().replace(
        b"</PubmedArticleSet>", b"<!--" + b"x" * (3 << 20) + b"-->\n</PubmedArticleSet>"
    )
    _refused(
        import_pubmed,
        _xml(tmp_path, "bomb.xml.gz", gzip.compress(body)),
        "IMMUNOGRADE_MAX_INFLATED_MB",
    )


ARTICLE = "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>{}</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"  # fmt: skip
UNSAFE = {
    "XXE": '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + ARTICLE.format("&x;"),
    "billion laughs": '<!DOCTYPE a [<!ENTITY l "lol"><!ENTITY l2 "&l;&l;&l;&l;&l;&l;&l;&l;"><!ENTITY l3 "&l2;&l2;&l2;&l2;&l2;&l2;&l2;">]>'
    + ARTICLE.format("&l3;"),
    "external parameter entity": '<!DOCTYPE a [<!ENTITY % p SYSTEM "http://example.org/e.dtd"> %p;]>'
    + ARTICLE.format("t"),
    "external DTD": '<!DOCTYPE PubmedArticleSet SYSTEM "file:///tmp/evil.dtd">'
    + ARTICLE.format("t"),
    "XInclude": ARTICLE.replace(
        "<PubmedArticleSet>", '<PubmedArticleSet xmlns:xi="http://www.w3.org/2001/XInclude">'
    ).format('<xi:include href="file:///etc/passwd" parse="text"/>'),
}


@pytest.mark.parametrize("case", list(UNSAFE))
def test_pubmed_unsafe_xml_refused(tmp_path: Path, case: str) -> None:
    f = _xml(tmp_path, "unsafe.xml", ('<?xml version="1.0"?>\n' + UNSAFE[case]).encode())
    _refused(import_pubmed, f, "refused unsafe XML")


def test_pubmed_nlm_dtd_is_accepted_and_never_fetched() -> None:
    assert b"https://dtd.nlm.nih.gov/" in SYGMA.read_bytes()[:300]
    assert import_pubmed(SYGMA, _mem()).inserted == 1  # offline: the DTD is named, not read


# -- AACT -----------------------------------------------------------------------------------------


def _aact_zip(tmp_path: Path, **replace: bytes) -> Path:
    f = tmp_path / "aact_export.zip"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(AACT.glob("*.txt")):
            z.writestr(p.name, replace.get(p.stem, p.read_bytes()))
    return f


def test_aact_damaged_member_names_the_member_not_the_temp_file(
    tmp_path: Path, damaged_zip: Damage
) -> None:
    f = damaged_zip(_aact_zip(tmp_path).read_bytes(), "outcome_counts.txt", 20)
    err = _refused(import_aact, f, "damaged zip member")
    assert err.problems[0].file == f"{f}!outcome_counts.txt"


def test_aact_unreadable_member_names_the_member(tmp_path: Path) -> None:
    f = _aact_zip(tmp_path, outcomes=b"no_nct|x\n1|2\n")
    err = _refused(import_aact, f, "missing column(s) id, nct_id")
    assert err.problems[0].file == f"{f}!outcomes.txt"


def test_aact_negative_enrolment_and_count(tmp_path: Path) -> None:
    studies = (AACT / "studies.txt").read_bytes().replace(b"|250|ACTUAL|", b"|-250|ACTUAL|")
    err = _refused(import_aact, _aact_zip(tmp_path, studies=studies), "must be at least 0")
    assert err.problems[0].field == "studies.enrollment"
    counts = (
        (AACT / "outcome_counts.txt")
        .read_bytes()
        .replace(b"|Participants|158", b"|Participants|-158")
    )
    err = _refused(import_aact, _aact_zip(tmp_path, outcome_counts=counts), "must be at least 0")
    assert err.problems[0].field == "outcome_counts.count"


def test_aact_zip_of_a_future_version_is_refused(tmp_path: Path) -> None:
    """The fuzz suite's find (seed 11): the ``designs.txt`` entry asking for zip version 8.4 gave
    NotImplementedError from zipfile (a traceback)."""
    f = tmp_path / "aact.zip"
    f.write_bytes(future_zip_version(_aact_zip(tmp_path).read_bytes(), "designs.txt"))
    _refused(import_aact, f, "not a readable zip (truncated or damaged: zip file version 8.4)")


def test_aact_truncated_zip(tmp_path: Path) -> None:
    data = _aact_zip(tmp_path).read_bytes()
    f = tmp_path / "cut.zip"
    f.write_bytes(data[: len(data) // 3])
    _refused(import_aact, f, "not a readable zip")

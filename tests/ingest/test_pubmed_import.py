"""PubMed/MEDLINE XML import: the SYGMA 1 record (PMID 29768149), unsafe XML, streaming, deletions."""

from __future__ import annotations

import gzip
import re
import tracemalloc
from pathlib import Path

import duckdb
import pytest

from immunograde import settings
from immunograde.errors import InputError
from immunograde.ingest.pubmed import import_pubmed
from immunograde.ingest.schema import ensure_schema

SYGMA = settings.shared_data_dir() / "registries" / "pubmed_29768149_rct_sygma1.xml"


def _mem() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    ensure_schema(c)
    return c


def test_fields_of_the_sygma1_record() -> None:
    c = _mem()
    s = import_pubmed(SYGMA, c)
    assert (s.records_read, s.inserted) == (1, 1)
    row = c.execute(
        "SELECT pmid, title, journal, journal_iso, year, doi, is_rct, nct_ids, authors[1], len(authors), "
        "len(mesh), mesh[5], publication_types[5] FROM reg_pubmed"
    ).fetchone()
    # values as in the XML: PMID, ArticleTitle, Journal/Title, ISOAbbreviation, PubDate/Year,
    # ArticleId[@IdType=doi], PublicationType UI=D016449, DataBankList (ClinicalTrials.gov),
    # AuthorList (10 authors, first O'Byrne PM), MeshHeadingList (23 descriptors, 5th Asthma)
    assert row == (
        "29768149", "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma.",
        "The New England journal of medicine", "N Engl J Med", 2018, "10.1056/NEJMoa1715274", True,
        ["NCT02149199"], "O'Byrne PM", 10, 23, "Asthma", "Randomized Controlled Trial",
    )  # fmt: skip
    abstract = c.execute("SELECT abstract FROM reg_pubmed").fetchone()[0]  # type: ignore[index]
    assert abstract.startswith("BACKGROUND: In patients with mild asthma")
    assert [line.split(":")[0] for line in abstract.splitlines()] == [
        "BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS",
    ]  # fmt: skip


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>&lol3;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>&xxe;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""


@pytest.mark.parametrize(
    "doc", [BILLION_LAUGHS, EXTERNAL], ids=["billion-laughs", "external-entity"]
)
def test_entity_expansion_and_external_entities_are_refused(tmp_path: Path, doc: str) -> None:
    f = tmp_path / "evil.xml"
    f.write_text(doc, encoding="utf-8")
    c = _mem()
    with pytest.raises(InputError, match="refused unsafe XML") as err:
        import_pubmed(f, c)
    assert err.value.problems[0].file == str(f)
    assert c.execute("SELECT count(*) FROM reg_pubmed").fetchone() == (0,)


def _baseline(path: Path, n: int, deletions: tuple[str, ...] = ()) -> None:
    """A baseline-style file: the SYGMA article repeated with PMIDs 1..n (a synthetic copy)."""
    text = SYGMA.read_text(encoding="utf-8")
    article = text[text.index("<PubmedArticle>") : text.index("</PubmedArticleSet>")]
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" ?>\n<PubmedArticleSet>\n')
        for i in range(1, n + 1):
            fh.write(
                re.sub(
                    r"<PMID Version=\"1\">29768149</PMID>",
                    f'<PMID Version="1">{i}</PMID>',
                    article,
                    count=1,
                )
            )
        if deletions:
            fh.write(
                "<DeleteCitation>"
                + "".join(f"<PMID>{p}</PMID>" for p in deletions)
                + "</DeleteCitation>"
            )
        fh.write("</PubmedArticleSet>\n")


def _peak(path: Path) -> int:
    c = _mem()
    tracemalloc.start()
    import_pubmed(path, c, batch_size=50)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_streaming_keeps_memory_flat(tmp_path: Path) -> None:
    small, large = tmp_path / "small.xml.gz", tmp_path / "large.xml.gz"
    _baseline(small, 40)
    _baseline(large, 400)
    # ten times the articles must not need ten times the memory (a tree kept whole would)
    assert _peak(large) < 2 * _peak(small)


def test_gzip_baseline_with_deletions_and_idempotent_reimport(tmp_path: Path) -> None:
    f = tmp_path / "pubmed26n0001.xml.gz"
    _baseline(f, 30)
    c = _mem()
    assert import_pubmed(f, c).inserted == 30
    again = import_pubmed(f, c)
    assert (again.unchanged, again.inserted, again.updated) == (30, 0, 0)
    update = tmp_path / "pubmed26n0002.xml.gz"
    _baseline(update, 0, deletions=("3", "4", "999"))
    s = import_pubmed(update, c)
    assert s.deleted == 2
    assert c.execute("SELECT count(*) FROM reg_pubmed").fetchone() == (28,)


def test_malformed_xml_names_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.xml"
    f.write_text("<PubmedArticleSet>\n<PubmedArticle>\n</PubmedArticleSet>\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        import_pubmed(f, _mem())
    assert (err.value.problems[0].file, err.value.problems[0].line) == (str(f), 3)


def test_failure_midway_through_a_file_rolls_back(tmp_path: Path) -> None:
    good = tmp_path / "good.xml.gz"
    _baseline(good, 5)
    with gzip.open(good, "rt", encoding="utf-8") as fh:
        text = fh.read()
    broken = tmp_path / "broken.xml"
    broken.write_text(
        text.replace("</PubmedArticleSet>", "<PubmedArticle><Oops></PubmedArticleSet>"),
        encoding="utf-8",
    )
    c = _mem()
    with pytest.raises(InputError, match="not well-formed"):
        import_pubmed(broken, c, batch_size=1)  # five articles are written before the error
    assert c.execute("SELECT count(*) FROM reg_pubmed").fetchone() == (0,)

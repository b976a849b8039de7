"""Import PubMed / MEDLINE XML (efetch output, baseline and update files ``PubmedArticleSet``).

Parsed with :mod:`defusedxml` as a stream (``iterparse``): each ``PubmedArticle`` is mapped and then
cleared, so a 30,000-article baseline file runs in constant memory.  Entity declarations (billion
laughs), external entities, XInclude and a document type other than NLM's PubMed DTD are refused
with :class:`InputError` (a DTD is never fetched).  ``.gz`` files are inflated as they are read (up to
``IMMUNOGRADE_MAX_INFLATED_MB``; a truncated file or a bad CRC is refused, naming it).  A PMID is
ASCII digits.  A file without a single ``PubmedArticle`` or ``DeleteCitation`` (e.g. elements in an
XML namespace) is refused, never imported as zero records.  ``DeleteCitation`` entries in update
files delete those PMIDs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

import duckdb
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from immunograde.archives import GzipReader
from immunograde.errors import InputError, Msg, existing_path
from immunograde.ingest import schema
from immunograde.ingest.common import clean_text
from immunograde.ingest.writer import (
    ImportSummary,
    NullProgress,
    Progress,
    Record,
    Upserter,
    paused_gc,
    transaction,
)

RCT_UI = "D016449"  #: MeSH publication type "Randomized Controlled Trial"
_NCT = re.compile(r"\bNCT[0-9]{8}\b")
_PMID = re.compile(r"[0-9]{1,12}")
_XINCLUDE = "{http://www.w3.org/2001/XInclude}"
_DOCTYPE = re.compile(
    rb"<!DOCTYPE\s+[^\s>\[]+\s+(?:SYSTEM|PUBLIC\s+(?:\"[^\"]*\"|'[^']*'))\s+(\"[^\"]*\"|'[^']*')"
)
_NLM_DTD = re.compile(rb"[\"']https?://dtd\.nlm\.nih\.gov/[^\"']*[\"']")


def _text(el: Element | None) -> str | None:
    return clean_text("".join(el.itertext())) if el is not None else None


def _year(article: Element) -> int | None:
    pub = article.find("Journal/JournalIssue/PubDate")
    if pub is None:
        return None
    for path in ("Year", "MedlineDate"):
        m = re.search(r"\d{4}", _text(pub.find(path)) or "")
        if m:
            return int(m.group())
    return None


def _abstract(article: Element) -> str | None:
    parts = []
    for el in article.findall("Abstract/AbstractText"):
        text = _text(el)
        if text:
            label = el.get("Label")
            parts.append(f"{label}: {text}" if label else text)
    return "\n".join(parts) or None


def _authors(article: Element) -> list[str]:
    out = []
    for a in article.findall("AuthorList/Author"):
        collective = _text(a.find("CollectiveName"))
        last = _text(a.find("LastName"))
        name = collective or " ".join(x for x in (last, _text(a.find("Initials"))) if x)
        if name:
            out.append(name)
    return out


def _doi(pa_el: Element, article: Element) -> str | None:
    for el in pa_el.findall("PubmedData/ArticleIdList/ArticleId"):
        if el.get("IdType") == "doi":
            return _text(el)
    for el in article.findall("ELocationID"):
        if el.get("EIdType") == "doi":
            return _text(el)
    return None


def article_row(el: Element, label: str) -> tuple[Any, ...]:
    """One ``PubmedArticle`` -> a ``reg_pubmed`` row (without provenance columns)."""
    cit = el.find("MedlineCitation")
    pmid = _text(cit.find("PMID")) if cit is not None else None
    art = cit.find("Article") if cit is not None else None
    if cit is None or art is None or not pmid or not _PMID.fullmatch(pmid):
        raise InputError.one(
            Msg("PubmedArticle without a numeric PMID (%(pmid)s)", pmid=repr(pmid)),
            file=label,
            field="PMID",
        )
    types = [el.get("UI") for el in art.findall("PublicationTypeList/PublicationType")]
    type_names = [_text(el) or "" for el in art.findall("PublicationTypeList/PublicationType")]
    nct_ids = []
    for bank in art.findall("DataBankList/DataBank"):
        if (_text(bank.find("DataBankName")) or "").lower() == "clinicaltrials.gov":
            nct_ids += [_text(a) or "" for a in bank.findall("AccessionNumberList/AccessionNumber")]
    abstract = _abstract(art)
    return (
        pmid,
        _text(art.find("ArticleTitle")),
        _text(art.find("Journal/Title")),
        _text(art.find("Journal/ISOAbbreviation")),
        _year(art),
        _doi(el, art),
        abstract,
        type_names,
        RCT_UI in types or "Randomized Controlled Trial" in type_names,
        nct_ids,
        sorted(set(_NCT.findall(abstract or ""))),
        [_text(d) or "" for d in cit.findall("MeshHeadingList/MeshHeading/DescriptorName")],
        _authors(art),
    )


def _open(path: Path, label: str) -> IO[bytes]:
    with path.open("rb") as probe:
        gz = probe.read(2) == b"\x1f\x8b"
    return GzipReader(path, label) if gz else path.open("rb")  # type: ignore[return-value]


class _Prefixed:
    """A binary stream whose first bytes were already read (to look at the document type)."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head, self.rest = head, rest

    def read(self, n: int = -1) -> bytes:
        if not self.head:
            return self.rest.read(n)
        if n < 0:
            out, self.head = self.head + self.rest.read(), b""
        else:  # a short read is allowed: the parser asks again
            out, self.head = self.head[:n], self.head[n:]
        return out


def _check_doctype(head: bytes, label: str) -> None:
    """Only NLM's PubMed DTD may be named (it is never fetched): another external DTD is refused."""
    m = _DOCTYPE.search(head)
    if m and not _NLM_DTD.fullmatch(m.group(1)):
        raise InputError.one(
            Msg("refused unsafe XML: external DTD %(dtd)s (only NLM's PubMed DTD may be named)", dtd=m.group(1).decode('latin-1')[:80]), file=label,
        )  # fmt: skip


def iter_events(path: Path, label: str) -> Iterator[tuple[str, Element]]:
    """Yield ``("article", el)`` and ``("delete", pmid-el)``; memory is freed as it goes."""
    with _open(path, label) as raw:
        head = raw.read(1 << 16)
        _check_doctype(head, label)
        fh = _Prefixed(head, raw)
        try:
            root = None
            for event, el in iterparse(fh, events=("start", "end"), forbid_dtd=False):
                if event == "start":
                    root = el if root is None else root
                    if el.tag.startswith(_XINCLUDE):
                        raise InputError.one(
                            Msg("refused unsafe XML: XInclude (xi:include) is not allowed"),
                            file=label, field=el.tag,
                        )  # fmt: skip
                    continue
                if el.tag == "PubmedArticle":
                    yield "article", el
                elif el.tag == "DeleteCitation":
                    for pmid in el.findall("PMID"):
                        yield "delete", pmid
                else:
                    continue
                if root is not None:
                    root.clear()
        except DefusedXmlException as exc:
            raise InputError.one(
                Msg(
                    "refused unsafe XML (%(name)s: entity declarations and external entities are not allowed)",
                    name=type(exc).__name__,
                ),
                file=label,
            ) from None
        except ParseError as exc:
            raise InputError.one(
                Msg("not well-formed XML: %(reason)s", reason=str(exc)),
                file=label,
                line=exc.position[0],
            ) from None
        except LookupError as exc:  # an encoding Python does not know
            raise InputError.one(
                Msg("unknown declared encoding: %(reason)s", reason=str(exc)), file=label
            ) from None
        if root is None:
            raise InputError.one(Msg("no XML element in the file"), file=label)
        if not root.tag.startswith("{"):
            return
        raise InputError.one(
            Msg("the root element %(tag)s is in an XML namespace; PubMed XML has none", tag=repr(root.tag)),
            file=label, field=root.tag.split("}")[-1],
        )  # fmt: skip


def _files(path: Path) -> list[Path]:
    path = existing_path(path)
    if path.is_dir():
        return sorted(
            p for p in path.rglob("*") if p.is_file() and p.name.endswith((".xml", ".xml.gz"))
        )
    return [path]


def import_pubmed(
    path: Path,
    conn: duckdb.DuckDBPyConnection,
    *,
    batch_size: int = 2000,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import PubMed XML files (a file or a folder of ``.xml`` / ``.xml.gz``); all or nothing."""
    progress = progress or NullProgress()
    summary = ImportSummary("pubmed", str(path))
    started = time.perf_counter()
    files = _files(Path(path))
    progress.set_total(None, "articles")
    schema.ensure_schema(conn)
    with transaction(conn), paused_gc():
        up = Upserter(conn, schema.PUBMED, (), summary, batch_size=batch_size)
        for f in files:
            _import_file(f, up, summary, progress)
        up.flush()
    summary.seconds = time.perf_counter() - started
    return summary


def _import_file(f: Path, up: Upserter, summary: ImportSummary, progress: Progress) -> None:
    label = str(f)
    found = 0
    for kind, el in iter_events(f, label):
        found += 1
        if kind == "delete":
            up.flush()
            pmid = _text(el)
            if pmid:
                before = up.conn.execute(
                    "SELECT count(*) FROM reg_pubmed WHERE pmid = ?", [pmid]
                ).fetchone()
                up.delete_keys([(pmid,)])
                summary.deleted += before[0] if before else 0
            continue
        summary.records_read += 1
        row = article_row(el, label)
        up.add(Record((row[0],), row, {}, f"{label}#PMID{row[0]}"))
        progress.advance()
    if not found:
        raise InputError.one(
            Msg("no PubmedArticle or DeleteCitation in the file: nothing to import"), file=label
        )

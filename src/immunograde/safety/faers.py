"""FDA FAERS / legacy AERS quarterly ASCII files -> Parquet, one unified layout for both.

Reads ``.zip`` releases, folders or single ``.txt`` files.  The seven tables (DEMO, DRUG, REAC,
OUTC, RPSR, THER, INDI) are ``$``-delimited with a header line.  Known quirks are repaired and
counted, never silently: a trailing ``$`` on every line (legacy files), records broken over two
lines by a stray line break (joined while the field count is short), header artefact columns named
``v3``/``v7``/... that are always empty (dropped), undecodable bytes (read as Latin-1).  Legacy
names are renamed to the current ones (``isr`` -> ``primaryid``, ``case`` -> ``caseid``,
``gndr_cod`` -> ``sex``, ``i_f_cod`` -> ``i_f_code``, ``drug_seq`` -> ``indi_drug_seq`` /
``dsg_drug_seq``).  FDA's deleted-case lists (``DELETE*.txt``, one caseid a line) become
``deleted_<quarter>.parquet``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from immunograde.archives import open_zip, read_zip_member
from immunograde.errors import InputError, Msg, existing_path

TABLES = ("demo", "drug", "reac", "outc", "rpsr", "ther", "indi")
_FILE = re.compile(r"(DEMO|DRUG|REAC|OUTC|RPSR|THER|INDI)(\d\d)Q([1-4])\.TXT$", re.I)
_DELETED = re.compile(r"DELETE.*\.TXT$", re.I)
_ARTEFACT = re.compile(r"^v\d+$")
_LEGACY = {"isr": "primaryid", "case": "caseid", "gndr_cod": "sex", "i_f_cod": "i_f_code"}
_LEGACY_SEQ = {"indi": "indi_drug_seq", "ther": "dsg_drug_seq"}
INT_COLUMNS = {"primaryid", "caseid", "caseversion", "fda_dt"}
#: Columns every table has in the Parquet output (extra source columns are kept too).
CORE: dict[str, tuple[str, ...]] = {
    "demo": ("primaryid", "caseid", "caseversion", "i_f_code", "event_dt", "fda_dt", "rept_cod",
             "age", "age_cod", "age_years", "sex", "occr_country", "quarter", "layout"),
    "drug": ("primaryid", "caseid", "drug_seq", "role_cod", "drugname", "prod_ai", "route", "quarter"),
    "reac": ("primaryid", "caseid", "pt", "drug_rec_act", "quarter"),
    "outc": ("primaryid", "caseid", "outc_cod", "quarter"),
    "rpsr": ("primaryid", "caseid", "rpsr_cod", "quarter"),
    "ther": ("primaryid", "caseid", "dsg_drug_seq", "start_dt", "end_dt", "dur", "dur_cod", "quarter"),
    "indi": ("primaryid", "caseid", "indi_drug_seq", "indi_pt", "quarter"),
}  # fmt: skip
MAX_AGE = 150.0  #: years; an older age is a data-entry error (read as unknown)
_AGE_UNIT_YEARS = {"YR": 1.0, "DEC": 10.0, "MON": 1 / 12, "WK": 7 / 365.25, "DY": 1 / 365.25,
                   "HR": 1 / 8766.0, "MIN": 1 / 525960.0, "SEC": 1 / 31557600.0}  # fmt: skip


@dataclass
class TableReport:
    """What was read from one file and which quirks were repaired."""

    source: str
    table: str
    quarter: str
    layout: str
    rows: int = 0
    trailing_delimiters: int = 0
    joined_lines: int = 0
    overlong_rows: int = 0
    dropped_columns: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    tables: list[TableReport] = field(default_factory=list)
    deleted_cases: int = 0
    files_written: list[str] = field(default_factory=list)


def _members(path: Path) -> Iterator[tuple[str, Callable[[], bytes]]]:
    """(name, reader) for every file in a zip, a folder (recursively) or a single file."""
    existing_path(path)  # a missing file is not found (exit 4), with similar names
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                yield str(p), p.read_bytes
    elif path.suffix.lower() == ".zip":
        archive = open_zip(path)
        for info in archive.infolist():
            label = f"{path}!{info.filename}"
            yield label, partial(read_zip_member, archive, info, label)
    else:
        yield str(path), path.read_bytes


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parse_table(text: str, report: TableReport) -> dict[str, list[str]]:
    """Split ``$``-delimited text into columns (strings), repairing the known quirks."""
    lines = text.splitlines()
    if not lines:
        raise InputError.one(Msg("empty file (no header line)"), file=report.source, line=1)
    header = [h.strip().lower() for h in lines[0].split("$")]
    while header and header[-1] == "":
        header.pop()
    ncol = len(header)
    columns: list[list[str]] = [[] for _ in header]
    pending: list[str] | None = None
    for raw in lines[1:]:
        fields = raw.split("$")
        if pending is not None:  # a stray line break inside the previous record
            fields = [*pending[:-1], pending[-1] + " " + fields[0], *fields[1:]]
            report.joined_lines += 1
            pending = None
        if len(fields) < ncol:
            pending = fields
            continue
        if len(fields) > ncol and all(f == "" for f in fields[ncol:]):
            report.trailing_delimiters += 1
            fields = fields[:ncol]
        elif len(fields) > ncol:
            report.overlong_rows += 1
            fields = [*fields[: ncol - 1], "$".join(fields[ncol - 1 :])]
        for col, value in zip(columns, fields, strict=True):
            col.append(value.strip())
        report.rows += 1
    if pending is not None and any(pending):
        raise InputError.one(
            Msg("last record has %(n)s of %(ncol)s fields", n=len(pending), ncol=ncol),
            file=report.source,
            line=len(lines),
        )
    return dict(zip(header, columns, strict=True))


def _normalize(table: str, cols: dict[str, list[str]], report: TableReport) -> pa.Table:
    n = report.rows
    for name in [c for c in cols if _ARTEFACT.match(c) or c == ""]:
        if all(v == "" for v in cols[name]):
            report.dropped_columns.append(name)
            del cols[name]
    if report.layout == "legacy":
        cols = {(_LEGACY_SEQ[table] if c == "drug_seq" and table in _LEGACY_SEQ else _LEGACY.get(c, c)): v
                for c, v in cols.items()}  # fmt: skip
    cols["quarter"] = [report.quarter] * n
    if table == "demo":
        cols["layout"] = [report.layout] * n
        ages = _age_years(cols.get("age"), cols.get("age_cod"), n)
    else:
        ages = []
    arrays: dict[str, pa.Array] = {}
    for name in dict.fromkeys([*CORE[table], *cols]):
        values = cols.get(name)
        if name == "age_years":
            arrays[name] = pa.array(ages, pa.float64())
        elif name in INT_COLUMNS:
            arrays[name] = _ints(values, n, name, report)
        else:
            arrays[name] = pa.array(
                [v or None for v in values] if values else [None] * n, pa.string()
            )
    return pa.table(arrays)


#: report identifiers: a value that is not a whole number is refused (a report cannot be counted)
_IDS = frozenset({"primaryid", "caseid"})


def _ints(values: list[str] | None, n: int, name: str, report: TableReport) -> pa.Array:
    """Whole numbers (ASCII digits, within 64 bits); elsewhere None, but a bad report id is an
    :class:`InputError` naming the line (header = line 1; lines as counted after repairs)."""
    if values is None:
        return pa.nulls(n, pa.int64())
    out: list[int | None] = []
    for i, v in enumerate(values):
        ok = v.isascii() and v.isdigit() and len(v) < 19
        if not ok and name in _IDS and (v or name == "primaryid"):
            raise InputError.one(
                Msg("a report id must be a whole number below 10^18, got %(v)s", v=repr(v[:40])),
                file=report.source, line=i + 2, field=name,
            )  # fmt: skip
        out.append(int(v) if ok else None)
    return pa.array(out, pa.int64())


def _age_years(age: list[str] | None, unit: list[str] | None, n: int) -> list[float | None]:
    if age is None or unit is None:
        return [None] * n
    out: list[float | None] = []
    for a, u in zip(age, unit, strict=True):
        try:
            years = float(a) * _AGE_UNIT_YEARS[u.upper()]
        except (ValueError, KeyError):
            years = None
        # NaN, infinity, a negative or a 200-year age is not an age: unknown, never a stratum
        out.append(years if years is not None and 0 <= years <= MAX_AGE else None)
    return out


def _write(table: pa.Table, target: Path) -> None:
    tmp = target.with_name(target.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(target)


def _deleted(text: str) -> pa.Table:
    ids = [int(t) for t in re.findall(r"\d+", text)]
    return pa.table({"caseid": pa.array(np.unique(np.array(ids, np.int64)), pa.int64())})


def ingest(
    paths: list[Path], out_dir: Path, *, progress: Callable[[str], None] | None = None
) -> IngestReport:
    """Read every FAERS/AERS table file under ``paths``; write ``<table>_<yyqn>.parquet``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    report = IngestReport()
    found = False
    for path in paths:
        for name, read in _members(path):
            base = Path(name.split("!")[-1]).name
            if _DELETED.search(base):
                table = _deleted(_decode(read()))
                report.deleted_cases += table.num_rows
                target = out_dir / f"deleted_{re.sub(r'[^A-Za-z0-9]+', '_', base.lower())}.parquet"
                _write(table, target)
                report.files_written.append(str(target))
                continue
            match = _FILE.search(base)
            if not match:
                continue
            found = True
            kind, quarter = match.group(1).lower(), f"{match.group(2)}q{match.group(3)}"
            text = _decode(read())
            first = text.split("\n", 1)[0].lower()
            layout = "legacy" if first.startswith("isr$") else "current"
            tr = TableReport(name, kind, quarter, layout)
            cols = parse_table(text, tr)
            _check_header(cols, text, name)
            table = _normalize(kind, cols, tr)
            target = out_dir / f"{kind}_{layout}_{quarter}.parquet"
            _write(table, target)
            report.tables.append(tr)
            report.files_written.append(str(target))
            if progress:
                progress(name)
    if not found:
        raise InputError.one(
            Msg("no FAERS table files (DEMOyyQn.txt ...) found"), file=", ".join(map(str, paths))
        )
    _check_complete(report, paths)
    return report


def _check_header(cols: dict[str, list[str]], text: str, name: str) -> None:
    """A table's first line names its columns, with the report id (``primaryid`` or ``isr``)."""
    if not {"primaryid", "isr"} & set(cols):
        first = text.split("\n", 1)[0][:60]
        raise InputError.one(
            Msg("the first line is not a FAERS header (column names such as primaryid$caseid$...): "
                "%(first)s", first=repr(first)), file=name, line=1, field="primaryid",
        )  # fmt: skip


def _check_complete(report: IngestReport, paths: list[Path]) -> None:
    """Every quarter read has its DEMO, DRUG and REAC tables (reports, drugs and events)."""
    if not sum(t.rows for t in report.tables if t.table == "demo"):
        raise InputError.one(Msg("no reports in the DEMO table(s) (zero reports): nothing to score"),
                             file=", ".join(map(str, paths)), field="demo")  # fmt: skip
    kinds: dict[str, set[str]] = {}
    for t in report.tables:
        kinds.setdefault(t.quarter, set()).add(t.table)
    for quarter, have in sorted(kinds.items()):
        if missing := [t.upper() for t in ("demo", "drug", "reac") if t not in have]:
            files = ", ".join(m + quarter.upper() + ".txt" for m in missing)
            raise InputError.one(
                Msg("quarter %(quarter)s has no %(files)s (DEMO, DRUG and REAC are needed to count "
                    "reports)", quarter=quarter, files=files),
                file=", ".join(map(str, paths)), field=missing[0].lower(),
            )  # fmt: skip

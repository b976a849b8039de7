"""``immunograde market import``: recognise a prescribing or sales file, read it, store its figures.

Recognised by content (header row or workbook title), not by file name:

======================================  ==========================  =========================
file                                    recognised by               dataset
======================================  ==========================  =========================
CMS Part D brand-level CSV (USAFacts)   ``Total Beneficiaries``     ``cms_partd_usafacts``
CMS Medicaid brand-level CSV (USAFacts) ``Brand Name,Year,...``     ``cms_medicaid_usafacts``
CMS Medicaid / Part B xlsx originals    workbook title              ``cms_medicaid``, ``cms_partb``
PBS by ATC level 2 (tsibbledata)        ``Month,Concession,...``    ``au_pbs``
market points (RU/UA)                   ``point_id,source_url,...`` ``market_points``
NHS English Prescribing Data            ``YEAR_MONTH,...BNF_CODE``  ``nhs_epd``
======================================  ==========================  =========================

Each file is one transaction; the names are mapped again after every import (:mod:`.store`).
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from immunograde import settings
from immunograde.errors import InputError, Msg, existing_path
from immunograde.ingest.cms import read_brandlvl_csv, read_cms_xlsx
from immunograde.ingest.epd import convert_epd, publish
from immunograde.ingest.market_points import read_market_points
from immunograde.ingest.market_rows import Figures
from immunograde.ingest.pbs import read_pbs_csv
from immunograde.ingest.writer import transaction
from immunograde.market import store
from immunograde.market.epd_store import epd_dir, epd_figures

#: files shipped in ../shared/data that ``immunograde build`` imports (paths under the shared data folder)
SHIPPED = (
    "prescribing/us_cms_drug_spending/partd_brandlvl.csv",
    "prescribing/us_cms_drug_spending/medicaid_brandlvl.csv",
    "prescribing/us_cms_drug_spending/medicaid_drug_spending_ytd_2017.xlsx",
    "prescribing/us_cms_drug_spending/medicare_partb_drug_spending_ytd_2017.xlsx",
    "prescribing/au_pbs/pbs_atc2_monthly_immunology_subset.csv",
    "market/market_points_ru_ua.csv",
    "prescribing/epd_sample_201601.csv",
)
Reader = Callable[[Path, str], Figures]


@dataclass
class ImportReport:
    """Every file's result and how the names mapped afterwards."""

    files: list[store.FileResult] = field(default_factory=list)
    names: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)  #: EPD measures computed again (DuckDB)


def label_for(path: Path) -> str:
    """A file's name in the figures: its path under the shared data folder when it lies there."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(settings.shared_data_dir()).as_posix()
    except ValueError:
        return str(resolved)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect(path: Path, label: str) -> tuple[str, Reader]:
    """(dataset, reader) for a file; :class:`InputError` naming it when it is none of the known kinds."""
    if not path.is_file():
        existing_path(path)  # a missing file is not found (exit 4), with similar names
        raise InputError.one(Msg("no such file"), file=label)
    if path.suffix.lower() == ".xlsx":
        from immunograde.ingest.cms import cms_xlsx_dataset

        return cms_xlsx_dataset(path, label), read_cms_xlsx
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), [])
    except UnicodeDecodeError:
        raise InputError.one(
            Msg("not a UTF-8 text (CSV) file or an .xlsx workbook"), file=label
        ) from None
    cols = set(header)
    if {"YEAR_MONTH", "BNF_CODE", "PRACTICE_CODE"} <= cols:
        return "nhs_epd", _no_reader  # converted to Parquet first (import_file)
    if {"Brand Name", "Year", "Generic Name"} <= cols:
        if "Total Beneficiaries" in cols:
            return "cms_partd_usafacts", lambda p, lab: read_brandlvl_csv(
                p, "cms_partd_usafacts", lab
            )
        return "cms_medicaid_usafacts", lambda p, lab: read_brandlvl_csv(
            p, "cms_medicaid_usafacts", lab
        )
    if {"Month", "Concession", "ATC2"} <= cols:
        return "au_pbs", read_pbs_csv
    if {"point_id", "source_url", "product_or_segment"} <= cols:
        return "market_points", read_market_points
    raise InputError.one(
        Msg(
            "not a known prescribing or sales layout (CMS, PBS, market points, NHS EPD); header: "
            "%(header)s",
            header=", ".join(header[:12]),
        ),
        file=label,
        line=1,
    )


def _no_reader(path: Path, label: str) -> Figures:
    raise AssertionError("EPD files are converted by import_file")


def import_file(con: duckdb.DuckDBPyConnection, path: Path, epd_store: Path) -> store.FileResult:
    """Read one file and store its figures in one transaction (unchanged bytes: nothing written).

    An EPD file is first converted to monthly Parquet files (staged); they replace the store's months
    only after its figures are committed.
    """
    label = label_for(path)
    dataset, reader = detect(path, label)
    digest = sha256(path)
    row = con.execute(
        f"SELECT figures FROM {store.IMPORTS} WHERE dataset = ? AND source_file = ? AND sha256 = ?",
        [dataset, label, digest],
    ).fetchone()
    if row is not None:
        return store.FileResult(dataset, label, int(row[0]), "unchanged")
    same_as = store.previous_import(con, dataset, digest)
    staged = None
    if dataset == "nhs_epd":
        staged = convert_epd(
            path, label, epd_store.with_name(f".{epd_store.name}-staging-{os.getpid()}")
        )
        figures = epd_figures(staged, label)
    else:
        figures = reader(path, label)
    try:
        table = figures.table()
        with transaction(con):
            replaced = store.write_figures(con, table, dataset=dataset, source_file=label, sha256=digest,
                                           notes=figures.notes, same_as=same_as)  # fmt: skip
        if staged is not None:
            publish(staged, epd_store)
    finally:
        if staged is not None and staged.staged:
            shutil.rmtree(next(iter(staged.staged.values())).parent, ignore_errors=True)
    status = "replaced" if replaced else "inserted"
    return store.FileResult(dataset, label, table.num_rows, status, replaced, figures.notes)


def import_paths(db_path: Path, paths: list[Path]) -> ImportReport:
    """Import files into the knowledge base at ``db_path`` (created if absent), then re-map names.

    As every writer (:func:`immunograde.kb.dbfile.rewrite`): into a private copy moved over the file
    when done, so ``serve`` and other readers keep reading meanwhile (the file was opened for writing
    in place, which failed with DuckDB's lock error while any reader held it).
    """
    from immunograde.kb.dbfile import rewrite

    db_path.parent.mkdir(parents=True, exist_ok=True)
    report = ImportReport()
    with rewrite(db_path) as job:
        con = duckdb.connect(str(job.path))
        try:
            store.ensure_tables(con)
            for path in paths:
                report.files.append(import_file(con, path, epd_dir(db_path)))
            if any(f.status != "unchanged" for f in report.files) or not store.names_current(con):
                with transaction(con):
                    report.names = store.remap_names(con)
            else:
                report.names = store.name_counts(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
    if any(f.dataset == "nhs_epd" and f.status != "unchanged" for f in report.files):
        from immunograde.market.epd_run import compute

        report.measures = sorted(compute(db_path).values.column("measure_id").unique().to_pylist())
    return report


def shipped_paths() -> tuple[list[Path], list[str]]:
    """The shipped files present in ../shared/data, and those missing (said, not fatal)."""
    base = settings.shared_data_dir()
    found = [base / rel for rel in SHIPPED if (base / rel).is_file()]
    missing = [rel for rel in SHIPPED if not (base / rel).is_file()]
    return found, missing


def import_shipped(db_path: Path) -> ImportReport:
    """Import every shipped file (``immunograde build`` runs this): unchanged files cost a hash each."""
    found, missing = shipped_paths()
    report = import_paths(db_path, found)
    report.skipped = [f"{rel}: not in {settings.shared_data_dir()}" for rel in missing]
    return report

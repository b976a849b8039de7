"""``immunograde build``: the whole knowledge-base job that ``make run`` runs.

1. check the reviewed files and build the DuckDB knowledge base atomically (as ``kb build``);
2. record the build in the evidence history and print what changed (``living.history``);
3. score the FAERS sample shipped in ``../shared`` for the substance pages' safety section, unless
   reports were already ingested (``immunograde safety ingest`` replaces them with your own);
4. import the prescribing and sales files shipped in ``../shared`` (CMS, PBS, market reports, the EPD
   fixture) into the ``reg_market_*`` tables and map their names to the new catalogue
   (:func:`immunograde.market.importer.import_shipped`; unchanged files are not read again).
"""

from __future__ import annotations

import contextlib
import io
from contextlib import nullcontext
from pathlib import Path

import typer

from immunograde import settings
from immunograde.cli.output import console, err_console, print_json


def _faers_sample() -> list[Path]:
    return sorted((settings.shared_data_dir() / "pharmacovigilance" / "faers_sample").glob("*.zip"))


def _ensure_safety(fmt: str) -> str:
    from immunograde.cli.safety_cmd import ingest

    if (settings.safety_dir() / "signals.parquet").exists():
        return f"kept the reports already ingested in {settings.safety_dir()}"
    sample = _faers_sample()
    if not sample:
        err_console.print("note: no FAERS sample in ../shared; the safety section stays empty")
        return "no reports ingested"
    quiet = contextlib.redirect_stdout(io.StringIO()) if fmt == "json" else contextlib.nullcontext()
    with quiet:  # keep stdout one JSON document
        ingest(paths=sample, engine="duckdb", master="local[2]", roles="PS,SS,C,I", drug_level="substance",
               stratify=True, likelihood="truncated", fmt="text")  # fmt: skip
    return "scored the FAERS sample " + ", ".join(p.name for p in sample)


def _market(db_path: Path) -> str:
    from immunograde.market.importer import import_shipped

    report = import_shipped(db_path)
    changed = [f"{f.dataset} {f.status}" for f in report.files if f.status != "unchanged"]
    mapped = sum(
        v for k, v in report.names.items() if k not in ("unmapped", "ambiguous", "segment")
    )
    return (f"{len(report.files)} shipped files ({', '.join(changed) or 'all unchanged'}); "
            f"{mapped} of {sum(report.names.values())} names mapped to the catalogue"
            + (f"; missing: {'; '.join(report.skipped)}" if report.skipped else ""))  # fmt: skip


def build(
    data: Path = typer.Option(None, "--data", help="Folder of reviewed files (default: data/)."),
    db: Path = typer.Option(
        None, "--db", help="Knowledge-base file (default: var/immunograde.duckdb)."
    ),
    safety: bool = typer.Option(
        True, "--safety/--no-safety", help="Score the shipped FAERS sample if none is ingested."
    ),
    market: bool = typer.Option(
        True, "--market/--no-market", help="Import the shipped prescribing and sales files."
    ),
    fmt: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Build the knowledge base, record what changed in the evidence, prepare the safety and market sections.

    Example: immunograde build --format json
    """
    from immunograde.cli.kb_cmd import run_build
    from immunograde.evidence.answers import store_answers
    from immunograde.evidence.history import record_build

    result = run_build(data, db, fmt, echo=fmt != "json")
    # every question's and substance's answer, computed once and stored: every surface reads these
    with err_console.status("appraising every question") if fmt != "json" else nullcontext():
        n_questions, n_substances = store_answers(Path(result.db_path))
    # the history lives beside the knowledge base it describes (as the web app reads it)
    hist = None if db is None else Path(result.db_path).parent / "history.duckdb"
    changes = record_build(Path(result.db_path), hist)
    status = _ensure_safety(fmt) if safety else "skipped (--no-safety)"
    market_status = _market(Path(result.db_path)) if market else "skipped (--no-market)"
    if fmt == "json":
        print_json({"ok": True, "build": result.__dict__, "changes": changes, "safety": status,
                    "market": market_status, "appraisals": {"questions": n_questions,
                    "substances": n_substances}})  # fmt: skip
        return
    console.print(
        f"appraisals: {n_questions} questions and {n_substances} substances stored", markup=False
    )
    if changes:
        console.print(
            f"{len(changes)} change(s) in the evidence since the last recorded build:", markup=False
        )
        for c in changes:
            console.print(f"  {c.question_id}: {c.field} {c.old} -> {c.new}", markup=False)
    else:
        console.print("evidence history: recorded; no certainty or verdict changed", markup=False)
    console.print(f"safety: {status}", markup=False)
    console.print(f"market: {market_status}", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``build`` to ``app``."""
    app.command("build")(build)

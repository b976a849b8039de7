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
from immunograde.cli.kbopen import DbOpt
from immunograde.cli.lang import LangOpt, _, choose
from immunograde.cli.output import console, err_console, print_json
from immunograde.web import i18n


def _faers_sample() -> list[Path]:
    return sorted((settings.shared_data_dir() / "pharmacovigilance" / "faers_sample").glob("*.zip"))


def _ensure_safety(fmt: str) -> str:
    from immunograde.cli.safety_cmd import ingest

    if (settings.safety_dir() / "signals.parquet").exists():
        return _("kept the reports already ingested in %(path)s") % {"path": settings.safety_dir()}
    sample = _faers_sample()
    if not sample:
        err_console.print(_("note: no FAERS sample in ../shared; the safety section stays empty"),
                          markup=False)  # fmt: skip
        return _("no reports ingested")
    quiet = contextlib.redirect_stdout(io.StringIO()) if fmt == "json" else contextlib.nullcontext()
    with quiet:  # keep stdout one JSON document
        ingest(paths=sample, engine="duckdb", master="local[2]", roles="PS,SS,C,I", drug_level="substance",
               stratify=True, likelihood="truncated", fmt="text", lang=i18n.current())  # fmt: skip
    return _("scored the FAERS sample %(files)s") % {"files": ", ".join(p.name for p in sample)}


def _market(db_path: Path) -> str:
    from immunograde.market.importer import import_shipped

    report = import_shipped(db_path)
    from immunograde.cli.market_text import import_status

    changed = [
        f"{f.dataset} {import_status(f.status)}" for f in report.files if f.status != "unchanged"
    ]
    mapped = sum(
        v for k, v in report.names.items() if k not in ("unmapped", "ambiguous", "segment")
    )
    n = len(report.files)
    files = i18n.ngettext("%(count)s shipped file", "%(count)s shipped files", n) % {"count": n}
    text = _("%(files)s (%(changed)s); %(mapped)s of %(total)s names mapped to the catalogue") % {
        "files": files, "changed": ", ".join(changed) or _("all unchanged"), "mapped": mapped,
        "total": sum(report.names.values())}  # fmt: skip
    if report.skipped:
        text += "; " + _("missing: %(files)s") % {"files": "; ".join(report.skipped)}
    return text


def build(
    data: Path = typer.Option(None, "--data", help="Folder of reviewed files (default: data/)."),
    db: DbOpt = None,
    safety: bool = typer.Option(
        True, "--safety/--no-safety", help="Score the shipped FAERS sample if none is ingested."
    ),
    market: bool = typer.Option(
        True, "--market/--no-market", help="Import the shipped prescribing and sales files."
    ),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    lang: LangOpt = None,
) -> None:
    """Build the knowledge base, record what changed in the evidence, prepare the safety and market sections.

    \b
    Example: immunograde build --format json
    """
    choose(lang)
    from immunograde.cli.kb_cmd import run_build
    from immunograde.evidence.answers import store_answers
    from immunograde.evidence.history import record_build, recorded_builds

    result = run_build(data, db, fmt, echo=fmt != "json")
    # every question's and substance's answer, computed once and stored: every surface reads these
    with err_console.status(_("appraising every question")) if fmt != "json" else nullcontext():
        n_questions, n_substances = store_answers(Path(result.db_path))
    # the history lives beside the knowledge base it describes (as the web app reads it)
    hist = None if db is None else Path(result.db_path).parent / "history.duckdb"
    first = not recorded_builds(hist)  # the history starts with this build: nothing to compare
    changes = record_build(Path(result.db_path), hist)
    status = _ensure_safety(fmt) if safety else _("skipped (--no-safety)")
    market_status = _market(Path(result.db_path)) if market else _("skipped (--no-market)")
    if fmt == "json":
        print_json({"ok": True, "build": result.__dict__, "changes": changes,
                    "history_started": first, "safety": status,
                    "market": market_status, "appraisals": {"questions": n_questions,
                    "substances": n_substances}})  # fmt: skip
        return
    questions = i18n.ngettext("%(count)s question", "%(count)s questions", n_questions)
    substances = i18n.ngettext("%(count)s substance", "%(count)s substances", n_substances)
    console.print(_("appraisals stored: %(questions)s and %(substances)s")
                  % {"questions": questions % {"count": n_questions},
                     "substances": substances % {"count": n_substances}}, markup=False)  # fmt: skip
    if changes:
        n = len(changes)
        console.print(i18n.ngettext("%(count)s change in the evidence since the last recorded build:",
                                    "%(count)s changes in the evidence since the last recorded build:",
                                    n) % {"count": n}, markup=False)  # fmt: skip
        for c in changes:
            console.print(f"  {c.question_id}: {_change_field(c.field)} {_value(c.field, c.old)} -> "
                          f"{_value(c.field, c.new)}", markup=False)  # fmt: skip
    elif first:
        console.print(_("evidence history: starts with this build (the first recorded: nothing to "
                        "compare it with yet)"), markup=False)  # fmt: skip
    else:
        console.print(
            _("evidence history: recorded; no certainty or verdict changed"), markup=False
        )
    console.print(_("safety: %(status)s") % {"status": status}, markup=False)
    console.print(_("market: %(status)s") % {"status": market_status}, markup=False)


def _change_field(field: str) -> str:
    """A history change's field (evidence/history.py: certainty, verdict, estimate) in words."""
    words = {"certainty": _("certainty"), "verdict": _("verdict"), "estimate": _("estimate")}
    return words.get(field, field)


def _value(field: str, value: object) -> str:
    """A changed value as shown: a certainty or verdict key as its label, a number in the reader's way."""
    if value is None:
        return "—"
    if field == "certainty":
        return i18n.certainty_label(str(value))
    if field == "verdict":
        return i18n.verdict_label(str(value))
    if isinstance(value, float):
        return i18n.number(value, ".3g")
    return str(value)


def register(app: typer.Typer) -> None:
    """Add ``build`` to ``app``."""
    app.command("build")(build)

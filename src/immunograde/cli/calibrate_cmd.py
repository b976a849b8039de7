"""``immunograde calibrate``: ImmunoGrade's certainty ratings against published GRADE ratings.

Thin shell over :func:`immunograde.evidence.calibration.calibrate`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from immunograde import settings
from immunograde.cli.kbopen import DbOpt
from immunograde.cli.output import console, print_json
from immunograde.errors import InputError, Msg
from immunograde.evidence.calibration import Calibration, calibrate
from immunograde.kb.queries import open_kb

FormatOpt = Annotated[str, typer.Option("--format", help="Output format: text or json.")]


def _fmt(x: float | None, spec: str) -> str:
    return "n/a" if x is None else format(x, spec)


def _print(c: Calibration) -> None:
    console.print(
        f"n = {c.n} outcomes from {c.sources} sources; exact agreement {_fmt(c.exact_agreement, '.0%')}; "
        f"weighted kappa (linear) {_fmt(c.weighted_kappa, '.2f')}"
    )
    t = Table(title="rows: ImmunoGrade, columns: published")
    t.add_column("")
    for lv in c.levels:
        t.add_column(lv.replace("_", " "), justify="right")
    for lv, row in zip(c.levels, c.confusion, strict=True):
        t.add_row(lv.replace("_", " "), *(str(x) for x in row))
    console.print(t)
    console.print(
        f"source's reasons recorded for {c.reasons_recorded} published ratings "
        f"({c.reasons_none_stated} state none; for {c.reasons_not_found} the reasons are not in the "
        "text reachable here)"
    )
    for d in c.disagreements:
        console.print(f"- {d['question_id']} ({d['source']}): published {d['published']}, ours {d['ours']}; {d['why']}")  # fmt: skip
    if c.domain_tally:
        console.print(
            "disagreements by domain (ImmunoGrade and the source's stated reasons differ):"
        )
        for k, v in c.domain_tally.items():
            console.print(f"  {k}: {v}")


def _calibrate(fmt: FormatOpt = "text", db: DbOpt = None) -> None:
    """Run ImmunoGrade on every outcome of the calibration set (published GRADE ratings with their
    verbatim sentence) and report n, exact agreement, weighted kappa, the confusion matrix, every
    disagreement with the domains ImmunoGrade rated down beside those the source says it rated down,
    and a tally of the domains on which they differ.

    \b
    Example: immunograde calibrate --format json
    """
    if fmt not in ("text", "json"):
        raise InputError.one(
            Msg("--format must be text or json, not %(fmt)s", fmt=repr(fmt)), field="--format"
        )
    with open_kb(db or settings.db_path()) as kb:
        c = calibrate(kb)
    if fmt == "json":
        print_json(asdict(c))
    else:
        _print(c)


def register(app: typer.Typer) -> None:
    app.command("calibrate")(_calibrate)

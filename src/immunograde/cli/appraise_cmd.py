"""``immunograde appraise SUBSTANCE``: GRADE certainty, Summary of Findings and a verdict per form.

Thin shell over the evidence layer's stored answers (:mod:`immunograde.evidence.answers`).  An unknown name exits with
``NOT_FOUND`` and suggestions; a substance with no trials is not an error (its verdict is "no controlled
evidence", shown with the claims made for it).
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from typing import Annotated

import typer
from rich.table import Table

from immunograde.cli.kbopen import DbOpt, open_kb
from immunograde.cli.lang import LangOpt, bad_choice, choose, html_to_text
from immunograde.cli.output import console, err_console, print_json
from immunograde.evidence.answers import Answers, compute_substance
from immunograde.evidence.output import entries, to_markdown
from immunograde.evidence.rules import sof_csv, sof_html
from immunograde.evidence.substance import SubstanceAppraisal
from immunograde.web import i18n, i18n_glossary, i18n_statements

_ = i18n.gettext  # the table's words in the language of --lang (the catalogues of web/i18n.py)

FORMATS = ("table", "json", "markdown", "html", "csv")


def _effect(a: dict[str, object]) -> str:
    if a["estimate_exp"] is not None:
        return (
            f"{a['measure']} {i18n.estimate(a['estimate_exp'], a['ci_low_exp'], a['ci_high_exp'])}"
        )
    if a.get("estimate") is not None:
        return f"{a['measure']} {i18n.estimate(a['estimate'], a['ci_low'], a['ci_high'])}"
    return "—"


def _per_1000(a: dict[str, object]) -> str:
    c, i = a["risk_comparator_per_1000"], a["risk_intervention_per_1000"]
    return "—" if c is None or i is None else f"{c:.0f} → {i:.0f}"


def _questions_table(sa: SubstanceAppraisal) -> Table:
    t = Table(title=_("%(name)s: questions") % {"name": _name(sa)}, show_lines=True)
    for col in (
        _("Question"),
        _("Form"),
        _("k (n)"),
        _("Effect (95% CI)"),
        _("per 1000"),
        _("Certainty"),
        _("Statement"),
    ):
        t.add_column(col, overflow="fold")
    for a in entries(sa):
        if a["question_id"] is None:
            continue
        cert = a["certainty"]
        cert_text = (
            "—" if cert is None else f"{a['certainty_symbol']} {i18n.certainty_label(str(cert))}"
        )
        statement = _words(i18n_statements.translate(str(a["statement"]), sa.name, sa.substance_id))
        t.add_row(str(a["question_id"]), i18n.term(str(a["form"])), f"{a['k']} ({a['participants']})",
                  _effect(a), _per_1000(a), cert_text, statement)  # fmt: skip
    return t


def _verdict_table(sa: SubstanceAppraisal) -> Table:
    t = Table(
        title=_("%(name)s: verdicts (form x indication)") % {"name": _name(sa)}, show_lines=True
    )
    for col in (
        _("Form"),
        _("Indication"),
        _("Verdict"),
        _("Natural Medicines (crosswalk)"),
        _("Why"),
    ):
        t.add_column(col, overflow="fold")
    for v in sa.verdicts:
        claims = _("Claims: %(n)s (see --format markdown).") % {"n": len(v.claims)}
        why = _words(i18n_statements.explanation(v.why, sa.name, sa.substance_id))
        why += "" if not v.claims else "  " + claims
        t.add_row(
            i18n.term(v.form),
            i18n_glossary.indication(v.indication) if v.indication else "—",
            i18n.tr(v.verdict_label),
            _natural_medicines(v.natural_medicines),
            why,
        )
    return t


def _name(sa: SubstanceAppraisal) -> str:
    """The substance's name in the reader's language (locale/<lang>/substances.yaml), as the page."""
    name = str(i18n_glossary.substance_name(sa.name, sa.substance_id))
    return name[:1].upper() + name[1:]  # it opens the table's title


def _words(text: object) -> str:
    """A page filter's output (escaped HTML, ``lang`` spans) as plain text for the table."""
    return html_to_text(str(text))


def _natural_medicines(rating: str | None) -> str:
    """The Natural Medicines rating in the reader's language, the original after it (as the page)."""
    if not rating:
        return "—"
    shown = i18n.tr(f"Natural Medicines: {rating}")
    return rating if shown.startswith("Natural Medicines: ") else f"{shown} ({rating})"


def _show(sa: SubstanceAppraisal, fmt: str) -> None:
    rows = [a.sof for a in sa.questions if a.sof is not None]
    if fmt == "json":
        print_json(entries(sa))
    elif fmt == "html":
        sys.stdout.write(str(sof_html(rows, f"{sa.name}: summary of findings")) + "\n")
    elif fmt == "csv":
        sys.stdout.write(sof_csv(rows))
    elif fmt == "markdown":
        console.print(to_markdown(sa), markup=False, highlight=False, soft_wrap=True)
    else:
        if sa.questions:
            console.print(_questions_table(sa))
        console.print(_verdict_table(sa))


def register(app: typer.Typer) -> None:
    """Add ``appraise`` to ``app``."""

    @app.command("appraise")
    def appraise(
        substance: Annotated[
            str,
            typer.Argument(
                help="Substance, brand or synonym (any script), or one question's id (as on its page)."
            ),
        ],
        indication: Annotated[
            str | None,
            typer.Option("--indication", help="Only questions whose indication matches."),
        ] = None,
        fmt: Annotated[
            str,
            typer.Option(
                "--format", help="table, json, markdown, or the SoF table as html or csv."
            ),
        ] = "table",
        baseline_risk: Annotated[
            float | None,
            typer.Option(
                "--baseline-risk",
                help="Stated comparator risk (0-1) for the per-1000 columns (default: control arms).",
            ),
        ] = None,
        db: DbOpt = None,
        lang: LangOpt = None,
    ) -> None:
        """GRADE certainty, Summary of Findings and a verdict per form x indication.

        \b
        Example: immunograde appraise tocilizumab --indication COVID-19 --format json
        Example: immunograde appraise Кагоцел --lang ru
        Example: immunograde appraise hydroxychloroquine-covid19-mortality
        """
        choose(lang)  # the table's words; statements, names and the other formats stay as written
        if fmt not in FORMATS:
            bad_choice("--format", FORMATS)
        kb = open_kb(db)
        try:
            with err_console.status("appraising") if fmt == "table" else nullcontext():
                if indication is None and baseline_risk is None:
                    # the stored answer: the same object every page, the API and the history show
                    result = Answers(kb).asked(substance)  # a substance, or one question by its id
                else:  # the same recipe on a subset of questions, or with a stated comparator risk
                    result = compute_substance(
                        kb, substance, indication, baseline_risk=baseline_risk
                    )
        finally:
            kb.close()
        _show(result, fmt)

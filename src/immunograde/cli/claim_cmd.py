"""``immunograde claim "TEXT"``: check a claim sentence against the stored evidence (issue 17).

Thin shell over :func:`immunograde.evidence.claim_check.check_claim`.  Empty or too long text is an
:class:`~immunograde.errors.InputError` (exit code 3, ``main`` maps it).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from immunograde.cli.kbopen import DbOpt, open_kb
from immunograde.cli.lang import LangOpt, bad_choice, choose, html_to_text
from immunograde.cli.output import console, print_json
from immunograde.evidence.claim_check import check_claim
from immunograde.evidence.claims import check_text

FORMATS = ("text", "json")


def _text(r: dict[str, Any]) -> None:
    rec, a = r["recognised"], r["assessment"]
    names = ", ".join(dict.fromkeys(f"{n['text']} -> {n['substance_id']}" for n in rec["names"]))
    lines = [
        f"Claim: {r['text']}",
        "Understood:",
        f"  product/substance: {names or '-'}",
        f"  indication: {', '.join(rec['indication_labels']) or '-'}"
        + (f" ({rec['purpose']})" if rec["purpose"] else ""),
        f"  outcome: {', '.join(rec['outcome_labels']) or '-'}",
        f"  direction: {rec['direction'] or '-'}"
        + (f"; size stated: {rec['size']}" if rec["size"] else ""),
    ]
    if rec["mechanisms"] or rec["statuses"]:
        lines.append(f"  mechanism/status: {', '.join(rec['mechanisms'] + rec['statuses'])}")
    if r["unrecognised"]:
        lines += ["Not recognised:"] + [f"  - {u['message']}" for u in r["unrecognised"]]
    lines += [f"Assessment: {a['label']}"] + [f"  - {x}" for x in a["reasons"]]
    if r["permitted_wording"]:
        lines.append(f"What the evidence permits: {r['permitted_wording']}")
    for e in r["evidence"]:
        cert = e["certainty"] or "not graded"
        lines.append(f"  {e['question_id']}: {e['verdict_label']}; certainty {cert}")
    console.print("\n".join(lines), markup=False, highlight=False)


def _text_localised(r: dict[str, Any]) -> None:
    """The answer in the reader's language: the claim checker page's own sections (the same macros and
    catalogue as /claims/check), as plain lines."""
    from immunograde.web import i18n
    from immunograde.web.claims_view import labelled
    from immunograde.web.templating import templates

    _ = i18n.gettext
    r = labelled(r)
    cl = templates.env.get_template("_claims.html").module
    a = r["assessment"]
    blocks = [f"{_('Claim')}: {r['text']}", f"{_('What was understood')}:",
              html_to_text(str(cl.reading(r["recognised"])))]  # type: ignore[attr-defined]  # fmt: skip
    if r["unrecognised"]:
        blocks += [f"{_('Not recognised')}:", html_to_text(str(cl.unrecognised(r["unrecognised"])))]  # type: ignore[attr-defined]
    detail = {
        "category": a["category"],
        "detail": r["detail"],
        "permitted_wording": r["permitted_wording"],
    }
    blocks += [f"{_('What the evidence says')}: {html_to_text(str(cl.badge(a['category'])))}",  # type: ignore[attr-defined]
               html_to_text(str(cl.detail(detail)))]  # type: ignore[attr-defined]  # fmt: skip
    for e in r["evidence"]:
        cert = i18n.certainty_label(e["certainty"]) if e["certainty"] else i18n.tr("not graded")
        blocks.append(f"  {e['question_id']}: {i18n.verdict_label(e['verdict'])}; {cert}")
    console.print("\n".join(blocks), markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``claim`` to ``app``."""

    @app.command("claim")
    def claim_cmd(
        text: Annotated[
            str, typer.Argument(help="The claim, in Russian or English (one sentence).")
        ],
        fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
        db: DbOpt = None,
        lang: LangOpt = None,
    ) -> None:
        """Check a claim sentence (Russian or English) against the evidence: what it asserts, and what the trials say.

        \b
        Example: immunograde claim "Эргоферон сокращает длительность ОРВИ"
        Example: immunograde claim "Arbidol treats COVID-19" --format json
        Example: immunograde claim "Кагоцел лечит грипп" --lang ru
        """
        chosen = choose(lang)
        if fmt not in FORMATS:
            bad_choice("--format", FORMATS)
        check_text(text)  # empty or too long: exit 3 before the knowledge base is opened
        kb = open_kb(db)
        try:
            result = check_claim(kb, text)
        finally:
            kb.close()
        if fmt == "json":
            print_json(result)
        elif chosen == "en":
            _text(result)
        else:
            _text_localised(result)

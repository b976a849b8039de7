"""A substance appraisal as the CLI and the web show it: JSON entries and a Markdown report.

JSON (``immunograde appraise --format json``): a list with one entry per question (the fields of
:class:`~immunograde.evidence.question.Appraisal` plus ``form_verdict``, the verdict of its form x
indication, and ``appraisal``, the appraisal object itself, as every surface shows it), then one entry per form with no question (``question_id: null``, verdict
``no_controlled_evidence``, the products and the claims made for them).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from immunograde.evidence.substance import FormVerdict, SubstanceAppraisal
from immunograde.grading.sof import to_markdown as sof_markdown
from immunograde.jsonable import to_jsonable


def _form_verdict(v: FormVerdict) -> dict[str, Any]:
    return {
        "verdict": v.verdict,
        "label": v.verdict_label,
        "why": v.why,
        "deciding_question_id": v.deciding_question_id,
        "natural_medicines": v.natural_medicines,
        "natural_medicines_note": v.natural_medicines_note,
    }


def _verdict_for(sa: SubstanceAppraisal, qid: str) -> FormVerdict | None:
    return next((v for v in sa.verdicts if qid in v.question_ids), None)


def _no_evidence_entry(sa: SubstanceAppraisal, v: FormVerdict) -> dict[str, Any]:
    return {
        "question_id": None,
        "question": None,
        "substance": sa.name,
        "form": v.form,
        "route": v.route,
        "indication": v.indication,
        "comparator": None,
        "outcome": None,
        "k": 0,
        "participants": 0,
        "measure": None,
        "estimate_exp": None,
        "ci_low_exp": None,
        "ci_high_exp": None,
        "risk_comparator_per_1000": None,
        "risk_comparator_source": None,
        "risk_intervention_per_1000": None,
        "certainty": None,
        "downgrades": [],
        "statement": v.why,
        "verdict": v.verdict,
        "verdict_label": v.verdict_label,
        "form_verdict": _form_verdict(v),
        "profile": [dataclasses.asdict(p) for p in v.profile],
        "products": v.products,
        "claims": v.claims,
    }


def entries(sa: SubstanceAppraisal) -> list[dict[str, Any]]:
    """The JSON contract: one entry per question, then one per form without questions."""
    out: list[dict[str, Any]] = []
    for a in sa.questions:
        d = dataclasses.asdict(a)
        v = _verdict_for(sa, a.question_id)
        d["form_verdict"] = _form_verdict(v) if v else None
        d["appraisal"] = to_jsonable(a)  # the one object every page, the API and the history show
        out.append(d)
    out += [_no_evidence_entry(sa, v) for v in sa.verdicts if not v.question_ids]
    return out


def _profile_md(v: FormVerdict) -> list[str]:
    lines = []
    for p in v.profile:
        behind = f" — {', '.join(p.trials)}" if p.trials else ""
        note = f" ({p.note})" if p.note else ""
        lines.append(f"- {p.question} **{p.answer}**{behind}{note}")
    return lines


def _group_md(sa: SubstanceAppraisal, v: FormVerdict) -> list[str]:
    title = f"{sa.name} — {v.form}" + (f" — {v.indication}" if v.indication else "")
    lines = [f"## {title}", ""]
    qs = [a for a in sa.questions if a.question_id in v.question_ids]
    rows = [a.sof for a in qs if a.sof is not None]
    if rows:
        lines += [sof_markdown(rows, "Summary of findings"), ""]
    lines += [f"- {a.statement} ({a.question_id})" for a in qs]
    lines += [
        "",
        f"**Verdict: {v.verdict_label}.** {v.why}",
        "",
        f"Natural Medicines scale (crosswalk, shown beside the verdict): {v.natural_medicines}.",
        "",
        "Evidence profile:",
        *_profile_md(v),
    ]
    if v.products:
        lines += ["", "Products: " + "; ".join(v.products)]
    if v.claims:
        lines += ["", "Claims made for it:"]
        lines += [f"- {c['claimant']} ({c['claimant_kind']}): {c['statement']}" for c in v.claims]
    return [*lines, ""]


def to_markdown(sa: SubstanceAppraisal) -> str:
    """The Markdown report: per form x indication, the SoF table, statements, verdict and profile."""
    head = f"# {sa.name}" + (
        f" (searched as “{sa.matched_name}”)" if sa.matched_name != sa.name else ""
    )
    lines = [head, ""]
    for v in sa.verdicts:
        lines += _group_md(sa, v)
    return "\n".join(lines)

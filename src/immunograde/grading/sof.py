"""Summary of Findings rows in GRADEpro's layout, rendered as HTML, Markdown, CSV and JSON.

Columns: outcome; anticipated absolute effects per 1000 (risk with the comparator, risk with the
intervention and its 95% CI); relative effect (95% CI); participants (trials); certainty
(⊕⊕⊕⊕ High ... ⊕◯◯◯ Very low) with a footnote per downgrade; comment (the informative statement).
Footnotes are lettered a, b, c, ... across the table, as GRADEpro does.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class SofRow:
    question_id: str
    outcome: str
    comparator_text: str
    intervention_text: str
    relative_text: str
    participants_text: str
    certainty: str
    certainty_text: str
    footnotes: tuple[str, ...]
    comment: str


def fmt_ratio(measure: str, est: float, lo: float, hi: float) -> str:
    """``RR 0.80 (0.70 to 0.91)``."""
    return f"{measure} {est:.2f} ({lo:.2f} to {hi:.2f})"


def _letters(rows: Sequence[SofRow]) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in rows:
        for f in r.footnotes:
            if f not in out:
                n = len(out)
                out[f] = chr(ord("a") + n) if n < 26 else f"a{n}"
    return out


def _cert_cell(r: SofRow, letters: dict[str, str]) -> str:
    marks = ",".join(letters[f] for f in r.footnotes)
    return r.certainty_text + (f" ({marks})" if marks else "")


HEADERS = (
    "Outcome",
    "Risk with comparator",
    "Risk with intervention (95% CI)",
    "Relative effect (95% CI)",
    "Participants (trials)",
    "Certainty of the evidence (GRADE)",
    "Comment",
)


def _cells(r: SofRow, letters: dict[str, str]) -> tuple[str, ...]:
    return (
        r.outcome,
        r.comparator_text,
        r.intervention_text,
        r.relative_text,
        r.participants_text,
        _cert_cell(r, letters),
        r.comment,
    )


def to_markdown(rows: Sequence[SofRow], title: str = "") -> str:
    """A Markdown table with footnotes underneath."""
    letters = _letters(rows)

    def esc(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    lines = [f"### {esc(title)}", ""] if title else []
    lines += ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(esc(c) for c in _cells(r, letters)) + " |" for r in rows]
    if letters:
        lines.append("")
        lines += [f"{k}. {esc(f)}" for f, k in letters.items()]
    return "\n".join(lines) + "\n"


def to_csv(rows: Sequence[SofRow]) -> str:
    """CSV, one row per outcome, footnotes spelled out in the last column."""
    letters = _letters(rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["question_id", *HEADERS, "Footnotes"])
    for r in rows:
        notes = " ".join(f"{letters[f]}. {f}" for f in r.footnotes)
        w.writerow([r.question_id, *_cells(r, letters), notes])
    return buf.getvalue()


def to_json(rows: Sequence[SofRow]) -> str:
    """JSON: the rows as objects (footnotes as lists)."""
    return json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2)


def to_html(rows: Sequence[SofRow], title: str = "") -> Markup:
    """An HTML table (every value escaped) with a footnote list."""
    letters = _letters(rows)
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in HEADERS)
    body = []
    for r in rows:
        cells = _cells(r, letters)
        tds = "".join(f"<td>{escape(c)}</td>" for c in cells[1:])
        body.append(
            f'<tr data-question-id="{escape(r.question_id)}" data-certainty="{escape(r.certainty)}">'
            f'<th scope="row">{escape(cells[0])}</th>{tds}</tr>'
        )
    cap = f"<caption>{escape(title)}</caption>" if title else ""
    notes = "".join(
        f'<li value="{i + 1}"><b>{escape(k)}</b> {escape(f)}</li>'
        for i, (f, k) in enumerate(letters.items())
    )
    foot = f'<ol class="sof-footnotes" type="a">{notes}</ol>' if notes else ""
    return Markup(
        f'<table class="sof">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{foot}'
    )

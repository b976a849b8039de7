"""``immunograde market`` as text: a table that reads on an 80-column terminal.

Five columns (product and substance; where and when; the figure and its metric; verdict and certainty;
source: a footnote number and the line or row in the file), a few short lines per cell.  The
footnotes under the table give each file, its web address and the figure's caveat; the JSON output keeps every field of every row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from immunograde.cli.output import console

PROGRAMME_SHORT = {
    "Medicare Part D": "Part D",
    "Medicare Part B": "Part B",
    "NHS England primary care": "NHS England",
}
CERTAINTY_SHORT = {  # the JSON keeps the full label (certainty_label)
    "high": "high certainty",
    "moderate": "moderate certainty",
    "low": "low certainty",
    "very_low": "very low certainty",
    "not_graded": "not graded",
    "no_verdict_for_form": "no verdict for this form",
    "mixed": "class or combination",
}
CURRENCIES = {"USD", "AUD", "RUB", "UAH", "GBP", "EUR"}


def money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def figure(value: float | None, unit: str | None, metric: str = "") -> str:
    """``USD 86,400,039.01``, ``45 %``, ``rank 1``; the unit left out when the metric says it (claims)."""
    if value is None:
        return "—"
    number = f"{value:,.0f}" if float(value).is_integer() else money(value)
    if unit in CURRENCIES or unit == "rank":
        return f"{unit} {number}"
    if not unit or unit == metric.replace("_", " "):
        return number
    return f"{number} {unit}"


def source_note(r: dict[str, Any]) -> tuple[str, str]:
    """(footnote: file, web address and caveat; the line or workbook row, shown in the table)."""
    name = Path(r["source_file"]).name
    note = f"{name} — {r['source_url']}" if r["source_url"] else name
    if r.get("caveat"):
        note += f"; note: {r['caveat']}"
    if r["source_line"] is None:
        return note, ""
    return note, f"{'row' if name.endswith('.xlsx') else 'l.'}{r['source_line']}"


class Notes:
    """Footnotes numbered in order of first use."""

    def __init__(self) -> None:
        self.items: dict[str, int] = {}

    def ref(self, text: str) -> int:
        return self.items.setdefault(text, len(self.items) + 1)


def print_rows(
    rows: list[dict[str, Any]], total: int, status: str, out: Console | None = None
) -> None:
    """The rows as a table on ``out`` (default: the command's console), footnotes under it."""
    out = out or console
    if status != "ok":
        out.print(status, markup=False)
        return
    notes = Notes()
    t = Table(title=f"{total} figures mapped to the catalogue", show_lines=False, pad_edge=False)
    t.add_column("product / substance", ratio=3, overflow="fold")
    t.add_column("where, when", ratio=3, overflow="fold")
    t.add_column("figure", justify="right", ratio=3)
    t.add_column("verdict / certainty", ratio=3)
    t.add_column("source", no_wrap=True)
    for r in rows:
        substance = r["substance"] or r["class_id"] or ""
        who = Text(r["product"] or "")
        if substance and substance.lower() != (r["product"] or "").lower():
            who.append(f"\n{substance}", style="dim")
        programme = PROGRAMME_SHORT.get(r["programme"], r["programme"])
        where = f"{r['country']} {programme}".strip()
        when = (r["period"] or str(r["year"])).replace("..", " to ")
        geography = f", {r['geography']}" if r.get("geography") else ""
        source, line = source_note(r)
        note = f"[{notes.ref(source)}]\n{line}"
        verdict = Text(r["verdict_label"] or "—")
        verdict.append(f"\n{CERTAINTY_SHORT.get(r['certainty'], r['certainty'])}", style="dim")
        amount = Text(figure(r["value"], r["unit"], r["metric"]) + "\n")
        amount.append(r["metric"].replace("_", " "), style="dim")
        t.add_row(who, f"{where}{geography}\n{when}", amount, verdict, note)
    out.print(t)
    for text, n in notes.items.items():
        out.print(f"[{n}] {text}", markup=False, soft_wrap=True)
    if total > len(rows):
        out.print(
            f"{total - len(rows)} more: --limit 0 shows all, --format json prints every field",
            markup=False,
        )


def print_unmapped(names: list[dict[str, Any]], total: int, out: Console | None = None) -> None:
    """Unmapped names, three columns: name and generic name; dataset, years and why; volumes."""
    out = out or console
    t = Table(title=f"{total} unmapped names", pad_edge=False)
    t.add_column("name / generic", ratio=3, overflow="fold")
    t.add_column("dataset, years, match", ratio=3, overflow="fold")
    t.add_column("volumes", justify="right", ratio=4)
    for r in names:
        who = Text(r["name"])
        if r["generic_name"]:
            who.append(f"\n{r['generic_name']}", style="dim")
        why = f"{r['dataset']}\n{r['years'][0]}–{r['years'][1]}, {r['match']}"
        if r.get("note"):
            why += f"\n{r['note']}"
        vols = "\n".join(f"{k.split(' (')[0].replace('_', ' ')}: {figure(v, _unit(k), k.split(' (')[0])}"
                         for k, v in r["volumes"].items())  # fmt: skip
        t.add_row(who, why, vols)
    out.print(t)
    if total > len(names):
        out.print(f"{total - len(names)} more: --limit 0 shows all", markup=False)


def _unit(volume_key: str) -> str:
    """ "spending (USD)" -> "USD"."""
    return volume_key.rsplit(" (", 1)[-1].rstrip(")") if " (" in volume_key else ""

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

from immunograde.cli.lang import _, num
from immunograde.cli.output import console
from immunograde.web import i18n

PROGRAMME_SHORT = {
    "Medicare Part D": "Part D",
    "Medicare Part B": "Part B",
    "NHS England primary care": "NHS England",
}


def certainty_short(key: str | None) -> str:
    """A figure's certainty in a few words (the JSON keeps the full label, ``certainty_label``)."""
    words = {
        "high": _("high certainty"),
        "moderate": _("moderate certainty"),
        "low": _("low certainty"),
        "very_low": _("very low certainty"),
        "not_graded": _("not graded"),
        "no_verdict_for_form": _("no verdict for this form"),
        "mixed": _("class or combination"),
    }
    return words.get(key or "", key or "")


def metric_words(metric: str) -> str:
    """A market metric (``spending``, ``claims``, ``dosage_units`` ...) in words; one not listed as written."""
    words = {
        "spending": _("spending"), "claims": _("claims"), "cost": _("cost"), "items": _("items"),
        "beneficiaries": _("beneficiaries"), "dosage_units": _("dosage units"), "scripts": _("scripts"),
        "quantity": _("quantity"), "nic": _("net ingredient cost"), "actual_cost": _("actual cost"),
        "pharmacy_sales_value": _("pharmacy sales (value)"),
        "pharmacy_sales_packs": _("pharmacy sales (packs)"), "sales_growth": _("sales growth"),
        "sales_growth_value": _("sales growth (value)"),
        "sales_growth_packs_wow": _("sales growth in packs (week on week)"),
        "share_of_antiviral_sales": _("share of antiviral sales"),
        "share_of_antiviral_sales_value": _("share of antiviral sales (value)"),
        "sales_value_wholesale": _("sales at wholesale prices"),
        "sales_value_final_prices": _("sales at final prices"), "rank_by_sales_value": _("rank by sales"),
    }  # fmt: skip
    return words.get(metric, metric.replace("_", " "))


def unit_words(unit: str) -> str:
    """A count unit of a market figure in words (currencies and %% as written)."""
    words = {"dosage units": _("dosage units"), "claims": _("claims"), "beneficiaries": _("beneficiaries"),
             "scripts": _("scripts"), "items": _("items"), "quantity units": _("quantity units"),
             "packs": _("packs")}  # fmt: skip
    return words.get(unit, unit)


def import_status(status: str) -> str:
    """A market file's import status (market/importer.py) in words."""
    words = {"inserted": _("inserted"), "replaced": _("replaced"), "unchanged": _("unchanged")}
    return words.get(status, status)


def name_match(match: str) -> str:
    """How a market name was mapped to the catalogue (market/names.py) in words."""
    words = {"brand": _("brand"), "generic": _("generic"), "generic without salt": _("generic without salt"),
             "ambiguous": _("ambiguous"), "class": _("class (ATC group)"), "ingredients": _("ingredients"),
             "segment": _("market segment"), "unmapped": _("unmapped")}  # fmt: skip
    return words.get(match, match)


CURRENCIES = {"USD", "AUD", "RUB", "UAH", "GBP", "EUR"}


def money(value: float | None) -> str:
    return num(value, ",.2f")


def figure(value: float | None, unit: str | None, metric: str = "") -> str:
    """``USD 86,400,039.01``, ``45 %``, ``rank 1``; the unit left out when the metric says it (claims)."""
    if value is None:
        return "—"
    number = num(value, ",.0f") if float(value).is_integer() else money(value)
    if unit in CURRENCIES:
        return f"{unit} {number}"
    if unit == "rank":
        return f"{_('rank')} {number}"
    if not unit or unit == metric.replace("_", " "):
        return number
    return f"{number} {unit_words(unit)}"


def source_note(r: dict[str, Any]) -> tuple[str, str]:
    """(footnote: file, web address and caveat; the line or workbook row, shown in the table)."""
    name = Path(r["source_file"]).name
    note = f"{name} — {r['source_url']}" if r["source_url"] else name
    if r.get("caveat"):
        note += "; " + _("note: %(caveat)s") % {"caveat": r["caveat"]}
    if r["source_line"] is None:
        return note, ""
    return note, (_("row %(n)s") if name.endswith(".xlsx") else _("l.%(n)s")) % {
        "n": r["source_line"]
    }


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
        out.print(i18n.tr(status), markup=False)
        return
    notes = Notes()
    title = i18n.ngettext("%(count)s figure mapped to the catalogue",
                          "%(count)s figures mapped to the catalogue", total) % {"count": num(total, ",d")}  # fmt: skip
    t = Table(title=title, show_lines=False, pad_edge=False)
    t.add_column(_("product / substance"), ratio=3, overflow="fold")
    t.add_column(_("where, when"), ratio=3, overflow="fold")
    t.add_column(_("figure"), justify="right", ratio=3, no_wrap=True)
    t.add_column(_("verdict / certainty"), ratio=3)
    t.add_column(_("source"), no_wrap=True)
    for r in rows:
        substance = r["substance"] or r["class_id"] or ""
        who = Text(r["product"] or "")
        if substance and substance.lower() != (r["product"] or "").lower():
            who.append(f"\n{substance}", style="dim")
        programme = PROGRAMME_SHORT.get(r["programme"], r["programme"])
        where = f"{r['country']} {programme}".strip()
        when = r["period"] or str(r["year"])
        if ".." in when:
            when = _("%(low)s to %(high)s") % dict(
                zip(("low", "high"), when.split("..", 1), strict=True)
            )
        geography = f", {r['geography']}" if r.get("geography") else ""
        source, line = source_note(r)
        note = f"[{notes.ref(source)}]\n{line}"
        verdict = Text(i18n.tr(r["verdict_label"]) or "—")
        verdict.append(f"\n{certainty_short(r['certainty'])}", style="dim")
        amount = Text(figure(r["value"], r["unit"], r["metric"]) + "\n")
        amount.append(metric_words(r["metric"]), style="dim")
        t.add_row(who, f"{where}{geography}\n{when}", amount, verdict, note)
    out.print(t)
    for text, n in notes.items.items():
        out.print(f"[{n}] {text}", markup=False, soft_wrap=True)
    if total > len(rows):
        out.print(
            _("%(count)s more: --limit 0 shows all, --format json prints every field")
            % {"count": num(total - len(rows), ",d")},
            markup=False,
        )


def print_unmapped(names: list[dict[str, Any]], total: int, out: Console | None = None) -> None:
    """Unmapped names, three columns: name and generic name; dataset, years and why; volumes."""
    out = out or console
    title = i18n.ngettext("%(count)s unmapped name", "%(count)s unmapped names", total) % {
        "count": total
    }
    t = Table(title=title, pad_edge=False)
    t.add_column(_("name / generic"), ratio=3, overflow="fold")
    t.add_column(_("dataset, years, match"), ratio=3, overflow="fold")
    t.add_column(_("volumes"), justify="right", ratio=4, no_wrap=True)
    for r in names:
        who = Text(r["name"])
        if r["generic_name"]:
            who.append(f"\n{r['generic_name']}", style="dim")
        why = f"{r['dataset']}\n{r['years'][0]}–{r['years'][1]}, {name_match(r['match'])}"
        if r.get("note"):
            why += f"\n{r['note']}"
        vols = "\n".join(f"{metric_words(k.split(' (')[0])}: {figure(v, _unit(k), k.split(' (')[0])}"
                         for k, v in r["volumes"].items())  # fmt: skip
        t.add_row(who, why, vols)
    out.print(t)
    if total > len(names):
        out.print(
            _("%(count)s more: --limit 0 shows all") % {"count": num(total - len(names), ",d")},
            markup=False,
        )


def _unit(volume_key: str) -> str:
    """ "spending (USD)" -> "USD"."""
    return volume_key.rsplit(" (", 1)[-1].rstrip(")") if " (" in volume_key else ""

"""``immunograde market``: spending and sales beside the verdicts, and the commands that fill them in.

    immunograde market [--country US|AU|RU|UA|GB] [--year 2017] [--substance NAME] [--format json]
    immunograde market certainty [--country ...] [--format json]   money by certainty, shares, trends
    immunograde market import [FILE ...]                             the shipped files when none given
    immunograde market unmapped [--dataset ...]                      every name not mapped, with volume
    immunograde market measures [--engine duckdb|spark] [--check]    NHS EPD prescribing measures

Thin shell over :mod:`immunograde.market` (the web pages call the same functions).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from immunograde import settings
from immunograde.cli.kbopen import DbOpt, open_kb
from immunograde.cli.lang import LangOpt, _, choose, num
from immunograde.cli.output import console, print_json
from immunograde.web import i18n

market_app = typer.Typer(
    help="Prescribing and sales figures beside the verdicts (CMS, PBS, pharmacy-market reports, NHS EPD).\n\n"
    "\b\nExample: immunograde market --country US --year 2017 --format json",
    no_args_is_help=False,
    invoke_without_command=True,
)


class Country(StrEnum):
    US = "US"
    AU = "AU"
    RU = "RU"
    UA = "UA"
    GB = "GB"


class Format(StrEnum):
    text = "text"
    json = "json"


FormatOpt = Annotated[Format, typer.Option("--format", help="text or json")]
#: the filters the group and ``market certainty`` share
CountryOpt = Annotated[Country | None, typer.Option("--country", help="US, AU, RU, UA or GB")]
YearOpt = Annotated[int | None, typer.Option("--year", help="calendar year")]
ProgrammeOpt = Annotated[str | None, typer.Option("--programme", help='e.g. "Medicare Part D"')]


def _money(value: float | None) -> str:
    return num(value, ",.2f")


@market_app.callback()
def market(
    ctx: typer.Context,
    country: CountryOpt = None,
    year: YearOpt = None,
    programme: ProgrammeOpt = None,
    substance: Annotated[
        str | None, typer.Option("--substance", help="a substance id or any name")
    ] = None,
    class_id: Annotated[
        str | None, typer.Option("--class", help="a catalogue class id (l04, j05ax)")
    ] = None,
    metric: Annotated[
        str | None, typer.Option("--metric", help="spending, claims, cost, ...")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=0, help="rows to print (0 = all; text default 40)")
    ] = None,
    fmt: FormatOpt = Format.text,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """One row per figure: substance, product, country, programme, year, metric, value, unit, source,
    verdict, certainty (and every verdict of the product's form).

    \b
    Example: immunograde market --country RU --year 2025 --format json
    """
    choose(lang)
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"db": db, "lang": lang}
        return
    from immunograde.market.query import Filters, market_rows
    from immunograde.market.report import resolve_substance

    kb = open_kb(db)
    try:
        sid = resolve_substance(kb, substance) if substance else None
        filters = Filters(
            country.value if country else None, programme, year, class_id, sid, metric
        )
        if class_id:
            kb.get_class(class_id)
        data = market_rows(kb, filters)
    finally:
        kb.close()
    n = limit if limit is not None else (40 if fmt is Format.text else 0)
    rows = data.rows[:n] if n else data.rows
    if fmt is Format.json:
        print_json(
            {
                "status": data.status,
                "datasets": data.datasets,
                "total": len(data.rows),
                "rows": rows,
            }
        )
        return
    from immunograde.cli.market_text import print_rows

    print_rows(rows, len(data.rows), data.status)


@market_app.command("certainty")
def certainty_cmd(
    ctx: typer.Context,
    country: CountryOpt = None,
    year: YearOpt = None,
    programme: ProgrammeOpt = None,
    fmt: FormatOpt = Format.text,
    lang: LangOpt = None,
) -> None:
    """Money by certainty of the evidence, the share on low, very low or unknown certainty, and trends.

    \b
    Example: immunograde market certainty --country US --year 2017
    """
    choose(lang if lang is not None else (ctx.obj or {}).get("lang"))
    from immunograde.market.query import Filters
    from immunograde.market.report import overview

    kb = open_kb((ctx.obj or {}).get("db"))
    try:
        page = overview(kb, Filters(country.value if country else None, programme, year))
    finally:
        kb.close()
    if fmt is Format.json:
        print_json(
            {k: page[k] for k in ("status", "rule", "by_certainty", "shares", "trends", "datasets")}
        )
        return
    t = Table(title=_("Money by certainty of the evidence of benefit"))
    for col, right in ((_("country"), False), (_("programme"), False), (_("span"), False),
                       (_("unit"), False), (_("total"), True), (_("low/very low/not graded"), True),
                       (_("share"), True), (_("mixed"), True)):  # fmt: skip
        t.add_column(col, justify="right" if right else "left", no_wrap=right)
    for s in page["shares"]:
        share = (
            "—"
            if s["share_low_or_unknown"] is None
            else f"{num(100 * s['share_low_or_unknown'], '.1f')} %"
        )
        span = str(s["span"])
        t.add_row(s["country"], s["programme"], span, s["unit"], _money(s["total"]),
                  _money(s["low_or_unknown"]), share, _money(s["mixed"]))  # fmt: skip
    console.print(t)
    console.print(i18n.tr(page["rule"]), markup=False)


@market_app.command("import")
def import_cmd(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None, typer.Argument(help="files (default: the shipped ones)")
    ] = None,
    fmt: FormatOpt = Format.text,
    lang: LangOpt = None,
) -> None:
    """Import CMS, PBS, market-report or NHS EPD files (recognised by content); idempotent, one
    transaction per file; then map every name to the catalogue.

    \b
    Example: immunograde market import ../shared/data/prescribing/us_cms_drug_spending/partd_brandlvl.csv
    """
    choose(lang if lang is not None else (ctx.obj or {}).get("lang"))
    from immunograde.cli import market_text
    from immunograde.market.importer import import_paths, import_shipped

    db = (ctx.obj or {}).get("db") or settings.db_path()
    report = import_paths(db, list(paths)) if paths else import_shipped(db)
    if fmt is Format.json:
        print_json(report)
        return
    t = Table(title=_("market import into %(path)s") % {"path": db})
    for col in (_("dataset"), _("file"), _("figures"), _("status")):
        t.add_column(col)
    for f in report.files:
        t.add_row(
            f.dataset, f.source_file, num(f.figures, ",d"), market_text.import_status(f.status)
        )
    console.print(t)
    console.print(
        _("names: %(counts)s")
        % {
            "counts": ", ".join(
                f"{market_text.name_match(k)} {v}" for k, v in sorted(report.names.items())
            )
        },
        markup=False,
    )
    for note in report.skipped:
        console.print(_("skipped %(note)s") % {"note": note}, markup=False)


@market_app.command("unmapped")
def unmapped_cmd(
    ctx: typer.Context,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="e.g. cms_partd_usafacts")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="0 = all")] = 0,
    fmt: FormatOpt = Format.text,
    lang: LangOpt = None,
) -> None:
    """Every name not mapped to a catalogue substance or class, with its volume (largest money first).

    \b
    Example: immunograde market unmapped --dataset market_points
    """
    choose(lang if lang is not None else (ctx.obj or {}).get("lang"))
    from immunograde.market.query import unmapped_names

    kb = open_kb((ctx.obj or {}).get("db"))
    try:
        rows = unmapped_names(kb, dataset)
    finally:
        kb.close()
    shown = rows[:limit] if limit else rows
    if fmt is Format.json:
        print_json({"total": len(rows), "names": shown})
        return
    from immunograde.cli.market_text import print_unmapped

    print_unmapped(shown, len(rows))


class EngineName(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


@market_app.command("measures")
def measures_cmd(
    ctx: typer.Context,
    engine: Annotated[
        EngineName, typer.Option("--engine", help="duckdb (default) or spark")
    ] = EngineName.duckdb,
    master: Annotated[str, typer.Option("--master", help="Spark master URL")] = "local[2]",
    measure: Annotated[
        list[str] | None, typer.Option("--measure", help="measure id (repeatable)")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="only validate the measure definitions")
    ] = False,
    fmt: FormatOpt = Format.text,
    lang: LangOpt = None,
) -> None:
    """NHS EPD prescribing measures (OpenPrescribing's numerator/denominator from BNF-code filters) per
    practice and area, with deciles and outliers; definitions are reviewed files in src/immunograde/market/measures/.

    \b
    Example: immunograde market measures --engine spark --format json
    """
    choose(lang if lang is not None else (ctx.obj or {}).get("lang"))
    import datetime as dt

    from immunograde.market.epd_definitions import load_measures

    measures = load_measures(only=measure)
    if check:
        today = dt.date.today()
        due = [
            {"measure_id": m.id, "next_review": m.definition.next_review}
            for m in measures
            if m.review_due(today)
        ]
        if fmt is Format.json:
            print_json({"ok": True, "measures": [m.id for m in measures], "review_due": due})
        else:
            n = len(measures)
            console.print(i18n.ngettext("%(count)s measure definition valid",
                                        "%(count)s measure definitions valid", n) % {"count": n},
                          markup=False)  # fmt: skip
            for d in due:
                console.print(
                    _("warning: %(measure)s: review was due on %(date)s")
                    % {"measure": d["measure_id"], "date": d["next_review"]},
                    markup=False,
                )
        return
    from immunograde.market.epd_run import compute, stored

    db = (ctx.obj or {}).get("db") or settings.db_path()
    open_kb(db).close()  # no knowledge base: exit 5, before the measures run (they exited 3)
    results = compute(db, engine=engine.value, master=master, only=measure)
    kb = open_kb(db)
    try:
        summary = stored(kb)
    finally:
        kb.close()
    if fmt is Format.json:
        print_json({"engine": results.engine, "seconds": results.seconds, "measures": summary})
        return
    _print_measures(summary, results.engine)


def _print_measures(summary: list[dict[str, Any]], engine: str) -> None:
    t = Table(title=_("EPD measures (%(engine)s)") % {"engine": engine})
    for col, left in ((_("measure"), True), (_("month"), True), (_("practices"), False),
                      (_("with ratio"), False), (_("national"), False), ("p10", False), ("p50", False),
                      ("p90", False), (_("outliers"), False)):  # fmt: skip
        t.add_column(col, justify="left" if left else "right")
    for m in summary:
        for month in m["months"]:
            practice = month["levels"].get("practice", {})
            dec = practice.get("deciles", {})
            fmt = lambda v: num(v, ".3f")  # noqa: E731
            t.add_row(m["measure_id"], month["month"], str(practice.get("organisations", 0)),
                      str(practice.get("with_ratio", 0)), fmt(month["national_ratio"]), fmt(dec.get(10)),
                      fmt(dec.get(50)), fmt(dec.get(90)), str(practice.get("outliers", 0)))  # fmt: skip
    console.print(t)


def register(app: typer.Typer) -> None:
    """Add the ``market`` command group."""
    app.add_typer(market_app, name="market")

"""A substance dossier to hand on: the substance page as one document (HTML, PDF or Markdown).

The report reuses the page data of the web app (:func:`immunograde.web.evidence.substance_page`) and its
charts (:mod:`immunograde.web.charts`, rendered by :func:`immunograde.plots.render.render`), so it says
exactly what ``/substances/<id>`` says.  HTML is standalone (style sheet inlined, plots as inline SVG);
PDF is that HTML printed by Debian's chromium (headless); Markdown has the plots as SVG files beside it.

Steps (:func:`plan_report`, then :meth:`ReportPlan.render_plots`, then :func:`write_report`) let a caller
show progress; :func:`make_report` does all three.  Every file is written to a temporary name and renamed.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from markupsafe import Markup

from immunograde import __version__
from immunograde.errors import Msg, NotFoundError
from immunograde.evidence.rules import sof_markdown
from immunograde.evidence.substance import resolve_substance
from immunograde.kb.queries import KnowledgeBase
from immunograde.plots.cache import read, render_kept
from immunograde.procs import die_with_parent
from immunograde.safety.chart import signals_chart
from immunograde.safety.store import signals_for_substance
from immunograde.settings import chart_cache_dir
from immunograde.web import charts, evidence
from immunograde.web.templating import env

FORMATS = ("html", "pdf", "md")
STYLE = Path(__file__).parent / "static" / "style.css"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-pdf-header-footer")  # fmt: skip
PDF_TIMEOUT_S = 180
PARALLEL_FROM = 4  #: charts still to draw from which a report draws them in two processes


class PrintError(RuntimeError):
    """chromium ran but did not print the PDF (the message has its last line of output)."""


@dataclass(frozen=True)
class PlotJob:
    """One chart of the report: ``stem`` names its SVG file (Markdown) and its figure (HTML)."""

    stem: str
    title: str
    question_id: str | None
    spec: Callable[[], dict[str, Any]]


@dataclass
class ReportPlan:
    """What the report holds: the page data and the charts still to render."""

    substance_id: str
    page: dict[str, Any]
    jobs: list[PlotJob]
    charts: Path | None = None  #: where drawn charts are kept (:mod:`immunograde.plots.cache`)
    svgs: dict[str, str] = field(default_factory=dict)

    def specs(self) -> list[tuple[PlotJob, dict[str, Any]]]:
        """Each chart's specification (a chart with no analysable data is left out)."""
        out = []
        for job in self.jobs:
            try:
                out.append((job, job.spec()))
            except ValueError:
                continue
        return out

    def render_plots(self, on_plot: Callable[[PlotJob], None] | None = None) -> None:
        """Render every chart to SVG, each kept by the content of its specification
        (:mod:`immunograde.plots.cache`): a chart the web server or an earlier report drew is read,
        not drawn again.  When :data:`PARALLEL_FROM` or more are still to draw, two processes draw
        them (each starts its own chart engine, ~0.5 s of CPU; the drawing, ~0.1-2.4 s a chart, is
        then shared by two cores)."""
        todo = []
        for job, spec in self.specs():
            kept = read(self.charts, spec, "svg") if self.charts is not None else None
            if kept is not None:
                self.svgs[job.stem] = kept.decode("utf-8")
                if on_plot:
                    on_plot(job)
            else:
                todo.append((job, spec))
        workers = min(2, len(os.sched_getaffinity(0)))  # the cores this process may use
        if len(todo) < PARALLEL_FROM or workers < 2:
            drawn = ((job, partial(render_kept, self.charts, spec, "svg")) for job, spec in todo)
            self._keep(drawn, on_plot)
            return
        ctx = multiprocessing.get_context("spawn")  # no DuckDB handle crosses a fork
        with ProcessPoolExecutor(workers, ctx, die_with_parent, (os.getpid(),)) as pool:
            futures = [
                (job, pool.submit(render_kept, self.charts, spec, "svg")) for job, spec in todo
            ]
            self._keep(((job, future.result) for job, future in futures), on_plot)

    def _keep(self, drawn: Iterable[tuple[PlotJob, Callable[[], bytes]]],
              on_plot: Callable[[PlotJob], None] | None) -> None:  # fmt: skip
        for job, result in drawn:
            if on_plot:
                on_plot(job)
            try:
                self.svgs[job.stem] = result().decode("utf-8")
            except ValueError:  # a chart vl-convert cannot draw is left out, as one with no data
                continue

    def plots_for(self, question_id: str | None) -> list[tuple[PlotJob, str]]:
        return [(j, self.svgs[j.stem]) for j in self.jobs
                if j.question_id == question_id and j.stem in self.svgs]  # fmt: skip


def _question_jobs(kb: KnowledgeBase, q: dict[str, Any]) -> list[PlotJob]:
    qid, title = q["question_id"], q["title"]
    jobs = [PlotJob(f"{qid}-forest", f"Forest plot: {title}", qid,
                    partial(charts.question_forest, kb, qid))]  # fmt: skip
    if q["k"] >= 2:
        jobs.append(PlotJob(f"{qid}-cumulative", f"Cumulative meta-analysis: {title}", qid,
                            partial(charts.question_cumulative, kb, qid)))  # fmt: skip
    return jobs


def _plot_jobs(kb: KnowledgeBase, page: dict[str, Any]) -> list[PlotJob]:
    """Forest and cumulative plots per question with trials, then the safety signals."""
    jobs = [job for card in page["evidence"] for q in card["questions"] if q["k"]
            for job in _question_jobs(kb, q)]  # fmt: skip
    signals = _signals(page)
    if signals:
        s = page["substance"]
        jobs.append(PlotJob(f"{s.id}-signals", f"Top safety signals: {s.name}", None,
                            partial(_signals_spec, s.id)))  # fmt: skip
    return list({j.stem: j for j in jobs}.values())  # a question in two cards is plotted once


def _signals_spec(substance_id: str) -> dict[str, Any]:
    return signals_chart(signals_for_substance(substance_id))


def _signals(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [s if isinstance(s, dict) else vars(s) for s in page["safety"]["signals"]]


def plan_report(kb: KnowledgeBase, name: str) -> ReportPlan:
    """The page data for the substance ``name`` (id, name, brand or synonym in any script).

    Raises :class:`~immunograde.errors.NotFoundError` (with suggestions) for an unknown name.
    """
    sub, _ = resolve_substance(kb, name)
    page = evidence.substance_page(kb, sub.id)
    return ReportPlan(sub.id, page, _plot_jobs(kb, page), chart_cache_dir(kb.path))


def report_context(plan: ReportPlan) -> dict[str, Any]:
    return {
        "page": plan.page,
        "plots": lambda qid=None: [(j, Markup(svg)) for j, svg in plan.plots_for(qid)],
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "style": Markup(STYLE.read_text(encoding="utf-8")),
    }


def to_html(plan: ReportPlan) -> str:
    """The standalone HTML document (no external links needed to read it)."""
    return env.get_template("report.html").render(**report_context(plan))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # same folder, so the rename is atomic
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def chromium_path() -> str:
    """Debian's chromium (``IMMUNOGRADE_CHROMIUM`` overrides); ``NotFoundError`` when it is missing."""
    exe = os.environ.get("IMMUNOGRADE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(exe).is_file():
        raise NotFoundError(
            Msg(
                "PDF reports are printed with chromium, which is not installed (%(exe)s not "
                "found): apt-get install chromium",
                exe=exe,
            )
        )
    return exe


def print_pdf(html: str, target: Path) -> None:
    """Print ``html`` to ``target`` with headless chromium (A4, backgrounds as in the print CSS)."""
    exe = chromium_path()
    with tempfile.TemporaryDirectory(prefix="immunograde-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        out = Path(tmp) / "report.pdf"
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out}",
               page.as_uri()]  # fmt: skip
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=PDF_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise PrintError(f"chromium did not print the PDF within {PDF_TIMEOUT_S} s") from None
        if not out.is_file() or out.stat().st_size == 0:
            detail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
            raise PrintError(
                f"chromium did not print the PDF (exit {proc.returncode}): {detail[0]}"
            )
        _write_atomic(target, out.read_bytes())


# ------------------------------------------------------------------ Markdown


def _md(text: Any) -> str:
    """Text for a Markdown table cell or line (pipes escaped, one line)."""
    return str(text if text is not None else "—").replace("|", "\\|").replace("\n", " ")


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return lines + ["| " + " | ".join(_md(c) for c in r) + " |" for r in rows] + [""]


def _md_figures(plan: ReportPlan, question_id: str | None) -> list[str]:
    return [f"![{_md(j.title)}]({j.stem}.svg)\n" for j, _ in plan.plots_for(question_id)]


def _md_question(plan: ReportPlan, q: dict[str, Any]) -> list[str]:
    cert = f"{q['certainty_symbols']} {q['certainty_label']}".strip()
    lines = [f"#### {_md(q['outcome'])} — {cert}", "", q["statement"], ""]
    sof_row = q["appraisal"].sof
    if sof_row is not None:
        lines += [sof_markdown([sof_row]), ""]
    elif q["downgrades"]:
        lines += [f"- **{d['domain']}** (−{d['levels']}): {d['reason']}" for d in q["downgrades"]]
        lines.append("")
    return lines + _md_figures(plan, q["question_id"])


def _md_card(plan: ReportPlan, card: dict[str, Any]) -> list[str]:
    ind = str(card["indication"])
    lines = [f"### {_md(ind[:1].upper() + ind[1:])} · {_md(card['form'])}", "",
             f"**Verdict: {card['verdict_label']}**", "", card["explanation"], ""]  # fmt: skip
    if card["natural_medicines"]:
        lines += [f"Natural Medicines scale: {card['natural_medicines']}", ""]
    for q in card["questions"]:
        lines += _md_question(plan, q)
    if card["profile"]:
        lines += ["Evidence profile:", ""]
        lines += _table(["Question", "Answer", "Trials behind the answer"],
                        [[p["label"], p["answer"], p["detail"]] for p in card["profile"]])  # fmt: skip
    return lines


def _md_catalogue(page: dict[str, Any]) -> list[str]:
    s = page["substance"]
    lines = [f"# {s.name}", ""]
    facts = [c["name"] for c in page["classes"]] + [f"ATC {a}" for a in s.atc_codes]
    if facts:
        lines += [" · ".join(facts), ""]
    names = list(s.synonyms) + list(s.brand_names)
    lines += [x for x in (s.mechanism, s.notes) if x] + ([""] if s.mechanism or s.notes else [])
    if names:
        lines += [f"Also known as: {', '.join(names)}", ""]
    if s.cautions:
        lines += ["**Cautions.**", ""] + [f"- {c}" for c in s.cautions] + [""]
    return lines


def _md_claims(page: dict[str, Any]) -> list[str]:
    lines = ["## What is claimed, and what the evidence says", ""]
    if not page["claims"]:
        return [*lines, "No claims recorded.", ""]
    headings = {
        False: "**Published claims: labels, instructions, promotion**",
        True: "**Lists of drugs with unproven efficacy (secondary sources)**",
    }
    shown: set[bool] = set()
    for c in page["claims"]:
        group = bool(c.get("secondary"))
        if group not in shown:
            shown.add(group)
            lines += [headings[group], ""]
        when = f", {c['date']}" if c.get("date") else ""
        kind = str(c["claimant_kind"]).replace("_", " ")
        lines.append(f"- **{_md(c['claimant'])}** ({kind}{when}): “{_md(c['statement'])}”  ")
        a = c.get("assessment")
        lines.append(f"  Evidence here: {c['evidence_says']}" + ("  " if a else ""))
        if a:  # issue 17: the claim's assessment, as the pages show it (a Markdown line break each)
            more = (
                f"  What the evidence permits: {_md(a['permitted_wording'])}"
                if a.get("permitted_wording")
                else ""
            )
            lines.append(
                f"  Assessment: {a['label']}. {_md(' '.join(a['reasons']))}"
                + ("  " if more else "")
            )
            lines += [more] if more else []
    return [*lines, ""]


def _md_products(page: dict[str, Any]) -> list[str]:
    lines = ["## Products and forms", ""]
    if not page["products"]:
        return [*lines, "No products recorded.", ""]
    rows = [[p.brand, p.dose_form, p.route, p.strength, ", ".join(p.markets) or None]
            for p in page["products"]]  # fmt: skip
    return lines + _table(["Brand", "Dose form", "Route", "Strength", "Markets"], rows)


def _md_regulatory(page: dict[str, Any]) -> list[str]:
    lines = ["## Regulatory status", ""]
    if not page["regulatory"]:
        return [*lines, "No regulatory decisions recorded: status unknown.", ""]
    rows = [[r["agency"], r["country"], r["product_name"], str(r["status"]).replace("_", " "),
             r["date"]] for r in page["regulatory"]]  # fmt: skip
    return lines + _table(["Agency", "Country", "Product", "Status", "Date"], rows)


def _md_safety(plan: ReportPlan) -> list[str]:
    safety = plan.page["safety"]
    lines = ["## Is it safe? Spontaneous reports", "", safety["caveat"], ""]
    signals = _signals(plan.page)
    if not signals:
        none = ("No drug-event pair for this substance meets a signal rule in the reports ingested."
                if safety["status"] == "ok" else f"No safety data: {safety['status']}.")  # fmt: skip
        return [*lines, none, ""]
    sources = f" ({', '.join(safety.get('sources') or [])})" if safety.get("sources") else ""
    lines += [f"{safety.get('n_reports', 0)} unique reports scored{sources}.", ""]
    rows = [[g["event"], g["n"], _num(g.get("expected"), 1), _num(g["prr"]),
             f"{_num(g['ror'])} ({_num(g.get('ror_ci_low'))})", _num(g["ic025"]),
             f"{_num(g.get('ebgm'))} ({_num(g['eb05'])}–{_num(g.get('eb95'))})", ", ".join(g["rules"])]
            for g in signals]  # fmt: skip
    headers = ["Event (MedDRA PT)", "Reports", "Expected", "PRR", "ROR (lower 95%)", "IC025",
               "EBGM (EB05–EB95)", "Signal rules met"]  # fmt: skip
    return lines + _md_figures(plan, None) + _table(headers, rows)


def _num(value: Any, digits: int = 2) -> str:
    return "—" if value is None else f"{float(value):.{digits}f}"


def to_markdown(plan: ReportPlan) -> str:
    """The report as Markdown; plots are linked as ``<stem>.svg`` files beside it."""
    page = plan.page
    lines = [*_md_catalogue(page), "## Does it work, and how sure are we?", ""]
    if not page["evidence"]:
        lines += ["**no controlled evidence**", ""]
    for card in page["evidence"]:
        lines += _md_card(plan, card)
    lines += _md_claims(page) + _md_products(page) + _md_regulatory(page) + _md_safety(plan)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines += ["---", "", f"ImmunoGrade {__version__} · report generated {stamp} · "
              "evidence summaries, not medical advice."]  # fmt: skip
    return "\n".join(lines) + "\n"


def write_report(plan: ReportPlan, fmt: str, out_dir: Path) -> list[Path]:
    """Write the report in ``fmt`` into ``out_dir``; returns the files written (report first)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{plan.substance_id}.{fmt}"
    if fmt == "html":
        _write_atomic(target, to_html(plan).encode("utf-8"))
        return [target]
    if fmt == "pdf":
        print_pdf(to_html(plan), target)
        return [target]
    files = []
    for job in plan.jobs:
        if job.stem in plan.svgs:
            path = out_dir / f"{job.stem}.svg"
            _write_atomic(path, plan.svgs[job.stem].encode("utf-8"))
            files.append(path)
    _write_atomic(target, to_markdown(plan).encode("utf-8"))
    return [target, *files]


def make_report(kb: KnowledgeBase, name: str, fmt: str, out_dir: Path) -> list[Path]:
    """Plan, render and write the report of ``name`` in one call."""
    if fmt == "pdf":
        chromium_path()  # fail before the slow steps
    plan = plan_report(kb, name)
    plan.render_plots()
    return write_report(plan, fmt, out_dir)

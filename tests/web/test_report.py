"""``immunograde report``: the substance page as a standalone document (HTML, Markdown, PDF).

Expected facts come from the reviewed files the knowledge base is built from: tocilizumab's WHO ATC code
L04AC07, Kagocel's Cyrillic name «Кагоцел» (data/substances, from the unproven-drug lists) and its
claimant, the fuflomycin-project list.  The report must say what the web page says, so verdicts are
compared with the page's JSON twin.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from immunograde.cli.exitcodes import ExitCode
from immunograde.cli.main import main
from immunograde.kb.queries import KnowledgeBase
from immunograde.plots import cache
from immunograde.web import report


@pytest.fixture(scope="module")
def kb(web_db: Path) -> KnowledgeBase:
    return KnowledgeBase(web_db)


@pytest.fixture(scope="module")
def tocilizumab(kb: KnowledgeBase) -> report.ReportPlan:
    plan = report.plan_report(kb, "tocilizumab")
    plan.render_plots()
    return plan


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_html_is_standalone_and_says_what_the_page_says(
    tocilizumab: report.ReportPlan, client: TestClient, tmp_path: Path
) -> None:
    (path,) = report.write_report(tocilizumab, "html", tmp_path)
    assert path == tmp_path / "tocilizumab.html"
    html = path.read_text(encoding="utf-8")
    assert "L04AC07" in html  # WHO ATC code of tocilizumab
    # nothing to fetch: no stylesheet link, no script, no image or link into the running app
    assert not re.search(r"<(link|script)\b", html)
    assert not re.search(r'(src|href)="(?!#)', html), "only in-document links"
    assert "<style>" in html and ".badge" in html  # the site's style sheet, inlined
    page = client.get("/substances/tocilizumab.json").json()
    for card in page["evidence"]:
        assert f'<span class="badge v-{card["verdict"]}">{card["verdict_label"]}</span>' in html
        for q in card["questions"]:
            assert f'id="q-{q["question_id"]}"' in html
            if q["k"]:
                assert f'id="plot-{q["question_id"]}-forest"><svg' in html


def test_every_question_with_trials_gets_forest_and_cumulative_plots(
    tocilizumab: report.ReportPlan, client: TestClient
) -> None:
    page = client.get("/substances/tocilizumab.json").json()
    with_trials = [q for c in page["evidence"] for q in c["questions"] if q["k"] >= 2]
    assert with_trials, "tocilizumab has seeded COVID-19 questions with several trials"
    expected = {
        f"{q['question_id']}-{kind}" for q in with_trials for kind in ("forest", "cumulative")
    }
    assert expected <= set(tocilizumab.svgs)
    for stem in expected:
        svg = tocilizumab.svgs[stem]
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")


def test_markdown_links_plots_written_beside_it(
    tocilizumab: report.ReportPlan, tmp_path: Path
) -> None:
    files = report.write_report(tocilizumab, "md", tmp_path)
    md = files[0].read_text(encoding="utf-8")
    assert files[0].name == "tocilizumab.md"
    assert md.startswith("# tocilizumab\n")  # the INN, as data/substances names it
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert sorted(links) == sorted(f.name for f in files[1:])
    assert all((tmp_path / link).read_text().startswith("<svg") for link in links)
    # the Summary of Findings table (grading.sof.to_markdown) and the verdict are in it
    assert "| Outcome |" in md and "**Verdict: " in md
    assert "## Regulatory status" in md and "| EMA | EU |" in md


def test_cli_resolves_a_cyrillic_brand_name(tmp_path: Path, web_db: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    # Dibazol (bendazole): no trial in the knowledge base (Kagocel has hand-curated trials since issue 14)
    code, out, _ = run_cli(["report", "Дибазол", "--format", "md", "--out", str(tmp_path),
                            "--db", str(web_db)], capsys)  # fmt: skip
    assert code == ExitCode.OK
    assert out.strip() == str(tmp_path / "bendazole.md")
    md = (tmp_path / "bendazole.md").read_text(encoding="utf-8")
    assert md.startswith("# Bendazole\n") and "Дибазол" in md
    assert "**Verdict: unknown: no controlled evidence in the knowledge base**" in md
    assert "fuflomycin project" in md  # the claimant of the unproven-drug list


def test_cli_unknown_substance_exits_not_found_with_suggestions(
    tmp_path: Path, web_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run_cli(["report", "tocilizumub", "--out", str(tmp_path), "--db", str(web_db)],
                             capsys)  # fmt: skip
    assert code == ExitCode.NOT_FOUND
    assert err.count("\n") == 1 and err.startswith("error: no substance named 'tocilizumub'")
    assert "Did you mean: " in err and "tocilizumab" in err.split("Did you mean: ")[1]
    assert list(tmp_path.iterdir()) == []


def test_cli_pdf_without_chromium_says_how_to_install_it(
    tmp_path: Path,
    web_db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IMMUNOGRADE_CHROMIUM", str(tmp_path / "no-chromium-here"))
    code, _, err = run_cli(["report", "tocilizumab", "--format", "pdf", "--out", str(tmp_path / "o"),
                            "--db", str(web_db)], capsys)  # fmt: skip
    assert code == ExitCode.NOT_FOUND
    assert err.count("\n") == 1 and "apt-get install chromium" in err
    assert not (tmp_path / "o").exists()


def test_cli_rejects_an_unknown_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["report", "tocilizumab", "--format", "docx", "--out", str(tmp_path)],
                           capsys)  # fmt: skip
    assert code == ExitCode.USAGE and "html, pdf, md" in err


def _pdf_title(pdf: bytes) -> str:
    m = re.search(rb"/Title\s*<FEFF([0-9A-F]+)>", pdf)
    assert m, "chromium writes the document title as UTF-16BE hex"
    return bytes.fromhex(m.group(1).decode()).decode("utf-16-be")


def test_pdf_is_printed_by_chromium(tocilizumab: report.ReportPlan, tmp_path: Path) -> None:
    # without chromium, write_report raises NotFoundError("... apt-get install chromium"): a failure
    (path,) = report.write_report(tocilizumab, "pdf", tmp_path)
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert _pdf_title(pdf) == "tocilizumab · ImmunoGrade dossier"  # the report's <title>
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    plots = len(tocilizumab.svgs)
    assert pages >= plots // 2 + 1, "the plots are printed, not dropped"
    assert [p.name for p in tmp_path.iterdir()] == ["tocilizumab.pdf"]  # no temporary files left


def test_cli_pdf_when_chromium_prints_nothing_is_one_line_not_a_traceback(
    tmp_path: Path,
    web_db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IMMUNOGRADE_CHROMIUM", "/bin/false")  # runs, prints nothing, exits 1
    code, _, err = run_cli(["report", "kagocel", "--format", "pdf", "--out", str(tmp_path),
                            "--db", str(web_db)], capsys)  # fmt: skip
    assert code == ExitCode.INTERNAL
    assert err.count("\n") == 1 and err.startswith("error: chromium did not print the PDF (exit 1)")
    assert list(tmp_path.iterdir()) == []


def test_web_dossier_shows_the_charts_the_command_drew(
    tocilizumab: report.ReportPlan, client: TestClient, web_db: Path
) -> None:
    """One drawing per chart: the command kept each chart beside the knowledge base by the content of
    its specification, and the web dossier (drawn in the server's workers) shows the same bytes."""
    kept = {p.stem for p in (web_db.parent / "charts").glob("??/*.svg")}
    specs = dict((job.stem, spec) for job, spec in tocilizumab.specs())
    assert {cache.key(spec, "svg") for spec in specs.values()} <= kept
    html = client.get("/substances/tocilizumab/report.html").text
    for stem, svg in tocilizumab.svgs.items():
        assert f'id="plot-{stem}">{svg}' in html, stem


def test_two_drawing_processes_draw_what_one_draws(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The charts drawn in two processes (the report may use two cores) are the bytes drawn in one."""
    parallel = report.plan_report(kb, "tocilizumab")
    parallel.charts = tmp_path / "two"
    parallel.render_plots()
    assert len(parallel.svgs) >= report.PARALLEL_FROM  # the two-process path was taken
    monkeypatch.setattr(report.os, "sched_getaffinity", lambda pid: {0})  # one core
    serial = report.plan_report(kb, "tocilizumab")
    serial.charts = tmp_path / "one"
    serial.render_plots()
    assert serial.svgs == parallel.svgs

"""living/: question TSA, history and change records, diff, Atom feed, CLI (tsa, diff).

Fixture: a knowledge base built from the repository's BCG question and trials (metadat dat.bcg in
../shared) plus a class and a substance file written here.  Expected values are derived in the test
from the shared CSV (``trials/metadat/dat.bcg.csv``) with the published RIS formula.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import duckdb
import numpy as np
import pytest
from scipy.stats import norm

from immunograde import settings
from immunograde.cli.living_cmd import tsa_json
from immunograde.cli.main import main
from immunograde.errors import InputError
from immunograde.evidence.feed import atom_feed
from immunograde.evidence.history import diff_builds, question_history, recent_changes, record_build
from immunograde.evidence.tsa import question_tsa
from immunograde.kb.build import build_kb
from immunograde.kb.queries import open_kb

REPO = Path(__file__).resolve().parents[2]
QID = "bcg-vaccine-tuberculosis"
REVIEW = "extracted_by: t1-test-fixture\ndate_reviewed: 2026-11-24\nnext_review: 2027-11-24\n"


def _data(tmp: Path) -> Path:
    d = tmp / "data"
    (d / "trials").mkdir(parents=True)
    (d / "questions").mkdir()
    (d / "substances").mkdir()
    shutil.copy(REPO / "data/trials/metadat-bcg.yaml", d / "trials")
    shutil.copy(REPO / f"data/questions/{QID}.yaml", d / "questions")
    shutil.copytree(REPO / "data/sources", d / "sources")
    (d / "classes.yaml").write_text(
        "- id: j07\n  name: Vaccines\n  kind: atc\n  atc_code: J07\n"
        '  source: {url: "https://atcddd.fhi.no/atc_ddd_index/?code=J07"}\n'
        + "".join("  " + line + "\n" for line in REVIEW.splitlines())
    )
    (d / "substances/bcg-vaccine.yaml").write_text(
        "id: bcg-vaccine\nname: BCG vaccine\nclasses: [j07]\n"
        'source: {url: "https://atcddd.fhi.no/atc_ddd_index/?code=J07AN01"}\n' + REVIEW
    )
    return d


@pytest.fixture(scope="module")
def kb_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("kb")
    db = tmp / "kb.duckdb"
    build_kb(_data(tmp), db, settings.shared_data_dir())
    return db


def _bcg_rows() -> list[dict[str, str]]:
    with open(settings.shared_data_dir() / "trials/metadat/dat.bcg.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_question_tsa_from_the_source_counts(kb_file: Path) -> None:
    rows = _bcg_rows()
    n = sum(int(r[c]) for r in rows for c in ("tpos", "tneg", "cpos", "cneg"))
    events_c = sum(int(r["cpos"]) for r in rows)
    n_c = sum(int(r["cpos"]) + int(r["cneg"]) for r in rows)
    with open_kb(kb_file) as kb:
        r = question_tsa(kb, QID, rrr=0.2, alpha=0.05, beta=0.2)
    assert r.k == len(rows) == 13
    assert r.participants == n
    assert r.p_c == pytest.approx(events_c / n_c)
    # RIS = 4 (z_.975 + z_.8)^2 p(1-p) / (p_c - p_i)^2, p_i = 0.8 p_c, p = (p_c + p_i)/2
    pc = events_c / n_c
    p = (pc + 0.8 * pc) / 2
    ris = int(np.ceil(4 * (norm.isf(0.025) + norm.isf(0.2)) ** 2 * p * (1 - p) / (0.2 * pc) ** 2))
    assert r.ris_fixed == ris
    assert r.required_information_size == int(np.ceil(ris / (1 - r.diversity)))
    assert r.participants_needed == r.required_information_size - n
    assert r.information_fraction == pytest.approx(n / r.required_information_size)
    years = [t["year"] for t in r.trials]
    assert years == sorted(years)  # cumulative order: publication year
    assert abs(r.z_final) < r.boundary_final and r.conclusion == "not_yet"
    assert r.tsa_ci_low < r.ci_low < r.estimate < r.ci_high < r.tsa_ci_high


def test_ongoing_trials_and_what_it_would_take(kb_file: Path, tmp_path: Path) -> None:
    from immunograde.ingest.schema import ensure_schema

    db = tmp_path / "kb.duckdb"
    shutil.copy(kb_file, db)
    con = duckdb.connect(str(db))
    ensure_schema(con)
    # synthetic registry rows (test fixture, not knowledge-base data): which count and which not
    studies = [
        ("NCT90000001", "BCG revaccination", "RECRUITING", 100000, False, ["Tuberculosis"]),
        ("NCT90000002", "BCG in infants", "COMPLETED", 50000, False, ["Pulmonary Tuberculosis"]),
        ("NCT90000003", "BCG trial with results", "COMPLETED", 70000, True, ["Tuberculosis"]),
        ("NCT90000004", "Placebo only", "RECRUITING", 9000, False, ["Tuberculosis"]),
        ("NCT90000005", "BCG for bladder cancer", "RECRUITING", 400, False, ["Bladder Cancer"]),
        ("NCT90000006", "Stopped BCG trial", "TERMINATED", 800, False, ["Tuberculosis"]),
    ]
    con.executemany("INSERT INTO reg_studies (nct_id, title, overall_status, enrollment, has_results, "
                    "conditions) VALUES (?, ?, ?, ?, ?, ?)", studies)  # fmt: skip
    con.executemany("INSERT INTO reg_interventions (nct_id, intervention_no, name, other_names) "
                    "VALUES (?, 1, ?, ?)", [
        ("NCT90000001", "BCG vaccine", []), ("NCT90000002", "SSI strain 1331", ["BCG Vaccine"]),
        ("NCT90000003", "BCG vaccine", []), ("NCT90000004", "placebo", ["sugar pill"]),
        ("NCT90000005", "BCG vaccine", []), ("NCT90000006", "BCG vaccine", [])])  # fmt: skip
    con.close()
    with open_kb(db) as kb:
        r = question_tsa(kb, QID, rrr=0.2)
    # ongoing or completed without results, naming the substance, for tuberculosis (the indication)
    assert [t.nct_id for t in r.ongoing_trials] == ["NCT90000001", "NCT90000002"]
    f1 = (r.participants + 150000) / r.required_information_size
    assert r.information_fraction_with_ongoing == pytest.approx(f1)
    assert f"from {r.information_fraction:.2f} to {f1:.2f}" in r.what_would_it_take
    assert "The 2 registered trials" in r.what_would_it_take


def test_history_records_changes_with_their_cause(kb_file: Path, tmp_path: Path) -> None:
    hist = tmp_path / "history.duckdb"
    assert record_build(kb_file, hist) == []  # first build: nothing to compare with
    assert record_build(kb_file, hist) == []  # same data version: recorded once
    data = _data(tmp_path / "v2")
    q = data / f"questions/{QID}.yaml"
    text = q.read_text()
    assert "  ai: 4\n" in text  # Aronson 1948, tpos = 4 in dat.bcg.csv row 1
    q.write_text(text.replace("  ai: 4\n", "  ai: 40\n", 1))  # a "correction" of one trial
    new_db = tmp_path / "kb2.duckdb"
    build_kb(data, new_db, settings.shared_data_dir())
    changes = record_build(new_db, hist)
    est = [c for c in changes if c.field == "estimate"]
    assert len(est) == 1 and est[0].question_id == QID
    assert est[0].trials_corrected == ["bcg-aronson-1948"] and not est[0].trials_added
    assert [c.field for c in diff_builds(kb_file, new_db)] == [c.field for c in changes]
    hist_rows = question_history(QID, hist)
    assert len(hist_rows) == 2
    # the TSA recorded with each build (GRADE's RRR 25%): the "correction" (more events in the
    # vaccine arm of one trial) weakens the evidence below the monitoring boundary
    assert [h["tsa_conclusion"] for h in hist_rows] == ["benefit_established", "not_yet"]
    tsa_change = [c for c in changes if c.field == "tsa_conclusion"]
    assert len(tsa_change) == 1 and tsa_change[0].trials_corrected == ["bcg-aronson-1948"]
    recent = recent_changes(hist=hist)
    assert recent[0]["trials_corrected"] == ["bcg-aronson-1948"]
    xml = atom_feed(recent)
    root = ET.fromstring(xml)
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == len(recent)
    assert "bcg-aronson-1948" in (entries[0].findtext("{http://www.w3.org/2005/Atom}summary") or "")


def test_history_is_empty_before_the_first_record(tmp_path: Path) -> None:
    assert recent_changes(hist=tmp_path / "none.duckdb") == []
    assert question_history(QID, hist=tmp_path / "none.duckdb") == []
    assert not (tmp_path / "none.duckdb").exists()  # reading never creates the file


def test_atom_feed_escapes_text() -> None:
    xml = atom_feed([{"question_id": "q<1>", "field": "verdict", "old": "a & b", "new": "<c>",
                      "recorded_at": "2026-11-24T00:00:00+00:00", "data_version": "v"}])  # fmt: skip
    assert "&lt;c&gt;" in xml and "a &amp; b" in xml
    ET.fromstring(xml)


def test_cli_tsa_json_contract(kb_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open_kb(kb_file) as kb:
        body = tsa_json(question_tsa(kb, QID))
    for key in ("required_information_size", "diversity", "information_fraction", "z_final",
                "boundary_final", "conclusion", "participants_needed", "ongoing_trials",
                "boundary_curve"):  # fmt: skip
        assert key in body
    final = body["boundary_curve"][-1]  # the curve ends at the final analysis (>= the RIS)
    assert final["participants"] >= body["required_information_size"]
    assert final["upper"] is not None and final["lower"] == -final["upper"]
    with pytest.raises(SystemExit) as exc:
        main(["diff", "/nonexistent/a.duckdb", str(kb_file)])
    assert exc.value.code == 4
    assert "no knowledge-base file" in capsys.readouterr().err


def test_imprecision_input_explains_the_tsa(kb_file: Path) -> None:
    from immunograde.evidence.tsa import imprecision_input

    with open_kb(kb_file) as kb:
        r = question_tsa(kb, QID, rrr=0.2)
    inp = imprecision_input(r)
    assert inp["concern"] is True and inp["conclusion"] == "not_yet"
    assert f"{r.participants:,} of {r.required_information_size:,}" in inp["explanation"]


def test_tsa_summary_for_grading(kb_file: Path) -> None:
    from immunograde.evidence.tsa_grading import question_tsa_for_grading, tsa_summary
    from immunograde.grading.config import load_rules

    with open_kb(kb_file) as kb:
        r = question_tsa_for_grading(kb, QID)
    assert r is not None
    assert r.rrr == load_rules().information_size.relative_risk_reduction  # same as GRADE's OIS
    s = tsa_summary(r)
    assert s.required_information_size == r.required_information_size
    # at RRR 25% the RIS is smaller and the BCG Z curve crosses the boundary: benefit
    assert r.conclusion == "benefit_established" and s.boundary_crossed == "benefit"
    seq = r.sequential
    assert seq is not None and seq.crossing_look is not None
    k = list(seq.look).index(seq.crossing_look)
    assert -seq.z[k] >= seq.upper[k]  # a ratio below 1 of tuberculosis: negative Z is benefit
    crossed_at = r.trials[seq.crossing_look]["participants"]
    assert (
        f"boundary for benefit was crossed at {crossed_at:,} participants" in r.what_would_it_take
    )
    assert "Trial sequential analysis" in s.explanation


def test_cumulative_by_year_ends_with_the_inverse_variance_pool(kb_file: Path) -> None:
    from immunograde.evidence.charts import cumulative_by_year, cumulative_spec

    with open_kb(kb_file) as kb:
        rows = cumulative_by_year(kb, QID)
    assert [r.year for r in rows] == sorted(r.year for r in rows)
    # hand-derived fixed-effect pool from the source counts: log RR, v = 1/a - 1/n1 + 1/c - 1/n2
    src = _bcg_rows()
    a = np.array([float(r["tpos"]) for r in src])
    n1 = a + np.array([float(r["tneg"]) for r in src])
    c = np.array([float(r["cpos"]) for r in src])
    n2 = c + np.array([float(r["cneg"]) for r in src])
    y, v = np.log((a / n1) / (c / n2)), 1 / a - 1 / n1 + 1 / c - 1 / n2
    fe = np.sum(y / v) / np.sum(1 / v)
    assert rows[-1].fixed_estimate == pytest.approx(np.exp(fe), rel=1e-10)
    assert rows[-1].k == 13 and rows[0].k == 1
    assert rows[0].random_estimate == pytest.approx(rows[0].fixed_estimate)  # one trial: tau2 = 0
    spec = cumulative_spec(rows)
    assert len(spec["layer"]) == 3


def test_cli_tsa_writes_the_plot_and_rejects_bad_options(
    kb_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("IMMUNOGRADE_DB", str(kb_file))
    out = tmp_path / "tsa.svg"
    with pytest.raises(SystemExit) as exc:
        main(["tsa", QID, "--rrr", "0.2", "--plot", str(out), "--format", "json"])
    assert exc.value.code == 0 and out.read_text().startswith("<svg")
    assert '"conclusion": "not_yet"' in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["tsa", QID, "--spending", "nope"])
    assert exc.value.code == 3
    assert "unknown spending function" in capsys.readouterr().err


def test_ris_adjustments(kb_file: Path) -> None:
    with open_kb(kb_file) as kb:
        d2 = question_tsa(kb, QID)
        i2 = question_tsa(kb, QID, adjust="i2")
        none = question_tsa(kb, QID, adjust="none")
        fixed = question_tsa(kb, QID, model="fixed")
    assert none.required_information_size == d2.ris_fixed
    assert i2.required_information_size == int(np.ceil(d2.ris_fixed / (1 - d2.i2)))
    assert fixed.diversity == 0.0 and fixed.required_information_size == fixed.ris_fixed
    with open_kb(kb_file) as kb, pytest.raises(InputError, match="adjust must be one of"):
        question_tsa(kb, QID, adjust="tau2")


def test_watch_imports_new_registry_files_once(
    kb_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "kb.duckdb"
    shutil.copy(kb_file, db)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # a real ClinicalTrials.gov v2 record from ../shared (completed, no results posted)
    shutil.copy(
        settings.shared_data_dir() / "registries/ctgov_v2_NCT03630471_no_results.json", inbox
    )
    (inbox / "notes.txt").write_text("not a registry file")
    monkeypatch.setenv("IMMUNOGRADE_HISTORY", str(tmp_path / "history.duckdb"))
    data = _data(tmp_path / "d")
    with pytest.raises(SystemExit) as exc:
        main(["watch", str(inbox), "--db", str(db), "--data", str(data), "--format", "json"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert '"imported": [\n    "ctgov_v2_NCT03630471_no_results.json"\n  ]' in out
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(
        "SELECT count(*) FROM reg_studies WHERE nct_id = 'NCT03630471'"
    ).fetchone() == (1,)
    con.close()
    with pytest.raises(SystemExit):
        main(["watch", str(inbox), "--db", str(db), "--data", str(data), "--format", "json"])
    assert (
        '"skipped": [\n    "ctgov_v2_NCT03630471_no_results.json"\n  ]' in capsys.readouterr().out
    )


@pytest.fixture(scope="module")
def om89_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("om89")
    d = _data(tmp)  # the BCG fixture plus the OM-89 question (mean difference of UTI recurrences)
    shutil.copy(REPO / "data/trials/metadat-om89.yaml", d / "trials")
    shutil.copy(REPO / "data/questions/om-89-recurrent-uti-recurrences.yaml", d / "questions")
    (d / "substances/om-89.yaml").write_text(
        "id: om-89\nname: OM-89\nclasses: [j07]\n"
        'source: {url: "https://atcddd.fhi.no/atc_ddd_index/?code=J07"}\n' + REVIEW
    )
    db = tmp / "kb.duckdb"
    build_kb(d, db, settings.shared_data_dir())
    return db


def test_mean_difference_tsa_from_patient_level_data(om89_kb: Path) -> None:
    # dat.huber2000.csv holds one row per patient (study, treatment, recurrences): the pooled SD
    # over the ten arms, sqrt(sum (n - 1) s^2 / sum (n - 1)), is derived here from those rows
    arms: dict[tuple[str, str], list[float]] = {}
    with open(settings.shared_data_dir() / "trials/metadat/dat.huber2000.csv", newline="") as f:
        for row in csv.DictReader(f):
            arms.setdefault((row["study"], row["treatment"]), []).append(float(row["recurrences"]))
    num = sum((len(x) - 1) * np.var(x, ddof=1) for x in arms.values())
    sd = np.sqrt(num / sum(len(x) - 1 for x in arms.values()))
    n = sum(len(x) for x in arms.values())
    with open_kb(om89_kb) as kb:
        with pytest.raises(InputError, match="minimal important difference"):
            question_tsa(kb, "om-89-recurrent-uti-recurrences")  # mid: null in the question
        r = question_tsa(kb, "om-89-recurrent-uti-recurrences", mid=0.5)
    assert r.participants == n == 601
    assert r.sd == pytest.approx(sd, rel=1e-8)  # the question file rounds means/SDs to 10 digits
    ris = int(np.ceil(4 * (norm.isf(0.025) + norm.isf(0.2)) ** 2 * sd**2 / 0.5**2))
    assert r.ris_fixed == ris and r.mid == 0.5 and r.rrr is None
    assert r.required_information_size == int(np.ceil(ris / (1 - r.diversity)))
    assert r.estimate < 0  # fewer recurrences with OM-89: a mean difference, not exponentiated

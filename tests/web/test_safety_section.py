"""The safety section of the substance pages on the shipped FAERS sample (issue 12): a drug-event pair
is shown as a signal only on at least MIN_REPORTS reports (the rest are counted), the 200-report sample
is labelled a demonstration, a product the reports never name says so instead of "no signal", and a
table of signals explains why PRR can be high where EBGM is low.

The reports are scored as ``immunograde build`` scores them (``safety ingest`` of the sample's zips,
drug names mapped to the knowledge base's substances); the expected values are read from that store.
"""

from __future__ import annotations

import contextlib
import html
import io
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from immunograde.safety.store import MIN_REPORTS, SAMPLE_REPORTS
from immunograde.settings import shared_data_dir
from immunograde.web.app import create_app

SAMPLE = sorted((shared_data_dir() / "pharmacovigilance" / "faers_sample").glob("*.zip"))


@pytest.fixture(scope="module")
def safety(
    web_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Path]]:
    from immunograde.cli.safety_cmd import ingest

    store = tmp_path_factory.mktemp("safety") / "safety"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IMMUNOGRADE_DB", str(web_db))
        mp.setenv("IMMUNOGRADE_SAFETY", str(store))
        with contextlib.redirect_stdout(io.StringIO()):
            ingest(paths=SAMPLE, engine="duckdb", master="local[2]", roles="PS,SS,C,I",
                   drug_level="substance", stratify=True, likelihood="truncated", fmt="json",
                   lang="en")  # fmt: skip
        with TestClient(create_app(web_db, warm=False)) as client:
            yield client, store


def _flagged(store: Path) -> list[dict]:
    table = pq.read_table(store / "signals.parquet")
    rules = [c for c in table.column_names if c.startswith("signal_")]
    return [r for r in table.to_pylist() if any(r[c] for c in rules)]


def test_pairs_on_few_reports_are_counted_not_shown(safety: tuple[TestClient, Path]) -> None:
    client, store = safety
    flagged = _flagged(store)
    assert flagged, "the sample flags no pair: the check would be empty"
    assert len(SAMPLE) == 2
    for drug in sorted({r["drug"] for r in flagged}):
        few = [r for r in flagged if r["drug"] == drug and r["n"] < MIN_REPORTS]
        page = client.get(f"/substances/{drug}.json").json()["safety"]
        assert page["few_reports"] == len(few), drug
        assert all(s["n"] >= MIN_REPORTS for s in page["signals"]), drug
        assert page["sample"] is (0 < page["n_reports"] < SAMPLE_REPORTS)
        text = html.unescape(client.get(f"/substances/{drug}").text)
        section = text.split('id="safety"', 1)[1].split("<h2", 1)[0]
        if few:
            assert (
                f"{len(few)} more drug-event pairs meet a rule on fewer than {MIN_REPORTS}"
                in section
            )
        for r in few:  # a single report's pair is no signal on the page
            assert r["event"].title() not in section and r["event"] not in section, (
                drug,
                r["event"],
            )
        assert "This is a small demonstration sample of reports, not surveillance" in section


def test_a_substance_not_in_the_reports_is_not_no_signal(safety: tuple[TestClient, Path]) -> None:
    client, store = safety
    drugs = set(pq.read_table(store / "signals.parquet").column("drug").to_pylist())
    assert "kagocel" not in drugs
    page = client.get("/substances/kagocel.json").json()["safety"]
    assert page["status"] == "not in the reports" and page["signals"] == []
    section = html.unescape(client.get("/substances/kagocel").text).split('id="safety"', 1)[1]
    assert (
        "does not appear in the reports ingested" in section
        and '(this is not "no signal")' in section
    )
    assert "No drug-event pair for this substance meets a signal rule" not in section


def test_a_signal_table_explains_a_high_prr_beside_a_low_ebgm(tmp_path: Path) -> None:
    """The sample's risperidone / gynaecomastia (6 reports, drug names as reported): PRR 194 beside
    EBGM 1.7; the table the substance pages show prints both with the sentence that explains it."""
    from immunograde.safety.engines import DuckDBEngine
    from immunograde.safety.faers import ingest
    from immunograde.safety.pipeline import PipelineOptions, run_pipeline
    from immunograde.safety.store import save_results, signals_for_substance
    from immunograde.stats.gps import GPSPrior
    from immunograde.web.templating import templates

    ingest(SAMPLE, tmp_path / "pq")
    res = run_pipeline(DuckDBEngine(), tmp_path / "pq",
                       PipelineOptions(drug_level="name", prior=GPSPrior(1, 1, 2, 2, 0.5)))  # fmt: skip
    where = save_results(res, ["sample"], tmp_path / "store")
    found = signals_for_substance("RISPERIDONE", folder=where)
    (gyn,) = [s for s in found.signals if s.event == "GYNAECOMASTIA"]
    assert gyn.n >= MIN_REPORTS and gyn.prr > 10 * gyn.ebgm
    macros = templates.env.get_template("_sections.html").module
    table = html.unescape(str(macros.signals_table([gyn.__dict__])))  # type: ignore[attr-defined]
    assert "GYNAECOMASTIA" in table
    assert "so a pair with few reports can show a high PRR beside a low EBGM" in table

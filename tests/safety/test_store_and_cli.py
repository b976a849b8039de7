"""`safety ingest` / `safety signals` CLI contract, the results store and openFDA JSON input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

from immunograde.safety.engines import DuckDBEngine
from immunograde.safety.openfda import convert
from immunograde.safety.pipeline import PipelineOptions, run_pipeline
from immunograde.safety.store import MIN_REPORTS, save_results, signals_for_substance
from immunograde.settings import shared_data_dir
from immunograde.stats.gps import GPSPrior

SAMPLE = shared_data_dir() / "pharmacovigilance" / "faers_sample"

OPENFDA = {
    "meta": {},
    "results": [
        {
            "safetyreportid": "10003300", "safetyreportversion": "2", "receivedate": "20140312",
            "patient": {
                "patientonsetage": "56", "patientonsetageunit": "801", "patientsex": "2",
                "drug": [
                    {"drugcharacterization": "1", "medicinalproduct": "HUMIRA",
                     "activesubstance": {"activesubstancename": "ADALIMUMAB"}},
                    {"drugcharacterization": "2", "medicinalproduct": "ASPIRIN"},
                ],
                "reaction": [{"reactionmeddrapt": "Injection site pain"}],
            },
        },
        {
            "safetyreportid": "10003301", "receivedate": "20150101",
            "patient": {"drug": [{"drugcharacterization": "1", "medicinalproduct": "HUMIRA",
                                  "openfda": {"substance_name": ["ADALIMUMAB"]}}],
                        "reaction": [{"reactionmeddrapt": "Rash"}]},
        },
    ],
}  # fmt: skip


def test_openfda_json_is_a_second_input(tmp_path: Path) -> None:
    src = tmp_path / "event.json"
    src.write_text(json.dumps(OPENFDA))
    counts = convert([src], tmp_path / "pq")
    assert counts == {"demo": 2, "drug": 3, "reac": 2}
    demo = pq.read_table(tmp_path / "pq" / "demo_openfda.parquet").to_pylist()
    assert (demo[0]["sex"], demo[0]["age_years"], demo[0]["fda_dt"]) == ("F", 56.0, 20140312)
    res = run_pipeline(
        DuckDBEngine(), tmp_path / "pq",
        PipelineOptions(drug_level="name", stratify=False, roles=("PS",), prior=GPSPrior(1, 1, 2, 2, 0.5)),
    )  # fmt: skip
    # openFDA 'suspect' (1) counts when PS is asked for; the concomitant aspirin does not.
    pairs = {(r["drug"], r["event"]): r["n"] for r in res.score.table.to_pylist()}
    assert pairs == {("ADALIMUMAB", "INJECTION SITE PAIN"): 1, ("ADALIMUMAB", "RASH"): 1}


def test_signals_store_roundtrip(tmp_path: Path) -> None:
    assert signals_for_substance("adalimumab", folder=tmp_path / "none").status == (
        "no safety data ingested"
    )
    from immunograde.safety.faers import ingest

    ingest([SAMPLE / "faers_ascii_2017q2.zip"], tmp_path / "pq")
    res = run_pipeline(
        DuckDBEngine(),
        tmp_path / "pq",
        PipelineOptions(drug_level="name", prior=GPSPrior(1, 1, 2, 2, 0.5)),
    )
    where = save_results(res, ["sample"], tmp_path / "store")
    table = pq.read_table(where / "signals.parquet")
    assert table.num_rows == res.score.table.num_rows
    flagged = [r for r in table.to_pylist() if r["drug"] == "RISPERIDONE" and any(
        r[c] for c in table.column_names if c.startswith("signal_"))]  # fmt: skip
    got = signals_for_substance("RISPERIDONE", folder=where)
    # a pair is shown as a signal only on at least MIN_REPORTS reports; the rest are counted
    shown = [r for r in flagged if r["n"] >= MIN_REPORTS]
    assert got.status == "ok" and len(got.signals) == len(shown)
    assert got.few_reports == len(flagged) - len(shown)
    assert all(s.n >= MIN_REPORTS for s in got.signals)
    assert "cannot show that the drug caused the event" in got.limits
    # a substance absent from every report is "not in the reports", never "no signal"
    drugs = set(table.column("drug").to_pylist())
    assert "ZZQXV-NOT-A-DRUG" not in drugs
    absent = signals_for_substance("ZZQXV-NOT-A-DRUG", folder=where)
    assert absent.status == "not in the reports" and absent.signals == []


def test_cli_ingest_and_signals(tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, err = cli("signals", "adalimumab", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["status"] == "no safety data ingested"
    zips = [str(SAMPLE / "faers_ascii_2017q2.zip"), str(SAMPLE / "aers_ascii_2004q1.zip")]
    code, out, err = cli("ingest", *zips, "--drug-level", "name", "--format", "json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["dedup"]["reports_before"] == 200  # 100 sampled reports per quarter
    assert (tmp_path / "var" / "safety" / "signals.parquet").exists()
    code, out, _ = cli("signals", "RISPERIDONE", "--format", "json")
    assert json.loads(out)["status"] == "ok"
    code, _, err = cli("ingest", str(tmp_path / "missing.zip"))
    assert (
        code == 4 and "missing.zip" in err and "Traceback" not in err
    )  # README: a named file not found


def test_signals_chart_spec_renders() -> None:
    import vl_convert

    from immunograde.safety.chart import signals_chart
    from immunograde.safety.store import Signal, SignalList

    sig = Signal("RASH", 10, 1.0, 6.0, 7.0, 1.5, 0.2, 8.5, 4.2, 15.0, ("eb05", "evans"))
    spec = signals_chart(SignalList("x", "ok", [sig]))
    assert spec["data"]["values"][0]["eb05"] == 4.2
    assert "<svg" in vl_convert.vegalite_to_svg(json.dumps(spec))

"""Scoring openEBGM's caers through the SQL counting + numpy statistics, and the score CLI.

Reference: openEBGM 0.9.1 output in ../shared/data/pharmacovigilance/reference/ (its README).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from immunograde.cli.main import main
from immunograde.safety.engines import DuckDBEngine
from immunograde.safety.report_table import score_report_table
from immunograde.settings import shared_data_dir
from immunograde.stats.gps import GPSPrior

PV = shared_data_dir() / "pharmacovigilance"
CAERS = PV / "caers.csv"
THETA_UNSTRAT = GPSPrior(
    3.25378642859682, 0.399888365988919, 2.02613053523768, 1.90808259827928, 0.0653457004101028
)
THETA_STRAT = GPSPrior(
    24.3530424972919, 2.34101401543354, 3.51170102196543, 2.91246682351267, 0.0318269487593081
)


def _aligned(result: pa.Table, ref: pa.Table) -> pa.Table:
    keys = [
        f"{d}\x00{e}"
        for d, e in zip(result["drug"].to_pylist(), result["event"].to_pylist(), strict=True)
    ]
    pos = {k: i for i, k in enumerate(keys)}
    ref_keys = [
        f"{d}\x00{e}" for d, e in zip(ref["var1"].to_pylist(), ref["var2"].to_pylist(), strict=True)
    ]
    assert len(pos) == len(ref_keys) == 17_189  # every openEBGM pair, no extra pair
    return result.take([pos[k] for k in ref_keys])


@pytest.mark.parametrize(
    ("strata", "ref_name", "theta"),
    [
        ((), "caers_openebgm_unstratified_reference.csv", THETA_UNSTRAT),
        (("strat1",), "caers_openebgm_stratified_gender_reference.csv", THETA_STRAT),
    ],
)
def test_caers_matches_openebgm(strata: tuple[str, ...], ref_name: str, theta: GPSPrior) -> None:
    res = score_report_table(
        DuckDBEngine(), CAERS, id_col="id", drug_col="var1", event_col="var2", strata=strata,
        prior=theta,
    )  # fmt: skip
    assert res.n_reports == 3_356
    ref = pacsv.read_csv(PV / "reference" / ref_name)
    got = _aligned(res.table, ref)
    np.testing.assert_array_equal(got["n"].to_numpy(), ref["N"].to_numpy())
    # E: same arithmetic on the same unique-report counts -> 1e-10 is generous.
    np.testing.assert_allclose(got["expected"].to_numpy(), ref["E"].to_numpy(), rtol=1e-10)
    # openEBGM rounds EBGM to 6 dp and EB05/EB95 (quantBisect) to 4 dp.
    np.testing.assert_allclose(got["ebgm"].to_numpy(), ref["EBGM"].to_numpy(), atol=1e-6)
    np.testing.assert_allclose(got["eb05"].to_numpy(), ref["QUANT_05"].to_numpy(), atol=1e-4)
    np.testing.assert_allclose(got["eb95"].to_numpy(), ref["QUANT_95"].to_numpy(), atol=1e-4)
    # openEBGM's PRR is rounded to 2 dp (Inf where no other drug has the event): within half a
    # unit in the 2nd decimal.
    prr = got["prr"].to_numpy()
    ref_prr = ref["PRR"].to_numpy()
    np.testing.assert_array_equal(np.isinf(prr), np.isinf(ref_prr))
    finite = np.isfinite(ref_prr)
    np.testing.assert_allclose(prr[finite], ref_prr[finite], rtol=0, atol=0.005 + 1e-9)
    if not strata:
        assert int(np.sum(got["eb05"].to_numpy() >= 2)) == 131  # openEBGM vignette 04


def test_stratified_fit_reaches_openebgm_prior() -> None:
    # openEBGM: autoHyper(autoSquash(stratified)) = (24.353, 2.341, 3.512, 2.912, 0.0318); we fit
    # on the unsquashed pairs (17,189 < 20,000) from the same vignette starts.
    res = score_report_table(
        DuckDBEngine(), CAERS, id_col="id", drug_col="var1", event_col="var2", strata=["strat1"]
    )
    assert res.fit is not None
    np.testing.assert_allclose(res.prior.as_tuple(), THETA_STRAT.as_tuple(), rtol=5e-3)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run ``immunograde safety ...`` in-process: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exc:
            main(["safety", *args])
        out, err = capsys.readouterr()
        return int(exc.value.code or 0), out, err

    return run


def test_cli_score_contract(tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    theta = ",".join(repr(v) for v in THETA_UNSTRAT.as_tuple())
    out = tmp_path / "scores.csv"
    code, _, err = cli(
        "score", str(CAERS), "--id-col", "id", "--drug-col", "var1", "--event-col", "var2",
        "--theta", theta, "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    table = pacsv.read_csv(out)
    contract = "drug event n expected prr prr_ci_low prr_ci_high chi2 ror ror_ci_low ror_ci_high"
    contract += " ic ic025 ic975 ebgm eb05 eb95 alpha1 beta1 alpha2 beta2 p"
    assert set(contract.split()) <= set(table.column_names)
    assert table.num_rows == 17_189
    assert table["alpha1"][0].as_py() == THETA_UNSTRAT.alpha1
    # REUMOFAN PLUS / WEIGHT INCREASED, README (vignette 04): N 16, EBGM 23.26, EB05 15.68.
    rows = [
        r
        for r in table.to_pylist()
        if (r["drug"], r["event"]) == ("REUMOFAN PLUS", "WEIGHT INCREASED")
    ]
    assert rows[0]["n"] == 16
    assert rows[0]["ebgm"] == pytest.approx(23.26, abs=0.005)
    # quantBisect(digits = 2) stops with a bracket < 0.005 and rounds: within 0.01 of the root.
    assert rows[0]["eb05"] == pytest.approx(15.68, abs=0.01)


def test_cli_score_json_and_errors(cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, err = cli(
        "score", str(CAERS), "--id-col", "id", "--drug-col", "var1", "--event-col", "var2",
        "--strata", "strat1", "--format", "json", "--theta", "24.353,2.341,3.512,2.912,0.0318",
    )  # fmt: skip
    assert code == 0, err
    payload = json.loads(out)
    assert payload["n_reports"] == 3_356 and payload["n_strata"] == 3
    assert payload["prior"]["alpha1"] == 24.353
    code, _, err = cli(
        "score", str(CAERS), "--id-col", "id", "--drug-col", "nope", "--event-col", "var2"
    )
    assert code == 3
    assert "caers.csv:1: nope: no column 'nope'" in err
    assert "Traceback" not in err
    code, _, err = cli(
        "score", str(CAERS), "--id-col", "id", "--drug-col", "var1", "--event-col", "var2",
        "--theta", "1,2,3",
    )  # fmt: skip
    assert code == 3 and "--theta" in err

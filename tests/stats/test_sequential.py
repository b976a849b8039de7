"""Trial sequential analysis (stats/sequential.py, stats/spending.py) against R's RTSA 0.2.2.

Reference values: ``validation/rtsa/ref_rtsa.json``, written by ``validation/rtsa/ref_rtsa.R``
(RTSA 0.2.2 from CRAN source; see ``validation/rtsa/README.md``).  The one published figure, the
diversity-adjusted RIS of 48,417 participants, is from the vitamin A TSA of PLoS One 2013,
doi:10.1371/journal.pone.0074558, Figure 4 legend.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from immunograde.stats.sequential import (
    diversity,
    gs_design,
    required_information_size,
    required_information_size_md,
    tsa,
)
from immunograde.stats.spending import alpha_boundaries, crossing_probabilities, spend

REF = json.loads(
    (Path(__file__).resolve().parents[2] / "validation" / "rtsa" / "ref_rtsa.json").read_text()
)
SPENDING = {"esOF": "obrien_fleming", "esPoc": "pocock", "rho": "rho"}
RTSA_NO_BOUND = 20.0  # RTSA writes 20 where a look spends < 1e-9 (no boundary); we write inf


def _as_rtsa(x: np.ndarray) -> np.ndarray:
    return np.where(np.isinf(x), RTSA_NO_BOUND * np.sign(x), x)


def _tol(b: np.ndarray) -> np.ndarray:
    # RTSA's boundary search stops once |P(cross) - increment| <= 1e-9 (its `tol`), so its z can
    # be off by up to 1e-9 / phi(z) (2e-5 at z = 4.75); we solve to 1e-12.  Doubled, plus 1e-7 for
    # the grid (both use Jennison & Turnbull's r = 18 grid, centred slightly differently).
    return 2e-9 / norm.pdf(np.minimum(np.abs(b), 19)) + 1e-7


def test_reference_grid_is_complete() -> None:
    assert REF["rtsa_version"] == "0.2.2"
    assert {c["outcome"] for c in REF["ris"]} == {"RR", "OR", "MD"} and len(REF["ris"]) == 9
    assert len(REF["alpha_boundaries"]) == 4 * 4 * 2  # timings x spending x sides
    assert len(REF["designs"]) == 4
    assert [a["name"] for a in REF["analyses"]] == [
        "obf_random_d2", "pocock_random_d2", "obf_fixed", "obf_random_d2_futility"]  # fmt: skip


@pytest.mark.parametrize("case", REF["ris"], ids=lambda c: c["name"])
def test_required_information_size_matches_rtsa(case: dict) -> None:
    common: dict = dict(
        alpha=case["alpha"], beta=case["beta"], side=case["side"], d2=case["D2"], i2=case["I2"]
    )
    if case["outcome"] == "MD":
        res = required_information_size_md(case["mc"], case["sd_mc"], **common)
    else:
        up = case["mc"] > 1  # a relative increase (desirable events): RTSA takes the ratio itself
        rrr = case["mc"] - 1 if up else 1 - case["mc"]
        res = required_information_size(
            case["pC"], rrr, measure=case["outcome"], increase=up, **common
        )
    assert res.ris == case["NF"]  # integers: exact
    assert res.ris_d2 == case["NR_D2"]
    assert res.ris_i2 == case["NR_I2"]


def test_diversity_adjusted_ris_of_published_vitamin_a_tsa() -> None:
    # PLoS One 2013;8:e74558, Fig. 4: DARIS = 48,417 from a control proportion of 10%, a relative
    # risk reduction of 15%, alpha 5%, beta 20% and "a diversity of 76%" (rounded to a percent).
    res = required_information_size(0.10, 0.15, alpha=0.05, beta=0.20, d2=0.76)
    assert res.ris == 11714  # = RTSA's NF for the same inputs (ref case vitamin_a_d2_076)
    lo = required_information_size(0.10, 0.15, alpha=0.05, beta=0.20, d2=0.755).ris_d2
    hi = required_information_size(0.10, 0.15, alpha=0.05, beta=0.20, d2=0.765).ris_d2
    assert lo is not None and hi is not None and lo <= 48417 < hi
    implied_d2 = 1 - res.ris / 48417  # the unrounded diversity the published figure implies
    assert round(implied_d2, 2) == 0.76
    assert implied_d2 == pytest.approx(0.75806, abs=1e-5)


@pytest.mark.parametrize(
    "case",
    REF["alpha_boundaries"],
    ids=lambda c: f"{c['timing_name']}-{c['spending']}{c['rho']}-{c['side']}",
)
def test_alpha_boundaries_match_rtsa(case: dict) -> None:
    b = alpha_boundaries(
        case["timing"], alpha=case["alpha"], side=case["side"], spending=SPENDING[case["spending"]],
        param=case["rho"],
    )  # fmt: skip
    ref = np.asarray(case["upper"], dtype=float)
    np.testing.assert_array_less(np.abs(_as_rtsa(b.upper) - ref), _tol(ref))
    # RTSA computes 2 * (1 - pnorm(x)), which cancels in the far tail; we use the survival function
    np.testing.assert_allclose(b.alpha_cum, case["alpha_cum"], rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize(
    "case", REF["designs"], ids=lambda c: f"{c['timing_name']}-{c['futility']}"
)
def test_design_inflation_and_futility_match_rtsa(case: dict) -> None:
    d = gs_design(case["timing"], alpha=case["alpha"], beta=case["beta"], side=case["side"],
                  futility=case["futility"], beta_spending="obrien_fleming")  # fmt: skip
    # the inflation factor is a root of a power (or boundary-meeting) equation on the same grid;
    # RTSA solves to 1e-9/1e-13 but its boundaries carry the search tolerance above: 1e-6.
    assert d.inflation == pytest.approx(case["root"], abs=1e-6)
    np.testing.assert_allclose(_as_rtsa(d.upper), case["upper"], atol=1e-5)
    if case["futility"] != "none":
        ref_up = np.array([np.nan if v is None else v for v in case["fut_upper"]])
        np.testing.assert_allclose(d.futility_upper, ref_up, atol=1e-6)
        np.testing.assert_allclose(d.futility_lower, -ref_up, atol=1e-6)


def _num(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@pytest.mark.parametrize("a", REF["analyses"], ids=lambda a: a["name"])
def test_full_tsa_matches_rtsa_perio_oxy(a: dict) -> None:
    k = len(a["n"])  # RTSA appends a row for the planned final analysis
    z, est = _num(a["z"])[:k], np.log(_num(a["outcome"])[:k])
    ris = a["RIS"] if a["fixed"] else a["HARIS"]
    r = tsa(np.cumsum(a["n"]), z, ris, estimate=est[-1], se=est[-1] / z[-1], alpha=0.05, beta=0.2,
            spending=SPENDING[a["es_alpha"]], futility=a["futility"])  # fmt: skip
    assert r.sequential_ris == int(np.ceil(a["SMA_HARIS"]))
    # the inflation root carries RTSA's boundary-search tolerance through a power equation over
    # a dozen looks (README): 5e-5
    root = a["SMA_HARIS"] / a["RIS"] if a["fixed"] else a["sma_timing"][-1]
    assert r.inflation == pytest.approx(root, abs=5e-5)
    ref_up, ref_fut = _num(a["upper"])[:k], _num(a["fut_upper"])[:k]
    tested = np.flatnonzero(~np.isnan(ref_up))
    assert list(r.look[: tested.size]) == list(tested)  # RTSA's 1% rule picks the same looks
    np.testing.assert_allclose(_as_rtsa(r.upper[: tested.size]), ref_up[tested], atol=2e-4)
    np.testing.assert_allclose(r.futility_upper[: tested.size], ref_fut[tested], atol=2e-4)
    if a["tsa_ci_lower"][k - 1] is not None:
        assert np.exp(r.ci_low) == pytest.approx(a["tsa_ci_lower"][k - 1], rel=1e-4)
        assert np.exp(r.ci_high) == pytest.approx(a["tsa_ci_upper"][k - 1], rel=1e-4)
    if a["stop_direction"] is None:
        assert r.conclusion == "not_yet"
    else:  # RTSA "ll": the lower boundary, a risk ratio below 1 of a harmful event = benefit
        assert a["stop_direction"] == "ll" and r.conclusion == "benefit_established"
        assert r.crossing_look == tested[a["stop_time"] - 1]


def test_information_fraction_is_participants_over_ris() -> None:
    a = next(x for x in REF["analyses"] if x["name"] == "obf_random_d2")
    r = tsa(np.cumsum(a["n"]), _num(a["z"])[: len(a["n"])], a["HARIS"])
    assert r.information_fraction == pytest.approx(7219 / 15688)  # AIS / HARIS (RTSA's AIS 7219)


def test_one_sided_obf_matches_a_published_table() -> None:
    # PharmCat/SeqBounds.jl, README.md, "Result" table of bounds([0.25, 0.5, 0.75, 1.0], 0.05):
    # one-sided, O'Brien-Fleming spending, alpha 0.05; spent 8.85754e-5, 0.0055746, 0.0236251, 0.05
    # and Z 3.74955, 2.53993, 2.01604, 1.72014.  That table uses a coarse grid (step h = 0.05),
    # so its Z agree with ours to 5e-5; the cumulative spending is a closed form (6 digits printed).
    b = alpha_boundaries([0.25, 0.5, 0.75, 1.0], alpha=0.05, side=1)
    np.testing.assert_allclose(b.upper, [3.74955, 2.53993, 2.01604, 1.72014], atol=5e-5)
    np.testing.assert_allclose(b.alpha_cum, [8.85754e-5, 0.0055746, 0.0236251, 0.05], rtol=1e-5)


def test_single_final_look_is_the_conventional_test() -> None:
    # hand-derived: one look at t = 1 spends all of alpha/2 -> boundary z_{0.975}
    for kind, param in (("obrien_fleming", None), ("pocock", None), ("rho", 2.0)):
        b = alpha_boundaries([1.0], spending=kind, param=param)
        assert b.upper[0] == pytest.approx(norm.isf(0.025), abs=1e-10)


def test_diversity_hand_case() -> None:
    # v = (1, 1), tau2 = 1: v_F = 1/2, v_R = 1/(1/2 + 1/2) = 1 -> D2 = 1 - 0.5/1 = 0.5
    assert diversity([1.0, 1.0], 1.0) == pytest.approx(0.5)
    assert diversity([0.3, 0.1, 0.2], 0.0) == pytest.approx(0.0)


def test_conclusions_hand_cases() -> None:
    n = np.array([1000.0, 2000.0, 4000.0])
    # ratio of a harmful event: Z = -6 at 40% of the RIS is beyond any OBF boundary -> benefit
    assert tsa(n, [-1.0, -2.0, -6.0], 10000).conclusion == "benefit_established"
    assert tsa(n, [1.0, 2.0, 6.0], 10000).conclusion == "harm_established"
    assert tsa(n, [-1.0, -1.0, -1.5], 10000).conclusion == "not_yet"
    # the RIS reached with Z inside the final boundary: an effect as large as assumed is excluded
    assert tsa(n, [-0.1, 0.2, 0.3], 3500).conclusion == "futility_established"


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.floats(0.05, 0.95), min_size=1, max_size=4, unique=True),
    st.sampled_from(["obrien_fleming", "pocock"]),
)
def test_boundaries_spend_exactly_alpha(fracs: list[float], kind: str) -> None:
    t = np.unique(np.round(np.append(sorted(fracs), 1.0), 2))
    t = t[np.diff(t, prepend=0.0) > 0.02]
    if t[-1] != 1.0:
        t = np.append(t, 1.0)
    b = alpha_boundaries(t, spending=kind)
    up, lo = crossing_probabilities(t, b.upper, b.lower, 0.0)
    assert up.sum() == pytest.approx(0.025, abs=1e-6)
    assert lo.sum() == pytest.approx(0.025, abs=1e-6)
    np.testing.assert_allclose(np.cumsum(up), spend(kind, 0.025, t), atol=1e-6)


def test_bad_input_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="p_c"):
        required_information_size(1.2, 0.2)
    with pytest.raises(ValueError, match="increasing"):
        alpha_boundaries([0.5, 0.4])
    with pytest.raises(ValueError, match="unknown spending"):
        spend("nope", 0.025, [1.0])

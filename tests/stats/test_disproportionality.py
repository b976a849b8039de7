"""PRR / ROR / chi-square / IC / BCPNN: a hand-worked 2x2 table and PhViD 1.0.8's conventions.

PhViD reference: ../shared/data/pharmacovigilance/reference/phvid_*_reference.csv.gz, computed by
PhViD ``BCPNN(as.PhViD(PhViDdata.frame), RANKSTAT = 2, MC = FALSE)`` and ``GPS(., RANKSTAT = 2)``
(README of that folder).  PhViD counts *pairs*: margins are sums of n11, N = 1,196,487.
"""

from __future__ import annotations

import numpy as np
import pyarrow.csv as pacsv
import pytest
from scipy import special
from scipy.stats import gamma

from immunograde.settings import shared_data_dir
from immunograde.stats.disproportionality import (
    bcpnn_gould,
    disproportionality,
    margins_from_pair_counts,
    signal_flags,
)
from immunograde.stats.gps import GPSPrior, gps_posterior, neg_log_lik, unsquashed
from immunograde.stats.gps_fit import auto_squash, combine, fit_prior, zero_cell_points

PV = shared_data_dir() / "pharmacovigilance"


def test_hand_worked_table() -> None:
    # a = 10, b = 90, c = 40, d = 860, N = 1000.
    res = disproportionality([10], [100], [50], 1000)
    # PRR = (10/100) / (40/900) = 2.25;  ROR = 10*860 / (90*40) = 8600/3600 = 2.38888...
    assert res.prr[0] == pytest.approx(2.25, rel=1e-14)
    assert res.ror[0] == pytest.approx(8600 / 3600, rel=1e-14)
    # chi2 = 1000 * (8600 - 3600)^2 / (100 * 900 * 50 * 950) = 2.5e10 / 4.275e9
    assert res.chi2[0] == pytest.approx(2.5e10 / 4.275e9, rel=1e-14)
    # Yates: 1000 * (5000 - 500)^2 / 4.275e9 = 2.025e10 / 4.275e9
    assert res.chi2_yates[0] == pytest.approx(2.025e10 / 4.275e9, rel=1e-14)
    # se(log PRR) = sqrt(1/10 - 1/100 + 1/40 - 1/900); se(log ROR) = sqrt(1/10+1/90+1/40+1/860)
    se_prr = np.sqrt(1 / 10 - 1 / 100 + 1 / 40 - 1 / 900)
    se_ror = np.sqrt(1 / 10 + 1 / 90 + 1 / 40 + 1 / 860)
    z = 1.959963984540054
    assert res.prr_ci_low[0] == pytest.approx(2.25 * np.exp(-z * se_prr), rel=1e-12)
    assert res.ror_ci_high[0] == pytest.approx(8600 / 3600 * np.exp(z * se_ror), rel=1e-12)
    # E = 100 * 50 / 1000 = 5; IC = log2(10.5 / 5.5); limits from Gamma(10.5, rate 5.5).
    assert res.ic[0] == pytest.approx(np.log2(10.5 / 5.5), rel=1e-14)
    assert res.ic025[0] == pytest.approx(np.log2(gamma.ppf(0.025, 10.5) / 5.5), rel=1e-10)
    assert res.ic975[0] == pytest.approx(np.log2(gamma.ppf(0.975, 10.5) / 5.5), rel=1e-10)
    flags = signal_flags(res, eb05=[1.9])
    # PRR 2.25 >= 2, Yates chi2 4.74 >= 4, n = 10 >= 3: Evans signals; ROR low limit 1.156 > 1.
    assert flags["evans"][0] and flags["ror025"][0]
    # IC025 = log2(5.1414 / 5.5) = -0.097 (Gamma(10.5) 2.5 % quantile 5.1414): the shrunk IC
    # does not signal on 10 reports against 5 expected.
    assert not flags["ic025"][0]
    assert not flags["eb05"][0]


def test_inconsistent_margins_raise() -> None:
    with pytest.raises(ValueError, match="inconsistent counts"):
        disproportionality([5], [3], [10], 100)


@pytest.fixture(scope="module")
def phvid() -> dict[str, np.ndarray]:
    t = pacsv.read_csv(PV / "PhViDdata_frame.csv.gz").to_pydict()
    _, drug = np.unique(np.array(t["Drug lab"]), return_inverse=True)
    _, event = np.unique(np.array(t["AE lab"]), return_inverse=True)
    keys = [f"{d}|{e}" for d, e in zip(t["Drug lab"], t["AE lab"], strict=True)]
    return {"drug": drug, "event": event, "n11": np.array(t["n11"], float), "key": np.array(keys)}


def _aligned(phvid: dict[str, np.ndarray], name: str, dcol: str, ecol: str):
    ref = pacsv.read_csv(PV / "reference" / name).to_pydict()
    keys = [f"{d}|{e}" for d, e in zip(ref[dcol], ref[ecol], strict=True)]
    order = np.argsort(phvid["key"])
    idx = order[np.searchsorted(phvid["key"], keys, sorter=order)]
    assert len(keys) == 102_483  # the whole grid, as in the README
    return ref, idx


def test_phvid_pair_counting_and_bcpnn(phvid: dict[str, np.ndarray]) -> None:
    m = margins_from_pair_counts(phvid["drug"], phvid["event"], phvid["n11"])
    assert m.n_total == 1_196_487  # phvid_summary.txt N_sum_n11
    ref, idx = _aligned(phvid, "phvid_bcpnn_reference.csv.gz", "drug code", "event effect")
    np.testing.assert_array_equal(m.n1_[idx], ref["drug margin"])
    np.testing.assert_array_equal(m.n_1[idx], ref["event margin"])
    np.testing.assert_allclose(m.expected[idx], ref["expected count"], rtol=1e-13)
    res = bcpnn_gould(phvid["n11"], m.n1_, m.n_1, m.n_total)
    # Closed form on both sides: floating-point agreement.
    np.testing.assert_allclose(res.ic025[idx], ref["Q_0.025(log(IC))"], rtol=1e-11, atol=1e-11)
    assert int(np.sum(res.ic025 >= 0)) == 10_067  # phvid_summary.txt BCPNN_LB_IC_ge_0_signals


def test_phvid_gps_eb05(phvid: dict[str, np.ndarray]) -> None:
    m = margins_from_pair_counts(phvid["drug"], phvid["event"], phvid["n11"])
    prior = GPSPrior(
        0.732399925671957, 0.228971681088903, 1.74112763108534, 2.21246322978709, 0.0976474716478297
    )  # phvid_summary.txt GPS_prior
    ref, idx = _aligned(phvid, "phvid_gps_reference.csv.gz", "drug", "event")
    post = gps_posterior(prior, phvid["n11"], m.expected)
    ref05 = np.asarray(ref["Q_0.05(lambda)"])
    # PhViD's .QuantileDuMouchel bisects until round(1e4 * (F(x) - 0.05)) == 0: its answer has
    # |F(x) - 0.05| < 5e-5 under our posterior CDF, and ours agrees with it to that precision.
    n, e, q = phvid["n11"][idx], m.expected[idx], post.qn[idx]
    cdf = q * special.gammainc(prior.alpha1 + n, (prior.beta1 + e) * ref05) + (1 - q) * (
        special.gammainc(prior.alpha2 + n, (prior.beta2 + e) * ref05)
    )
    assert np.max(np.abs(cdf - 0.05)) < 5e-5
    np.testing.assert_allclose(post.eb05[idx], ref05, rtol=1e-3)
    assert int(np.sum(post.eb05 >= 2)) == 3_540  # phvid_summary.txt GPS_EB05_ge_2_signals


def test_phvid_all_cells_fit(phvid: dict[str, np.ndarray]) -> None:
    # PhViD fits the prior by nlm on all 634 x 756 cells, zeros included (no truncation).
    m = margins_from_pair_counts(phvid["drug"], phvid["event"], phvid["n11"])
    rows = np.bincount(phvid["drug"], weights=phvid["n11"])[:, None]
    cols = np.bincount(phvid["event"], weights=phvid["n11"])[:, None]
    zeros = zero_cell_points(rows, cols, [m.n_total], m.expected)
    assert zeros.weight.sum() == 634 * 756 - 102_483
    observed = unsquashed(phvid["n11"], m.expected)
    data = combine(auto_squash(observed), zeros)
    fit = fit_prior(data, likelihood="all_cells", starts=[(0.2, 0.06, 1.4, 1.8, 0.1)])
    phvid_prior = (
        0.732399925671957,
        0.228971681088903,
        1.74112763108534,
        2.21246322978709,
        0.0976474716478297,
    )
    # nlm stops at its gradient tolerance; both land on the same optimum to about 1e-4.
    np.testing.assert_allclose(fit.prior.as_tuple(), phvid_prior, rtol=2e-4)
    # Exact all-cells likelihood (every zero cell on its own) at both optima: ours is no worse
    # than PhViD's beyond squashing noise.
    full_e = (rows @ cols.T).ravel() / m.n_total
    full_n = np.zeros((rows.size, cols.size))
    full_n[phvid["drug"], phvid["event"]] = phvid["n11"]
    exact = unsquashed(full_n.ravel(), full_e)
    ours = neg_log_lik(fit.prior, exact, truncated=False)
    theirs = neg_log_lik(GPSPrior(*phvid_prior), exact, truncated=False)
    assert ours <= theirs + 1e-3

"""GPS (gamma-Poisson shrinker) against openEBGM 0.9.1 on its caers data.

Reference values: ../shared/data/pharmacovigilance/reference/ (openEBGM ``processRaw`` + ``Qn`` /
``ebgm`` / ``quantBisect`` with ``autoHyper`` hyperparameters, vignette 04 recipe; see its README).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pytest

from immunograde.settings import shared_data_dir
from immunograde.stats.gps import (
    GPSPrior,
    SquashedData,
    ebgm,
    gps_posterior,
    neg_log_lik,
    posterior_quantile,
    squash_data,
    unsquashed,
)
from immunograde.stats.gps_fit import fit_prior, zero_cell_points

REF = shared_data_dir() / "pharmacovigilance" / "reference"


def _table(name: str) -> dict[str, np.ndarray]:
    t = pacsv.read_csv(Path(REF, name))
    return {c: t[c].to_numpy(zero_copy_only=False) for c in t.column_names}


@pytest.fixture(scope="module")
def ref() -> dict[str, np.ndarray]:
    return _table("caers_openebgm_unstratified_reference.csv")


@pytest.fixture(scope="module")
def thetas() -> dict[str, GPSPrior]:
    t = _table("caers_hyperparameters_reference.csv")
    return {
        str(case): GPSPrior(*(float(t[k][i]) for k in ("alpha1", "beta1", "alpha2", "beta2", "P")))
        for i, case in enumerate(t["case"])
    }


def test_reference_is_complete(ref: dict[str, np.ndarray]) -> None:
    # 17,189 pairs as the README states, so the golden check below cannot quietly shrink.
    assert ref["N"].size == 17_189


def test_posterior_matches_openebgm(
    ref: dict[str, np.ndarray], thetas: dict[str, GPSPrior]
) -> None:
    prior = thetas["unstratified_squashed2_autoHyper"]
    post = gps_posterior(prior, ref["N"], ref["E"])
    # Qn is stored at full precision: agreement to floating-point noise.
    np.testing.assert_allclose(post.qn, ref["Qn"], rtol=0, atol=1e-10)
    # EBGM rounded by openEBGM to 6 dp: half a unit in the 6th place.
    np.testing.assert_allclose(post.ebgm, ref["EBGM"], rtol=0, atol=5e-7 + 1e-12)
    # quantBisect stops when the bracket is < 0.5e-4 and rounds to 4 dp: within 1e-4.
    np.testing.assert_allclose(post.eb05, ref["QUANT_05"], rtol=0, atol=1e-4)
    np.testing.assert_allclose(post.eb95, ref["QUANT_95"], rtol=0, atol=1e-4)
    # The openEBGM vignette prints 131 pairs with EB05 >= 2.
    assert int(np.sum(post.eb05 >= 2)) == 131


def test_stratified_posterior_matches_openebgm(thetas: dict[str, GPSPrior]) -> None:
    ref = _table("caers_openebgm_stratified_gender_reference.csv")
    post = gps_posterior(thetas["stratified_strat1_autoSquash_autoHyper"], ref["N"], ref["E"])
    np.testing.assert_allclose(post.ebgm, ref["EBGM"], rtol=0, atol=5e-7 + 1e-12)
    np.testing.assert_allclose(post.eb05, ref["QUANT_05"], rtol=0, atol=1e-4)
    np.testing.assert_allclose(post.eb95, ref["QUANT_95"], rtol=0, atol=1e-4)


def test_squashing_matches_openebgm(ref: dict[str, np.ndarray]) -> None:
    sq = _table("caers_squashed2.csv")
    once = squash_data(unsquashed(ref["N"], ref["E"]))
    twice = squash_data(once, count=2, bin_size=10, keep_pts=50)
    assert twice.n.size == 974
    np.testing.assert_array_equal(twice.n, sq["N"])
    np.testing.assert_array_equal(twice.weight, sq["weight"])
    np.testing.assert_allclose(twice.e, sq["E"], rtol=1e-13)


def test_truncated_likelihood_values(
    ref: dict[str, np.ndarray], thetas: dict[str, GPSPrior]
) -> None:
    sq = _table("caers_squashed2.csv")
    data = SquashedData(sq["N"].astype(float), sq["E"], sq["weight"].astype(float))
    prior = thetas["unstratified_squashed2_autoHyper"]
    # README: negLLsquash at the squashed2 theta = 4161.93015336 (printed to 8 dp).
    assert neg_log_lik(prior, data) == pytest.approx(4161.93015336, abs=1e-8)
    # The README's 4162.45572848 is negLL on the full data (N* = 1) at that same squashed2 theta.
    full = unsquashed(ref["N"], ref["E"])
    assert neg_log_lik(prior, full) == pytest.approx(4162.45572848, abs=1e-8)


def test_fit_from_vignette_starts(thetas: dict[str, GPSPrior]) -> None:
    sq = _table("caers_squashed2.csv")
    data = SquashedData(sq["N"].astype(float), sq["E"], sq["weight"].astype(float))
    fit = fit_prior(data)  # openEBGM vignette 04's five starts
    ref_theta = np.array(thetas["unstratified_squashed2_autoHyper"].as_tuple())
    # Every start lands on openEBGM's nlminb optimum; the flat likelihood leaves both optimisers
    # a few 1e-6 (relative) apart, so 1e-4 relative is the honest tolerance.
    for est in fit.estimates:
        np.testing.assert_allclose(est, ref_theta, rtol=1e-4)
    assert fit.neg_log_lik == pytest.approx(4161.93015336, abs=1e-6)
    assert fit.converged


def test_second_optimum_is_lower(thetas: dict[str, GPSPrior]) -> None:
    # The README documents another local optimum (alpha1 ~ 21, beta1 ~ 1.66, alpha2 ~ 1.74,
    # beta2 ~ 1.56, P ~ 0.035) with a lower negLL: started there, the fit stays there.
    sq = _table("caers_squashed2.csv")
    data = SquashedData(sq["N"].astype(float), sq["E"], sq["weight"].astype(float))
    fit = fit_prior(data, starts=[(21.0, 1.66, 1.74, 1.56, 0.035)])
    assert fit.prior.alpha1 == pytest.approx(21, abs=0.5)
    assert fit.prior.p == pytest.approx(0.035, abs=0.002)
    assert fit.neg_log_lik < 4161.93015336 - 0.2


def test_quantile_inverts_the_mixture_cdf() -> None:
    # Hand check: with p = 1 the posterior is one gamma(alpha1 + n, beta1 + E).
    from scipy.stats import gamma

    prior = GPSPrior(2.0, 1.0, 3.0, 2.0, 1.0)
    n, e = np.array([0.0, 3.0, 40.0]), np.array([0.5, 1.2, 3.0])
    got = posterior_quantile(prior, n, e, 0.05)
    np.testing.assert_allclose(got, gamma.ppf(0.05, 2.0 + n, scale=1 / (1.0 + e)), rtol=1e-9)
    from scipy.special import digamma

    np.testing.assert_allclose(ebgm(prior, n, e), np.exp(digamma(2.0 + n) - np.log(1.0 + e)))


def test_zero_cells_are_all_cells_minus_observed() -> None:
    # 2 drugs x 2 events, one stratum of 10 reports: E = n_i n_j / 10 for all 4 cells.
    drugs, events = np.array([[4.0], [6.0]]), np.array([[5.0], [2.0]])
    pts = zero_cell_points(drugs, events, [10.0], observed_e=[2.0, 0.8])  # cells (1,1), (1,2)
    np.testing.assert_allclose(np.sort(pts.e), [1.2, 3.0])
    np.testing.assert_array_equal(pts.weight, [1.0, 1.0])
    np.testing.assert_array_equal(pts.n, [0.0, 0.0])


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError, match="p must lie"):
        GPSPrior(1, 1, 1, 1, 1.5)
    with pytest.raises(ValueError, match="expected counts"):
        gps_posterior(GPSPrior(1, 1, 1, 1, 0.5), [1], [0.0])

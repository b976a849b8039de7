"""The closed-form distribution functions of the pooling kernel against scipy.special (the reference
implementation they replace on the default path; Cephes).

Tolerances: survival functions on the log scale (``|log p - log p_ref| / max(1, |log p_ref|)``, as
the metafor p-value tests) within 1e-13 -- summing ``df/2`` positive terms rounds about ``df/2``
times; quantiles within 1e-13 relative -- Newton steps to 4 eps, with the conditioning of the
inverse in the lower tail (``p`` near 1, ``df = 1``) adding at most a factor ~100.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from immunograde.stats import dist

P_GRID = (1e-300, 1e-10, 1e-5, 0.005, 0.025, 0.05, 0.3, 0.4999, 0.5, 0.7, 0.95, 0.975, 0.995,
          1 - 1e-5, 1 - 1e-10)  # fmt: skip


def _log_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Where scipy underflows (below 1e-300; it returns 0 from ~1e-308) ours is tiny as well."""
    ok = b > 1e-300
    assert np.all(a[~ok] < 1e-290)
    return float(
        np.max(np.abs(np.log(a[ok]) - np.log(b[ok])) / np.maximum(1, np.abs(np.log(b[ok]))))
    )


@pytest.mark.parametrize("df", [1, 2, 3, 4, 9, 10, 12, 59, 135, 399, 400])
def test_chi2_survival_matches_scipy(df: int) -> None:
    rng = np.random.default_rng(df)
    x = np.concatenate([rng.uniform(0, 3 * df + 40, 300), [0.0, 1e-12, 0.5, df, 1395.0, 1500.0]])
    assert _log_diff(dist.chdtrc(np.full(x.size, df), x), special.chdtrc(df, x)) <= 1e-13


def test_chi2_survival_is_vectorised_over_df_and_falls_back_to_scipy() -> None:
    df = np.array([1.0, 2.0, 7.0, 401.0, 2.5])  # the last two: scipy
    x = np.array([3.84, 5.99, 14.07, 450.0, 2.0])
    assert _log_diff(dist.chdtrc(df, x), special.chdtrc(df, x)) <= 1e-13


@pytest.mark.parametrize("df", [1, 2, 3, 5, 9, 30, 135, 400])
def test_chi2_quantiles_match_scipy(df: int) -> None:
    for p in P_GRID:
        got, ref = float(dist.chdtri(df, p)), float(special.chdtri(df, p))
        assert got == pytest.approx(ref, rel=1e-13), (df, p)


def test_normal_functions_match_scipy() -> None:
    x = np.linspace(-38, 38, 2001)
    ref = special.ndtr(x)
    assert _log_diff(dist.ndtr(x), ref) <= 1e-14
    for p in (1e-300, 1e-10, 0.025, 0.5, 0.975):
        assert dist.ndtri(p) == pytest.approx(special.ndtri(p), rel=1e-14)

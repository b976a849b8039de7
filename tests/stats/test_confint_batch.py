"""The vectorised tau2 confidence intervals (Q-profile and profile likelihood over all groups at once)
equal the scalar search of one model at a time to 1e-10 (issue 15).

The scalar search (``_confint_scalar`` with a column of ones as the design) is the one metafor's
reference values were matched with (tests/stats/test_rma_extras.py: 1e-10 on every dataset, method
and type of validation/metafor/rma.R); here each group of a ragged batch -- k from 1 to 40, tau2 from
0 to large, every random-effects method, both modes -- is compared with it.
"""

from __future__ import annotations

import numpy as np
import pytest

from immunograde.stats.batch import fit_segments
from immunograde.stats.heterogeneity import _confint_scalar, _tol, confint_segments
from immunograde.stats.rma import rma_uni
from immunograde.stats.segments import Segments

METHODS = ("DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM")


def _groups(seed: int, n: int = 60) -> tuple[Segments, np.ndarray, np.ndarray]:
    """``n`` analyses: k in 1..40, true tau2 0 (a third of them) to 1, variances 0.005 to 0.5."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 41, n)
    tau2 = np.where(rng.uniform(size=n) < 1 / 3, 0.0, rng.uniform(0, 1, n))
    g = np.repeat(np.arange(n), counts)
    v = rng.uniform(0.005, 0.5, g.size)
    y = rng.normal(0, 1, n)[g] + rng.normal(0, np.sqrt(tau2[g])) + rng.normal(0, np.sqrt(v))
    return Segments.from_counts(counts), y, v


def _close(a: float, b: float) -> bool:
    if np.isnan(b):
        return bool(np.isnan(a))
    return abs(a - b) <= 1e-10 * abs(b) + 1e-300


@pytest.mark.parametrize("mode", ["metafor", "exact"])
@pytest.mark.parametrize("method", METHODS)
def test_batch_bounds_equal_the_scalar_search(method: str, mode: str) -> None:
    seg, y, v = _groups(sum(map(ord, method + mode)))
    fits = fit_segments(seg, y, v, np.arange(seg.n), method=method, test="z", level=95.0,
                        mode=mode)  # fmt: skip
    types = ("QP", "PL") if method in ("ML", "REML", "DL") else ("QP",)
    for kind in types:
        b = confint_segments(seg, y, v, fits.tau2, fits.vt, method=method, type=kind, mode=mode)
        start = 0
        for g, k in enumerate(seg.counts):
            yi, vi = y[start : start + k], v[start : start + k]
            start += k
            if k < 2 or not np.isfinite(fits.tau2[g]):
                assert np.isnan(b.tau2_ci_low[g]) and np.isnan(b.tau2_ci_high[g])
                continue
            one = rma_uni(yi, vi, method=method, mode=mode)
            lo, hi = _confint_scalar(one, np.ones((k, 1)), kind, 95.0, _tol(mode))
            assert _close(b.tau2_ci_low[g], lo) and _close(b.tau2_ci_high[g], hi), (kind, g, k)


def test_levels_and_the_i2_h2_bounds() -> None:
    seg, y, v = _groups(7, 20)
    fits = fit_segments(seg, y, v, np.arange(seg.n), method="REML", test="z", level=90.0,
                        mode="metafor")  # fmt: skip
    b = confint_segments(seg, y, v, fits.tau2, fits.vt, method="REML", level=90.0)
    ok = np.isfinite(b.tau2_ci_high)
    hi = b.tau2_ci_high[ok]
    assert np.allclose(b.i2_ci_high[ok], 100 * hi / (fits.vt[ok] + hi), rtol=1e-15)
    assert np.allclose(b.h2_ci_high[ok], 1 + hi / fits.vt[ok], rtol=1e-15)
    wide = confint_segments(seg, y, v, fits.tau2, fits.vt, method="REML", level=99.0)
    assert np.all(wide.tau2_ci_high[ok] >= hi) and np.all(wide.tau2_ci_low[ok] <= b.tau2_ci_low[ok])


def test_fixed_effect_has_no_tau2_interval() -> None:
    seg, y, v = _groups(3, 5)
    with pytest.raises(ValueError, match="fixed-effect"):
        confint_segments(seg, y, v, np.zeros(5), np.ones(5), method="FE")

"""rma_batch equals fitting each meta-analysis with rma_uni; invariants of the model (hypothesis).

The batch is checked on every reference dataset at once (ragged groups, k = 2 ... 160, tau2 = 0
and tiny variances included), in shuffled study order, for every method and both modes.
Tolerance 1e-14 relative (plus 1e-300 absolute): the same arithmetic, summation order aside.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immunograde.stats.batch import rma_batch
from immunograde.stats.rma import rma_uni

sys.path.insert(0, str(Path(__file__).parent))  # importlib import mode: reach the shared helper
from rma_reference import arr, reference

FIELDS = ("estimate", "se", "statistic", "p_value", "ci_low", "ci_high", "pi_low", "pi_high",
          "tau2", "se_tau2", "i2", "h2", "q", "q_p")  # fmt: skip


def _all_datasets() -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    ref = reference()
    names = ref["grid"]["datasets"]
    ys = [arr(ref["data"][d]["yi"]) for d in names]
    vs = [arr(ref["data"][d]["vi"]) for d in names]
    gi = np.concatenate([np.full(len(y), i) for i, y in enumerate(ys)])
    return np.concatenate(ys), np.concatenate(vs), gi, names


@pytest.mark.parametrize("mode", ["metafor", "exact"])
@pytest.mark.parametrize("method", ["FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM"])
def test_batch_equals_one_by_one(method: str, mode: str) -> None:
    y, v, gi, names = _all_datasets()
    perm = np.random.default_rng(1).permutation(y.size)  # groups interleaved in the input
    test = "knha" if method in ("DL", "REML", "PM") else "z"
    batch = rma_batch(y[perm], v[perm], gi[perm], method=method, test=test, mode=mode)
    assert list(batch.groups) == list(range(len(names)))
    for g in range(len(names)):
        mine = gi[perm] == g
        one = rma_uni(y[perm][mine], v[perm][mine], method=method, test=test, mode=mode)
        for f in FIELDS:
            a, b = getattr(batch, f)[g], getattr(one, f)
            assert a == pytest.approx(b, rel=1e-14, abs=1e-300, nan_ok=True), (names[g], f)
        assert batch.iterations[g] == one.iterations


def test_batch_of_many_synthetic_analyses_matches_single_fits() -> None:
    rng = np.random.default_rng(7)
    counts = rng.integers(2, 15, size=300)
    gi = np.repeat(np.arange(counts.size), counts)
    v = rng.uniform(0.01, 0.5, gi.size)
    y = rng.normal(0.0, 0.3, counts.size)[gi] + rng.normal(0, np.sqrt(v))
    batch = rma_batch(y, v, gi, method="REML")
    for g in range(0, counts.size, 17):
        one = rma_uni(y[gi == g], v[gi == g], method="REML")
        assert batch.tau2[g] == pytest.approx(one.tau2, rel=1e-14, abs=1e-300)
        assert batch.estimate[g] == pytest.approx(one.estimate, rel=1e-14)


def test_batch_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="vi must be > 0"):
        rma_batch([0.1, 0.2], [0.1, -1.0], [0, 0])
    with pytest.raises(ValueError, match="one entry per study"):
        rma_batch([0.1, 0.2], [0.1, 0.1], [0])
    with pytest.raises(ValueError, match="unknown method"):
        rma_batch([0.1, 0.2], [0.1, 0.1], [0, 0], method="XX")


# ---- properties -------------------------------------------------------------------------------
studies = st.lists(
    st.tuples(st.floats(-3, 3, allow_nan=False), st.floats(0.01, 2.0, allow_nan=False)),
    min_size=2,
    max_size=25,
)
METHODS = st.sampled_from(["FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM"])


@settings(max_examples=60, deadline=None)
@given(studies, METHODS, st.randoms(use_true_random=False))
def test_study_order_does_not_matter(data: list[tuple[float, float]], method: str, rnd) -> None:  # type: ignore[no-untyped-def]
    y, v = map(np.array, zip(*data, strict=True))
    perm = list(range(len(data)))
    rnd.shuffle(perm)
    a = rma_uni(y, v, method=method, mode="exact")
    b = rma_uni(y[perm], v[perm], method=method, mode="exact")
    assert b.estimate == pytest.approx(a.estimate, rel=1e-9, abs=1e-12)
    assert b.tau2 == pytest.approx(a.tau2, rel=1e-8, abs=1e-12)
    assert b.q == pytest.approx(a.q, rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(studies, METHODS)
def test_tau2_zero_makes_random_equal_fixed(data: list[tuple[float, float]], method: str) -> None:
    y, v = map(np.array, zip(*data, strict=True))
    re = rma_uni(y, v, method=method)
    fe = rma_uni(y, v, method="FE")
    if re.tau2 == 0.0:
        assert re.estimate == pytest.approx(fe.estimate, rel=1e-13, abs=1e-15)
        assert re.se == pytest.approx(fe.se, rel=1e-13)
        assert re.pi_low == pytest.approx(fe.ci_low, rel=1e-12, abs=1e-14)
    assert 0.0 <= re.i2 < 100.0
    assert 0.0 <= fe.i2 < 100.0
    assert re.tau2 >= 0.0
    if method != "FE":  # the FE model's H2 = Q/(k-1) may be below 1 (metafor)
        assert re.h2 >= 1.0


@settings(max_examples=60, deadline=None)
@given(studies)
def test_fixed_effect_estimate_lies_within_study_estimates(data: list[tuple[float, float]]) -> None:
    y, v = map(np.array, zip(*data, strict=True))
    fe = rma_uni(y, v, method="FE")
    span = 1e-12 * max(1.0, float(np.max(np.abs(y))))
    assert y.min() - span <= fe.estimate <= y.max() + span
    assert fe.weights.sum() == pytest.approx(100.0)


@settings(max_examples=40, deadline=None)
@given(studies, st.floats(0.1, 10.0))
def test_scaling_y_scales_the_estimate(data: list[tuple[float, float]], c: float) -> None:
    """y -> c y, v -> c^2 v: the estimate scales by c, tau2 by c^2 (closed-form DL)."""
    y, v = map(np.array, zip(*data, strict=True))
    a = rma_uni(y, v, method="DL")
    b = rma_uni(c * y, c * c * v, method="DL")
    assert b.estimate == pytest.approx(c * a.estimate, rel=1e-9, abs=1e-12)
    assert b.tau2 == pytest.approx(c * c * a.tau2, rel=1e-8, abs=1e-12)


def test_level_as_proportion_means_percent_like_metafor() -> None:
    y, v = [0.1, 0.5, -0.2, 0.3], [0.04, 0.09, 0.05, 0.02]
    a, b = rma_uni(y, v, level=95), rma_uni(y, v, level=0.95)
    assert (a.ci_low, a.ci_high, a.level) == (b.ci_low, b.ci_high, b.level)

"""Stratified expected counts with a stratum that holds no report (e.g. an age group nobody in the
sample falls into): it contributes nothing, so the result equals the count without it.

Hand-derived: one stratum with N = 10 reports, drug margin 4, event margin 5 -> E = 4 * 5 / 10 = 2.
"""

from __future__ import annotations

import numpy as np
import pytest

from immunograde.stats.disproportionality import expected_counts


def test_empty_stratum_contributes_nothing() -> None:
    e = expected_counts([0], [0], [[4.0, 0.0]], [[5.0, 0.0]], [10.0, 0.0])
    assert e.tolist() == [2.0]
    assert np.array_equal(e, expected_counts([0], [0], [[4.0]], [[5.0]], [10.0]))


def test_margins_in_an_empty_stratum_are_an_error() -> None:
    with pytest.raises(ValueError, match="no report cannot have"):
        expected_counts([0], [0], [[4.0, 1.0]], [[5.0, 0.0]], [10.0, 0.0])

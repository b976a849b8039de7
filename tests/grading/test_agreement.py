"""Weighted kappa (linear weights) and exact agreement, hand-derived."""

from __future__ import annotations

import pytest

from immunograde.grading.agreement import confusion, exact_agreement, weighted_kappa


def test_confusion_rows_ours_columns_published() -> None:
    m = confusion(["high", "low", "low"], ["high", "moderate", "low"])
    assert m == [[0, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0], [0, 0, 0, 1]]
    with pytest.raises(ValueError, match="two ratings"):
        confusion(["high"], [])


def test_weighted_kappa_hand_derived() -> None:
    # n = 10; weights 1, 2/3, 1/3, 0 by distance.  Cells: 3 on (0,0), 1 on (0,1), 2 on (1,1),
    # 1 on (2,1), 2 on (2,2), 1 on (3,2).
    m = [[3, 1, 0, 0], [0, 2, 0, 0], [0, 1, 2, 0], [0, 0, 1, 0]]
    # p_o = (3 + 2 + 2 + 3 * 2/3) / 10 = 9/10
    # rows r = (4, 2, 3, 1), columns c = (3, 4, 3, 0)
    # p_e = sum w_ij r_i c_j / 100:
    #   i=0: 4*(3*1 + 4*2/3 + 3*1/3 + 0) = 4*(3 + 8/3 + 1) = 4*20/3 = 80/3
    #   i=1: 2*(3*2/3 + 4*1 + 3*2/3 + 0) = 2*8 = 16
    #   i=2: 3*(3*1/3 + 4*2/3 + 3*1 + 0) = 3*(1 + 8/3 + 3) = 20
    #   i=3: 1*(3*0 + 4*1/3 + 3*2/3 + 0) = 10/3
    #   total 80/3 + 16 + 20 + 10/3 = 66 -> p_e = 0.66
    # kappa = (0.9 - 0.66) / (1 - 0.66) = 0.24 / 0.34
    assert weighted_kappa(m) == pytest.approx(0.24 / 0.34)
    assert exact_agreement(m) == pytest.approx(0.7)


def test_perfect_and_undefined() -> None:
    assert weighted_kappa([[2, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 3]]) == pytest.approx(1.0)  # fmt: skip
    assert weighted_kappa([[0] * 4 for _ in range(4)]) is None
    assert weighted_kappa([[5, 0, 0, 0]] + [[0] * 4 for _ in range(3)]) is None  # p_e = 1

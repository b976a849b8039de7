"""Agreement between two raters on the four GRADE levels: exact agreement, Cohen's weighted kappa.

Linear weights on ``k = 4`` ordered levels (very low < low < moderate < high)::

    w_ij = 1 - |i - j| / (k - 1)
    p_o  = sum_ij w_ij * n_ij / n          (observed weighted agreement)
    p_e  = sum_ij w_ij * r_i * c_j / n^2   (expected from the margins)
    kappa_w = (p_o - p_e) / (1 - p_e)

Cohen J. Weighted kappa. Psychol Bull 1968;70:213-20; the same as R ``irr::kappa2(weight =
"equal")`` and ``psych::cohen.kappa`` (linear weights).
"""

from __future__ import annotations

from collections.abc import Sequence

from immunograde.grading.config import LEVELS


def confusion(ours: Sequence[str], theirs: Sequence[str]) -> list[list[int]]:
    """4x4 counts: rows = ours, columns = published, both in ``LEVELS`` order (very low first)."""
    if len(ours) != len(theirs):
        raise ValueError(f"two ratings per item: got {len(ours)} and {len(theirs)}")
    m = [[0] * len(LEVELS) for _ in LEVELS]
    for a, b in zip(ours, theirs, strict=True):
        m[LEVELS.index(a)][LEVELS.index(b)] += 1
    return m


def weighted_kappa(matrix: Sequence[Sequence[int]]) -> float | None:
    """Linearly weighted kappa of a square confusion matrix; None when undefined (n = 0 or p_e = 1)."""
    k = len(matrix)
    n = sum(sum(r) for r in matrix)
    if n == 0:
        return None
    rows = [sum(r) for r in matrix]
    cols = [sum(matrix[i][j] for i in range(k)) for j in range(k)]

    def w(i: int, j: int) -> float:
        return 1.0 - abs(i - j) / (k - 1)

    po = sum(w(i, j) * matrix[i][j] for i in range(k) for j in range(k)) / n
    pe = sum(w(i, j) * rows[i] * cols[j] for i in range(k) for j in range(k)) / n**2
    return None if pe >= 1.0 else (po - pe) / (1.0 - pe)


def exact_agreement(matrix: Sequence[Sequence[int]]) -> float | None:
    """Share of items on the diagonal."""
    n = sum(sum(r) for r in matrix)
    return None if n == 0 else sum(matrix[i][i] for i in range(len(matrix))) / n

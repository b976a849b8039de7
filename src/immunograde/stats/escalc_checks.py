"""Input checks shared by :mod:`escalc`, :mod:`mh` and :mod:`peto` (actionable ``ValueError``s)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "FloatArray",
    "check_nonneg",
    "check_positive",
    "check_sizes",
    "columns",
    "finite_or_nan",
    "level_alpha",
    "level_percent",
]


def as_column(name: str, value: object) -> FloatArray:
    """Convert ``value`` to a 1-d float array, naming the column if that fails."""
    try:
        arr = np.atleast_1d(np.asarray(value, dtype=float))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"column {name!r} must be numeric: {exc}") from None
    if arr.ndim != 1:
        raise ValueError(f"column {name!r} must be one-dimensional, got shape {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        i = bad[0]
        raise ValueError(f"row {i}: column {name!r} is missing or not finite ({arr[i]})")
    return arr


def columns(
    measure: str, alternatives: tuple[tuple[str, ...], ...], arrays: Mapping[str, object]
) -> dict[str, FloatArray]:
    """Pick the first complete set of input columns for ``measure`` and validate them.

    Raises ``ValueError`` listing what is needed when no alternative is complete, and when
    unrelated arguments or columns of unequal length are given.
    """
    given = {k for k, v in arrays.items() if v is not None}
    known = set().union(*alternatives) | {"ni"}
    for names in alternatives:
        if set(names) <= given:
            extra = given - known
            if extra:
                raise ValueError(
                    f"measure {measure}: unexpected argument(s) {sorted(extra)}; "
                    f"it takes {' + '.join(names)}"
                )
            wanted = [*names, *sorted((given & known) - set(names))]
            cols = {n: as_column(n, arrays[n]) for n in wanted}
            lengths = {n: c.shape[0] for n, c in cols.items()}
            if len(set(lengths.values())) != 1:
                raise ValueError(f"measure {measure}: columns differ in length: {lengths}")
            if next(iter(lengths.values())) == 0:
                raise ValueError(f"measure {measure}: no rows given")
            return cols
    options = " or ".join("(" + ", ".join(n) + ")" for n in alternatives)
    missing = sorted(set(alternatives[0]) - given)
    raise ValueError(f"measure {measure} needs {options}; missing {missing}")


def check_nonneg(name: str, x: FloatArray) -> None:
    """Raise if any value is negative."""
    bad = np.flatnonzero(x < 0)
    if bad.size:
        raise ValueError(f"row {bad[0]}: column {name!r} is negative ({x[bad[0]]})")


def check_positive(name: str, x: FloatArray, why: str) -> None:
    """Raise if any value is <= 0."""
    bad = np.flatnonzero(x <= 0)
    if bad.size:
        raise ValueError(f"row {bad[0]}: column {name!r} is {x[bad[0]]}; {why}")


def check_sizes(events: str, x: FloatArray, total: str, n: FloatArray) -> None:
    """Raise if events exceed group sizes or are negative."""
    check_nonneg(events, x)
    bad = np.flatnonzero(x > n)
    if bad.size:
        i = bad[0]
        raise ValueError(f"row {i}: column {events!r} ({x[i]}) is larger than {total!r} ({n[i]})")


def finite_or_nan(yi: FloatArray, vi: FloatArray) -> tuple[FloatArray, FloatArray]:
    """metafor's recoding: +-Inf or NaN in ``yi`` or ``vi`` -> NA in both; ``vi < 0`` -> NA."""
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    bad = ~np.isfinite(yi) | ~np.isfinite(vi)
    yi = np.where(bad, np.nan, yi)
    vi = np.where(bad, np.nan, vi)
    with np.errstate(invalid="ignore"):
        vi = np.where(vi < 0, np.nan, vi)
    return yi, vi


def level_percent(level: float) -> float:
    """metafor's ``.level`` rule: values > 1 are percent (95), values <= 1 fractions (0.95)."""
    if not 0 < level < 100:
        raise ValueError(
            f"level must be a percent in (1, 100) or a fraction in (0, 1); got {level}"
        )
    return float(level) if level > 1 else 100.0 * float(level)


def level_alpha(level: float) -> float:
    """metafor's ``.level``: ``(100 - level)/100`` for a percent, ``1 - level`` for a fraction."""
    level_percent(level)  # validates
    return (100 - level) / 100 if level > 1 else 1 - level

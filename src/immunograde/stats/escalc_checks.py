"""Shared pieces of :mod:`escalc`: the result type, input checks (actionable ``ValueError``s),
continuity corrections and metafor's NA recoding; also used by :mod:`mh`, :mod:`peto`, :mod:`bias`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "EffectSizes",
    "FloatArray",
    "check_nonneg",
    "check_positive",
    "check_sizes",
    "check_vtype",
    "columns",
    "corrections",
    "finish",
    "finite_or_nan",
    "level_alpha",
    "level_percent",
    "wmean",
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


@dataclass(frozen=True, eq=False)
class EffectSizes:
    """Observed outcomes ``yi`` with sampling variances ``vi`` (metafor's escalc output).

    Attributes
    ----------
    yi, vi : ndarray
        Outcomes and sampling variances; ``nan`` where metafor gives ``NA``.
    measure : str
        The metafor measure name (``"GEN"`` for supplied ``yi``/``vi``).
    corrected : ndarray of bool
        Rows that received the continuity correction ``add``.
    dropped : ndarray of bool
        Rows dropped as double-zero studies (``drop00=True``).
    ni : ndarray or None
        Total sample size per row (metafor's ``attr(yi, "ni")``), when known.
    """

    yi: FloatArray
    vi: FloatArray
    measure: str
    corrected: np.ndarray
    dropped: np.ndarray
    ni: FloatArray | None = None

    @property
    def sei(self) -> FloatArray:
        """Standard errors ``sqrt(vi)``."""
        return np.sqrt(self.vi)

    @property
    def k(self) -> int:
        """Number of rows."""
        return int(self.yi.shape[0])


def corrections(
    zero: np.ndarray, dropped: np.ndarray, add: float, to: str
) -> tuple[np.ndarray, np.ndarray]:
    """Return (increment per row, corrected flag) for metafor's ``to`` rule."""
    if to == "all":
        flag = ~dropped
    elif to == "only0":
        flag = zero & ~dropped
    elif to == "if0all":
        flag = ~dropped if bool(np.any(zero & ~dropped)) else np.zeros_like(zero)
    else:
        flag = np.zeros_like(zero)
    return np.where(flag, add, 0.0), flag & (add != 0)


def wmean(x: FloatArray, w: FloatArray, keep: np.ndarray) -> float:
    """metafor ``.wmean(x, w, na.rm=TRUE)`` over the rows in ``keep``."""
    ok = keep & ~np.isnan(x) & ~np.isnan(w)
    return float(np.sum(x[ok] * w[ok]) / np.sum(w[ok]))


def check_vtype(measure: str, vtype: str, allowed: tuple[str, ...]) -> None:
    if vtype not in allowed:
        raise ValueError(
            f"vtype={vtype!r} is not available for measure {measure}; use one of {allowed}"
        )


def finish(
    measure: str,
    yi: FloatArray,
    vi: FloatArray,
    corrected: np.ndarray,
    dropped: np.ndarray,
    ni: FloatArray | None,
) -> EffectSizes:
    """Recode +-Inf/NaN and negative variances to ``nan`` as metafor recodes them to NA."""
    yi, vi = finite_or_nan(yi, vi)
    return EffectSizes(yi, vi, measure, np.asarray(corrected, bool), np.asarray(dropped, bool), ni)

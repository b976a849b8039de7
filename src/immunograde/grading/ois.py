"""Optimal information size (OIS): the sample size one adequately powered trial would need.

Binary outcome (two groups of equal size, comparator risk ``p0``, relative reduction ``rrr``,
``p1 = p0 * (1 - rrr)``)::

    n per group = (z_{1-alpha/2} + z_{1-beta})^2 * [p0 (1 - p0) + p1 (1 - p1)] / (p0 - p1)^2

Continuous outcome (standard deviation ``sd``, important difference ``delta``)::

    n per group = 2 * (z_{1-alpha/2} + z_{1-beta})^2 * sd^2 / delta^2

The OIS is the total over both groups, each group rounded up.  References: Guyatt GH et al. GRADE
guidelines 6: rating the quality of evidence - imprecision. J Clin Epidemiol 2011;64:1283-93;
Pogue JM, Yusuf S. Control Clin Trials 1997;18:580-93.
"""

from __future__ import annotations

import functools
import math

from scipy.special import ndtri


def _z_sum(alpha: float, power: float) -> float:
    if not 0.0 < alpha < 1.0 or not 0.0 < power < 1.0:
        raise ValueError(f"alpha and power must be in (0, 1), got {alpha}, {power}")
    return _quantiles(alpha, power)


@functools.lru_cache(maxsize=64)
def _quantiles(alpha: float, power: float) -> float:
    """``z_{1-alpha/2} + z_power`` (a build asks for the same few pairs thousands of times)."""
    return float(ndtri(1.0 - alpha / 2.0) + ndtri(power))


def ois_binary(p0: float, rrr: float, alpha: float = 0.05, power: float = 0.80) -> int:
    """Total OIS for a binary outcome (both groups)."""
    if not 0.0 < p0 < 1.0:
        raise ValueError(f"comparator risk must be in (0, 1), got {p0}")
    if not 0.0 < rrr < 1.0:
        raise ValueError(f"relative reduction must be in (0, 1), got {rrr}")
    return ois_proportions(p0, p0 * (1.0 - rrr), alpha, power)


def ois_proportions(p0: float, p1: float, alpha: float = 0.05, power: float = 0.80) -> int:
    """Total OIS to tell the proportions ``p0`` and ``p1`` apart (both groups)."""
    if not (0.0 < p0 < 1.0 and 0.0 < p1 < 1.0) or p0 == p1:
        raise ValueError(f"proportions must differ and lie in (0, 1), got {p0}, {p1}")
    per_group = _z_sum(alpha, power) ** 2 * (p0 * (1 - p0) + p1 * (1 - p1)) / (p0 - p1) ** 2
    return 2 * math.ceil(per_group)


def ois_continuous(sd: float, delta: float, alpha: float = 0.05, power: float = 0.80) -> int:
    """Total OIS for a continuous outcome (both groups); with ``sd = 1`` delta is an SMD."""
    if not sd > 0 or not delta > 0:
        raise ValueError(f"sd and delta must be positive, got {sd}, {delta}")
    per_group = 2.0 * _z_sum(alpha, power) ** 2 * sd**2 / delta**2
    return 2 * math.ceil(per_group)

"""A case series set beside pooled single arms: the count or mean expected from the pooled arms, its
range from the prediction interval, and an exact binomial tail.

The pooled arms come from :func:`.escalc.escalc` (``"PLO"``: ``yi = log(x / (n - x))``,
``vi = 1/x + 1/(n - x)``; ``"MN"``: ``yi = m``, ``vi = sd^2 / n``) and :func:`.rma.rma_uni`
(REML, as metafor's ``rma(measure = "PLO" | "MN", method = "REML")``); this module only compares.

For ``N`` patients of whom ``M`` improved and a pooled proportion ``p`` with prediction interval
``[p_lo, p_hi]`` (metafor's ``predict(res, transf = transf.ilogit)``):

* expected count ``N p``, range ``[N p_lo, N p_hi]``;
* ``P(X >= M)`` for ``X ~ Binomial(N, p)`` -- how often ``M`` or more of ``N`` would improve if
  they fared like the average control arm -- and the same at ``p_hi`` (the most favourable
  control arm the prediction interval allows);
* where ``M / N`` falls against ``[p_lo, p_hi]``: ``"below"``, ``"within"`` or ``"above"``.

References: Viechtbauer W (2010) J Stat Softw 36(3) (escalc PLO/MN, rma, predict);
Higgins JPT, Thompson SG, Spiegelhalter DJ (2009) J R Stat Soc A 172:137-159 (prediction interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .dist import binom_upper

__all__ = ["CountComparison", "MeanComparison", "compare_count", "compare_mean", "ilogit"]


def ilogit(x: float) -> float:
    """metafor's ``transf.ilogit``: ``exp(x) / (1 + exp(x))``."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _position(value: float, low: float, high: float) -> str:
    return "below" if value < low else "above" if value > high else "within"


@dataclass(frozen=True)
class CountComparison:
    """``improved`` of ``treated`` against a pooled control proportion ``pr`` [``pi_low``, ``pi_high``]."""

    treated: int
    improved: int
    observed: float
    expected: float
    expected_low: float
    expected_high: float
    p_upper: float
    p_upper_at_pi_high: float
    position: str


def compare_count(
    improved: int, treated: int, pr: float, pi_low: float, pi_high: float
) -> CountComparison:
    """Compare ``improved`` of ``treated`` with a proportion ``pr`` and its prediction interval.

    Raises
    ------
    ValueError
        ``treated < 1``, ``improved`` outside ``0..treated``, or proportions outside [0, 1].
    """
    if treated < 1:
        raise ValueError(f"treated must be at least 1 (got {treated})")
    if not 0 <= improved <= treated:
        raise ValueError(f"improved must be between 0 and treated = {treated} (got {improved})")
    if not 0.0 <= pi_low <= pr <= pi_high <= 1.0:
        raise ValueError("need 0 <= pi_low <= pr <= pi_high <= 1")
    observed = improved / treated
    return CountComparison(
        treated=treated, improved=improved, observed=observed, expected=treated * pr,
        expected_low=treated * pi_low, expected_high=treated * pi_high,
        p_upper=binom_upper(improved, treated, pr),
        p_upper_at_pi_high=binom_upper(improved, treated, pi_high),
        position=_position(observed, pi_low, pi_high),
    )  # fmt: skip


@dataclass(frozen=True)
class MeanComparison:
    """An observed mean against pooled control means ``estimate`` [``pi_low``, ``pi_high``]."""

    mean: float
    sd: float | None
    n: int | None
    difference: float
    position: str


def compare_mean(
    mean: float, estimate: float, pi_low: float, pi_high: float, *, sd: float | None = None,
    n: int | None = None,
) -> MeanComparison:  # fmt: skip
    """Where an observed mean falls against the pooled control means' prediction interval."""
    if not math.isfinite(mean):
        raise ValueError(f"the mean must be a finite number (got {mean})")
    if sd is not None and not sd > 0:
        raise ValueError(f"the standard deviation must be > 0 (got {sd})")
    if n is not None and n < 1:
        raise ValueError(f"n must be at least 1 (got {n})")
    return MeanComparison(mean, sd, n, mean - estimate, _position(mean, pi_low, pi_high))

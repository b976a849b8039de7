"""Imprecision: the GRADE 2022 approach (CI against the null and the MID) and the optimal information size.

Rule (``rules.yaml: imprecision``; Zeng 2022, GRADE Guidance 34; Guyatt 2011, GRADE guidelines 6):

1. CI levels: the 95% CI of the absolute effect (per 1000 at the comparator risk, or the analysis scale
   when there is none) is compared with the thresholds ``MID_low < 0 < MID_high``.  Crossing both MIDs
   -> 2 levels; crossing the null or one MID -> 1 level; otherwise 0.  When the point estimate is
   trivial (between the MIDs) only the MIDs count: a CI inside them shows a trivial effect precisely.
2. OIS levels: ``ratio = participants / OIS`` (or the TSA's required information size); the largest
   ``levels`` among ``ois_levels`` with ``ratio < below``, at most ``ois_levels_when_ci_clear`` when the
   CI crosses no threshold.
3. Levels = ``min(max(CI levels, OIS levels), max_levels)``.

A trial sequential analysis (``tsa``) replaces the OIS by its required information size; when its
monitoring boundary was crossed (benefit, harm or futility) the information-size shortfall does not rate
down.  Its explanation is carried into the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from immunograde.grading.absolute import absolute_effect
from immunograde.grading.config import ImprecisionRules
from immunograde.grading.inputs import Judgement, OutcomeSpec, PooledEffect, TsaSummary
from immunograde.grading.ois import ois_binary, ois_continuous
from immunograde.grading.thresholds import Thresholds, absolute_thresholds, mid_thresholds

DOMAIN = "imprecision"
ABSOLUTE = frozenset({"RR", "OR", "HR"})


@dataclass(frozen=True)
class CiCheck:
    levels: int
    scale: str
    interval: tuple[float, float]
    thresholds: tuple[float, float, float]
    crossed: tuple[str, ...]


def ci_check(pooled: PooledEffect, t: Thresholds) -> CiCheck:
    """Which thresholds (MID below, null, MID above) the CI crosses, on the absolute scale if possible."""
    p0 = pooled.control_risk
    if pooled.measure in ABSOLUTE and p0 is not None and 0 < p0 < 1:
        e, lo_e, hi_e = (math.exp(v) for v in (pooled.estimate, pooled.ci_low, pooled.ci_high))
        eff = absolute_effect(pooled.measure, e, lo_e, hi_e, p0)
        lo_t, hi_t = absolute_thresholds(pooled.measure, t, p0)
        point = eff.difference_per_1000
        interval = (eff.difference_ci_low_per_1000, eff.difference_ci_high_per_1000)
        scale = "risk difference per 1000"
    else:
        lo_t, hi_t = t.low, t.high
        point = pooled.estimate
        interval = (pooled.ci_low, pooled.ci_high)
        scale = "log ratio" if pooled.is_ratio else pooled.measure
    names = ("MID (lower)", "null", "MID (upper)")
    thresholds = (lo_t, 0.0, hi_t)
    # A trivial point estimate asks "is the effect trivial?": only the MIDs matter (GRADE 34).
    trivial = lo_t < point < hi_t
    crossed = tuple(
        n
        for n, v in zip(names, thresholds, strict=True)
        if interval[0] < v < interval[1] and not (trivial and n == "null")
    )
    both = "MID (lower)" in crossed and "MID (upper)" in crossed
    return CiCheck(2 if both else (1 if crossed else 0), scale, interval, thresholds, crossed)


def optimal_information_size(
    pooled: PooledEffect, outcome: OutcomeSpec, t: Thresholds | None, rules: ImprecisionRules
) -> tuple[int | None, str]:
    """The OIS for the question and how it was computed (or why it could not be)."""
    a, pw = rules.alpha, rules.power
    p0, which = pooled.control_risk, "comparator risk"
    if (p0 is None or not 0 < p0 < 1) and pooled.overall_risk is not None:
        p0, which = pooled.overall_risk, "risk in both arms (no comparator events)"
    if outcome.type in ("binary", "time_to_event") and p0 is not None and 0 < p0 < 1:
        r = rules.ois_relative_reduction
        how = f"{which} {p0:.3f}, relative reduction {r:.0%}, alpha {a}, power {pw}"
        return ois_binary(p0, r, a, pw), how
    if pooled.measure == "SMD" and t is not None:
        return ois_continuous(1.0, t.high, a, pw), f"SMD {t.high:g}, alpha {a}, power {pw}"
    if pooled.measure == "MD" and t is not None and pooled.sd_pooled:
        how = f"SD {pooled.sd_pooled:g}, MID {t.high:g}, alpha {a}, power {pw}"
        return ois_continuous(pooled.sd_pooled, t.high, a, pw), how
    return None, "not computed (no comparator risk, or no MID and SD)"


def _ois_levels(ratio: float, rules: ImprecisionRules) -> int:
    return max((lv.levels for lv in rules.ois_levels if ratio < lv.below), default=0)


def _ci_part(
    pooled: PooledEffect, t: Thresholds | None, inputs: dict[str, object]
) -> tuple[int, str | None]:
    if t is None:
        inputs["ci_check"] = "null only (no MID stated)"
        crosses = pooled.ci_low < 0 < pooled.ci_high
        return (1, "The 95% CI includes no effect (no MID stated)") if crosses else (0, None)
    chk = ci_check(pooled, t)
    inputs.update(
        scale=chk.scale,
        ci=list(chk.interval),
        thresholds=list(chk.thresholds),
        crossed=list(chk.crossed),
    )
    if not chk.crossed:
        return 0, None
    return (
        chk.levels,
        f"The 95% CI ({chk.scale}) crosses the {', the '.join(chk.crossed)} ({t.source})",
    )


def _ois_part(
    pooled: PooledEffect,
    outcome: OutcomeSpec,
    t: Thresholds | None,
    ci_levels: int,
    rules: ImprecisionRules,
    tsa: TsaSummary | None,
    inputs: dict[str, object],
) -> tuple[int, str | None]:
    ois, how = optimal_information_size(pooled, outcome, t, rules)
    size = tsa.required_information_size if tsa else ois
    name = f"required information size from {tsa.source}" if tsa else "optimal information size"
    inputs.update(ois=ois, ois_basis=how, information_size_used=size)
    inputs["tsa_boundary"] = None if tsa is None else tsa.boundary_crossed
    if not size:
        return 0, None
    ratio = pooled.participants / size
    inputs["information_ratio"] = round(ratio, 4)
    levels = _ois_levels(ratio, rules)
    if ci_levels == 0:
        levels = min(levels, rules.ois_levels_when_ci_clear)
    if tsa is not None and tsa.boundary_crossed:
        levels = 0  # a crossed monitoring boundary: the information is sufficient
    if not levels:
        return 0, None
    return levels, f"{pooled.participants} participants are {ratio:.0%} of the {name} ({size:.0f})"


def rate_imprecision(
    pooled: PooledEffect,
    outcome: OutcomeSpec,
    rules: ImprecisionRules,
    tsa: TsaSummary | None = None,
) -> Judgement:
    """Judge imprecision (see module docstring)."""
    t = mid_thresholds(pooled.measure, outcome.mid, rules)
    inputs: dict[str, object] = {
        "participants": pooled.participants,
        "mid": None if t is None else t.source,
    }
    ci_levels, ci_reason = _ci_part(pooled, t, inputs)
    ois_levels, ois_reason = _ois_part(pooled, outcome, t, ci_levels, rules, tsa, inputs)
    inputs.update(ci_levels=ci_levels, ois_levels=ois_levels)
    levels = min(max(ci_levels, ois_levels), rules.max_levels)
    reasons = [r for r in (ci_reason, ois_reason) if r]
    if not levels:
        reasons = [
            "The CI excludes the null and the MID thresholds and the information size is met"
        ]
    if tsa is not None and tsa.explanation:
        reasons.append(tsa.explanation.rstrip("."))
    return Judgement(DOMAIN, -levels, "; ".join(reasons) + ".", inputs)

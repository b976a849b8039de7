"""Imprecision (Core GRADE 2, GRADE guidance 34/35): the CI against the target's threshold, then the OIS.

Rule (``rules.yaml: imprecision``; thresholds from :func:`immunograde.grading.thresholds.choose_target`):

1. CI levels.  MID target on one side: 1 level when the CI crosses that MID, 2 when it also reaches the
   MID in the other direction.  Target "little or no important effect": 1 level per MID crossed.  Null
   target (no sourced MID): 1 level when the CI crosses the null, 2 when it includes both an
   appreciable benefit and an appreciable harm.  Crossing is invariant under the monotone map from the
   ratio to the risk difference at a fixed comparator risk, so it is judged on the analysis scale; the
   per-1000 values are reported beside it.
2. OIS levels, when the CI crosses nothing and the effect is large (``|ratio - 1|`` of at least
   ``large_relative_effect`` on either side, or an SMD of 0.8 or more): ``ratio = participants / OIS``,
   the largest ``levels`` of ``ois_levels`` with ``ratio < below``.  The OIS is GRADE's single-trial sample size; the TSA's heterogeneity-adjusted
   required information size replaces it only with ``large_effect_information: tsa``.  A crossed TSA
   monitoring boundary means the information is sufficient.
3. Levels = ``min(CI levels + OIS levels, max_levels)`` (only one of the two is ever non-zero).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from immunograde.grading.absolute import absolute_effect
from immunograde.grading.config import Rules
from immunograde.grading.inputs import Judgement, OutcomeSpec, PooledEffect, TsaSummary
from immunograde.grading.ois import ois_binary, ois_continuous, ois_proportions
from immunograde.grading.thresholds import Target, absolute_thresholds

DOMAIN = "imprecision"
ABSOLUTE = frozenset({"RR", "OR", "HR"})
LARGE_SMD = 0.8


@dataclass(frozen=True)
class CiCheck:
    levels: int
    crossed: tuple[str, ...]


def _crosses(lo: float, hi: float, v: float) -> bool:
    return lo < v < hi


def ci_check(pooled: PooledEffect, target: Target) -> CiCheck:
    """Which of the target's thresholds the 95% CI crosses, and the levels that gives."""
    lo, hi = pooled.ci_low, pooled.ci_high
    if target.threshold == "benefit":
        return (
            CiCheck(1, ("important benefit",)) if _crosses(lo, hi, target.value) else CiCheck(0, ())
        )
    if target.threshold == "null":
        if not _crosses(lo, hi, 0.0):
            return CiCheck(0, ())
        app = target.appreciable
        both = app is not None and lo < app.low and hi > app.high
        return CiCheck(
            2 if both else 1, ("null", "appreciable benefit and harm") if both else ("null",)
        )
    mid = target.mid
    assert mid is not None
    low_x, high_x = _crosses(lo, hi, mid.low), _crosses(lo, hi, mid.high)
    if target.side == "inside":
        crossed = tuple(n for n, x in (("MID (lower)", low_x), ("MID (upper)", high_x)) if x)
        return CiCheck(len(crossed), crossed)
    own, other = (low_x, hi > mid.high) if target.side == "low" else (high_x, lo < mid.low)
    if not own:
        return CiCheck(0, ())
    return CiCheck(2 if other else 1, ("MID", "MID in the other direction") if other else ("MID",))


def is_large(pooled: PooledEffect, rules: Rules) -> bool:
    """A large effect, for which the OIS is checked (GRADE 34; Core GRADE FAQ: RRR > 30%)."""
    if pooled.is_ratio:
        return abs(pooled.estimate) >= -math.log(1 - rules.imprecision.large_relative_effect)
    return pooled.measure == "SMD" and abs(pooled.estimate) >= LARGE_SMD


def optimal_information_size(
    pooled: PooledEffect, outcome: OutcomeSpec, target: Target, rules: Rules
) -> tuple[int | None, str]:
    """The OIS for the question and how it was computed (or why it could not be)."""
    info = rules.information_size
    a, pw = info.alpha, info.power
    p0, which = pooled.control_risk, "comparator risk"
    if (p0 is None or not 0 < p0 < 1) and pooled.overall_risk is not None:
        p0, which = pooled.overall_risk, "risk in both arms (no comparator events)"
    if outcome.type in ("binary", "time_to_event") and p0 is not None and 0 < p0 < 1:
        r = info.relative_risk_reduction
        risk, name = info.event_risk(p0, outcome.higher_is_better)
        if info.complements(outcome.higher_is_better):  # reduce not achieving a desirable outcome
            which = f"{name} 1 - {p0:.3f} ({which})"
            p0 = risk
        elif outcome.higher_is_better and p0 * (1 + r) < 1:  # desirable_events: increase
            how = f"{which} {p0:.3f}, relative increase {r:.0%}, alpha {a}, power {pw}"
            return ois_proportions(p0, p0 * (1 + r), a, pw), how
        how = f"{which} {p0:.3f}, relative reduction {r:.0%}, alpha {a}, power {pw}"
        return ois_binary(p0, r, a, pw), how
    app = target.appreciable
    if pooled.measure == "SMD" and app is not None:
        return ois_continuous(1.0, app.high, a, pw), f"SMD {app.high:g}, alpha {a}, power {pw}"
    if pooled.measure == "MD" and target.mid is not None and pooled.sd_pooled:
        how = f"SD {pooled.sd_pooled:g}, MID {target.mid.high:g}, alpha {a}, power {pw}"
        return ois_continuous(pooled.sd_pooled, target.mid.high, a, pw), how
    return None, "not computed (no comparator risk, or no MID and SD)"


def _ois_part(
    pooled: PooledEffect,
    outcome: OutcomeSpec,
    target: Target,
    rules: Rules,
    tsa: TsaSummary | None,
    inputs: dict[str, object],
) -> tuple[int, str | None]:
    ois, how = optimal_information_size(pooled, outcome, target, rules)
    use_tsa = tsa is not None and rules.imprecision.large_effect_information == "tsa"
    size = tsa.required_information_size if tsa is not None and use_tsa else ois
    name = (
        f"required information size from {tsa.source}"
        if tsa is not None and use_tsa
        else "optimal information size"
    )
    inputs.update(ois=ois, ois_basis=how, information_size_used=size)
    inputs["tsa_boundary"] = None if tsa is None else tsa.boundary_crossed
    if not size:
        return 0, None
    ratio = pooled.participants / size
    inputs["information_ratio"] = round(ratio, 4)
    if tsa is not None and tsa.boundary_crossed:
        return 0, None  # a crossed monitoring boundary: the information is sufficient
    levels = max((lv.levels for lv in rules.imprecision.ois_levels if ratio < lv.below), default=0)
    if not levels:
        return 0, None
    why = f"the effect is large and {pooled.participants} participants are {ratio:.0%} of the {name} ({size:.0f})"
    return levels, why


def _absolute_inputs(pooled: PooledEffect, target: Target) -> dict[str, object]:
    p0 = pooled.control_risk
    if pooled.measure not in ABSOLUTE or p0 is None or not 0 < p0 < 1:
        return {"scale": "log ratio" if pooled.is_ratio else pooled.measure}
    ex = math.exp
    e = absolute_effect(
        pooled.measure, ex(pooled.estimate), ex(pooled.ci_low), ex(pooled.ci_high), p0
    )
    out: dict[str, object] = {
        "scale": "risk difference per 1000",
        "ci": [e.difference_ci_low_per_1000, e.difference_ci_high_per_1000],
    }
    if target.mid is not None:
        out["thresholds"] = list(absolute_thresholds(pooled.measure, target.mid, p0))
    return out


def rate_imprecision(
    pooled: PooledEffect,
    outcome: OutcomeSpec,
    target: Target,
    rules: Rules,
    tsa: TsaSummary | None = None,
) -> Judgement:
    """Judge imprecision for ``target`` (see module docstring)."""
    chk = ci_check(pooled, target)
    inputs: dict[str, object] = {
        "participants": pooled.participants,
        "target": target.text,
        "threshold": target.threshold,
        "crossed": list(chk.crossed),
        "ci_levels": chk.levels,
        **_absolute_inputs(pooled, target),
    }
    reasons = [f"The 95% CI crosses the {' and the '.join(chk.crossed)}"] if chk.levels else []
    ois_levels, ois_reason = 0, None
    if chk.levels == 0 and is_large(pooled, rules):
        ois_levels, ois_reason = _ois_part(pooled, outcome, target, rules, tsa, inputs)
    inputs["ois_levels"] = ois_levels
    if ois_reason:
        reasons.append(ois_reason[0].upper() + ois_reason[1:])
    levels = min(chk.levels + ois_levels, rules.imprecision.max_levels)
    if not levels:
        reasons = ["The 95% CI does not cross the threshold" + (" and the information size is met" if is_large(pooled, rules) else "")]  # fmt: skip
    if tsa is not None and tsa.explanation:
        reasons.append(tsa.explanation.rstrip("."))
    return Judgement(DOMAIN, -levels, f"Target: {target.text}. " + "; ".join(reasons) + ".", inputs)

"""Risk of bias across trials (Core GRADE 4): weight of trials at high risk, and whether their results differ.

Rule (``rules.yaml: risk_of_bias``): every trial is judged by :func:`assess_trial` (published RoB 2, else
ImmunoGrade's own from the design) and classified as at high risk or not: a published RoB 2 "high" or
"some concerns" counts as high (``published_some_concerns_as_high``), ImmunoGrade's own "some concerns"
never does.  With ``w_high`` the share of
the assessed weight from trials at high risk: rate down one level when ``w_high >= high_share_serious``
unless the trials not at high risk give a similar result; rate down one level when
``w_high >= high_share_if_results_differ`` and the results differ.  "Similar" means the fixed-effect
(inverse-variance) estimates of the two groups lie on the same side of the target's threshold and their
95% CIs overlap.  Trials that could not be assessed are named and count towards neither group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from immunograde.grading.config import Rules
from immunograde.grading.inputs import Judgement, OutcomeSpec, TrialFacts
from immunograde.grading.rob_assessment import TrialRob, assess_trial

DOMAIN = "risk_of_bias"
Z95 = 1.959963984540054


def group_estimate(trials: Sequence[TrialFacts]) -> tuple[float, float, float] | None:
    """Fixed-effect inverse-variance estimate and 95% CI of trials with an estimate and CI."""
    rows = [
        (t.yi, t.ci_low, t.ci_high)
        for t in trials
        if t.yi is not None
        and t.ci_low is not None
        and t.ci_high is not None
        and t.ci_high > t.ci_low
    ]
    if not rows:
        return None
    w = [1.0 / ((hi - lo) / (2 * Z95)) ** 2 for _, lo, hi in rows]
    y = math.fsum(wi * yi for wi, (yi, _, _) in zip(w, rows, strict=True)) / math.fsum(w)
    se = math.sqrt(1.0 / math.fsum(w))
    return y, y - Z95 * se, y + Z95 * se


def results_differ(a: tuple[float, float, float], b: tuple[float, float, float], at: float) -> bool:
    """Estimates on opposite sides of the threshold ``at``, or 95% CIs that do not overlap."""
    opposite = (a[0] - at) * (b[0] - at) < 0
    return opposite or a[2] < b[1] or b[2] < a[1]


def _trial_dict(r: TrialRob, w: float) -> dict[str, Any]:
    return {
        "trial": r.trial,
        "weight": round(w, 4),
        "overall": r.overall,
        "source": r.source,
        "verified": r.verified,
        "domains": [
            {"domain": d.domain, "judgement": d.judgement, "reason": d.reason} for d in r.domains
        ],
    }


def _pct(x: float) -> str:
    return f"{100.0 * x:.0f}%"


def rate_risk_of_bias(
    trials: Sequence[TrialFacts], outcome: OutcomeSpec, threshold: float, rules: Rules
) -> Judgement:
    """Judge risk of bias for a body of trials (see module docstring)."""
    robs = [assess_trial(t, outcome, rules.rob_assessment) for t in trials]
    pairs = [(t, r) for t, r in zip(trials, robs, strict=True) if r.overall != "not_assessed"]
    total = math.fsum(t.weight for t, _ in pairs)
    own = sum(1 for r in robs if not r.verified)
    inputs: dict[str, Any] = {
        "trials": [_trial_dict(r, t.weight) for t, r in zip(trials, robs, strict=True)],
        "not_assessed": [r.trial for r in robs if r.overall == "not_assessed"],
        "own_assessments": own,
    }
    note = f" {own} of {len(robs)} judgements are ImmunoGrade's own from the recorded design (not verified)." if own else ""  # fmt: skip
    if not pairs or total <= 0:
        why = (
            "Risk of bias could not be assessed for any trial; not rated down for a missing record."
        )
        return Judgement(DOMAIN, 0, why, inputs)
    rules_ = rules.risk_of_bias

    def at_high(r: TrialRob) -> bool:
        return r.overall == "high" or (
            rules_.published_some_concerns_as_high and r.verified and r.overall == "some_concerns"
        )

    high = [t for t, r in pairs if at_high(r)]
    rest = [t for t, r in pairs if not at_high(r)]
    concerns = rules_.published_some_concerns_as_high and any(
        r.verified and r.overall == "some_concerns" for _, r in pairs
    )
    label = (
        "high risk of bias or with some concerns in the review's judgement"
        if concerns
        else "high risk of bias"
    )
    # exactly rounded sums and 12 significant digits: the share (and so the judgement) cannot depend on
    # the order of the trials or the scale of their weights through floating-point rounding
    w_high = float(f"{math.fsum(t.weight for t in high) / total:.12g}")
    inputs["high_weight_share"] = round(w_high, 4)
    gh, gr = group_estimate(high), group_estimate(rest)
    differ = gr is None or gh is None or results_differ(gh, gr, threshold)
    inputs["results_differ"] = differ if high else None
    serious = (w_high >= rules_.high_share_serious and differ) or (
        w_high >= rules_.high_share_if_results_differ and differ and gr is not None
    )
    if serious:
        other = "no trial at lower risk to compare" if gr is None else "the trials at lower risk give a different result"  # fmt: skip
        why = f"Trials at {label} carry {_pct(w_high)} of the weight and {other}."
        return Judgement(DOMAIN, -rules_.max_levels, why + note, inputs)
    if w_high >= rules_.high_share_if_results_differ:
        why = f"Trials at {label} carry {_pct(w_high)} of the weight, but the trials at lower risk give a similar result."  # fmt: skip
    else:
        why = f"Trials at {label} carry {_pct(w_high)} of the weight."
    return Judgement(DOMAIN, 0, why + note, inputs)

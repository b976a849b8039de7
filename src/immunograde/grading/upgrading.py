"""Rating up observational evidence: large effect, dose-response, confounding that would reduce it.

Rule (``rules.yaml: upgrading``; Guyatt 2011, GRADE guidelines 9): never for randomised evidence; only
when no domain was rated down (``requires_no_downgrade``).  Large effect (ratio beyond ``large_rr`` or
its reciprocal) +1, very large (beyond ``very_large_rr``) +2; dose-response +1; all plausible
confounding reducing the effect +1; at most ``max_levels``.
"""

from __future__ import annotations

import math

from immunograde.grading.config import UpgradingRules
from immunograde.grading.inputs import Judgement, PooledEffect, QuestionContext

DOMAIN = "upgrading"


def rate_upgrading(
    pooled: PooledEffect,
    ctx: QuestionContext,
    randomised: bool,
    downgraded: bool,
    rules: UpgradingRules,
) -> Judgement:
    """Judge rating up (see module docstring)."""
    inputs: dict[str, object] = {
        "randomised": randomised,
        "downgraded": downgraded,
        "estimate_exp": None,
    }
    if randomised:
        return Judgement(DOMAIN, 0, "Randomised evidence is not rated up.", inputs)
    if downgraded and rules.requires_no_downgrade:
        return Judgement(DOMAIN, 0, "Not rated up: another domain was rated down.", inputs)
    levels, why = 0, []
    if pooled.is_ratio:
        ratio = math.exp(pooled.estimate)
        inputs["estimate_exp"] = ratio
        far = max(ratio, 1 / ratio) if ratio > 0 else math.inf
        if far > rules.very_large_rr:
            levels, why = 2, [f"very large effect (ratio {ratio:.2f})"]
        elif far > rules.large_rr:
            levels, why = 1, [f"large effect (ratio {ratio:.2f})"]
    if ctx.dose_response:
        levels, why = levels + 1, [*why, "dose-response gradient"]
    if ctx.confounding_reduces_effect:
        levels, why = levels + 1, [*why, "plausible confounding would reduce the effect"]
    levels = min(levels, rules.max_levels)
    if not levels:
        return Judgement(
            DOMAIN, 0, "No large effect, dose-response or opposing confounding.", inputs
        )
    text = "; ".join(why)
    return Judgement(DOMAIN, levels, text[0].upper() + text[1:] + ".", inputs)

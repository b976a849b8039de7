"""One sentence reconciling a verdict with a trial sequential analysis (TSA) conclusion when they differ.

Rule (``rules.yaml: reconciliation``): the verdict falls in a group -- ``benefit`` (proven, probable,
possible benefit), ``harm`` (net harm), ``no_important_benefit`` or ``uncertain`` (uncertain) -- and the
TSA concludes ``benefit_established``, ``harm_established``, ``futility_established`` or ``not_yet``.
The pairs listed under ``agree`` need no sentence; every other pair gets the TSA conclusion's sentence
filled with the TSA's relative risk reduction, the verdict's label and certainty, and why the verdict
differs.  The "unknown" verdicts (nothing poolable) have no TSA.
"""

from __future__ import annotations

from immunograde.grading.config import Rules, load_rules

GROUPS = {
    "proven_benefit": "benefit",
    "probable_benefit": "benefit",
    "possible_benefit": "benefit",
    "net_harm": "harm",
    "no_important_benefit": "no_important_benefit",
    "uncertain": "uncertain",
}
CONCLUSIONS = ("benefit_established", "harm_established", "futility_established", "not_yet")


def reconcile(
    verdict: str,
    certainty: str | None,
    tsa_conclusion: str,
    rrr: float,
    rules: Rules | None = None,
) -> str | None:
    """The sentence explaining why ``verdict`` and the TSA's conclusion differ; None when they agree.

    ``verdict`` is a verdict key, ``certainty`` the certainty of the verdict's claim, ``rrr`` the TSA's
    relative risk reduction (a fraction).  ``ValueError`` for an unknown conclusion or verdict.
    """
    rules = rules or load_rules()
    if tsa_conclusion not in CONCLUSIONS:
        raise ValueError(
            f"unknown TSA conclusion {tsa_conclusion!r}; expected one of {CONCLUSIONS}"
        )
    group = GROUPS.get(verdict)
    if group is None:
        raise ValueError(f"verdict {verdict!r} has no pooled result to compare with a TSA")
    rec = rules.reconciliation
    if tsa_conclusion in rec.agree.get(group, []):
        return None
    level = "unrated" if certainty is None else certainty.replace("_", " ")
    return rec.sentences[tsa_conclusion].format(
        rrr=rrr, verdict=rules.verdicts.labels[verdict], certainty=level, why=rec.why[group]
    )

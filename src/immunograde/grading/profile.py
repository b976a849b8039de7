"""The evidence profile the mission asks about, per substance and form, each answer with its trials.

Questions (``rules.yaml: profile``): a randomised trial at least as large as the optimal information
size; placebo control; double blinding; more than one country; funding independent of the manufacturer
(``public`` or ``none``); benefit replicated (two or more trials with a statistically significant
benefit, at least one of them independently funded); authorised by a stringent regulator.
Answers are ``yes``, ``no`` or ``unknown`` (facts missing from the knowledge base).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from immunograde.grading.config import Rules, load_rules
from immunograde.grading.inputs import TrialFacts

INDEPENDENT = frozenset({"public", "none"})


@dataclass(frozen=True)
class ProfileAnswer:
    key: str
    question: str
    answer: str  # yes | no | unknown
    trials: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class RegulatoryFact:
    agency: str
    country: str
    status: str
    product_name: str | None = None


def shows_benefit(t: TrialFacts, higher_is_better: bool) -> bool:
    """A trial whose 95% CI excludes the null on the desirable side."""
    if t.ci_low is None or t.ci_high is None:
        return False
    return t.ci_low > 0 if higher_is_better else t.ci_high < 0


def _answer(
    key: str, q: str, hits: list[TrialFacts], known: list[TrialFacts], note: str = ""
) -> ProfileAnswer:
    if hits:
        return ProfileAnswer(key, q, "yes", tuple(t.label for t in hits), note)
    return ProfileAnswer(key, q, "no" if known else "unknown", tuple(t.label for t in known), note)


def _replicated(trials: Sequence[TrialFacts], benefit: set[str]) -> ProfileAnswer:
    q = "Is the benefit replicated by independent groups?"
    pos = [t for t in trials if t.id in benefit]
    indep = [t for t in pos if t.funding in INDEPENDENT]
    unknown = [t for t in pos if t.funding == "unknown"]
    note = f"{len(pos)} trial(s) with a significant benefit, {len(indep)} independently funded"
    if len(pos) >= 2 and indep:
        answer = "yes"
    elif len(pos) >= 2 and unknown:
        answer, note = "unknown", note + f", funding not recorded for {len(unknown)}"
    else:
        answer = "no"
    return ProfileAnswer("replicated", q, answer, tuple(t.label for t in pos), note)


#: (key, question, trials that say yes, trials whose fact is known) over randomised / all trials
_DESIGN = (
    ("placebo_controlled", "Is it placebo-controlled?", True,
     lambda t: t.control == "placebo", lambda t: t.control != "unknown"),
    ("blinded", "Is it blinded (double-blind)?", True,
     lambda t: t.blinding == "double", lambda t: t.blinding != "unknown"),
    ("multinational", "Is it multinational?", False,
     lambda t: len(set(t.countries)) > 1, lambda t: bool(t.countries)),
    ("independent", "Is it independent of the manufacturer?", False,
     lambda t: t.funding in INDEPENDENT, lambda t: t.funding != "unknown"),
)  # fmt: skip


def _large(trials: Sequence[TrialFacts], ois: int | None) -> ProfileAnswer:
    sized = [t for t in trials if t.randomised and t.participants is not None]
    large = [t for t in sized if ois is not None and t.participants >= ois]  # type: ignore[operator]
    q = "Is there a large randomised trial (at least the optimal information size)?"
    note = f"OIS {ois}" if ois else "OIS not computed"
    return _answer("large_rct", q, large, sized if ois is not None else [], note)


def _regulator(regulatory: Sequence[RegulatoryFact], rules: Rules) -> ProfileAnswer:
    stringent = set(rules.profile["stringent_regulators"])
    auth = [r for r in regulatory if r.agency in stringent and r.status == "authorised"]
    names = tuple(
        f"{r.agency} ({r.country}){': ' + r.product_name if r.product_name else ''}" for r in auth
    )
    known = [r for r in regulatory if r.agency in stringent and r.status != "unknown"]
    answer = "yes" if auth else ("no" if known else "unknown")
    q = "Is it authorised by a stringent regulator?"
    return ProfileAnswer(
        "stringent_regulator", q, answer, names, "agencies: " + ", ".join(sorted(stringent))
    )


def evidence_profile(
    trials: Sequence[TrialFacts],
    benefit_ids: set[str],
    ois: int | None,
    regulatory: Sequence[RegulatoryFact],
    rules: Rules | None = None,
) -> tuple[ProfileAnswer, ...]:
    """Answer the profile questions for one substance and form."""
    rules = rules or load_rules()
    rct = [t for t in trials if t.randomised]
    out = [_large(trials, ois)]
    for key, question, randomised_only, yes, known in _DESIGN:
        pool = rct if randomised_only else list(trials)
        out.append(
            _answer(key, question, [t for t in pool if yes(t)], [t for t in pool if known(t)])
        )
    out += [_replicated(trials, benefit_ids), _regulator(regulatory, rules)]
    return tuple(out)

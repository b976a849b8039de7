"""The plain-words explanation of an experience answer, with the numbers of the case.

Each sentence is a :class:`Reason`: a ``key``, an English ``template`` with ``%(name)s`` placeholders (the
web translates the template through the message catalogue and fills in the same ``params``), and the
English ``text``.  The numbers in ``params`` are already rounded for reading; the exact values are in the
answer's ``pool`` and ``comparison``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from immunograde.stats.single_arm import CountComparison, MeanComparison

if TYPE_CHECKING:  # pragma: no cover
    from immunograde.evidence.experience import Experience

__all__ = ["TEMPLATES", "Reason", "fmt_p", "reasons"]

TEMPLATES: dict[str, str] = {
    "no_group": (
        "No control arms serve for %(query)s: the knowledge base has %(questions)s question(s) with "
        "this indication (%(indications)s), but none of their outcomes is declared a recovery outcome "
        "in the reviewed natural-course file, so no natural course is computed."
    ),
    "no_arms": (
        "No control arm of the knowledge base reports %(outcome)s with numbers that can be pooled; "
        "searched: %(questions)s."
    ),
    "choose": "Choose an outcome and its time point: arms of different outcomes are never pooled together.",
    "natural_course": (
        "In the control arms of %(k)s trial(s) (%(patients)s patients given placebo or no active "
        "treatment), %(pr)s%% had %(outcome)s (%(time_point)s); a new group of such patients would "
        "be expected between %(pi_low)s%% and %(pi_high)s%% (95%% prediction interval)."
    ),
    "expected": (
        "Of your %(treated)s patients, about %(expected)s (between %(expected_low)s and "
        "%(expected_high)s) would have improved without the product."
    ),
    "observed_within": (
        "You saw %(improved)s of %(treated)s (%(observed)s%%): within that range (control arms have "
        "done as well without the product), so the observation cannot be told apart from the natural "
        "course."
    ),
    "observed_above": (
        "You saw %(improved)s of %(treated)s (%(observed)s%%): above that range.  Even so, a case "
        "series cannot say why: the reasons below apply in full."
    ),
    "observed_below": (
        "You saw %(improved)s of %(treated)s (%(observed)s%%): below that range, fewer than "
        "patients in the control arms."
    ),
    "binomial": (
        "If your patients had fared like the average control arm (%(pr)s%%), %(improved)s or more of "
        "%(treated)s would have improved with probability %(p_upper)s (exact binomial); like the most "
        "favourable control arm the prediction interval allows (%(pi_high)s%%), with probability "
        "%(p_upper_at_pi_high)s."
    ),
    "mean_course": (
        "In the control arms of %(k)s trial(s) (%(patients)s patients given placebo), the mean "
        "%(outcome)s was %(estimate)s %(unit)s; a new group of such patients would be expected "
        "between %(pi_low)s and %(pi_high)s %(unit)s (95%% prediction interval)."
    ),
    "mean_within": (
        "Your mean of %(mean)s %(unit)s is within that range: it cannot be told apart from the natural "
        "course."
    ),
    "mean_below": (
        "Your mean of %(mean)s %(unit)s is below that range (shorter); a case series still cannot "
        "say why: the reasons below apply in full."
    ),
    "mean_above": "Your mean of %(mean)s %(unit)s is above that range (longer than in the control arms).",
    "self_limiting": (
        "The illness gets better by itself: %(pr)s%% of patients given placebo or nothing had %(outcome)s "
        "(%(time_point)s), so improvement after a product is expected without it."
    ),
    "self_limiting_mean": (
        "The illness gets better by itself: in the control arms it lasted %(estimate)s %(unit)s on "
        "average without any active treatment."
    ),
    "regression": (
        "Patients come, and are treated, when their symptoms are at their worst; from there symptoms "
        "tend to lessen whatever is given (regression to the mean)."
    ),
    "selection": (
        "The %(treated)s patients of a series were chosen, not randomised: who is given the product, "
        "who comes back and who is remembered differ from those who are not.  The control arms above "
        "were randomised."
    ),
    "placebo": (
        "The control arms include the placebo response: a series without a control group credits "
        "the product with the natural course and the placebo response together."
    ),
    "controlled": (
        "Only a randomised comparison with a control group shows what the product itself adds: its "
        "own trials, below."
    ),
    "no_product_trials": (
        "The knowledge base has no appraised question of %(substance)s for these indications."
    ),
}


@dataclass(frozen=True)
class Reason:
    key: str
    template: str
    params: dict[str, str]
    text: str


def _r(key: str, **params: Any) -> Reason:
    p = {k: str(v) for k, v in params.items()}
    return Reason(key, TEMPLATES[key], p, TEMPLATES[key] % p)


def pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f}"


def num(x: float | None, digits: int = 1) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def fmt_p(p: float) -> str:
    """A probability for reading: 2 significant digits, ``< 0.0001`` below that."""
    return "< 0.0001" if p < 1e-4 else f"{p:.2g}"


def _count_reasons(exp: Experience, base: dict[str, str]) -> list[Reason]:
    pool, c = exp.pool, exp.comparison
    assert pool is not None
    out = [_r("natural_course", **base, pr=pct(pool.pr), pi_low=pct(pool.pr_pi_low),
              pi_high=pct(pool.pr_pi_high))]  # fmt: skip
    if isinstance(c, CountComparison):
        n = {"treated": c.treated, "improved": c.improved}
        out.append(_r("expected", **n, expected=num(c.expected), expected_low=num(c.expected_low),
                      expected_high=num(c.expected_high)))  # fmt: skip
        out.append(_r(f"observed_{c.position}", **n, observed=pct(c.observed)))
        out.append(_r("binomial", **n, pr=pct(pool.pr), p_upper=fmt_p(c.p_upper),
                      pi_high=pct(pool.pr_pi_high), p_upper_at_pi_high=fmt_p(c.p_upper_at_pi_high)))  # fmt: skip
    out.append(_r("self_limiting", pr=pct(pool.pr), outcome=base["outcome"],
                  time_point=base["time_point"]))  # fmt: skip
    return out


def _mean_reasons(exp: Experience, base: dict[str, str]) -> list[Reason]:
    pool, c, o = exp.pool, exp.comparison, exp.outcome
    assert pool is not None and o is not None
    unit = o.unit or ""
    out = [_r("mean_course", **base, estimate=num(pool.estimate), pi_low=num(pool.pi_low),
              pi_high=num(pool.pi_high), unit=unit)]  # fmt: skip
    if isinstance(c, MeanComparison):
        out.append(_r(f"mean_{c.position}", mean=num(c.mean), unit=unit))
    out.append(_r("self_limiting_mean", estimate=num(pool.estimate), unit=unit))
    return out


def reasons(exp: Experience) -> list[Reason]:
    """The explanation of ``exp`` in order: natural course, observation, why a series cannot show
    benefit, then where to look instead."""
    if exp.status == "no_control_arms" and exp.group is None:
        s = exp.searched
        return [_r("no_group", query=exp.query, questions=len(s["questions"]),
                   indications="; ".join(s["indications"]))]  # fmt: skip
    if exp.status == "choose_outcome" or exp.outcome is None:
        return [_r("choose")]
    o = exp.outcome
    if exp.status == "no_control_arms":
        return [_r("no_arms", outcome=o.name, questions=", ".join(o.questions))]
    assert exp.pool is not None
    base = {"k": str(exp.pool.k), "patients": str(exp.pool.patients), "outcome": o.name,
            "time_point": o.time_point}  # fmt: skip
    out = _count_reasons(exp, base) if o.type == "binary" else _mean_reasons(exp, base)
    treated = exp.observation.treated
    out += [_r("regression"), _r("selection", treated=treated if treated else "N"), _r("placebo"),
            _r("controlled")]  # fmt: skip
    if exp.substance and not exp.product_trials:
        out.append(_r("no_product_trials", substance=exp.substance))
    return out

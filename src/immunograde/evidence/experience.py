"""What does my experience show?  A clinician's case series beside the natural course (issue 17).

The recipe, for an indication (a group of ``natural_course.yaml``, found by id, alias, name or one of its
indications), an outcome at one time point, and an observation (``improved`` of ``treated``, or a mean
with SD over ``treated`` patients):

1. the outcome's control arms (:mod:`.natural_course`) -> metafor's ``escalc`` ``"PLO"`` (counts) or
   ``"MN"`` (means) -> ``rma`` REML -> estimate, CI and prediction interval (back-transformed with
   ``transf.ilogit`` for proportions);
2. :func:`immunograde.stats.single_arm.compare_count` / ``compare_mean``: the expected count and its range,
   the exact binomial probability of ``improved`` or more, where the observation falls;
3. the product's own trials for the group's indications: the stored appraisals (:class:`.answers.Answers`),
   never recomputed;
4. the reasons an uncontrolled series cannot show benefit, with this case's numbers (:mod:`.experience_text`).

Where the indication is in the knowledge base but no control arm serves, the answer says what was searched
(``status = "no_control_arms"``), never a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from immunograde.errors import InputError, Msg, Problem
from immunograde.evidence.answers import Answers
from immunograde.evidence.digest import AppraisalDigest
from immunograde.evidence.experience_text import Reason, reasons
from immunograde.evidence.natural_course import (
    ControlArm,
    GroupSpec,
    OutcomeSpec,
    SkippedArm,
    control_arms,
    has_control_numbers,
    load,
)
from immunograde.kb.queries import KnowledgeBase
from immunograde.stats.escalc import escalc
from immunograde.stats.rma import rma_uni
from immunograde.stats.single_arm import (
    CountComparison,
    MeanComparison,
    compare_count,
    compare_mean,
    ilogit,
)

__all__ = ["Experience", "Observation", "Pool", "experience"]


@dataclass(frozen=True)
class Observation:
    """What the clinician saw: ``improved`` of ``treated``, or a ``mean`` (with ``sd``) over ``treated``."""

    treated: int | None = None
    improved: int | None = None
    mean: float | None = None
    sd: float | None = None

    @property
    def given(self) -> bool:
        return self.improved is not None or self.mean is not None


@dataclass(frozen=True)
class Pool:
    """metafor's ``rma(measure = "PLO" | "MN", method = "REML")`` on the control arms; ``pr*`` are the
    proportion-scale values (``predict(res, transf = transf.ilogit)``) for PLO.  ``weights`` in percent,
    in the order of the answer's ``arms``."""

    measure: str
    method: str
    k: int
    estimate: float
    se: float
    tau2: float
    i2: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    pr: float | None
    pr_ci_low: float | None
    pr_ci_high: float | None
    pr_pi_low: float | None
    pr_pi_high: float | None
    weights: list[float]
    patients: int


@dataclass(frozen=True)
class QuestionUse:
    """A question of the group's indications and what it contributes (``used``: ``"pooled"``,
    ``"other_outcome"``, ``"not_used"`` with the reason, or ``"no_control_numbers"``)."""

    question_id: str
    title: str
    indication: str | None
    comparator: str
    outcome: str
    time_point: str | None
    used: str
    outcome_id: str | None = None
    reason: str | None = None
    reason_ru: str | None = None


@dataclass(frozen=True)
class ProductTrials(AppraisalDigest):
    """One stored appraisal of the product's own trials for these indications."""

    title: str
    comparator: str


@dataclass(frozen=True)
class Experience:
    """The answer.  ``status``: ``"compared"`` (an observation beside a pool), ``"natural_course"`` (a pool,
    no observation), ``"choose_outcome"`` (the group's outcomes, none chosen) or ``"no_control_arms"``."""

    status: str
    query: str
    group: dict[str, str] | None
    searched: dict[str, Any]
    outcomes: list[OutcomeSpec]
    outcome: OutcomeSpec | None
    observation: Observation
    arms: list[ControlArm] = field(default_factory=list)
    skipped_arms: list[SkippedArm] = field(default_factory=list)
    pool: Pool | None = None
    comparison: CountComparison | MeanComparison | None = None
    substance: str | None = None
    product_trials: list[ProductTrials] = field(default_factory=list)
    explanation: list[Reason] = field(default_factory=list)
    review: dict[str, Any] = field(default_factory=dict)


def find_group(text: str) -> GroupSpec | None:
    """The group named by ``text`` (id, name, alias or one of its indications; case-insensitive)."""
    t = text.strip().casefold()
    for g in load().groups:
        names = (g.id, g.name, g.name_ru, *g.aliases, *g.indications)
        if t in {n.casefold() for n in names}:
            return g
    return None


def _questions_using(kb: KnowledgeBase, g: GroupSpec) -> list[QuestionUse]:
    where = {q: o for o in g.outcomes for q in o.questions}
    why = {n.question: n for n in g.not_used}
    out = []
    for q in kb.all_questions():
        if q.indication not in g.indications:
            continue
        o = where.get(q.id)
        n = why.get(q.id)
        used = "pooled" if o else "not_used" if n else "no_control_numbers"
        if used == "no_control_numbers" and has_control_numbers(kb, q.id):
            used = (
                "unexplained"  # a reviewed-file gap: tests/evidence/test_experience.py fails on it
            )
        out.append(QuestionUse(
            q.id, q.title, q.indication, q.comparator, q.outcome.name, q.outcome.time_point, used,
            o.id if o else None, n.reason if n else None, n.reason_ru if n else None,
        ))  # fmt: skip
    return out


def _unknown(kb: KnowledgeBase, text: str) -> list[Any]:
    """Questions whose indication contains ``text``; an InputError when none does."""
    t = text.strip().casefold()
    hits = [q for q in kb.all_questions() if q.indication and t and t in q.indication.casefold()]
    if not hits:
        known = ", ".join(f"{g.id} ({', '.join(g.aliases[:6])})" for g in load().groups)
        raise InputError.one(
            Msg("unknown indication %(text)s: no question of the knowledge base has it; indications with a natural course: %(known)s", text=repr(text), known=known), field="indication",
        )  # fmt: skip
    return hits


def _choose_outcome(g: GroupSpec, outcome: str | None, obs: Observation) -> OutcomeSpec | None:
    if outcome:
        for o in g.outcomes:
            if o.id == outcome:
                return o
        ids = ", ".join(o.id for o in g.outcomes)
        raise InputError.one(Msg("unknown outcome %(outcome)s for %(id)s; choose one of: %(ids)s", outcome=repr(outcome), id=g.id, ids=ids),
                             field="outcome")  # fmt: skip
    kind = "binary" if obs.improved is not None else "continuous" if obs.mean is not None else None
    fits = [o for o in g.outcomes if kind is None or o.type == kind]
    if len(fits) == 1 and kind is not None:
        return fits[0]
    if kind is not None and len(fits) > 1:
        ids = "; ".join(f"{o.id} ({o.name}, {o.time_point})" for o in fits)
        raise InputError.one(Msg("%(id)s has several %(kind)s outcomes, never pooled together; choose one with outcome: %(ids)s", id=g.id, kind=kind, ids=ids), field="outcome")  # fmt: skip
    if kind is not None:
        raise InputError.one(
            Msg("%(id)s has no %(kind)s outcome with control arms", id=g.id, kind=kind),
            field="outcome",
        )
    return None


def check_observation(obs: Observation, o: OutcomeSpec | None) -> None:
    """Raise :class:`InputError` for impossible or mismatched input (all problems at once)."""
    bad: list[tuple[str, str]] = []
    if obs.given and (obs.treated is None or obs.treated < 1):
        bad.append(("treated", Msg("the number of patients treated must be a whole number >= 1")))
    if obs.improved is not None and obs.mean is not None:
        bad.append(("improved", Msg("give either improved (counts) or mean (a time), not both")))
    if (
        obs.improved is not None
        and obs.treated is not None
        and obs.treated >= 1
        and not 0 <= obs.improved <= obs.treated
    ):
        bad.append(("improved", Msg("must be between 0 and treated = %(n)s", n=obs.treated)))
    if obs.sd is not None and not obs.sd > 0:
        bad.append(("sd", Msg("the standard deviation must be > 0")))
    if obs.mean is not None and not np.isfinite(obs.mean):
        bad.append(("mean", Msg("the mean must be a number")))
    if obs.treated is not None and not obs.given:
        bad.append(("improved", Msg("give improved (how many improved) or mean (the mean time)")))
    if o is not None and obs.given and (o.type == "binary") != (obs.improved is not None):
        need = Msg("improved (a count)") if o.type == "binary" else Msg("mean (a time)")
        bad.append(("outcome", Msg("outcome %(id)s is %(type)s: give %(need)s", id=o.id,
                                   type=o.type, need=need)))  # fmt: skip
    if bad:
        raise InputError([Problem(msg, field=f) for f, msg in bad])


def pool_arms(arms: list[ControlArm], o: OutcomeSpec) -> Pool:
    """metafor's escalc + rma REML on the arms (PLO for counts, MN for means)."""
    n = np.array([a.ni for a in arms], dtype=float)
    if o.type == "binary":
        es = escalc("PLO", xi=np.array([a.xi for a in arms], dtype=float), ni=n)
    else:
        m = np.array([a.mi for a in arms], dtype=float)
        es = escalc("MN", mi=m, sdi=np.array([a.sdi for a in arms], dtype=float), ni=n)
    r = rma_uni(es.yi, es.vi, method="REML")
    tr = (lambda x: ilogit(x)) if o.type == "binary" else (lambda x: None)
    return Pool(
        "PLO" if o.type == "binary" else "MN", "REML", r.k, r.estimate, r.se, r.tau2, r.i2,
        r.ci_low, r.ci_high, r.pi_low, r.pi_high, tr(r.estimate), tr(r.ci_low), tr(r.ci_high),
        tr(r.pi_low), tr(r.pi_high), [float(w) for w in r.weights], int(n.sum()),
    )  # fmt: skip


def _compare(obs: Observation, pool: Pool) -> CountComparison | MeanComparison | None:
    if obs.improved is not None and obs.treated is not None and pool.pr is not None:
        assert pool.pr_pi_low is not None and pool.pr_pi_high is not None
        return compare_count(obs.improved, obs.treated, pool.pr, pool.pr_pi_low, pool.pr_pi_high)
    if obs.mean is not None:
        return compare_mean(obs.mean, pool.estimate, pool.pi_low, pool.pi_high, sd=obs.sd,
                            n=obs.treated)  # fmt: skip
    return None


def _substance_id(kb: KnowledgeBase, text: str) -> str:
    """The substance an exact name (any script, brand or INN) names; never a fuzzy guess."""
    hits = kb.substances_by_name(text, limit=5)
    exact = [h for h in hits if h.match == "exact"]
    if exact:
        return exact[0].entity_id
    message = Msg("no substance or product is named %(text)s", text=repr(text))
    if hits:
        names = ", ".join(h.matched_name for h in hits)
        message = Msg("no substance or product is named %(text)s; did you mean: %(names)s?",
                      text=repr(text), names=names)  # fmt: skip
    raise InputError.one(message, field="substance")


def product_trials(
    kb: KnowledgeBase, substance: str, indications: tuple[str, ...]
) -> tuple[str, list[ProductTrials]]:
    """The substance id named by ``substance`` and the stored appraisals of its questions for these
    indications (the evidence layer's :class:`Answers`; nothing recomputed here)."""
    sid = _substance_id(kb, substance)
    answers = Answers(kb)
    out = []
    for q in kb.questions_for(sid):
        if q.indication not in indications:
            continue
        a = answers.question(q.id)
        out.append(ProductTrials.of(a, title=q.title))
    return sid, out


def _review() -> dict[str, Any]:
    nc = load()
    return {"file": "src/immunograde/evidence/natural_course.yaml", "extracted_by": nc.extracted_by,
            "checked_by": nc.checked_by, "date_reviewed": nc.date_reviewed,
            "next_review": nc.next_review, "verified": nc.verified}  # fmt: skip


def _no_group(kb: KnowledgeBase, query: str, obs: Observation) -> Experience:
    hits = _unknown(kb, query)
    uses = [QuestionUse(q.id, q.title, q.indication, q.comparator, q.outcome.name,
                        q.outcome.time_point, "no_natural_course") for q in hits]  # fmt: skip
    searched = {"indications": sorted({q.indication for q in hits}), "questions": uses}
    exp = Experience("no_control_arms", query, None, searched, [], None, obs, review=_review())
    return _with_reasons(exp)


def _with_reasons(exp: Experience) -> Experience:
    from dataclasses import replace

    return replace(exp, explanation=reasons(exp))


def experience(
    kb: KnowledgeBase, indication: str, *, outcome: str | None = None,
    obs: Observation | None = None, substance: str | None = None,
    questions: tuple[str, ...] | None = None,
) -> Experience:  # fmt: skip
    """Answer "what does my experience show?" (see the module docstring).

    Raises
    ------
    InputError
        Unknown indication, outcome, substance or question; impossible numbers (improved > treated, a
        negative count, sd <= 0); an observation that does not fit the outcome's type.
    """
    obs = obs or Observation()
    check_observation(obs, None)
    g = find_group(indication)
    if g is None:
        return _no_group(kb, indication, obs)
    o = _choose_outcome(g, outcome, obs)
    check_observation(obs, o)
    uses = _questions_using(kb, g)
    searched = {"indications": list(g.indications), "questions": uses}
    head = {"id": g.id, "name": g.name, "name_ru": g.name_ru}
    sid, trials = product_trials(kb, substance, g.indications) if substance else (None, [])
    common: dict[str, Any] = {"substance": sid, "product_trials": trials, "review": _review()}
    if o is None:
        return _with_reasons(Experience("choose_outcome", indication, head, searched,
                                        list(g.outcomes), None, obs, **common))  # fmt: skip
    if questions:
        unknown = [q for q in questions if q not in o.questions]
        if unknown:
            raise InputError.one(Msg("question(s) %(questions)s are not control-arm sources of %(id)s: choose among %(choices)s", questions=', '.join(unknown), id=o.id, choices=', '.join(o.questions)), field="question")  # fmt: skip
    arms, skipped = control_arms(kb, o, questions)
    if not arms:
        return _with_reasons(Experience("no_control_arms", indication, head, searched,
                                        list(g.outcomes), o, obs, [], skipped, **common))  # fmt: skip
    pool = pool_arms(arms, o)
    status = "compared" if obs.given else "natural_course"
    exp = Experience(status, indication, head, searched, list(g.outcomes), o, obs, arms, skipped,
                     pool, _compare(obs, pool), **common)  # fmt: skip
    return _with_reasons(exp)

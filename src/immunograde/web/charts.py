"""Chart specifications for knowledge-base pages: a question's forest and cumulative plots, the
evidence map and a substance's top safety signals.  Rendering is :mod:`immunograde.plots.render`."""

from __future__ import annotations

from typing import Any

from immunograde.errors import InputError, Msg
from immunograde.evidence import tsa as living_tsa
from immunograde.evidence.analysis import analyse
from immunograde.evidence.charts import cumulative_by_year, cumulative_spec, tsa_spec
from immunograde.kb.queries import KnowledgeBase
from immunograde.plots.forest import forest_spec
from immunograde.plots.from_stats import forest_from_fit, is_ratio


def _detail(values: dict[str, float | None]) -> str:
    v = values
    if v.get("ai") is not None and v.get("ci") is not None:
        n1 = v.get("n1i") if v.get("n1i") is not None else (v["ai"] or 0) + (v.get("bi") or 0)
        n2 = v.get("n2i") if v.get("n2i") is not None else (v["ci"] or 0) + (v.get("di") or 0)
        return f"{v['ai']:g}/{n1:g} vs {v['ci']:g}/{n2:g}"
    if v.get("m1i") is not None:
        return f"{v['m1i']:g} ({v.get('sd1i') or 0:g}), n={v.get('n1i') or 0:g} vs {v['m2i']:g} ({v.get('sd2i') or 0:g}), n={v.get('n2i') or 0:g}"
    return ""


def _favours(higher_is_better: bool) -> tuple[str, str]:
    return (
        ("favours control", "favours intervention")
        if higher_is_better
        else ("favours intervention", "favours control")
    )


def _located(exc: InputError) -> str:
    """The input error's text (``file: field: message``) as a :class:`Msg` that keeps the message's own
    msgid, so a chart's error page reads in the reader's language (the file and field as written)."""
    if len(exc.problems) != 1 or not isinstance(exc.problems[0].message, Msg):
        return str(exc)
    found = exc.problems[0]
    where = str(found)[: len(str(found)) - len(found.message)]
    return Msg("%(where)s%(message)s", where=where, message=found.message)


def question_forest(kb: KnowledgeBase, question_id: str) -> dict[str, Any]:
    q = kb.get_question(question_id)
    rows = kb.outcome_data(question_id)
    a = analyse(q, rows)
    if a.fit is None:
        raise ValueError(
            Msg("question %(question_id)s has no analysable outcome data", question_id=question_id)
        )
    rob = {
        t.trial.id: (t.rob.overall if t.rob else "not_assessed")
        for t in kb.trials_for_question(question_id)
    }
    by_trial = {(r.trial_id, r.subgroup): r for r in rows}
    labels = [e.label + (f" [{e.subgroup}]" if e.subgroup else "") for e in a.effects]
    details = [
        _detail(by_trial[(e.trial_id, e.subgroup)].values)
        if (e.trial_id, e.subgroup) in by_trial
        else ""
        for e in a.effects
    ]
    data = forest_from_fit(
        labels, a.fit, a.measure, details=details, rob=[rob.get(e.trial_id) for e in a.effects],
        title=q.title, favours=_favours(q.outcome.higher_is_better),
    )  # fmt: skip
    return forest_spec(data)


def question_cumulative(kb: KnowledgeBase, question_id: str) -> dict[str, Any]:
    """Cumulative meta-analysis by publication year, random and fixed effect (living.charts)."""
    q = kb.get_question(question_id)
    try:
        rows = cumulative_by_year(kb, question_id)
    except InputError as exc:
        raise ValueError(_located(exc)) from None
    return cumulative_spec(
        rows, q.outcome.measure, title=f"Cumulative meta-analysis by year: {q.title}"
    )


def question_tsa(kb: KnowledgeBase, question_id: str) -> dict[str, Any]:
    """Trial sequential analysis chart: cumulative Z, monitoring boundaries, required information size."""
    q = kb.get_question(question_id)
    try:
        result = living_tsa.question_tsa(kb, question_id)
    except InputError as exc:
        raise ValueError(_located(exc)) from None
    return tsa_spec(result, title=f"Trial sequential analysis: {q.title}")


def evidence_map(cells: list[dict[str, Any]]) -> dict[str, Any]:
    from immunograde.plots.evidence_map import MapCell, evidence_map_spec  # altair: only here

    return evidence_map_spec(
        [
            MapCell(
                c["substance"],
                c["indication"] or "—",
                c["verdict"],
                int(c["participants"] or 0),
                c.get("certainty") or "",
                f"/substances/{c['substance_id']}",
            )
            for c in cells
        ]
    )


__all__ = [
    "evidence_map",
    "is_ratio",
    "question_cumulative",
    "question_forest",
    "question_tsa",
]

"""Living-evidence charts: the TSA plot and the cumulative meta-analysis (random and fixed effect).

Both are Vega-Lite specifications (the cumulative chart written as the dict, the TSA plot through altair), rendered statically by :func:`immunograde.plots.render`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from immunograde.errors import InputError, Msg
from immunograde.evidence.analysis import analyse
from immunograde.evidence.tsa import QuestionTSA
from immunograde.kb.queries import KnowledgeBase
from immunograde.plots.spec import finish, to_spec
from immunograde.stats.cumulative import cumulative
from immunograde.stats.measures import is_ratio


@dataclass(frozen=True)
class CumulativeRow:
    """The pooled ratio after adding one more trial (publication-year order), both models."""

    label: str
    year: int | None
    k: int
    participants: int
    random_estimate: float
    random_ci_low: float
    random_ci_high: float
    fixed_estimate: float
    fixed_ci_low: float
    fixed_ci_high: float


def cumulative_by_year(kb: KnowledgeBase, question_id: str) -> list[CumulativeRow]:
    """Cumulative meta-analysis ordered by publication year, random effects (the question's tau2
    estimator, default REML) and fixed effect; ratio measures on the ratio scale.

    The effects are the question's own analysis (:func:`immunograde.evidence.analysis.analyse`: the same
    rows, measure and double-zero policy as the pooled result), so the last row is the pooled result's k.
    ``InputError`` when fewer than two effects can be analysed.
    """
    q = kb.get_question(question_id)
    rows = kb.outcome_data(question_id)
    a = analyse(q, rows)
    if len(a.effects) < 2:
        raise InputError.one(
            Msg(
                "a cumulative meta-analysis needs at least two analysable effects; %(question_id)s has %(n)s",
                question_id=question_id,
                n=len(a.effects),
            ),
            file=f"questions/{question_id}.yaml",
            field="data",
        )
    year = {r.trial_id: r.year for r in rows}
    order = sorted(
        range(len(a.effects)), key=lambda i: (year.get(a.effects[i].trial_id) or 9999, i)
    )
    eff = [a.effects[i] for i in order]
    yi = np.array([e.yi for e in eff], dtype=float)
    vi = np.array([e.vi for e in eff], dtype=float)
    method = a.method if a.method not in ("MH", "PETO") else "FE"
    fits = {m: cumulative(yi, vi, method=m).fits for m in dict.fromkeys((method, "FE"))}
    show = np.exp if is_ratio(a.measure) else (lambda x: x)
    n_cum = np.cumsum([e.participants or 0 for e in eff])
    re, fe = fits[method], fits["FE"]
    return [
        CumulativeRow(
            e.label + (f" [{e.subgroup}]" if e.subgroup else ""), year.get(e.trial_id), i + 1,
            int(n_cum[i]),
            *(float(show(x[i])) for x in (re.estimate, re.ci_low, re.ci_high)),
            *(float(show(x[i])) for x in (fe.estimate, fe.ci_low, fe.ci_high)),
        )
        for i, e in enumerate(eff)
    ]  # fmt: skip


def cumulative_spec(
    rows: list[CumulativeRow], measure: str = "RR", title: str = ""
) -> dict[str, Any]:
    """Cumulative forest: one line per added trial, random and fixed effect side by side.

    Written as the Vega-Lite specification itself (a dict, as :func:`immunograde.plots.forest.forest_spec`):
    altair's objects cost more than the chart's data; the steps are one named dataset both layers read.
    """
    recs = []
    for i, r in enumerate(rows):
        label = f"+ {r.label}" if i else r.label
        for model, e, lo, hi in (("random effects", r.random_estimate, r.random_ci_low, r.random_ci_high),
                                 ("fixed effect", r.fixed_estimate, r.fixed_ci_low, r.fixed_ci_high)):  # fmt: skip
            recs.append(
                {
                    "step": i,
                    "label": label,
                    "model": model,
                    "estimate": e,
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
    ratio = is_ratio(measure)
    scale = {"type": "log"} if ratio else {"zero": False}
    y = {"field": "label", "sort": {"field": "step"}, "title": None, "type": "nominal"}
    shared = {"color": {"field": "model", "title": None, "type": "nominal"}, "y": y,
              "yOffset": {"field": "model", "type": "nominal"}}  # fmt: skip
    rules = {"data": {"name": "steps"}, "mark": {"type": "rule"},
             "encoding": {**shared, "x": {"field": "ci_low", "scale": scale, "type": "quantitative"},
                          "x2": {"field": "ci_high"}}}  # fmt: skip
    tooltip = [{"field": f, "type": "nominal"} for f in ("label", "model")] + [
        {"field": f, "type": "quantitative"} for f in ("estimate", "ci_low", "ci_high")
    ]
    points = {"data": {"name": "steps"}, "mark": {"type": "point", "filled": True},
              "encoding": {**shared, "tooltip": tooltip,
                           "x": {"field": "estimate", "scale": scale,
                                 "title": f"{measure} (cumulative, 95% CI)", "type": "quantitative"}}}  # fmt: skip
    null = {"data": {"values": [{"x": 1.0 if ratio else 0.0}]},
            "mark": {"type": "rule", "color": "gray", "strokeDash": [4, 4]},
            "encoding": {"x": {"field": "x", "type": "quantitative"}}}  # fmt: skip
    return finish({"layer": [rules, points, null], "title": title or "Cumulative meta-analysis by year",
                   "width": 420, "datasets": {"steps": recs}})  # fmt: skip


def tsa_spec(r: QuestionTSA, title: str = "") -> dict[str, Any]:
    """TSA plot: cumulative Z against participants, monitoring and futility boundaries, the
    conventional +/-1.96 lines and the required information size."""
    import altair as alt  # here, not at the top: the dossier's charts do not need altair's import

    z = [{"participants": t["participants"], "z": t["z"], "label": t["label"]} for t in r.trials]
    bnd = []
    for p in r.boundary:
        for kind in ("upper", "lower", "futility"):
            if p[kind] is not None:
                bnd.append({"participants": p["participants"], "z": p[kind], "line": kind})
                if kind == "futility":
                    bnd.append(
                        {
                            "participants": p["participants"],
                            "z": -p[kind],
                            "line": "futility (lower)",
                        }
                    )
    zc = alt.Chart(alt.Data(values=z)).mark_line(point=True, color="#1f4e79").encode(
        x=alt.X("participants:Q", title="Participants (cumulative)"),
        y=alt.Y("z:Q", title="Cumulative Z"), tooltip=["label:N", "participants:Q", "z:Q"])  # fmt: skip
    bc = alt.Chart(alt.Data(values=bnd)).mark_line(color="#b22222").encode(
        x="participants:Q", y="z:Q", detail="line:N",
        strokeDash=alt.condition(alt.datum.line == "upper", alt.value([1, 0]), alt.value([6, 3])))  # fmt: skip
    conv = (
        alt.Chart(alt.Data(values=[{"z": 1.96}, {"z": -1.96}]))
        .mark_rule(color="gray", strokeDash=[2, 2])
        .encode(y="z:Q")
    )
    ris = (
        alt.Chart(alt.Data(values=[{"participants": r.required_information_size}]))
        .mark_rule(color="#b22222")
        .encode(x="participants:Q")
    )
    head = (
        title
        or f"TSA: {r.question_id} ({r.conclusion.replace('_', ' ')}, RIS {r.required_information_size:,})"
    )
    chart = alt.layer(conv, ris, bc, zc).properties(title=head, width=480, height=300)
    return to_spec(chart)

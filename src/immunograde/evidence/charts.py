"""Living-evidence charts: the TSA plot and the cumulative meta-analysis (random and fixed effect).

Both are Vega-Lite specifications (altair), rendered statically by :func:`immunograde.plots.render`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np

from immunograde.evidence.effects import question_effects
from immunograde.evidence.tsa import QuestionTSA
from immunograde.kb.queries import KnowledgeBase
from immunograde.plots.spec import configure
from immunograde.stats.cumulative import cumulative


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
    estimator, default REML) and fixed effect; ratio measures on the ratio scale."""
    e = question_effects(kb, question_id)
    fits = {m: cumulative(e.yi, e.vi, method=m).fits for m in (e.method, "FE")}
    show = np.exp if e.ratio else (lambda x: x)
    n_cum = np.cumsum(e.n)
    re, fe = fits[e.method], fits["FE"]
    return [
        CumulativeRow(
            r.label, r.year, i + 1, int(n_cum[i]),
            *(float(show(x[i])) for x in (re.estimate, re.ci_low, re.ci_high)),
            *(float(show(x[i])) for x in (fe.estimate, fe.ci_low, fe.ci_high)),
        )
        for i, r in enumerate(e.rows)
    ]  # fmt: skip


def cumulative_spec(
    rows: list[CumulativeRow], measure: str = "RR", title: str = ""
) -> dict[str, Any]:
    """Cumulative forest: one line per added trial, random and fixed effect side by side."""
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
    base = alt.Chart(alt.Data(values=recs)).encode(
        y=alt.Y("label:N", sort=alt.EncodingSortField("step"), title=None),
        yOffset=alt.YOffset("model:N"),
        color=alt.Color("model:N", title=None),
    )
    x = alt.X("estimate:Q", scale=alt.Scale(type="log"), title=f"{measure} (cumulative, 95% CI)")
    rules = base.mark_rule().encode(
        x=alt.X("ci_low:Q", scale=alt.Scale(type="log")), x2="ci_high:Q"
    )
    points = base.mark_point(filled=True).encode(
        x=x, tooltip=["label:N", "model:N", "estimate:Q", "ci_low:Q", "ci_high:Q"]
    )
    null = (
        alt.Chart(alt.Data(values=[{"x": 1.0}]))
        .mark_rule(strokeDash=[4, 4], color="gray")
        .encode(x="x:Q")
    )
    chart = alt.layer(rules, points, null).properties(
        title=title or "Cumulative meta-analysis by year", width=420
    )
    return configure(chart).to_dict()


def tsa_spec(r: QuestionTSA, title: str = "") -> dict[str, Any]:
    """TSA plot: cumulative Z against participants, monitoring and futility boundaries, the
    conventional +/-1.96 lines and the required information size."""
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
    return configure(chart).to_dict()

"""Forest plot: studies as squares sized by weight with their CIs, pooled diamonds, prediction interval,
per-arm data and risk-of-bias dots in text columns, "favours" labels under a log axis for ratios.

The same builder draws cumulative and leave-one-out forests (rows of kind ``cumulative``/``omitted``) and
trim-and-fill forests (rows of kind ``filled`` drawn hollow).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import altair as alt

from immunograde.plots.spec import ROB_COLOURS, ForestData, display, ticks, to_spec, x_scale

ROW_HEIGHT = 22


def _fmt(value: float, ratio: bool) -> str:
    v = display(value, ratio)
    return "NA" if not math.isfinite(v) else f"{v:.2f}"


def _records(data: ForestData) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Study rows (top to bottom) and diamond vertices; y runs downwards from 0."""
    studies: list[dict[str, Any]] = []
    for i, r in enumerate(data.rows):
        studies.append(
            {
                "pos": i,
                "label": r.label,
                "detail": r.detail,
                "x": display(r.yi, data.ratio),
                "lo": display(r.ci_low, data.ratio),
                "hi": display(r.ci_high, data.ratio),
                "weight": r.weight if r.weight is not None else 0.0,
                "weight_text": "" if r.weight is None else f"{r.weight:.1f}%",
                "rob": r.rob or "",
                "kind": r.kind,
                "ci_text": f"{_fmt(r.yi, data.ratio)} [{_fmt(r.ci_low, data.ratio)}, "
                f"{_fmt(r.ci_high, data.ratio)}]",
            }
        )
    diamonds: list[dict[str, Any]] = []
    base = len(data.rows) + 0.5
    for j, s in enumerate(data.summaries):
        y = base + j + 0.5
        est, lo, hi = (display(v, data.ratio) for v in (s.estimate, s.ci_low, s.ci_high))
        studies.append(
            {
                "pos": y,
                "label": s.label,
                "detail": "",
                "x": est,
                "lo": lo,
                "hi": hi,
                "weight": 0.0,
                "weight_text": "100%" if j == 0 and any(r.weight for r in data.rows) else "",
                "rob": "",
                "kind": "summary",
                "ci_text": f"{_fmt(s.estimate, data.ratio)} [{_fmt(s.ci_low, data.ratio)}, "
                f"{_fmt(s.ci_high, data.ratio)}]",
                "pi_lo": None if s.pi_low is None else display(s.pi_low, data.ratio),
                "pi_hi": None if s.pi_high is None else display(s.pi_high, data.ratio),
            }
        )
        for dy, left, right in ((-0.35, est, est), (0.0, lo, hi), (0.35, est, est)):
            diamonds.append({"pos": y + dy, "x": left, "x2": right, "group": j})
    return studies, diamonds


def _text_column(
    base: alt.Chart, field: str, title: str, width: int, align: str = "left"
) -> alt.Chart:
    anchor: Literal["start", "end"] = "start" if align == "left" else "end"
    return (
        base.mark_text(align=align, baseline="middle", fontSize=11)
        .encode(text=alt.Text(f"{field}:N"), x=alt.value(0 if align == "left" else width))
        .properties(width=width, title=alt.TitleParams(title, fontSize=11, anchor=anchor))
    )


def forest_chart(data: ForestData) -> alt.HConcatChart:
    """Build the forest plot as an altair chart (call ``.to_dict()`` for the Vega-Lite spec)."""
    studies, diamonds = _records(data)
    n = len(data.rows) + len(data.summaries) + 1
    y = alt.Y("pos:Q", axis=None, scale=alt.Scale(domain=[-0.8, n + 0.2], reverse=True))
    height = max(120, ROW_HEIGHT * (n + 1))
    base = alt.Chart(alt.Data(values=studies)).encode(y=y).properties(height=height)
    xs = x_scale(data)
    null = 1.0 if data.ratio else 0.0
    x_title = f"{data.measure} (log scale)" if data.ratio else data.measure
    axis = alt.Axis(values=ticks(xs), format="~g") if data.ratio else alt.Axis()
    x = alt.X("x:Q", scale=xs, title=x_title, axis=axis)
    is_study = alt.datum.kind != "summary"
    ci = (
        base.transform_filter(is_study)
        .mark_rule(color="#333")
        .encode(x=alt.X("lo:Q", scale=xs), x2="hi:Q")
    )
    squares = (
        base.transform_filter(is_study)
        .mark_square(color="#2b5d8a")
        .encode(
            x=x,
            size=alt.Size("weight:Q", scale=alt.Scale(range=[20, 320]), legend=None),
            opacity=alt.condition(alt.datum.kind == "filled", alt.value(0.25), alt.value(1.0)),
            tooltip=["label:N", "detail:N", "ci_text:N", "weight_text:N"],
        )
    )
    pi = (
        base.transform_filter("isValid(datum.pi_lo)")
        .mark_rule(color="#8a2b2b", strokeDash=[4, 3])
        .encode(x=alt.X("pi_lo:Q", scale=xs), x2="pi_hi:Q")
    )
    diamond = (
        alt.Chart(alt.Data(values=diamonds))
        .mark_area(orient="horizontal", color="#8a2b2b", opacity=0.9)
        .encode(y=y, x=alt.X("x:Q", scale=xs, title=x_title), x2="x2:Q", detail="group:N")
    )
    null_rule = (
        alt.Chart(alt.Data(values=[{"x": null}]))
        .mark_rule(color="#999")
        .encode(x=alt.X("x:Q", scale=xs))
    )
    layers = [null_rule, ci, squares, pi, diamond] if diamonds else [null_rule, ci, squares]
    panel = alt.layer(*layers).properties(width=320, height=height)
    panel = panel.properties(
        title=alt.TitleParams(
            f"← {data.favours_left}   |   {data.favours_right} →",
            orient="bottom",
            fontSize=11,
            color="#555",
        )
    )
    columns: list[alt.Chart] = [_text_column(base, "label", "Study", 170)]
    if any(r.detail for r in data.rows):
        columns.append(_text_column(base, "detail", "Intervention vs control", 140))
    if any(r.rob for r in data.rows):
        rob = (
            base.transform_filter("datum.rob != ''")
            .mark_circle(size=90)
            .encode(
                x=alt.value(10),
                color=alt.Color(
                    "rob:N",
                    scale=alt.Scale(domain=list(ROB_COLOURS), range=list(ROB_COLOURS.values())),
                    legend=alt.Legend(title="Risk of bias", orient="bottom"),
                ),
                tooltip=["label:N", "rob:N"],
            )
        )
        columns.append(rob.properties(width=24, title=alt.TitleParams("RoB", fontSize=11)))
    right = [
        _text_column(base, "ci_text", f"{data.measure} [95% CI]", 130),
        _text_column(base, "weight_text", "Weight", 50, align="right"),
    ]
    chart = alt.hconcat(*columns, panel, *right, spacing=4)
    if data.title:
        chart = chart.properties(title=data.title)
    return chart


def forest_spec(data: ForestData) -> dict[str, Any]:
    """The Vega-Lite specification of :func:`forest_chart`."""
    return to_spec(forest_chart(data))

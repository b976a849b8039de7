"""Forest plot: studies as squares sized by weight with their CIs, pooled diamonds, prediction interval,
per-arm data and risk-of-bias dots in text columns, "favours" labels under a log axis for ratios.

The same builder draws cumulative and leave-one-out forests (rows of kind ``cumulative``/``omitted``) and
trim-and-fill forests (rows of kind ``filled`` drawn hollow).
"""

from __future__ import annotations

import math
from typing import Any

from immunograde.plots.spec import ROB_COLOURS, ForestData, display, finish, ticks, x_scale

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


def _text_column(field: str, title: str, width: int, y: dict[str, Any], height: int,
                 align: str = "left") -> dict[str, Any]:  # fmt: skip
    anchor = "start" if align == "left" else "end"
    return {
        "data": {"name": "studies"},
        "mark": {"type": "text", "align": align, "baseline": "middle", "fontSize": 11},
        "encoding": {
            "text": {"field": field, "type": "nominal"},
            "x": {"value": 0 if align == "left" else width},
            "y": y,
        },
        "height": height,
        "title": {"text": title, "anchor": anchor, "fontSize": 11},
        "width": width,
    }


def forest_spec(data: ForestData) -> dict[str, Any]:
    """The forest plot as a Vega-Lite specification.

    Written as the specification itself (a dict), not through altair's objects: a dossier draws six of
    these, and building them as altair objects cost ~0.45 s each (deep copies of the schema wrappers),
    the dict ~1 ms.  The studies are one named dataset (``datasets.studies``) that every column reads,
    instead of one inline copy per column.  tests/evidence/test_chart_schema.py checks the result
    against the Vega-Lite schema.
    """
    studies, diamonds = _records(data)
    n = len(data.rows) + len(data.summaries) + 1
    y = {"axis": None, "field": "pos", "scale": {"domain": [-0.8, n + 0.2], "reverse": True},
         "type": "quantitative"}  # fmt: skip
    height = max(120, ROW_HEIGHT * (n + 1))
    xs = x_scale(data)
    null = 1.0 if data.ratio else 0.0
    x_title = f"{data.measure} (log scale)" if data.ratio else data.measure
    axis: dict[str, Any] = {"format": "~g", "values": ticks(xs)} if data.ratio else {}
    x = {"field": "x", "scale": xs, "title": x_title, "type": "quantitative", **({"axis": axis} if axis else {})}  # fmt: skip
    study = [{"filter": "(datum.kind !== 'summary')"}]
    layers: list[dict[str, Any]] = [
        {"data": {"values": [{"x": null}]}, "mark": {"type": "rule", "color": "#999"},
         "encoding": {"x": {"field": "x", "scale": xs, "type": "quantitative"}}},
        {"data": {"name": "studies"}, "mark": {"type": "rule", "color": "#333"},
         "encoding": {"x": {"field": "lo", "scale": xs, "type": "quantitative"}, "x2": {"field": "hi"}, "y": y},
         "transform": study},
        {"data": {"name": "studies"}, "mark": {"type": "square", "color": "#2b5d8a"},
         "encoding": {
             "opacity": {"condition": {"test": "(datum.kind === 'filled')", "value": 0.25}, "value": 1.0},
             "size": {"field": "weight", "legend": None, "scale": {"range": [20, 320]}, "type": "quantitative"},
             "tooltip": [{"field": f, "type": "nominal"} for f in ("label", "detail", "ci_text", "weight_text")],
             "x": x, "y": y},
         "transform": study},
    ]  # fmt: skip
    if diamonds:
        layers += [
            {"data": {"name": "studies"}, "mark": {"type": "rule", "color": "#8a2b2b", "strokeDash": [4, 3]},
             "encoding": {"x": {"field": "pi_lo", "scale": xs, "type": "quantitative"}, "x2": {"field": "pi_hi"}, "y": y},
             "transform": [{"filter": "isValid(datum.pi_lo)"}]},
            {"data": {"name": "diamonds"},
             "mark": {"type": "area", "color": "#8a2b2b", "opacity": 0.9, "orient": "horizontal"},
             "encoding": {"detail": {"field": "group", "type": "nominal"},
                          "x": {"field": "x", "scale": xs, "title": x_title, "type": "quantitative"},
                          "x2": {"field": "x2"}, "y": y}},
        ]  # fmt: skip
    panel = {
        "layer": layers, "height": height, "width": 320,
        "title": {"text": f"← {data.favours_left}   |   {data.favours_right} →",
                  "color": "#555", "fontSize": 11, "orient": "bottom"},
    }  # fmt: skip
    columns = [_text_column("label", "Study", 170, y, height)]
    if any(r.detail for r in data.rows):
        columns.append(_text_column("detail", "Intervention vs control", 140, y, height))
    if any(r.rob for r in data.rows):
        columns.append({
            "data": {"name": "studies"}, "mark": {"type": "circle", "size": 90},
            "encoding": {
                "color": {"field": "rob", "legend": {"orient": "bottom", "title": "Risk of bias"},
                          "scale": {"domain": list(ROB_COLOURS), "range": list(ROB_COLOURS.values())},
                          "type": "nominal"},
                "tooltip": [{"field": "label", "type": "nominal"}, {"field": "rob", "type": "nominal"}],
                "x": {"value": 10}, "y": y},
            "height": height, "title": {"text": "RoB", "fontSize": 11},
            "transform": [{"filter": "datum.rob != ''"}], "width": 24,
        })  # fmt: skip
    right = [
        _text_column("ci_text", f"{data.measure} [95% CI]", 130, y, height),
        _text_column("weight_text", "Weight", 50, y, height, align="right"),
    ]
    spec: dict[str, Any] = {"hconcat": [*columns, panel, *right], "spacing": 4}
    if data.title:
        spec["title"] = data.title
    spec["datasets"] = {"studies": studies, **({"diamonds": diamonds} if diamonds else {})}
    return finish(spec)

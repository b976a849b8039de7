"""Vega-Lite spec for a substance page: top signals as EBGM with its EB05-EB95 interval."""

from __future__ import annotations

from typing import Any

from immunograde.safety.store import SignalList


def signals_chart(result: SignalList, *, top: int = 15) -> dict[str, Any]:
    """Horizontal interval plot (log scale): one row per event, EBGM dot, EB05-EB95 bar, and the
    EB05 = 2 line of the usual rule.  Pure data -> spec; the web layer renders it."""
    rows = [
        {"event": s.event, "n": s.n, "ebgm": s.ebgm, "eb05": s.eb05, "eb95": s.eb95,
         "rules": ", ".join(s.rules)}
        for s in result.signals[:top]
    ]  # fmt: skip
    y = {"field": "event", "type": "nominal", "sort": None, "title": None}
    x_scale = {"type": "log"}
    tooltip = [{"field": f, "type": "quantitative" if f != "rules" else "nominal"}
               for f in ("n", "ebgm", "eb05", "eb95", "rules")]  # fmt: skip
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": f"{result.substance_id}: disproportionality signals (EBGM, 90% interval)",
        "data": {"values": rows},
        "height": {"step": 18},
        "layer": [
            {"mark": "rule", "encoding": {
                "y": y, "x": {"field": "eb05", "type": "quantitative", "scale": x_scale,
                              "title": "EBGM (EB05-EB95), log scale"},
                "x2": {"field": "eb95"}}},
            {"mark": {"type": "point", "filled": True},
             "encoding": {"y": y, "x": {"field": "ebgm", "type": "quantitative", "scale": x_scale},
                          "tooltip": tooltip}},
            {"data": {"values": [{"x": 2}]}, "mark": {"type": "rule", "strokeDash": [4, 4]},
             "encoding": {"x": {"field": "x", "type": "quantitative"}}},
        ],
    }  # fmt: skip

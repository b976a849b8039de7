"""Funnel plot: study estimates against their standard errors (inverted axis), with the pooled estimate,
the pseudo 95% confidence region around it, and trim-and-fill's imputed studies drawn hollow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import altair as alt

from immunograde.plots.spec import to_spec

Z975 = 1.959963984540054  # qnorm(0.975)


@dataclass(frozen=True)
class FunnelData:
    yi: Sequence[float]
    sei: Sequence[float]
    estimate: float  #: pooled estimate the funnel is centred on (analysis scale)
    labels: Sequence[str] = field(default_factory=tuple)
    filled_yi: Sequence[float] = field(default_factory=tuple)  #: trim-and-fill imputed studies
    filled_sei: Sequence[float] = field(default_factory=tuple)
    filled_estimate: float | None = None  #: the estimate after filling
    measure: str = "log RR"
    title: str = ""


def funnel_chart(data: FunnelData) -> alt.LayerChart:
    import altair as alt  # here: the forest plots beside FunnelData do not need altair's import

    labels = list(data.labels) or [f"Study {i + 1}" for i in range(len(data.yi))]
    points: list[dict[str, Any]] = [
        {"yi": y, "sei": s, "label": lab, "kind": "observed"}
        for y, s, lab in zip(data.yi, data.sei, labels, strict=True)
    ]
    points += [
        {"yi": y, "sei": s, "label": "imputed (trim-and-fill)", "kind": "imputed"}
        for y, s in zip(data.filled_yi, data.filled_sei, strict=True)
    ]
    max_se = max([p["sei"] for p in points if math.isfinite(p["sei"])] or [1.0]) * 1.05
    region = [
        {"sei": 0.0, "lo": data.estimate, "hi": data.estimate},
        {"sei": max_se, "lo": data.estimate - Z975 * max_se, "hi": data.estimate + Z975 * max_se},
    ]
    y = alt.Y("sei:Q", scale=alt.Scale(reverse=True, domain=[0, max_se]), title="Standard error")
    cone = alt.Chart(alt.Data(values=region)).encode(y=y)
    layers: list[alt.Chart] = [
        cone.mark_area(orient="horizontal", color="#eeeeee").encode(
            x=alt.X("lo:Q", title=data.measure), x2="hi:Q"
        ),
        cone.mark_line(color="#999", strokeDash=[4, 3]).encode(x="lo:Q"),
        cone.mark_line(color="#999", strokeDash=[4, 3]).encode(x="hi:Q"),
        alt.Chart(alt.Data(values=[{"x": data.estimate}]))
        .mark_rule(color="#2b5d8a")
        .encode(x="x:Q"),
        alt.Chart(alt.Data(values=points))
        .mark_point(size=60, filled=False, strokeWidth=1.5, fillOpacity=1)
        .encode(
            x="yi:Q",
            y=y,
            fill=alt.condition(
                alt.datum.kind == "imputed", alt.value("white"), alt.value("#2b5d8a")
            ),
            stroke=alt.value("#2b5d8a"),
            shape=alt.Shape("kind:N", legend=alt.Legend(title=None, orient="bottom")),
            tooltip=["label:N", "yi:Q", "sei:Q"],
        ),
    ]
    if data.filled_estimate is not None:
        layers.append(
            alt.Chart(alt.Data(values=[{"x": data.filled_estimate}]))
            .mark_rule(color="#8a2b2b", strokeDash=[2, 2])
            .encode(x="x:Q")
        )
    return alt.layer(*layers).properties(width=420, height=320, title=data.title)


def funnel_spec(data: FunnelData) -> dict[str, Any]:
    return to_spec(funnel_chart(data))

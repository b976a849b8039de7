"""Shared chart pieces: the one data shape every forest-like plot draws, and the axis scale.

A chart is a Vega-Lite specification (a dict), built with altair or, for the charts a dossier draws many
of (forest plots, cumulative meta-analyses), written directly as the dict (:func:`finish` adds the shared
configuration).  The same dict is embedded in the web page (interactive, via vega-embed) and rendered to
SVG/PNG/PDF by :mod:`.render` without a browser.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import altair as alt

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
ROB_COLOURS = {
    "low": "#1a9850",
    "some_concerns": "#fdae61",
    "high": "#d73027",
    "not_assessed": "#bdbdbd",
}


@dataclass(frozen=True)
class StudyRow:
    """One line of a forest plot, on the analysis scale (log scale for ratio measures)."""

    label: str
    yi: float
    ci_low: float
    ci_high: float
    weight: float | None = None  #: percent of the pooled weight; sizes the square
    detail: str = ""  #: per-arm data as text, e.g. "12/100 vs 20/98"
    rob: str | None = None  #: overall risk of bias: low | some_concerns | high | not_assessed
    kind: str = "study"  #: study | filled (trim-and-fill) | cumulative | omitted


@dataclass(frozen=True)
class Summary:
    """A pooled estimate drawn as a diamond, optionally with its prediction interval."""

    label: str
    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float | None = None
    pi_high: float | None = None


@dataclass(frozen=True)
class ForestData:
    rows: Sequence[StudyRow]
    summaries: Sequence[Summary] = field(default_factory=tuple)
    ratio: bool = True  #: ratio measure: log axis, ticks and labels back-transformed
    measure: str = "RR"
    favours_left: str = "favours intervention"
    favours_right: str = "favours control"
    title: str = ""


def display(value: float, ratio: bool) -> float:
    """Analysis scale -> display scale (exp for ratio measures)."""
    return math.exp(value) if ratio else value


def x_scale(data: ForestData) -> dict[str, Any]:
    """A log axis for ratio measures, linear otherwise; the domain covers every interval and the null."""
    values = [display(v, data.ratio) for r in data.rows for v in (r.ci_low, r.ci_high)]
    for s in data.summaries:
        values += [display(s.ci_low, data.ratio), display(s.ci_high, data.ratio)]
        if s.pi_low is not None and s.pi_high is not None:
            values += [display(s.pi_low, data.ratio), display(s.pi_high, data.ratio)]
    finite = [v for v in values if math.isfinite(v) and (v > 0 or not data.ratio)]
    null = 1.0 if data.ratio else 0.0
    lo, hi = (min([*finite, null]), max([*finite, null])) if finite else (null, null)
    if data.ratio:
        return {"domain": [lo / 1.15, hi * 1.15], "nice": False, "type": "log"}
    pad = (hi - lo) * 0.05 or 1.0
    return {"domain": [lo - pad, hi + pad], "nice": False}


#: Axis labels longer than this many characters are cut with an ellipsis by the chart itself (the full
#: text stays in the data and the tooltip).  Vega's own pixel limit (``labelLimit``, 180 px) measures every
#: long label repeatedly while it searches for the cut: a cumulative chart with 63 labels of ~60 characters
#: took 2.4 s to render to SVG, 0.25-0.4 s with the cut made by character count (benchmarks/RESULTS.md).
LABEL_CHARS = 34
LABEL_EXPR = f"length(datum.label) > {LABEL_CHARS} ? substring(datum.label, 0, {LABEL_CHARS - 1}) + '\u2026' : datum.label"


#: The configuration every chart carries (what :func:`configure` sets on an altair chart).
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.20.1.json"
CONFIG: dict[str, Any] = {
    "view": {"continuousWidth": 300, "continuousHeight": 300, "stroke": None},
    "axis": {"labelExpr": LABEL_EXPR, "labelLimit": 0},
    "font": FONT,
}


def finish(spec: dict[str, Any]) -> dict[str, Any]:
    """A specification written as a dict, with the shared configuration and the schema (as :func:`to_spec`
    gives an altair chart)."""
    return {"config": CONFIG, **spec, "$schema": SCHEMA}


def configure(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelLimit=0, labelExpr=LABEL_EXPR)
    )


#: Whether :func:`to_spec` checks each specification against the Vega-Lite JSON schema.  The check is
#: altair's jsonschema walk (about 1 s for a dossier's ten charts); the chart builders are fixed code, so
#: the test suite checks every builder's output against the schema (tests/plots/test_plots.py) and the
#: running program does not repeat it.
VALIDATE = False


def to_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The configured chart as a Vega-Lite specification (the one way every chart becomes a dict)."""
    return configure(chart).to_dict(validate=VALIDATE)


LOG_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)


def ticks(scale: dict[str, Any]) -> list[float]:
    """Readable tick values (1-2-5 series) inside a log scale's domain."""
    lo, hi = scale["domain"]
    inside = [t for t in LOG_TICKS if lo <= t <= hi]
    return inside if len(inside) >= 2 else [round(lo, 3), 1.0, round(hi, 3)]

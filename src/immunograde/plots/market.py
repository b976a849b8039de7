"""Money by certainty of the evidence: one 100 % bar per programme and period (read at a glance: how much
of the money goes to products whose benefit is rated with high, moderate, low or very low certainty, or
not at all), and the same money by year."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt

from immunograde.plots.spec import to_spec

#: certainty bucket -> (label, colour); greens for certain evidence, oranges for uncertain, greys for none
CERTAINTY_COLOURS: dict[str, tuple[str, str]] = {
    "high": ("high certainty", "#1a9850"),
    "moderate": ("moderate certainty", "#91cf60"),
    "low": ("low certainty", "#fdae61"),
    "very_low": ("very low certainty", "#f46d43"),
    "not_graded": ("not graded here", "#969696"),
    "no_verdict_for_form": ("no verdict for this form", "#cccccc"),
    "mixed": ("class total or combination", "#80b1d3"),
}


@dataclass(frozen=True)
class Slice:
    """One certainty's money in one bar."""

    bar: str  #: e.g. "US · Medicare Part D · 2017 (USD 18.7 bn)"
    certainty: str
    value: float
    share: float
    order: int  #: the bar's position, top first


def _colour_scale() -> alt.Scale:
    return alt.Scale(domain=[label for label, _ in CERTAINTY_COLOURS.values()],
                     range=[colour for _, colour in CERTAINTY_COLOURS.values()])  # fmt: skip


def certainty_bars_spec(
    slices: Sequence[Slice], title: str = "", width: int = 360
) -> dict[str, Any]:
    """100 % stacked horizontal bars, one per programme and period (``width``: of the bars, in pixels;
    the labels come on top of it)."""
    keys = list(CERTAINTY_COLOURS)
    values = [{"bar": s.bar, "certainty": CERTAINTY_COLOURS[s.certainty][0], "rank": keys.index(s.certainty),
               "value": s.value, "share": s.share, "order": s.order} for s in slices]  # fmt: skip
    n_bars = len({s.bar for s in slices}) or 1
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(
            y=alt.Y("bar:N", title=None, sort=alt.EncodingSortField("order"), axis=alt.Axis(labelLimit=300)),
            x=alt.X("share:Q", stack="zero", title="share of the money",
                    axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("certainty:N", scale=_colour_scale(),
                            legend=alt.Legend(title="Certainty of the evidence of benefit", orient="bottom",
                                              columns=2, labelLimit=260)),
            order=alt.Order("rank:Q"),
            tooltip=["bar:N", "certainty:N", alt.Tooltip("share:Q", format=".1%"),
                     alt.Tooltip("value:Q", format=",.0f")],
        )
        .properties(width=width, height=max(60, 26 * n_bars), title=title)
    )  # fmt: skip
    return to_spec(chart)


def certainty_trend_spec(
    points: Sequence[dict[str, Any]], unit: str, title: str = "", width: int = 320
) -> dict[str, Any]:
    """Money by year, stacked by certainty (``points``: year, certainty bucket, value)."""
    keys = list(CERTAINTY_COLOURS)
    values = [{"year": str(p["year"]), "certainty": CERTAINTY_COLOURS[p["certainty"]][0],
               "rank": keys.index(p["certainty"]), "value": p["value"]} for p in points]  # fmt: skip
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(
            x=alt.X("year:O", title=None),
            y=alt.Y("value:Q", stack="zero", title=unit, axis=alt.Axis(format="~s")),
            color=alt.Color("certainty:N", scale=_colour_scale(), legend=alt.Legend(title=None, orient="bottom", columns=2)),
            order=alt.Order("rank:Q"),
            tooltip=["year:O", "certainty:N", alt.Tooltip("value:Q", format=",.0f")],
        )
        .properties(width=width, height=200, title=title)
    )  # fmt: skip
    return to_spec(chart)

"""Evidence map: substances x indications, each cell coloured by verdict and sized by participants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt

from immunograde.plots.spec import to_spec

#: verdict keys (grading/rules.yaml) from best to worst evidence of benefit, with their colours.
VERDICT_COLOURS: dict[str, str] = {
    "proven_benefit": "#1a9850",
    "probable_benefit": "#66bd63",
    "possible_benefit": "#a6d96a",
    "uncertain": "#fee08b",
    "no_important_benefit": "#f46d43",
    "net_harm": "#a50026",
    "trials_not_poolable": "#d9d9d9",
    "trials_registered_no_results": "#d9d9d9",
    "no_trials_found": "#bdbdbd",
    "route_not_stated": "#bdbdbd",
    "no_controlled_evidence": "#bdbdbd",
}


@dataclass(frozen=True)
class MapCell:
    substance: str
    indication: str
    verdict: str
    participants: int
    certainty: str = ""
    href: str = ""


def evidence_map_chart(cells: Sequence[MapCell], title: str = "") -> alt.Chart:
    values: list[dict[str, Any]] = [
        {
            "substance": c.substance,
            "indication": c.indication,
            "verdict": c.verdict,
            "participants": c.participants,
            "certainty": c.certainty,
            "href": c.href,
        }
        for c in cells
    ]
    n_rows = len({c.substance for c in cells}) or 1
    return (
        alt.Chart(alt.Data(values=values))
        .mark_square(opacity=0.9)
        .encode(
            x=alt.X(
                "indication:N", title=None, sort=None, axis=alt.Axis(labelAngle=-35, labelLimit=220)
            ),
            y=alt.Y(
                "substance:N", title=None, sort=None, axis=alt.Axis(labelLimit=200)
            ),  # caller's order
            color=alt.Color(
                "verdict:N",
                scale=alt.Scale(domain=list(VERDICT_COLOURS), range=list(VERDICT_COLOURS.values())),
                legend=alt.Legend(  # the labels whole: "unknown: trials found, none poolable" (and Russian)
                    title="Verdict",
                    orient="right",
                    labelExpr="replace(datum.label, /_/g, ' ')",
                    labelLimit=400,
                ),
            ),
            size=alt.Size(
                "participants:Q",
                scale=alt.Scale(type="sqrt", range=[110, 900], zero=False),
                legend=alt.Legend(title="Participants", values=[100, 1000, 10000, 100000]),
            ),
            href="href:N",
            tooltip=["substance:N", "indication:N", "verdict:N", "certainty:N", "participants:Q"],
        )
        .properties(width="container", height=max(160, 26 * n_rows), title=title)
    )


def evidence_map_spec(cells: Sequence[MapCell], title: str = "") -> dict[str, Any]:
    return to_spec(evidence_map_chart(cells, title))

"""Chart specifications: the data drawn is the data given, on the right scale, and renders statically.

The worked case is the first BCG trial (Aronson 1948; ../shared/data/trials/metadat/dat.bcg.csv row 1:
tpos=4, tneg=119, cpos=11, cneg=128), its log risk ratio and Wald CI derived by hand below.
"""

from __future__ import annotations

import math

import pytest

from immunograde.plots.evidence_map import VERDICT_COLOURS, MapCell, evidence_map_spec
from immunograde.plots.forest import forest_spec
from immunograde.plots.funnel import Z975, FunnelData, funnel_spec
from immunograde.plots.render import render
from immunograde.plots.spec import ForestData, StudyRow, Summary

LOG_RR = math.log((4 / 123) / (11 / 139))
SE = math.sqrt(1 / 4 - 1 / 123 + 1 / 11 - 1 / 139)
ROW = StudyRow(
    "Aronson 1948", LOG_RR, LOG_RR - Z975 * SE, LOG_RR + Z975 * SE, 5.0, "4/123 vs 11/139", "low"
)


def _datasets(spec: dict) -> list[list[dict]]:
    found: list[list[dict]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if (
                "values" in node
                and isinstance(node["values"], list)
                and all(isinstance(v, dict) for v in node["values"])
            ):
                found.append(node["values"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    found += [v for v in spec.get("datasets", {}).values() if isinstance(v, list)]  # named datasets
    return found


def test_forest_draws_study_on_ratio_scale() -> None:
    spec = forest_spec(ForestData([ROW], [Summary("RE model", LOG_RR, LOG_RR - 0.1, LOG_RR + 0.1)]))
    studies = next(d for d in _datasets(spec) if d and "label" in d[0])
    row = studies[0]
    assert row["x"] == pytest.approx(0.41094, abs=5e-6)  # (4/123)/(11/139) = 0.410940...
    assert row["lo"] == pytest.approx(math.exp(LOG_RR - Z975 * SE), rel=1e-12)
    assert row["ci_text"] == "0.41 [0.13, 1.26]"
    assert studies[1]["kind"] == "summary"
    assert '"type": "log"' in str(spec).replace("'", '"')


def test_forest_linear_axis_for_differences() -> None:
    spec = forest_spec(ForestData([StudyRow("A", 1.5, 0.5, 2.5)], ratio=False, measure="MD"))
    assert "'type': 'log'" not in str(spec)
    studies = next(d for d in _datasets(spec) if d and "label" in d[0])
    assert studies[0]["x"] == 1.5


def test_forest_renders_svg_with_labels() -> None:
    svg = render(forest_spec(ForestData([ROW], title="BCG")), "svg").decode()
    assert svg.startswith("<svg") and "Aronson 1948" in svg and "4/123 vs 11/139" in svg


def test_funnel_region_is_pseudo_confidence_cone() -> None:
    spec = funnel_spec(
        FunnelData([0.1, -0.2], [0.2, 0.4], estimate=0.0, filled_yi=[0.3], filled_sei=[0.3])
    )
    cone = next(d for d in _datasets(spec) if d and "lo" in d[0])
    top, bottom = cone
    assert top["lo"] == top["hi"] == 0.0
    assert bottom["hi"] == pytest.approx(Z975 * bottom["sei"], rel=1e-15)
    points = next(d for d in _datasets(spec) if d and "kind" in d[0])
    assert [p["kind"] for p in points] == ["observed", "observed", "imputed"]


def test_evidence_map_colours_every_verdict() -> None:
    cells = [MapCell(f"S{i}", "X", v, 10 * i) for i, v in enumerate(VERDICT_COLOURS)]
    spec = evidence_map_spec(cells)
    assert len(next(d for d in _datasets(spec) if d and "verdict" in d[0])) == len(VERDICT_COLOURS)


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_static_formats(fmt: str) -> None:
    data = render(forest_spec(ForestData([ROW])), fmt)
    assert data[:4] == (b"\x89PNG" if fmt == "png" else b"%PDF")


def test_unknown_format_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="choose one of svg, png, pdf"):
        render({}, "gif")

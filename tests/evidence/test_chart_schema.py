"""Every chart builder's output is a valid Vega-Lite specification, and long axis labels are cut by the
chart itself.

The program skips altair's schema check when it builds a chart (``plots.spec.VALIDATE``: about 1 s of a
dossier's ten charts), and the forest and cumulative charts are written as the specification dict without
altair at all; this test builds every kind of chart from the real knowledge base -- forest, cumulative,
trial sequential analysis, evidence map -- and checks each against the Vega-Lite JSON schema (the one
altair ships, with jsonschema, as altair's own check does), so a builder that produced an invalid
specification fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import altair as alt
import jsonschema
import pytest

from immunograde.errors import InputError
from immunograde.kb.queries import KnowledgeBase
from immunograde.plots import spec as plot_spec
from immunograde.plots.render import render
from immunograde.web import charts


@pytest.fixture()
def validating(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plot_spec, "VALIDATE", True)


def _question_with_longest_labels(kb: KnowledgeBase) -> str:
    """The question whose cumulative chart has the longest study labels (the slow case that was fixed)."""
    best, best_len = "", 0
    for q in kb.all_questions():
        try:
            rows = charts.cumulative_by_year(kb, q.id)
        except InputError:  # fewer than two analysable effects: no chart
            continue
        longest = max((len(r.label) for r in rows), default=0)
        if longest > best_len:
            best, best_len = q.id, longest
    assert best_len > plot_spec.LABEL_CHARS, (
        "no question has labels long enough to exercise the cut"
    )
    return best


def test_every_builder_validates_against_the_vega_lite_schema(
    kb: KnowledgeBase, validating: None
) -> None:
    qid = _question_with_longest_labels(kb)
    built = {
        "forest": charts.question_forest(kb, qid),
        "cumulative": charts.question_cumulative(kb, qid),
        "tsa": charts.question_tsa(kb, qid),
        "evidence map": charts.evidence_map(
            [
                {
                    "substance": "tocilizumab",
                    "indication": "COVID-19",
                    "verdict": "probable_benefit",
                    "participants": 1000,
                    "certainty": "moderate",
                    "substance_id": "tocilizumab",
                }
            ]
        ),
    }
    schema = json.loads(
        (Path(alt.__file__).parent / "vegalite/v5/schema/vega-lite-schema.json").read_text()
    )
    validator = jsonschema.Draft7Validator(schema)
    for name, spec in built.items():
        assert spec.get("$schema") == alt.SCHEMA_URL, name
        assert spec["config"]["axis"]["labelLimit"] == 0, name
        errors = [e.message[:200] for e in validator.iter_errors(spec)]
        assert errors == [], name


def test_forest_columns_read_one_named_dataset(kb: KnowledgeBase) -> None:
    """Every column of the forest reads the one ``studies`` dataset (no inline copy per column)."""
    qid = _question_with_longest_labels(kb)
    spec = charts.question_forest(kb, qid)
    names = {c["data"]["name"] for c in spec["hconcat"] if "data" in c}
    layers = next(c["layer"] for c in spec["hconcat"] if "layer" in c)
    names |= {x["data"]["name"] for x in layers if "name" in x["data"]}
    assert names == set(spec["datasets"]) == {"studies", "diamonds"}


def test_long_labels_are_cut_with_an_ellipsis_in_the_rendered_svg(kb: KnowledgeBase) -> None:
    qid = _question_with_longest_labels(kb)
    spec = charts.question_cumulative(kb, qid)
    rows = charts.cumulative_by_year(kb, qid)
    drawn = [
        f"+ {r.label}" if i else r.label for i, r in enumerate(rows)
    ]  # as cumulative_spec draws them
    long_label = max(drawn, key=len)
    svg = render(spec, "svg").decode("utf-8")
    cut = long_label[: plot_spec.LABEL_CHARS - 1] + "\u2026"
    texts = {t.replace("&amp;", "&") for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)}
    assert cut in texts
    assert long_label not in texts
    # every axis label drawn fits the declared character count
    assert all(len(t) <= plot_spec.LABEL_CHARS for t in texts if t in drawn or t.endswith("\u2026"))
    # the data (and so the tooltip) keeps the full label
    assert long_label in str(spec)

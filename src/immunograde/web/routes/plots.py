"""Chart images (SVG, PNG, PDF rendered server-side; the Vega-Lite spec as ``.vl.json``) and the Atom feed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from immunograde.errors import InputError, NotFoundError
from immunograde.evidence.feed import atom_feed
from immunograde.plots.render import FORMATS, MEDIA_TYPES, render
from immunograde.safety.chart import signals_chart
from immunograde.safety.store import signals_for_substance
from immunograde.web import charts, evidence, history, i18n, i18n_charts, i18n_glossary
from immunograde.web.deps import KB, Store

router = APIRouter(include_in_schema=False)
CHARTS = {
    "forest": charts.question_forest,
    "cumulative": charts.question_cumulative,
    "tsa": charts.question_tsa,
}


def _image(store: Store, key: tuple[Any, ...], spec_fn: Any, fmt: str) -> Response:
    key, spec_fn = (
        (*key, i18n.current()),
        i18n_charts.translated(spec_fn),
    )  # titles in the reader's language
    if fmt in ("vl.json", "json"):  # the Vega-Lite specification itself
        import json

        body = json.dumps(store.cached(("spec", *key), spec_fn)).encode()
        return Response(body, media_type="application/json")
    if fmt not in FORMATS:
        raise InputError.one(
            f"unknown image format {fmt!r}; choose svg, png, pdf or vl.json", field="format"
        )
    data = store.cached(
        ("img", fmt, *key), lambda: render(store.cached(("spec", *key), spec_fn), fmt)
    )
    return Response(data, media_type=MEDIA_TYPES[fmt], headers={"Cache-Control": "max-age=300"})


@router.get("/plots/questions/{question_id}/{chart}.{fmt}")
def question_chart(question_id: str, chart: str, fmt: str, kb: KB, store: Store) -> Response:
    if chart.endswith(".vl"):  # "forest.vl.json" splits as chart="forest.vl", fmt="json"
        chart = chart.removesuffix(".vl")
    if chart not in CHARTS:
        raise NotFoundError(f"no chart {chart!r}.", sorted(CHARTS))
    kb.get_question(question_id)

    def spec() -> dict[str, Any]:
        try:
            return CHARTS[chart](kb, question_id)
        except ValueError as exc:
            raise NotFoundError(str(exc)) from None

    return _image(store, ("q", question_id, chart), spec, fmt)


@router.get("/map.{fmt}")
def map_image(request: Request, fmt: str, kb: KB, store: Store, class_id: str = "", route: str = "",
              region: str = "", view: str = "all") -> Response:  # fmt: skip
    cells = store.cached(("map-cells",), lambda: evidence.map_cells(kb))
    chosen = evidence.filter_cells(
        kb, cells, class_id=class_id, route=route, region=region, view=view
    )
    shown = [dict(c, substance=i18n_glossary.substance_name(c["substance"], c["substance_id"]),
                  indication=i18n_glossary.indication(c["indication"])) for c in chosen]  # fmt: skip
    spec = charts.evidence_map(shown)  # names and indications in the reader's language
    spec["width"] = 640
    return _image(store, ("map", class_id, route, region, view), lambda: spec, fmt)


@router.get("/plots/substances/{substance_id}/signals.{fmt}")
def signals_image(substance_id: str, fmt: str, kb: KB, store: Store) -> Response:
    s = kb.get_substance(substance_id)
    return _image(store, ("signals", s.id), lambda: signals_chart(signals_for_substance(s.id)), fmt)


@router.get("/changes.atom")
def changes_feed(request: Request, kb: KB) -> Response:
    site = str(request.base_url).rstrip("/")
    recorded = history.builds(kb)
    xml = atom_feed(
        history.recent_changes(kb, 100), site_url=site, started=recorded[0] if recorded else None
    )
    return Response(xml, media_type="application/atom+xml")

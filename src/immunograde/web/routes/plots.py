"""Chart images (SVG, PNG, PDF rendered server-side; the Vega-Lite spec as ``.vl.json``) and the Atom feed.

A chart's specification is built in a thread (it reads the database) and cached per database version;
the drawing runs in a worker process (:class:`~immunograde.web.heavy.HeavyPool`: vl-convert holds the
GIL while it draws, which would stop every other request) and is kept by the content of the
specification (:class:`~immunograde.web.deps.ImageStore`), so a rebuild that leaves a chart unchanged
does not draw it again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from immunograde.errors import InputError, Msg, NotFoundError
from immunograde.evidence.feed import atom_feed
from immunograde.plots.cache import render_kept
from immunograde.plots.render import FORMATS, MEDIA_TYPES
from immunograde.safety.chart import signals_chart
from immunograde.safety.store import signals_for_substance
from immunograde.settings import chart_cache_dir
from immunograde.web import charts, evidence, history, i18n, i18n_charts, i18n_glossary
from immunograde.web.deps import KB, Store
from immunograde.web.heavy import Overloaded

router = APIRouter(include_in_schema=False)
CHARTS = {
    "forest": charts.question_forest,
    "cumulative": charts.question_cumulative,
    "tsa": charts.question_tsa,
}


async def _image(
    request: Request, store: Store, key: tuple[Any, ...], spec_fn: Any, fmt: str
) -> Response:
    """``spec_fn()`` (a thread; it may read the database) drawn as ``fmt`` (a worker process)."""
    key, spec_fn = (
        (*key, i18n.current()),
        i18n_charts.translated(spec_fn),
    )  # titles in the reader's language
    if fmt not in (*FORMATS, "vl.json", "json"):
        raise InputError.one(
            Msg("unknown image format %(fmt)s; choose svg, png, pdf or vl.json", fmt=repr(fmt)),
            field="format",
        )
    spec = await run_in_threadpool(store.cached, ("spec", *key), spec_fn)
    if fmt in ("vl.json", "json"):  # the Vega-Lite specification itself
        import json

        return Response(json.dumps(spec).encode(), media_type="application/json")
    data = await draw(request, store, spec, fmt)
    return Response(data, media_type=MEDIA_TYPES[fmt], headers={"Cache-Control": "max-age=300"})


async def draw(request: Request, store: Store, spec: dict[str, Any], fmt: str) -> bytes:
    """``spec`` (a chart of the knowledge base, never of an upload) drawn as ``fmt`` in a worker, kept
    by content in memory and in the chart folder (:mod:`immunograde.plots.cache`); a drawing stopped at
    its time limit is an overloaded server (503, retry), not a server error."""
    pool = request.app.state.heavy
    try:
        folder = chart_cache_dir(
            store.path
        )  # kept on disk too: shared with the command line and restarts
        return await store.images.get(
            spec, fmt, lambda: pool.run(DRAW_SECONDS, render_kept, folder, spec, fmt)
        )
    except TimeoutError:
        raise Overloaded(
            f"drawing the chart took longer than {DRAW_SECONDS:g} s; try again"
        ) from None


DRAW_SECONDS = 60.0  #: a knowledge-base chart's drawing is stopped after this long


@router.get("/plots/questions/{question_id}/{chart}.{fmt}")
async def question_chart(
    request: Request, question_id: str, chart: str, fmt: str, kb: KB, store: Store
) -> Response:
    if chart.endswith(".vl"):  # "forest.vl.json" splits as chart="forest.vl", fmt="json"
        chart = chart.removesuffix(".vl")
    if chart not in CHARTS:
        raise NotFoundError(Msg("no chart %(name)s.", name=repr(chart)), sorted(CHARTS))

    def spec() -> dict[str, Any]:
        kb.get_question(question_id)  # 404 for an unknown question
        try:
            return CHARTS[chart](kb, question_id)
        except (
            ValueError
        ) as exc:  # the message as raised (a Msg: the page in the reader's language)
            said = exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], str) else str(exc)
            raise NotFoundError(said) from None

    return await _image(request, store, ("q", question_id, chart), spec, fmt)


@router.get("/map.{fmt}")
async def map_image(request: Request, fmt: str, kb: KB, store: Store, class_id: str = "", route: str = "",
                    region: str = "", view: str = "all") -> Response:  # fmt: skip
    def spec() -> dict[str, Any]:
        cells = store.cached(("map-cells",), lambda: evidence.map_cells(kb))
        chosen = evidence.filter_cells(
            kb, cells, class_id=class_id, route=route, region=region, view=view
        )
        shown = [dict(c, substance=i18n_glossary.substance_name(c["substance"], c["substance_id"]),
                      indication=i18n_glossary.indication(c["indication"])) for c in chosen]  # fmt: skip
        out = charts.evidence_map(shown)  # names and indications in the reader's language
        out["width"] = 640
        return out

    return await _image(request, store, ("map", class_id, route, region, view), spec, fmt)


@router.get("/plots/substances/{substance_id}/signals.{fmt}")
async def signals_image(
    request: Request, substance_id: str, fmt: str, kb: KB, store: Store
) -> Response:
    def spec() -> dict[str, Any]:
        s = kb.get_substance(substance_id)
        return signals_chart(signals_for_substance(s.id))

    return await _image(request, store, ("signals", substance_id), spec, fmt)


@router.get("/changes.atom")
def changes_feed(request: Request, kb: KB) -> Response:
    site = str(request.base_url).rstrip("/")
    recorded = history.builds(kb)
    xml = atom_feed(
        history.recent_changes(kb, 100), site_url=site, started=recorded[0] if recorded else None
    )
    return Response(xml, media_type="application/atom+xml")

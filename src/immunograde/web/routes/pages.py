"""Server-rendered pages.  Each returns its data; :func:`twin` renders it as HTML or JSON."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from immunograde.web import catalogue, evidence, history, i18n, search_evidence
from immunograde.web.deps import KB, Store
from immunograde.web.templating import templates
from immunograde.web.twins import twin, wants_json

router = APIRouter()
Limit = Annotated[int, Query(ge=1, le=1000, description="how many to show")]  # 422 outside, not 500


@twin(router, "/", "home.html", name="home")
def home(request: Request, kb: KB, store: Store) -> dict[str, Any]:
    return store.cached(("home",), lambda: catalogue.home_data(kb))


@twin(router, "/search", "search.html")
def search(request: Request, kb: KB, store: Store, q: str = "", limit: Limit = 30) -> Any:
    """Hits with each substance's best verdict and its certainty (from the cached substance pages), and
    the verdicts a form or indication in the query picks out («свечи виферон», "COVID-19").  A query
    naming exactly one page opens it (the JSON twin lists the hit and names the page in ``opens``)."""
    results = catalogue.search_results(kb, q, limit) if q.strip() else []
    cells = store.cached(("map-cells",), lambda: evidence.map_cells(kb))
    found = search_evidence.evidence_hits(kb, q, cells) if q.strip() else []
    if found and not results:  # «свечи виферон»: the name without its form words
        name = search_evidence.understand(q, search_evidence.route_vocabulary(
            {c["route"] for c in cells}), cells)["name"]  # fmt: skip
        results = catalogue.search_results(kb, name, limit) if name.strip() else []
    for r in results:
        sid = r["substance_id"]
        if sid:
            page = store.cached(("substance", sid), partial(evidence.substance_page, kb, sid))
            r["verdict"] = catalogue.best_verdict(page)
    opens = None if found else catalogue.exact_page(results)
    if opens and not wants_json(request):
        return RedirectResponse(i18n.link(opens), status_code=303)
    return {"query": q, "results": results, "evidence": found, "opens": opens}


@router.get("/search/suggest", response_class=HTMLResponse, include_in_schema=False)
def suggest(request: Request, kb: KB, q: str = "") -> Any:
    """Typeahead fragment for htmx (JSON with ``?format=json``)."""
    data = {
        "query": q,
        "results": catalogue.search_results(kb, q, 8) if len(q.strip()) >= 2 else [],
    }
    if wants_json(request):
        return data
    return templates.TemplateResponse(request, "suggest.html", {"page": data})


@twin(router, "/substances/{substance_id}", "substance.html")
def substance(request: Request, substance_id: str, kb: KB, store: Store) -> dict[str, Any]:
    return store.cached(
        ("substance", substance_id), lambda: evidence.substance_page(kb, substance_id)
    )


@router.get(
    "/substances/{substance_id}/report.html", response_class=HTMLResponse, include_in_schema=False
)
async def substance_report(
    request: Request, substance_id: str, kb: KB, store: Store
) -> HTMLResponse:
    """The substance dossier (as ``immunograde report --format html``): one standalone HTML file.

    The page data and the charts' specifications are read in a thread; the charts are drawn in the
    worker processes, all at once (one per worker), each kept by the content of its specification
    (in memory and in the chart folder the command line shares), never in the server's own threads.
    """
    from immunograde.web import report
    from immunograde.web.routes.plots import draw

    def plan() -> tuple[report.ReportPlan, list[tuple[report.PlotJob, dict[str, Any]]]]:
        p = report.plan_report(kb, substance_id)
        return p, p.specs()

    p, specs = await run_in_threadpool(plan)
    drawn = await asyncio.gather(
        *(draw(request, store, spec, "svg") for _, spec in specs), return_exceptions=True
    )
    for (job, _), svg in zip(specs, drawn, strict=True):
        if isinstance(
            svg, ValueError
        ):  # a chart vl-convert cannot draw is left out, as in the command
            continue
        if isinstance(svg, BaseException):
            raise svg  # busy (503) or a bug: as any other request
        p.svgs[job.stem] = svg.decode("utf-8")
    html = await run_in_threadpool(
        report.to_html, p
    )  # the response is kept per version and language
    return HTMLResponse(
        html, headers={"Content-Disposition": f'inline; filename="{substance_id}.html"'}
    )


@router.get("/questions/{question_id}/data.csv", include_in_schema=False)
def question_data_csv(question_id: str, kb: KB) -> Response:
    """The question's per-trial rows in metafor's columns (the page's "data (CSV)" link; the same rows
    as ``/api/v1/questions/{id}/data?format=csv``)."""
    from immunograde.jsonable import to_jsonable
    from immunograde.web.routes.api import _csv

    rows = [r.metafor() for r in kb.outcome_data(question_id)]
    return _csv(to_jsonable(rows), f"{question_id}-data")


@twin(router, "/questions/{question_id}", "question.html")
def question(request: Request, question_id: str, kb: KB, store: Store) -> dict[str, Any]:
    return store.cached(("question", question_id), lambda: evidence.question_page(kb, question_id))


@twin(router, "/classes", "classes.html", name="classes")
def classes(request: Request, kb: KB, store: Store) -> dict[str, Any]:
    return store.cached(("classes",), lambda: catalogue.classes_data(kb))


@twin(router, "/classes/{class_id}", "class.html")
def class_page(request: Request, class_id: str, kb: KB, store: Store) -> dict[str, Any]:
    return store.cached(("class", class_id), lambda: evidence.class_page(kb, class_id))


@twin(router, "/map", "map.html", name="evidence_map")
def evidence_map(
    request: Request,
    kb: KB,
    store: Store,
    class_id: str = "",
    route: str = "",
    region: str = "",
    view: str = "all",
) -> dict[str, Any]:
    cells = store.cached(("map-cells",), lambda: evidence.map_cells(kb))
    filters = store.cached(("map-filters",), lambda: evidence.map_filters(kb, cells))
    selected = {"class_id": class_id, "route": route, "region": region}
    chosen = evidence.filter_cells(
        kb, cells, class_id=class_id, route=route, region=region, view=view
    )
    return {"view": view, "selected": selected, "filters": filters, "cells": chosen}


@twin(router, "/methods", "methods.html", name="methods")
def methods(request: Request) -> dict[str, Any]:
    return evidence.methods_data()


@twin(router, "/changes", "changes.html", name="changes")
def changes(request: Request, kb: KB, limit: Limit = 200) -> dict[str, Any]:
    recorded = history.builds(kb)
    return {
        "changes": history.recent_changes(kb, limit),
        "started": recorded[0] if recorded else None,
        "builds": len(recorded),
    }

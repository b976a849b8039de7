"""The market page (money beside the verdict), its charts, the unmapped names, and ``/api/v1/market``."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from immunograde.errors import InputError, Msg, NotFoundError
from immunograde.jsonable import to_jsonable
from immunograde.market.query import unmapped_names
from immunograde.market.report import chart_slices, overview, resolve_substance
from immunograde.plots.market import certainty_bars_spec, certainty_trend_spec
from immunograde.plots.render import FORMATS, MEDIA_TYPES
from immunograde.web import market_view
from immunograde.web.deps import KB, Store
from immunograde.web.routes.api import Format, Limit, Offset, _page
from immunograde.web.routes.plots import draw
from immunograde.web.twins import twin

router = APIRouter()
api = APIRouter(prefix="/api/v1/market", tags=["market"])
Text = Annotated[str, Query(description="empty = all")]


@twin(router, "/market", "market.html", name="market")
def market(request: Request, kb: KB, store: Store, country: Text = "", programme: Text = "",
           year: Text = "", class_id: Text = "") -> dict[str, Any]:  # fmt: skip
    filters = market_view.parse_filters(country, programme, year, class_id)
    return market_view.market_page(kb, store.cached, filters)


@twin(router, "/market/unmapped", "market_unmapped.html", name="market_unmapped")
def unmapped(request: Request, kb: KB, store: Store, dataset: Text = "") -> dict[str, Any]:
    rows = store.cached(("market-unmapped", dataset), lambda: unmapped_names(kb, dataset or None))
    return {"dataset": dataset or None, "total": len(rows), "names": rows}


async def _image(request: Request, store: Store, spec_fn: Any, fmt: str) -> Response:
    """``spec_fn()`` in a thread (it reads the database), drawn in a worker process (see
    :mod:`immunograde.web.routes.plots`)."""
    if fmt not in (*FORMATS, "vl.json", "json"):
        raise InputError.one(
            Msg("unknown image format %(fmt)s; choose svg, png, pdf or vl.json", fmt=repr(fmt)),
            field="format",
        )
    spec = await run_in_threadpool(spec_fn)
    if fmt in ("vl.json", "json"):
        return Response(json.dumps(spec).encode(), media_type="application/json")
    data = await draw(request, store, spec, fmt)
    return Response(data, media_type=MEDIA_TYPES[fmt], headers={"Cache-Control": "max-age=300"})


@router.get("/market/certainty.{fmt}", include_in_schema=False)
async def certainty_image(request: Request, fmt: str, kb: KB, store: Store, country: Text = "",
                          programme: Text = "", year: Text = "", class_id: Text = "") -> Response:  # fmt: skip
    from immunograde.plots.market import Slice

    def spec() -> dict[str, Any]:
        filters = market_view.parse_filters(country, programme, year, class_id)
        page = overview(kb, filters, market_view.all_rows(kb, store.cached))
        return certainty_bars_spec([Slice(**s) for s in chart_slices(page)])

    return await _image(request, store, spec, fmt)


@router.get("/market/trend.{fmt}", include_in_schema=False)
async def trend_image(request: Request, fmt: str, kb: KB, store: Store, country: Text = "",
                      programme: Text = "", class_id: Text = "") -> Response:  # fmt: skip
    def spec() -> dict[str, Any]:
        filters = market_view.parse_filters(country, programme, "", class_id)
        page = overview(kb, filters, market_view.all_rows(kb, store.cached))
        units = sorted({t["unit"] for t in page["by_certainty"]})
        if not units:
            raise NotFoundError(Msg("no money figures for these filters."))
        points = [
            t for t in page["by_certainty"] if t["unit"] == units[0] and t["span"] == str(t["year"])
        ]
        return certainty_trend_spec(points, units[0])

    return await _image(request, store, spec, fmt)


# ---------------------------------------------------------------- REST API
@api.get("/figures", summary="Mapped figures with verdicts (paginated; CSV with ?format=csv)")
def figures(request: Request, kb: KB, store: Store, limit: Limit = 100, offset: Offset = 0,
            format: Format = "json", country: Text = "", programme: Text = "", year: Text = "",
            class_id: Text = "", substance: Text = "") -> Response:  # fmt: skip
    from immunograde.market.measures import select
    from immunograde.market.query import Filters, class_scope

    f = market_view.parse_filters(country, programme, year, class_id)
    sid = resolve_substance(kb, substance) if substance else None
    f = Filters(f.country, f.programme, f.year, f.class_id, sid)
    scope = class_scope(kb, f.class_id) if f.class_id else None
    rows = select(market_view.all_rows(kb, store.cached).rows, f, scope)
    return _page(request, rows, limit, offset, format, "market-figures")


@api.get("/certainty", summary="Money by certainty of the evidence, shares and trends")
def certainty(kb: KB, store: Store, country: Text = "", programme: Text = "", year: Text = "",
              class_id: Text = "") -> Any:  # fmt: skip
    page = market_view.market_page(
        kb, store.cached, market_view.parse_filters(country, programme, year, class_id)
    )
    return to_jsonable({k: page[k] for k in ("rule", "buckets", "by_certainty", "use_by_certainty", "shares",
                                             "trends", "datasets")})  # fmt: skip


@api.get("/unmapped", summary="Every name not mapped to the catalogue, with its volume (paginated)")
def unmapped_api(request: Request, kb: KB, store: Store, limit: Limit = 100, offset: Offset = 0,
                 format: Format = "json", dataset: Text = "") -> Response:  # fmt: skip
    rows = store.cached(("market-unmapped", dataset), lambda: unmapped_names(kb, dataset or None))
    return _page(request, rows, limit, offset, format, "market-unmapped")


@api.get("/substances/{substance_id}", summary="A substance's money and use beside its verdicts")
def substance_market(substance_id: str, kb: KB, store: Store) -> Any:
    sid = resolve_substance(kb, substance_id)
    return to_jsonable(
        store.cached(("market-substance", sid), lambda: market_view.for_substance(kb, sid))
    )


@api.get(
    "/measures",
    summary="NHS EPD prescribing measures: per month, national ratio, deciles, outliers",
)
def epd_measures_api(kb: KB, store: Store) -> Any:
    return to_jsonable(store.cached(("market-epd",), lambda: market_view.epd_measures(kb)))


@api.get(
    "/measures/{measure_id}/values", summary="A measure's value per practice and area (paginated)"
)
def epd_values_api(request: Request, measure_id: str, kb: KB, limit: Limit = 100, offset: Offset = 0,
                   format: Format = "json", org_type: Text = "", month: Text = "") -> Response:  # fmt: skip
    from immunograde.market.epd_run import values

    return _page(request, values(kb, measure_id, org_type or None, month or None), limit, offset, format,
                 f"{measure_id}-values")  # fmt: skip

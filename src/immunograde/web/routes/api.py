"""REST API ``/api/v1``: substances, products, classes, questions, trials, appraisals, search, workbench.

Lists are paginated (``limit``/``offset``, with ``total`` and ``next``) and downloadable as CSV
(``?format=csv``).  Errors are JSON ``{"error": {"status", "message", ...}}`` (see ``web.app``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from immunograde.jsonable import to_jsonable
from immunograde.web import catalogue, evidence
from immunograde.web.deps import KB, Store

router = APIRouter(prefix="/api/v1", tags=["api"])
Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Offset = Annotated[int, Query(ge=0, description="rows to skip")]
Format = Annotated[str, Query(pattern="^(json|csv)$", description="json (default) or csv")]


def _flat(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(_flat(v)) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_flat(v)}" for k, v in value.items() if v is not None)
    return "" if value is None else value


def _csv(rows: Sequence[dict[str, Any]], name: str) -> Response:
    buf = io.StringIO()
    fields: list[str] = []
    for r in rows:
        fields += [k for k in r if k not in fields]
    writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _flat(v) for k, v in r.items()})
    headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def _page(
    request: Request, rows: list[Any], limit: int, offset: int, fmt: str, name: str
) -> Response:
    items = to_jsonable(rows[offset : offset + limit])
    if fmt == "csv":
        return _csv(items, name)
    nxt = None
    if offset + limit < len(rows):
        nxt = str(request.url.include_query_params(offset=offset + limit, limit=limit))
    return JSONResponse(
        {"total": len(rows), "limit": limit, "offset": offset, "next": nxt, "items": items}
    )


def _listing(store: Store, key: str, compute: Callable[[], list[Any]]) -> list[Any]:
    return store.cached(("api", key), compute)


@router.get("/substances", summary="All substances (paginated; CSV with ?format=csv)")
def substances(request: Request, kb: KB, store: Store, limit: Limit = 100, offset: Offset = 0,
               format: Format = "json", class_id: str | None = None) -> Response:  # fmt: skip
    rows = _listing(store, f"substances:{class_id}", lambda: kb.list_substances(class_id))
    return _page(request, rows, limit, offset, format, "substances")


@router.get(
    "/substances/{substance_id}", summary="One substance: catalogue, evidence, claims, safety"
)
def substance(substance_id: str, kb: KB, store: Store) -> Any:
    return to_jsonable(
        store.cached(("substance", substance_id), lambda: evidence.substance_page(kb, substance_id))
    )


@router.get("/substances/{substance_id}/products", summary="Products (forms) of a substance")
def substance_products(substance_id: str, kb: KB) -> Any:
    kb.get_substance(substance_id)
    return to_jsonable(kb.products_for(substance_id))


@router.get("/products", summary="All products (paginated)")
def products(request: Request, kb: KB, store: Store, limit: Limit = 100, offset: Offset = 0,
             format: Format = "json") -> Response:  # fmt: skip
    rows = _listing(store, "products", kb.list_products)
    return _page(request, rows, limit, offset, format, "products")


@router.get("/classes", summary="All classes")
def classes(kb: KB, store: Store) -> Any:
    return store.cached(("classes",), lambda: catalogue.classes_data(kb))["classes"]


@router.get("/questions", summary="All evidence questions (paginated)")
def questions(request: Request, kb: KB, store: Store, limit: Limit = 100, offset: Offset = 0,
              format: Format = "json") -> Response:  # fmt: skip
    rows = _listing(
        store, "questions", lambda: [evidence.question_summary(q) for q in kb.all_questions()]
    )
    return _page(request, rows, limit, offset, format, "questions")


@router.get("/questions/{question_id}", summary="One question with its data and appraisal")
def question(question_id: str, kb: KB, store: Store) -> Any:
    return to_jsonable(
        store.cached(("question", question_id), lambda: evidence.question_page(kb, question_id))
    )


@router.get("/questions/{question_id}/data", summary="Per-trial outcome data (metafor columns)")
def question_data(request: Request, question_id: str, kb: KB, limit: Limit = 1000, offset: Offset = 0,
                  format: Format = "json") -> Response:  # fmt: skip
    rows = [r.metafor() for r in kb.outcome_data(question_id)]
    return _page(request, rows, limit, offset, format, f"{question_id}-data")


@router.get("/trials", summary="All trials (paginated)")
def trials(request: Request, kb: KB, store: Store, limit: Limit = 100, offset: Offset = 0,
           format: Format = "json") -> Response:  # fmt: skip
    rows = _listing(store, "trials", kb.list_trials)
    return _page(request, rows, limit, offset, format, "trials")


@router.get("/trials/{trial_id}", summary="One trial")
def trial(trial_id: str, kb: KB) -> Any:
    return to_jsonable(kb.get_trial(trial_id))


@router.get("/appraisals/{substance_id}", summary="Appraisal of every question for a substance")
def appraisals(substance_id: str, kb: KB, store: Store) -> Any:
    return to_jsonable(
        store.cached(("appraisal", substance_id), lambda: evidence.appraisal_json(kb, substance_id))
    )


@router.get("/search", summary="Search substances, products and classes by any name, any script")
def search(kb: KB, q: Annotated[str, Query(min_length=1)], limit: Limit = 20) -> Any:
    return {"query": q, "results": catalogue.search_results(kb, q, limit)}

"""The web application: server-rendered pages (each with a JSON twin), the REST API and the workbench."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from immunograde import __version__
from immunograde.errors import InputError, Msg, NotFoundError
from immunograde.kb.pydantic_text import as_msg
from immunograde.kb.queries import KnowledgeBase
from immunograde.settings import db_path
from immunograde.web import i18n, timing
from immunograde.web.deps import AppKB, DatabaseMissing, PageCache, PinVersion
from immunograde.web.guard import BodyGuard
from immunograde.web.heavy import HeavyPool, Overloaded
from immunograde.web.i18n import LanguageMiddleware
from immunograde.web.templating import templates
from immunograde.web.twins import wants_json

STATIC = Path(__file__).parent / "static"


def _error(
    request: Request,
    status: int,
    message: str,
    *,
    shown: dict[str, Any] | None = None,
    **extra: Any,
) -> Response:
    """The error as JSON (English: the library's text) or as a page (``shown``: what the page says
    instead, in the reader's language)."""
    body = {"error": {"status": status, "message": message, **extra}}
    if request.url.path.startswith("/api/") or wants_json(request):
        return JSONResponse(body, status_code=status)
    page = {**body["error"], "message": i18n.message(message), **(shown or {})}
    return templates.TemplateResponse(request, "error.html", {"page": page}, status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    def _input(request: Request, exc: InputError) -> Response:
        problems = [p.as_dict() for p in exc.problems]
        shown = {
            "message": "\n".join(i18n.problem(p) for p in exc.problems),
            "problems": [{**p.as_dict(), "message": i18n.message(p.message)} for p in exc.problems],
        }
        return _error(request, 400, str(exc), shown=shown, problems=problems)

    @app.exception_handler(NotFoundError)
    def _not_found(request: Request, exc: NotFoundError) -> Response:
        shown = {"message": i18n.message(exc.message)}  # the page's words; the JSON keeps English
        return _error(request, 404, exc.message, shown=shown, suggestions=exc.suggestions)

    @app.exception_handler(DatabaseMissing)
    def _no_db(request: Request, exc: DatabaseMissing) -> Response:
        return _error(request, 503, str(exc), shown={"message": i18n.message(exc)})

    @app.exception_handler(Overloaded)
    def _busy(request: Request, exc: Overloaded) -> Response:
        response = _error(request, 503, str(exc), shown={"message": i18n.message(exc)})
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": as_msg(e)}
            for e in exc.errors()
        ]
        shown = [{**p, "message": i18n.message(p["message"])} for p in problems]
        msg = Msg("invalid request: %(problems)s", problems="; ".join(
            f"{p['field']}: {p['message']}" for p in problems))  # fmt: skip
        page = {"message": i18n.message(Msg(msg.msgid, problems="; ".join(
            f"{p['field']}: {p['message']}" for p in shown))), "problems": shown}  # fmt: skip
        return _error(request, 422, msg, shown=page, problems=problems)


def warm_jobs(kb: KnowledgeBase) -> Iterator[tuple[tuple[Any, ...], Callable[[], Any]]]:
    """What to precompute at start, under the keys :mod:`.routes.pages` uses: the map (which appraises
    every substance with evidence), the home and class lists, then every substance page."""
    from immunograde.market.query import market_rows
    from immunograde.web import catalogue, evidence

    cells = evidence.map_cells(kb)
    yield ("map-cells",), lambda: cells
    yield ("map-filters",), lambda: evidence.map_filters(kb, cells)
    yield ("home",), lambda: catalogue.home_data(kb)
    yield ("classes",), lambda: catalogue.classes_data(kb)
    first = list(dict.fromkeys(c["substance_id"] for c in cells))
    rest = [s.id for s in kb.list_substances() if s.id not in set(first)]
    for sid in first + rest:
        yield ("substance", sid), partial(evidence.substance_page, kb, sid)
    yield (
        ("market-rows",),
        lambda: market_rows(kb),
    )  # the market page: every verdict beside spending
    from immunograde.evidence.claim_check import name_index
    from immunograde.web.claims_view import claims_page

    yield ("claims",), lambda: claims_page(kb, name_index(kb))  # /claims: every claim, assessed


def _lifespan(warm: bool) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        monitor = asyncio.ensure_future(timing.monitor()) if timing.enabled() else None
        if warm:
            app.state.kb.warm(warm_jobs)
            app.state.heavy.start()
        try:
            yield
        finally:
            app.state.heavy.close()
            if monitor is not None:
                monitor.cancel()
            timing.stop()

    return lifespan


def _install_docs(app: FastAPI) -> None:
    """``/api/v1/docs``: Swagger UI from ``static/vendor`` (fetched from npm by ``make install``), so the
    page works without internet, under the page's own header in the reader's language (title,
    description, the language switch: the catalogue) and the package's ``static/api_docs.css``, which
    keeps it within a phone's width; without Swagger UI's files it says so and links the OpenAPI
    document.  The OpenAPI document itself is the same in every language."""
    from fastapi.responses import HTMLResponse

    from immunograde.web.templating import templates

    @app.get("/api/v1/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        vendor = STATIC / "vendor"
        swagger = (vendor / "swagger-ui-bundle.js").exists() and (
            vendor / "swagger-ui.css"
        ).exists()
        return templates.TemplateResponse(request, "api_docs.html", {"swagger": swagger})


def create_app(database: Path | None = None, *, warm: bool | None = None) -> FastAPI:
    """Build the app over the knowledge-base file ``database`` (default: ``settings.db_path()``).

    ``warm`` precomputes the evidence map and the substance pages in a background thread at start
    (default: environment variable ``IMMUNOGRADE_WARM=1``, which ``immunograde serve`` sets).
    """
    from immunograde.web.routes import api, claims, experience, market, pages, plots, workbench

    if warm is None:
        warm = os.environ.get("IMMUNOGRADE_WARM") == "1"
    app = FastAPI(
        lifespan=_lifespan(warm),
        title="ImmunoGrade",
        version=__version__,
        description="Evidence for immunomodulators: pooled trial results, GRADE certainty, verdicts, "
        "safety signals. Every HTML page has a JSON twin (`.json` suffix or `?format=json`).",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served below from the package's own copy of Swagger UI (no CDN)
        redoc_url=None,
    )
    app.state.kb = AppKB(database or db_path())
    app.state.heavy = HeavyPool()  # workbench fits and chart rendering, off the request loop
    if os.environ.get("IMMUNOGRADE_PAGE_CACHE", "1") != "0":  # 0: for benchmarks without it
        app.add_middleware(PageCache, store=app.state.kb)
    app.add_middleware(BodyGuard, error=_error)  # bodies bounded in size and time while read
    app.add_middleware(PinVersion, store=app.state.kb)  # one version per request, whole
    app.add_middleware(LanguageMiddleware)  # the language is set before any page runs
    if os.environ.get("IMMUNOGRADE_TIMINGS"):  # where each request's time goes (benchmarks)
        timing.start(os.environ["IMMUNOGRADE_TIMINGS"])
        app.add_middleware(timing.Timings)  # outermost
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    _install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(claims.api)
    _install_docs(app)
    app.include_router(market.api)
    app.include_router(
        pages.router
    )  # before plots: "/map.json" is a page twin, "/map.svg" an image
    app.include_router(workbench.router)
    app.include_router(experience.router)
    app.include_router(claims.router)
    app.include_router(market.router)
    app.include_router(plots.router)
    return app

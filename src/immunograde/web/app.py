"""The web application: server-rendered pages (each with a JSON twin), the REST API and the workbench."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from immunograde import __version__
from immunograde.errors import InputError, NotFoundError
from immunograde.settings import db_path
from immunograde.web.deps import AppKB, DatabaseMissing
from immunograde.web.templating import templates
from immunograde.web.twins import wants_json

STATIC = Path(__file__).parent / "static"


def _error(request: Request, status: int, message: str, **extra: Any) -> Response:
    body = {"error": {"status": status, "message": message, **extra}}
    if request.url.path.startswith("/api/") or wants_json(request):
        return JSONResponse(body, status_code=status)
    return templates.TemplateResponse(
        request, "error.html", {"page": body["error"]}, status_code=status
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    def _input(request: Request, exc: InputError) -> Response:
        problems = [p.as_dict() for p in exc.problems]
        return _error(request, 400, str(exc), problems=problems)

    @app.exception_handler(NotFoundError)
    def _not_found(request: Request, exc: NotFoundError) -> Response:
        return _error(request, 404, exc.message, suggestions=exc.suggestions)

    @app.exception_handler(DatabaseMissing)
    def _no_db(request: Request, exc: DatabaseMissing) -> Response:
        return _error(request, 503, str(exc))

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        msg = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return _error(request, 422, f"invalid request: {msg}", problems=problems)


def create_app(database: Path | None = None) -> FastAPI:
    """Build the app over the knowledge-base file ``database`` (default: ``settings.db_path()``)."""
    from immunograde.web.routes import api, pages, plots, workbench

    app = FastAPI(
        title="ImmunoGrade",
        version=__version__,
        description="Evidence for immunomodulators: pooled trial results, GRADE certainty, verdicts, "
        "safety signals. Every HTML page has a JSON twin (`.json` suffix or `?format=json`).",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.kb = AppKB(database or db_path())
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    _install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(
        pages.router
    )  # before plots: "/map.json" is a page twin, "/map.svg" an image
    app.include_router(workbench.router)
    app.include_router(plots.router)
    return app

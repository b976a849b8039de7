"""Every page has a JSON twin: ``/path`` renders HTML, ``/path.json`` and ``/path?format=json`` return
the very same data as JSON.  One function builds the data; the decorator registers both routes.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from immunograde.jsonable import to_jsonable
from immunograde.web.templating import templates

PageFn = Callable[..., Any]


def wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json") or request.query_params.get("format") == "json"


def twin_url(request: Request) -> str:
    """The JSON twin of the HTML page ``request`` asked for: the path + ``.json``, same query."""
    path = "/index" if request.url.path == "/" else request.url.path
    query = request.url.query
    return path + ".json" + (f"?{query}" if query else "")


def twin(
    router: APIRouter, path: str, template: str, *, name: str | None = None
) -> Callable[[PageFn], PageFn]:
    """Register ``fn`` at ``path`` (HTML via ``template``) and at ``path + '.json'`` (JSON).

    ``fn`` takes the request (and any path/query parameters, declared as usual) and returns the page's
    data: a dict, dataclass or pydantic model.  The template receives it as ``page``.
    """

    def decorate(fn: PageFn) -> PageFn:
        @functools.wraps(fn)
        def endpoint(request: Request, *args: Any, **kwargs: Any) -> Response:
            data = fn(request, *args, **kwargs)
            if isinstance(data, Response):
                return data
            if wants_json(request):
                return JSONResponse(to_jsonable(data))
            page = templates.TemplateResponse(request, template, {"page": data})
            # every HTML page advertises its twin (the footer links it too)
            page.headers["Link"] = (
                f'<{twin_url(request)}>; rel="alternate"; type="application/json"'
            )
            return page

        endpoint.__signature__ = inspect.signature(fn)  # type: ignore[attr-defined]
        json_path = "/index.json" if path == "/" else path + ".json"
        # the .json route first: "/x/{id}" would otherwise swallow "/x/abc.json" as id="abc.json"
        router.add_api_route(
            json_path, endpoint, methods=["GET"], name=f"{name or fn.__name__}_json"
        )
        router.add_api_route(
            path, endpoint, methods=["GET"], response_class=HTMLResponse, name=name or fn.__name__
        )
        return fn

    return decorate

"""What does my experience show? (issue 17): the page ``/experience`` (form + answer), its JSON twin
``/experience.json``, and ``GET /api/v1/experience``.  All three read the same evidence-layer answer
(:mod:`immunograde.web.experience_view`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from immunograde.jsonable import to_jsonable
from immunograde.web import experience_view as view
from immunograde.web.deps import KB
from immunograde.web.templating import templates
from immunograde.web.twins import wants_json

router = APIRouter()
Questions = Annotated[list[str] | None, Query(description="only these questions' control arms")]


def _params(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "") for k in view.FIELDS}


@router.get("/experience.json", name="experience_json", include_in_schema=False)
@router.get("/experience", response_class=HTMLResponse, name="experience", include_in_schema=False)
def experience_page(request: Request, kb: KB, question: Questions = None) -> Response:
    data, status = view.page(kb, _params(request), question or [])
    if wants_json(request):
        return JSONResponse(to_jsonable(data), status_code=status)
    return templates.TemplateResponse(request, "experience.html", {"page": data},
                                      status_code=status)  # fmt: skip


@router.get("/api/v1/experience", tags=["api"],
            summary="A case series beside the natural course from the trials' control arms")  # fmt: skip
def experience_api(
    request: Request, kb: KB,
    indication: Annotated[str, Query(description="group id, alias or indication text, e.g. ARVI")],
    treated: Annotated[str, Query(description="patients treated (N)")] = "",
    improved: Annotated[str, Query(description="patients who improved (M)")] = "",
    mean: Annotated[str, Query(description="mean time to recovery (instead of improved)")] = "",
    sd: Annotated[str, Query(description="its standard deviation")] = "",
    outcome: Annotated[str, Query(description="outcome id (one outcome at one time point)")] = "",
    substance: Annotated[str, Query(description="product or substance given")] = "",
    question: Questions = None,
) -> Any:  # fmt: skip
    return view.api(kb, _params(request), question or [])

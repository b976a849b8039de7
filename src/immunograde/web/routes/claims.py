"""Claims (issue 17): the page of every claim with its assessment, the claim checker's form and result
(each with a JSON twin), and ``/api/v1/claims/check``.

Empty or too long text: the API answers 422 with a message; the page shows the message beside the form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from immunograde.errors import InputError
from immunograde.evidence.claim_check import check_claim, name_index
from immunograde.web import claims_view
from immunograde.web.deps import KB, Store
from immunograde.web.templating import templates
from immunograde.web.twins import twin, wants_json

router = APIRouter()
api = APIRouter(prefix="/api/v1", tags=["api"])


class ClaimText(BaseModel):
    """A claim to check: one sentence, Russian or English."""

    text: str = Field(description="the claim, e.g. «Эргоферон сокращает длительность ОРВИ»")


def _check(kb: KB, text: str) -> JSONResponse:
    try:
        return JSONResponse(check_claim(kb, text))
    except InputError as exc:
        problems = [p.as_dict() for p in exc.problems]
        body = {"error": {"status": 422, "message": str(exc), "problems": problems}}
        return JSONResponse(body, status_code=422)


@api.post("/claims/check", summary="Check a claim sentence against the evidence")
def check_post(body: ClaimText, kb: KB) -> JSONResponse:
    """What the sentence asserts (``recognised``), what was not recognised, the ``assessment`` from
    the stored answers, the ``evidence`` behind it and the ``permitted_wording``."""
    return _check(kb, body.text)


@api.get("/claims/check", summary="Check a claim sentence (as POST, the text in ?text=)")
def check_get(kb: KB, text: str = "") -> JSONResponse:
    return _check(kb, text)


def _all(kb: KB, store: Store) -> dict[str, Any]:
    return store.cached(("claims",), lambda: claims_view.claims_page(kb, name_index(kb)))


@api.get("/claims", summary="Every claim with its assessment and reasons")
def claims_api(kb: KB, store: Store) -> Any:
    return _all(kb, store)


@twin(router, "/claims", "claims.html", name="claims")
def claims(request: Request, kb: KB, store: Store) -> dict[str, Any]:
    return _all(kb, store)


@twin(router, "/claims/check", "claim_check.html", name="claim_check")
def claim_check(request: Request, kb: KB, text: str = "") -> Any:
    page = claims_view.check_page(kb, text)
    if not page["error"]:
        return page
    if wants_json(request):
        return JSONResponse({"error": {"status": 422, "message": page["error"]}}, status_code=422)
    return templates.TemplateResponse(request, "claim_check.html", {"page": page}, status_code=422)

"""The meta-analysis workbench: paste or upload a CSV in metafor's columns, get results and plots."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from immunograde.errors import InputError, Msg
from immunograde.evidence.workbench_input import decode
from immunograde.jsonable import to_jsonable
from immunograde.web import i18n
from immunograde.web import workbench as wb
from immunograde.web.templating import templates
from immunograde.web.twins import twin, wants_json

router = APIRouter()


@twin(router, "/workbench", "workbench.html", name="workbench")
def workbench_page(request: Request) -> dict[str, Any]:
    return wb.empty_page()


async def _read_upload(upload: UploadFile | None) -> str | None:
    if upload is None or not upload.filename:
        return None
    data = await upload.read(wb.LIMITS["max_bytes"] + 1)
    if len(data) > wb.LIMITS["max_bytes"]:
        raise InputError.one(
            Msg(
                "the file is larger than %(kib)s KiB; split it or use the CLI (`immunograde meta "
                "FILE.csv`)",
                kib=wb.LIMITS["max_bytes"] // 1024,
            ),
            file=upload.filename,
        )
    return decode(data, upload.filename)  # the CSV reader's decoding and message


@router.post("/workbench.json", name="workbench_run_json")
@router.post("/workbench", name="workbench_run")
async def workbench_run(
    request: Request,
    csv_text: Annotated[str, Form()] = "",
    measure: Annotated[str, Form()] = "OR",
    method: Annotated[str, Form()] = "REML",
    test: Annotated[str, Form()] = "z",
    csv_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    name = "pasted text"
    try:
        uploaded = await _read_upload(csv_file)
        if uploaded is not None:
            csv_text, name = uploaded, csv_file.filename or "upload.csv"  # type: ignore[union-attr]
        page = await wb.run_page(request.app.state.heavy, csv_text, name, measure, method, test)
    except InputError as exc:
        page = wb.error_page(csv_text, measure, method, test, str(exc))
        page["error_shown"] = "\n".join(i18n.problem(p) for p in exc.problems)  # the page's words
        status = 400
    else:
        status = 200
    if wants_json(request):
        return JSONResponse(to_jsonable(wb.json_view(page)), status_code=status)
    return templates.TemplateResponse(request, "workbench.html", {"page": page}, status_code=status)


@router.post(
    "/api/v1/workbench", tags=["api"], summary="Run a meta-analysis on CSV text (metafor columns)"
)
async def workbench_api(request: Request, payload: wb.WorkbenchRequest) -> Any:
    page = await wb.run_page(
        request.app.state.heavy,
        payload.csv_text,
        "request body",
        payload.measure,
        payload.method,
        payload.test,
    )
    return to_jsonable(wb.json_view(page))


@router.get("/workbench/plot/{name}.{fmt}")
async def workbench_plot(request: Request, name: str, fmt: str, token: str) -> Response:
    return await wb.plot_download(request.app.state.heavy, token, name, fmt)


@router.get("/workbench/result.{fmt}")
def workbench_result(fmt: str, token: str) -> Response:
    return wb.result_download(token, fmt)

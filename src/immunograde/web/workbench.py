"""The workbench behind its page: parse, pool, diagnose and draw a user's CSV, within stated limits.

Parsing (the one metafor-column CSV reader, also behind ``immunograde meta`` and ``import csv``) and
effect sizes are :mod:`immunograde.evidence.workbench_input`; models are :mod:`immunograde.stats` (``rma_uni``, ``rma_mh``, ``rma_peto``, leave-one-out,
cumulative, trim-and-fill, Egger).  Results are kept briefly under a random token for the downloads.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import secrets
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from fastapi.responses import Response
from pydantic import BaseModel, Field

from immunograde.errors import InputError, NotFoundError
from immunograde.evidence.workbench import RmaResult, WorkbenchAnalysis, analyse_table
from immunograde.evidence.workbench_input import (
    OFFERED,
    is_ratio,
    read_metafor_csv,
)
from immunograde.jsonable import to_jsonable
from immunograde.plots.forest import forest_spec
from immunograde.plots.from_stats import forest_from_fit, funnel_from_fit, sequence_forest
from immunograde.plots.funnel import funnel_spec
from immunograde.plots.render import FORMATS, MEDIA_TYPES, render
from immunograde.web import i18n, i18n_charts
from immunograde.web.heavy import HeavyPool

LIMITS = {"max_bytes": 512 * 1024, "max_rows": 2000, "max_seconds": 20}
METHODS = ("REML", "DL", "FE", "MH", "PETO", "ML", "PM", "EB", "HE", "HS", "HSk", "SJ")
TESTS = ("z", "knha")
MEASURES = OFFERED  #: the measure vocabulary (immunograde.stats.measures), in the form's order
PLOTS = (("forest", "Forest plot"), ("funnel", "Funnel plot with trim-and-fill"),
         ("leave_one_out", "Leave-one-out"), ("cumulative", "Cumulative (in row order, or by year)"))  # fmt: skip
_STORE: OrderedDict[str, dict[str, Any]] = OrderedDict()
_LOCK = threading.Lock()
KEEP = 64


class WorkbenchRequest(BaseModel):
    """A workbench run: CSV text in metafor's columns and the model to fit."""

    csv_text: str = Field(
        max_length=LIMITS["max_bytes"], description="CSV with metafor's column names"
    )
    measure: str = Field("OR", description=", ".join(MEASURES))
    method: str = Field("REML", description="FE or a tau2 estimator: " + ", ".join(METHODS))
    test: str = Field("z", description="z or knha (Knapp-Hartung)")


def _options() -> dict[str, Any]:
    return {"measures": MEASURES, "methods": METHODS, "tests": TESTS}


def empty_page() -> dict[str, Any]:
    form = {"measure": "OR", "method": "REML", "test": "z"}
    return {
        "limits": LIMITS,
        "options": _options(),
        "form": form,
        "csv_text": "",
        "result": None,
        "error": None,
    }


def error_page(csv_text: str, measure: str, method: str, test: str, message: str) -> dict[str, Any]:
    page = empty_page()
    page.update(
        csv_text=csv_text, error=message, form={"measure": measure, "method": method, "test": test}
    )
    return page


def _check_choice(value: str, allowed: tuple[str, ...], field: str) -> str:
    match = {a.lower(): a for a in allowed}.get(value.strip().lower())
    if match is None:
        raise InputError.one(
            f"unknown {field} {value!r}; choose one of {', '.join(allowed)}", field=field
        )
    return match


def analyse(text: str, name: str, measure: str, method: str, test: str) -> dict[str, Any]:
    """Everything the page shows: the pooled result (as ``immunograde meta``), per-study rows and charts.

    The numbers come from :func:`immunograde.evidence.workbench.analyse_table` (the result from the same
    ``pool_table`` as the CLI, so the workbench and the CLI agree to the last digit); this module draws.
    """
    measure = _check_choice(measure, MEASURES, "measure")
    method = _check_choice(method, METHODS, "method")
    test = _check_choice(test, TESTS, "test")
    table = read_metafor_csv(text, name, max_rows=LIMITS["max_rows"])
    w = analyse_table(table, measure, method, test)
    m = w.result["measure"]
    return {"table": table, "labels": w.labels, "fit": w.fit, "result": w.result, "measure": m,
            "specs": _specs(w, m)}  # fmt: skip


def _specs(w: WorkbenchAnalysis, measure: str) -> dict[str, Any]:
    fit, labels = w.fit, w.labels
    specs: dict[str, Any] = {
        "forest": forest_spec(forest_from_fit(labels, fit, measure, title="Forest plot"))
    }
    if w.trimfill is not None:
        tf = w.trimfill
        filled = tf.fill.astype(bool)
        specs["funnel"] = funnel_spec(funnel_from_fit(
            fit, measure, labels=labels, filled_yi=tf.yi[filled].tolist(), filled_vi=tf.vi[filled].tolist(),
            filled_estimate=tf.fit.estimate if tf.k0 else None,
        ))  # fmt: skip
    if w.leave_one_out is not None:
        loo = w.leave_one_out
        specs["leave_one_out"] = forest_spec(sequence_forest(
            [f"omitting {lab}" for lab in labels], loo.estimate, loo.ci_low, loo.ci_high, measure,
            kind="omitted", overall=fit, title="Leave-one-out"))  # fmt: skip
    if w.cumulative is not None:
        cum = w.cumulative
        specs["cumulative"] = forest_spec(sequence_forest(
            [f"+ {labels[i]}" for i in cum.order], cum.fits.estimate, cum.fits.ci_low, cum.fits.ci_high,
            measure, kind="cumulative", title="Cumulative meta-analysis"))  # fmt: skip
    return specs


def _store(entry: dict[str, Any]) -> str:
    token = secrets.token_urlsafe(12)
    with _LOCK:
        _STORE[token] = entry
        while len(_STORE) > KEEP:
            _STORE.popitem(last=False)
    return token


def _get(token: str) -> dict[str, Any]:
    with _LOCK:
        entry = _STORE.get(token)
    if entry is None:
        raise NotFoundError("this workbench result has expired; run the analysis again.")
    return entry


def compute(
    text: str, name: str, measure: str, method: str, test: str, lang: str
) -> dict[str, Any]:
    """:func:`analyse` and its charts drawn as SVG in the reader's language ``lang`` (runs in a worker
    process of :class:`immunograde.web.heavy.HeavyPool`)."""
    i18n.use(lang)
    out = analyse(text, name, measure, method, test)
    out["specs"] = {k: i18n_charts.translate(spec) for k, spec in out["specs"].items()}
    out["svgs"] = {k: render(spec, "svg") for k, spec in out["specs"].items()}
    return out


async def run_page(
    pool: HeavyPool, text: str, name: str, measure: str, method: str, test: str
) -> dict[str, Any]:
    if len(text.encode()) > LIMITS["max_bytes"]:
        raise InputError.one(
            f"the input is larger than {LIMITS['max_bytes'] // 1024} KiB", file=name
        )
    try:
        out = await pool.run(
            LIMITS["max_seconds"], compute, text, name, measure, method, test, i18n.current()
        )
    except TimeoutError:
        raise InputError.one(f"the analysis took longer than {LIMITS['max_seconds']} s and was stopped; "
                             "use the command line (`immunograde meta FILE.csv`)", file=name) from None  # fmt: skip
    svgs = out["svgs"]
    token = _store(out)
    page = empty_page()
    r = out["result"]
    ratio = is_ratio(out["measure"])
    for k in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
        val = r.get(k)
        r[f"{k}_display"] = (
            None if val is None or not np.isfinite(val) else (float(np.exp(val)) if ratio else val)
        )
    page.update(
        csv_text=text, form={"measure": out["measure"], "method": r["method"], "test": r["test"]}, result=r,
        token=token, svgs={k: base64.b64encode(s).decode() for k, s in svgs.items()},
        plots=[(n, t) for n, t in PLOTS if n in svgs],
        scale_note=("Ratio measures are pooled on the log scale; the table shows them back-transformed."
                    if ratio else "Estimates are on the measure's own scale."),
    )  # fmt: skip
    return page


def json_view(page: dict[str, Any]) -> dict[str, Any]:
    if page.get("error"):
        return {"error": {"status": 400, "message": page["error"]}}
    entry = _get(page["token"])
    return {"result": entry["result"], "studies": _study_rows(entry), "token": page["token"],
            "plots": {n: f"/workbench/plot/{n}.svg?token={page['token']}" for n, _ in page["plots"]}}  # fmt: skip


def _study_rows(entry: dict[str, Any]) -> list[dict[str, Any]]:
    fit: RmaResult = entry["fit"]
    return [{"study": lab, "yi": float(y), "vi": float(v), "weight": float(w)}
            for lab, y, v, w in zip(entry["labels"], fit.yi, fit.vi, fit.weights, strict=True)]  # fmt: skip


async def plot_download(pool: HeavyPool, token: str, name: str, fmt: str) -> Response:
    entry = _get(token)
    if name not in entry["specs"]:
        raise NotFoundError(f"no plot {name!r} in this result.", sorted(entry["specs"]))
    if fmt not in FORMATS:
        raise InputError.one(f"unknown format {fmt!r}; choose svg, png or pdf", field="format")
    if fmt == "svg":
        data = entry["svgs"][name]
    else:
        try:
            data = await pool.run(LIMITS["max_seconds"], render, entry["specs"][name], fmt)
        except TimeoutError:
            raise InputError.one(f"drawing the chart took longer than {LIMITS['max_seconds']} s",
                                 field="format") from None  # fmt: skip
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    return Response(data, media_type=MEDIA_TYPES[fmt], headers=headers)


def result_download(token: str, fmt: str) -> Response:
    entry = _get(token)
    if fmt == "json":
        body = json.dumps(
            to_jsonable({"result": entry["result"], "studies": _study_rows(entry)}), indent=2
        )
        return Response(body, media_type="application/json",
                        headers={"Content-Disposition": 'attachment; filename="workbench.json"'})  # fmt: skip
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=["study", "yi", "vi", "weight"])
        w.writeheader()
        w.writerows(_study_rows(entry))
        return Response(buf.getvalue(), media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="workbench.csv"'})  # fmt: skip
    raise InputError.one(f"unknown format {fmt!r}; choose json or csv", field="format")

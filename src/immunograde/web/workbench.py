"""The workbench behind its page: parse, pool, diagnose and draw a user's CSV, within stated limits.

Parsing (the one metafor-column CSV reader, also behind ``immunograde meta`` and ``import csv``) and
effect sizes are :mod:`immunograde.evidence.workbench_input`; models are :mod:`immunograde.stats` (``rma_uni``, ``rma_mh``, ``rma_peto``, leave-one-out,
cumulative, trim-and-fill, Egger).  Results are kept briefly under a random token for the downloads.

An upload computes the numbers only (in a worker process of :class:`~immunograde.web.heavy.HeavyPool`);
each chart is drawn when it is first asked for (the page's images, a download), in a worker too, and its
SVG kept with the result.  Drawing is most of the cost (a 100-study analysis: 0.03 s of fits, seconds of
charts), and a JSON caller may never ask for a chart.  The kept results are bounded by size
(:data:`STORE_BYTES`), the oldest dropped first.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import pickle
import secrets
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from fastapi.responses import Response
from pydantic import BaseModel, Field

from immunograde.errors import InputError, Msg, NotFoundError
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
KEEP = 64  #: results kept for their downloads, at most ...
STORE_BYTES = 64 * 1024 * 1024  #: ... and at most this many bytes of them (numbers and drawn SVGs)


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
            Msg(
                "unknown %(field)s %(value)s; choose one of %(allowed)s",
                field=field,
                value=repr(value),
                allowed=", ".join(allowed),
            ),
            field=field,
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
            "specs": {name: _spec(w, m, name) for name in available(w)}}  # fmt: skip


def available(w: WorkbenchAnalysis) -> list[str]:
    """The charts this analysis can draw, in the page's order (the sensitivity analyses need k)."""
    have = {"forest": True, "funnel": w.trimfill is not None,
            "leave_one_out": w.leave_one_out is not None, "cumulative": w.cumulative is not None}  # fmt: skip
    return [name for name, _ in PLOTS if have[name]]


def _spec(w: WorkbenchAnalysis, measure: str, name: str) -> dict[str, Any]:
    fit, labels = w.fit, w.labels
    if name == "funnel" and w.trimfill is not None:
        tf = w.trimfill
        filled = tf.fill.astype(bool)
        return funnel_spec(funnel_from_fit(
            fit, measure, labels=labels, filled_yi=tf.yi[filled].tolist(), filled_vi=tf.vi[filled].tolist(),
            filled_estimate=tf.fit.estimate if tf.k0 else None,
        ))  # fmt: skip
    if name == "leave_one_out" and w.leave_one_out is not None:
        loo = w.leave_one_out
        return forest_spec(sequence_forest(
            [f"omitting {lab}" for lab in labels], loo.estimate, loo.ci_low, loo.ci_high, measure,
            kind="omitted", overall=fit, title="Leave-one-out"))  # fmt: skip
    if name == "cumulative" and w.cumulative is not None:
        cum = w.cumulative
        return forest_spec(sequence_forest(
            [f"+ {labels[i]}" for i in cum.order], cum.fits.estimate, cum.fits.ci_low, cum.fits.ci_high,
            measure, kind="cumulative", title="Cumulative meta-analysis"))  # fmt: skip
    if name == "forest":
        return forest_spec(forest_from_fit(labels, fit, measure, title="Forest plot"))
    raise ValueError(f"no chart {name!r} for this analysis")


def _size(entry: dict[str, Any]) -> int:
    return int(entry["size"]) + sum(len(b) for b in entry["images"].values())


def _store(entry: dict[str, Any]) -> str:
    token = secrets.token_urlsafe(12)
    entry.setdefault("images", {})
    entry.setdefault("drawing", {})
    entry["size"] = len(pickle.dumps(entry["analysis"], protocol=pickle.HIGHEST_PROTOCOL))
    with _LOCK:
        _STORE[token] = entry
        _trim()
    return token


def _trim() -> None:
    """Drop the oldest results past :data:`KEEP` or :data:`STORE_BYTES` (the newest stays). Under _LOCK."""
    total = sum(_size(e) for e in _STORE.values())
    while len(_STORE) > 1 and (len(_STORE) > KEEP or total > STORE_BYTES):
        _, old = _STORE.popitem(last=False)
        total -= _size(old)


def _get(token: str) -> dict[str, Any]:
    with _LOCK:
        entry = _STORE.get(token)
    if entry is None:
        raise NotFoundError(Msg("this workbench result has expired; run the analysis again."))
    return entry


def compute(text: str, name: str, measure: str, method: str, test: str) -> dict[str, Any]:
    """The numbers of :func:`analyse`, without its charts (runs in a worker process of
    :class:`immunograde.web.heavy.HeavyPool`; the charts are drawn by :func:`draw` when asked for)."""
    measure = _check_choice(measure, MEASURES, "measure")
    method = _check_choice(method, METHODS, "method")
    test = _check_choice(test, TESTS, "test")
    table = read_metafor_csv(text, name, max_rows=LIMITS["max_rows"])
    w = analyse_table(table, measure, method, test)
    return {"analysis": w, "labels": w.labels, "fit": w.fit, "result": w.result,
            "measure": w.result["measure"], "plots": available(w)}  # fmt: skip


def draw(w: WorkbenchAnalysis, measure: str, name: str, fmt: str, lang: str) -> bytes:
    """Chart ``name`` of the analysis ``w`` as ``fmt``, titles in ``lang`` (runs in a worker)."""
    i18n.use(lang)
    return render(i18n_charts.translate(_spec(w, measure, name)), fmt)


async def run_page(
    pool: HeavyPool, text: str, name: str, measure: str, method: str, test: str
) -> dict[str, Any]:
    if len(text.encode()) > LIMITS["max_bytes"]:
        raise InputError.one(
            Msg("the input is larger than %(kib)s KiB", kib=LIMITS["max_bytes"] // 1024), file=name
        )
    try:
        out = await pool.run(LIMITS["max_seconds"], compute, text, name, measure, method, test)
    except TimeoutError:
        raise InputError.one(Msg("the analysis took longer than %(s)s s and was stopped; use the "
                                 "command line (`immunograde meta FILE.csv`)", s=LIMITS["max_seconds"]),
                             file=name) from None  # fmt: skip
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
        token=token, plots=[(n, t) for n, t in PLOTS if n in out["plots"]],
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


async def _draw(pool: HeavyPool, entry: dict[str, Any], name: str, fmt: str) -> bytes:
    args = (entry["analysis"], entry["measure"], name, fmt, i18n.current())
    try:
        return await pool.run(LIMITS["max_seconds"], draw, *args)
    except TimeoutError:
        raise InputError.one(Msg("drawing the chart took longer than %(s)s s", s=LIMITS["max_seconds"]),
                             field="format") from None  # fmt: skip


async def chart(pool: HeavyPool, entry: dict[str, Any], name: str, fmt: str) -> bytes:
    """Chart ``name`` of a kept result in the current language: an SVG is drawn once (concurrent
    requests wait for the same drawing) and kept with the result; PNG and PDF are drawn per request."""
    if fmt != "svg":
        return await _draw(pool, entry, name, fmt)
    key = (name, i18n.current())
    if key in entry["images"]:
        return bytes(entry["images"][key])
    pending: asyncio.Future[bytes] | None = entry["drawing"].get(key)
    if pending is None:
        pending = entry["drawing"][key] = asyncio.ensure_future(_draw(pool, entry, name, fmt))

        def keep(done: asyncio.Future[bytes]) -> None:
            entry["drawing"].pop(key, None)
            if not done.cancelled() and done.exception() is None:
                with _LOCK:
                    entry["images"][key] = done.result()
                    _trim()

        pending.add_done_callback(keep)
    return bytes(await asyncio.shield(pending))  # a reader who leaves does not stop the drawing


async def plot_download(pool: HeavyPool, token: str, name: str, fmt: str) -> Response:
    entry = _get(token)
    if name not in entry["plots"]:
        raise NotFoundError(
            Msg("no plot %(name)s in this result.", name=repr(name)), list(entry["plots"])
        )
    if fmt not in FORMATS:
        raise InputError.one(
            Msg("unknown format %(fmt)s; choose svg, png or pdf", fmt=repr(fmt)), field="format"
        )
    data = await chart(pool, entry, name, fmt)
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
    raise InputError.one(
        Msg("unknown format %(fmt)s; choose json or csv", fmt=repr(fmt)), field="format"
    )

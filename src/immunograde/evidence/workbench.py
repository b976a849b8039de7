"""The workbench's statistics: a pasted or uploaded table pooled as ``immunograde meta`` pools it, and the
sensitivity analyses its charts show (trim-and-fill, leave-one-out, cumulative).

The web page (:mod:`immunograde.web.workbench`) draws; this module computes, so the web never runs
statistics of its own (``tests/test_layering.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from immunograde.evidence.meta_pool import pool_table
from immunograde.evidence.workbench_input import MetaforTable, effect_sizes
from immunograde.stats.cumulative import Cumulative, cumulative
from immunograde.stats.influence import leave_one_out
from immunograde.stats.rma import RmaResult, rma_uni
from immunograde.stats.trimfill import TrimfillResult, trimfill

__all__ = ["RmaResult", "WorkbenchAnalysis", "analyse_table"]


@dataclass(frozen=True)
class WorkbenchAnalysis:
    """The pooled result (``result``, as ``immunograde meta`` prints it), the inverse-variance model the
    plots use (``fit``), the studies kept and dropped, and the sensitivity analyses (None when k is too
    small: trim-and-fill needs 3 studies, leave-one-out and cumulative 2)."""

    result: dict[str, Any]
    fit: RmaResult
    labels: list[str]
    trimfill: TrimfillResult | None
    leave_one_out: Any | None  #: per-omission fits (estimate, ci_low, ci_high arrays)
    cumulative: Cumulative | None


def _labels(table: MetaforTable) -> list[str]:
    return [s + (f" ({y})" if y else "") for s, y in zip(table.study, table.year, strict=True)]


def analyse_table(table: MetaforTable, measure: str, method: str, test: str) -> WorkbenchAnalysis:
    """Pool ``table`` (:func:`pool_table`, the CLI's engine) and run the sensitivity analyses.

    Plots use the inverse-variance model of the same kind (FE for MH and Peto, whose per-study weights
    are not inverse-variance weights).
    """
    result = pool_table(table, measure=measure, method=method, test=test)[0]
    es = effect_sizes(table, "OR" if method == "PETO" else measure)
    keep = np.isfinite(es.yi) & np.isfinite(es.vi)
    all_labels = _labels(table)
    labels = [lab for lab, ok in zip(all_labels, keep, strict=True) if ok]
    y, v = es.yi[keep], es.vi[keep]
    plot_method = "FE" if method in ("MH", "PETO") or y.size < 2 else method
    fit = rma_uni(y, v, method=plot_method, test=test)
    result["dropped"] = [lab for lab, ok in zip(all_labels, keep, strict=True) if not ok]
    tf = trimfill(fit.yi, fit.vi, method=fit.method, test=test) if fit.k >= 3 else None
    loo = cum = None
    if fit.k >= 2:
        loo = leave_one_out(fit.yi, fit.vi, method=fit.method, test=test).fits
        years = table.year if len(table.year) == fit.k else []
        order = (
            [int(yr or 0) for yr in years]
            if years and all(yr is not None for yr in years)
            else None
        )
        cum = cumulative(fit.yi, fit.vi, order, method=fit.method, test=test)
    return WorkbenchAnalysis(result, fit, labels, tf, loo, cum)

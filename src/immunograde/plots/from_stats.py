"""Chart data from fitted models: the bridge between :mod:`immunograde.stats` results and the plots."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from immunograde.plots.funnel import FunnelData
from immunograde.plots.spec import ForestData, StudyRow, Summary
from immunograde.stats.measures import is_ratio  # log axis and exp labels (one vocabulary)
from immunograde.stats.rma import RmaResult

__all__ = [
    "forest_from_fit",
    "funnel_from_fit",
    "is_ratio",
    "model_label",
    "sequence_forest",
    "study_rows",
    "summary_of",
]


def study_rows(
    labels: Sequence[str],
    yi: Sequence[float],
    vi: Sequence[float],
    *,
    weights: Sequence[float] | None = None,
    details: Sequence[str] | None = None,
    rob: Sequence[str | None] | None = None,
    level: float = 95.0,
) -> list[StudyRow]:
    """One forest row per study with its Wald CI ``yi ± z sqrt(vi)``."""
    z = float(ndtri(1 - (1 - level / 100) / 2))
    rows = []
    for i, (lab, y, v) in enumerate(zip(labels, yi, vi, strict=True)):
        se = float(np.sqrt(v))
        rows.append(
            StudyRow(
                label=str(lab),
                yi=float(y),
                ci_low=float(y) - z * se,
                ci_high=float(y) + z * se,
                weight=None if weights is None else float(weights[i]),
                detail="" if details is None else details[i],
                rob=None if rob is None else rob[i],
            )
        )
    return rows


def model_label(fit: RmaResult) -> str:
    name = "Fixed-effect model" if fit.method == "FE" else f"Random-effects model ({fit.method})"
    return name + (", Knapp-Hartung" if fit.test == "knha" else "")


def summary_of(fit: RmaResult, label: str | None = None) -> Summary:
    with_pi = fit.method != "FE" and np.isfinite(fit.pi_low)
    return Summary(
        label=label or model_label(fit),
        estimate=fit.estimate,
        ci_low=fit.ci_low,
        ci_high=fit.ci_high,
        pi_low=fit.pi_low if with_pi else None,
        pi_high=fit.pi_high if with_pi else None,
    )


def forest_from_fit(
    labels: Sequence[str],
    fit: RmaResult,
    measure: str,
    *,
    details: Sequence[str] | None = None,
    rob: Sequence[str | None] | None = None,
    title: str = "",
    favours: tuple[str, str] = ("favours intervention", "favours control"),
) -> ForestData:
    """The forest plot of a fitted model: its studies (weighted) and its pooled diamond."""
    rows = study_rows(
        labels,
        fit.yi.tolist(),
        fit.vi.tolist(),
        weights=list(fit.weights),
        details=details,
        rob=rob,
        level=fit.level,
    )
    return ForestData(
        rows=rows,
        summaries=(summary_of(fit),),
        ratio=is_ratio(measure),
        measure=measure,
        favours_left=favours[0],
        favours_right=favours[1],
        title=title,
    )


def sequence_forest(
    labels: Sequence[str],
    estimates: Sequence[float] | NDArray[np.float64],
    ci_low: Sequence[float] | NDArray[np.float64],
    ci_high: Sequence[float] | NDArray[np.float64],
    measure: str,
    *,
    kind: str,
    overall: RmaResult | None = None,
    title: str = "",
) -> ForestData:
    """Forest of a sequence of pooled results (cumulative: "+ study"; leave-one-out: "omitting study")."""
    rows = [
        StudyRow(label=str(lab), yi=float(e), ci_low=float(lo), ci_high=float(hi), kind=kind)
        for lab, e, lo, hi in zip(labels, estimates, ci_low, ci_high, strict=True)
    ]
    summaries = (summary_of(overall, "All studies"),) if overall is not None else ()
    return ForestData(
        rows=rows, summaries=summaries, ratio=is_ratio(measure), measure=measure, title=title
    )


def funnel_from_fit(
    fit: RmaResult,
    measure: str,
    *,
    labels: Sequence[str] = (),
    filled_yi: Sequence[float] = (),
    filled_vi: Sequence[float] = (),
    filled_estimate: float | None = None,
) -> FunnelData:
    scale = f"log {measure}" if is_ratio(measure) else measure
    return FunnelData(
        yi=[float(y) for y in fit.yi],
        sei=[float(np.sqrt(v)) for v in fit.vi],
        estimate=fit.estimate,
        labels=list(labels),
        filled_yi=[float(y) for y in filled_yi],
        filled_sei=[float(np.sqrt(v)) for v in filled_vi],
        filled_estimate=filled_estimate,
        measure=scale,
    )

"""Pool a metafor-column table: one meta-analysis, or one per group (``--by``).

Shared by ``immunograde meta`` and the web workbench: the table comes from
:func:`immunograde.evidence.workbench_input.read_metafor_csv`, effect sizes from
:func:`~immunograde.evidence.workbench_input.effect_sizes`, the models from
:mod:`immunograde.stats.rma` (FE and random effects), :mod:`immunograde.stats.mh` (MH) and
:mod:`immunograde.stats.peto` (PETO).  Results use the JSON vocabulary of ``immunograde meta``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from immunograde.errors import InputError
from immunograde.evidence.workbench_input import (
    RATIO,
    MetaforTable,
    effect_sizes,
    result_dict,
)
from immunograde.stats.heterogeneity import confint_tau2
from immunograde.stats.rma import rma_uni
from immunograde.stats.subgroup import subgroups
from immunograde.stats.tau2 import METHODS

RE_METHODS = tuple(m for m in METHODS if m != "FE")
ALL_METHODS = ("FE", "MH", "PETO", *RE_METHODS)
DEFAULT_MEASURE = {"binary": "OR", "continuous": "MD", "generic": "GEN", "estimate": "HR"}


def pool_table(
    table: MetaforTable,
    *,
    measure: str | None = None,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    mode: str = "metafor",
    by: str | None = None,
) -> list[dict[str, Any]]:
    """Fit the model to the whole table, or to each value of column ``by`` (in order of appearance).

    Raises :class:`InputError` (file and column named) for an unknown ``by`` column, a measure that
    does not fit the data, a method that needs 2x2 tables, or numbers the model cannot use.
    """
    meas = (measure or DEFAULT_MEASURE[table.form]).upper()
    if method not in ALL_METHODS:
        raise InputError.one(
            f"unknown method {method}; choose one of {', '.join(ALL_METHODS)}",
            file=table.label,
            field="method",
        )
    if method in ("MH", "PETO") and table.form != "binary":
        raise InputError.one(
            f"method {method} needs 2x2 counts (ai, bi/n1i, ci, di/n2i)",
            file=table.label,
            field="method",
        )
    if by is not None and by not in table.extra:
        cols = ", ".join(table.extra) or "none"
        raise InputError.one(
            f"no column {by!r} to group by (text columns: {cols})",
            file=table.label,
            line=1,
            field=by,
        )
    es = effect_sizes(table, "PETO" if method == "PETO" else meas)
    groups = [None] if by is None else list(dict.fromkeys(table.extra[by]))
    out = []
    for g in groups:
        rows = (
            np.ones(table.k, dtype=bool)
            if g is None
            else np.array([x == g for x in table.extra[by or ""]])
        )
        res = _fit(
            table, rows, np.asarray(es.yi), np.asarray(es.vi), meas, method, test, level, mode
        )
        if g is not None:
            res = {"group": g, **res}
        out.append(res)
    return out


def _fit(
    table: MetaforTable,
    rows: NDArray[np.bool_],
    yi: NDArray[np.float64],
    vi: NDArray[np.float64],
    measure: str,
    method: str,
    test: str,
    level: float,
    mode: str,
) -> dict[str, Any]:
    try:
        if method in ("MH", "PETO"):
            return _fit_tables(table, rows, measure, method, level)
        keep = rows & np.isfinite(yi) & np.isfinite(vi)
        if not keep.any():
            raise InputError.one("no study with a computable effect size (k = 0)", file=table.label)
        fit = rma_uni(yi[keep], vi[keep], method=method, test=test, level=level, mode=mode)
        out = result_dict(fit, measure)
        lo = hi = None
        if method != "FE" and fit.k >= 2:
            ci = confint_tau2(fit)
            lo, hi = ci.tau2_ci_low, ci.tau2_ci_high
        out.update(mode=mode, se_tau2=fit.se_tau2, q_df=fit.q_df, tau2_ci_low=lo, tau2_ci_high=hi,
                   converged=fit.converged, k_omitted=int(np.sum(rows & ~keep)))  # fmt: skip
        return out
    except ValueError as exc:
        raise InputError.one(str(exc), file=table.label) from None


def _fit_tables(
    table: MetaforTable, rows: NDArray[np.bool_], measure: str, method: str, level: float
) -> dict[str, Any]:
    from immunograde.stats.mh import rma_mh
    from immunograde.stats.peto import rma_peto

    cols = {
        c: a[rows]
        for c, a in table.numbers.items()
        if c in ("ai", "bi", "ci", "di", "n1i", "n2i") and not np.isnan(a).all()
    }
    ai, ci = cols.pop("ai"), cols.pop("ci")
    if method == "MH":
        fit: Any = rma_mh(
            ai,
            cols.get("bi"),
            ci,
            cols.get("di"),
            n1i=cols.get("n1i"),
            n2i=cols.get("n2i"),
            measure=measure,
            level=level,
        )
    else:
        fit = rma_peto(
            ai,
            cols.get("bi"),
            ci,
            cols.get("di"),
            n1i=cols.get("n1i"),
            n2i=cols.get("n2i"),
            level=level,
        )
        measure = "OR"
    out = result_dict(fit, measure)
    out.update(method=method, test="z", mode="metafor", tau2_ci_low=None, tau2_ci_high=None)
    if measure in RATIO:
        out.setdefault("pi_low_exp", None)
    return out


def subgroup_difference(
    table: MetaforTable,
    by: str,
    *,
    measure: str | None = None,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    mode: str = "metafor",
) -> dict[str, Any] | None:
    """Test for subgroup differences across the values of ``by`` (None for MH/PETO or one group).

    ``q_between`` is the fixed-effect Q across the subgroup estimates (separate tau2 per subgroup,
    as RevMan); ``qm_common`` is metafor's ``rma(yi, vi, mods = ~ factor(by))`` QM (common tau2).
    """
    if method in ("MH", "PETO") or by not in table.extra:
        return None
    es = effect_sizes(table, (measure or DEFAULT_MEASURE[table.form]).upper())
    y, v = np.asarray(es.yi), np.asarray(es.vi)
    keep = np.isfinite(y) & np.isfinite(v)
    groups = np.asarray(table.extra[by])[keep]
    if len(set(groups)) < 2:
        return None
    try:
        res = subgroups(y[keep], v[keep], groups, method=method, test=test, level=level, mode=mode)
    except ValueError as exc:
        raise InputError.one(str(exc), file=table.label) from None
    return {"q_between": res.q_between, "q_between_df": res.q_between_df,
            "q_between_p": res.q_between_p, "qm_common": res.qm_common,
            "qm_common_p": res.qm_common_p, "tau2_common": res.tau2_common}  # fmt: skip

"""A metafor-column table's effect sizes: shared by ``immunograde meta`` and the web workbench.

The table comes from the one CSV reader, :mod:`immunograde.ingest.metafor_csv` (re-exported here so
the command line and the web reach it through the evidence layer).  This module adds what depends on
the measure: the measure must fit the table's input form (:mod:`immunograde.stats.measures`), all
rows must share one form, a ratio measure needs positive reported estimates, and each computed
sampling variance must be usable -- every refusal names the file, line and column.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from numpy.typing import NDArray

from immunograde.errors import InputError, Msg, Problem, from_stats
from immunograde.ingest.metafor_checks import VI_MIN
from immunograde.ingest.metafor_csv import MetaforTable, decode, read_file, read_metafor_csv
from immunograde.stats.escalc import EffectSizes, escalc, from_ci
from immunograde.stats.measures import FORM_MEASURES, OFFERED, default_measure, is_ratio

__all__ = [
    "OFFERED",
    "MetaforTable",
    "binary_cells",
    "decode",
    "effect_sizes",
    "exp_fields",
    "is_ratio",
    "one_form",
    "read_file",
    "read_metafor_csv",
    "table_measure",
]
_ROW = re.compile(r"^row (\d+): (?:column '(\w+)')?")


def effect_sizes(table: MetaforTable, measure: str) -> EffectSizes:
    """``escalc`` for the table's form (``from_ci`` for reported estimates), metafor's defaults.

    Rows whose effect cannot be computed (metafor's ``NA``: e.g. ``ni <= 3`` for correlations) come
    back as NaN and are left out of the pooling, counted in ``k_omitted``.
    """
    measure = measure.upper()
    one_form(table)
    allowed = FORM_MEASURES[table.form]
    if measure not in allowed:
        raise InputError.one(
            Msg("measure %(measure)s does not fit %(form)s data; choose one of %(allowed)s",
                measure=measure, form=table.form, allowed=", ".join(allowed)),
            file=table.label, field="measure",
        )  # fmt: skip
    try:
        es = _compute(table, measure)
    except ValueError as exc:
        raise _located(table, str(exc)) from None
    _check_variances(table, measure, es)
    return es


def one_form(table: MetaforTable) -> str:
    """The table's input form; :class:`InputError` when rows use different forms."""
    if table.form == "mixed":
        raise InputError.one(
            Msg("rows mix input forms: %(forms)s; a meta-analysis needs the same columns in every "
                "row", forms=table.forms_text()), file=table.label,
        )  # fmt: skip
    return table.form


def table_measure(table: MetaforTable, measure: str | None) -> str:
    """``measure`` (upper case), or the default measure of the table's form."""
    return (measure or default_measure(one_form(table))).upper()


def binary_cells(table: MetaforTable) -> tuple[NDArray[np.float64], ...]:
    """``ai, bi, ci, di`` of every row (``bi = n1i - ai`` where a row gives ``n1i``)."""
    n = table.numbers
    nan = np.full(table.k, np.nan)
    ai, ci = n["ai"], n["ci"]
    bi = np.where(np.isnan(n.get("bi", nan)), n.get("n1i", nan) - ai, n.get("bi", nan))
    di = np.where(np.isnan(n.get("di", nan)), n.get("n2i", nan) - ci, n.get("di", nan))
    return ai, bi, ci, di


def _compute(table: MetaforTable, measure: str) -> EffectSizes:
    n = table.numbers
    nan = np.full(table.k, np.nan)
    if table.form == "estimate":
        if is_ratio(measure):
            _positive(table, measure)
        return from_ci(n["estimate"], n["ci_low"], n["ci_high"], ratio=is_ratio(measure))
    if table.form == "generic":
        vi = n.get("vi", nan)
        if "sei" in n:  # rows may give vi or sei
            vi = np.where(np.isnan(vi), n["sei"] ** 2, vi)
        return escalc("GEN", yi=n["yi"], vi=vi)
    if table.form == "correlation":
        return escalc(measure, ri=n["ri"], ni=n["ni"])
    if table.form == "binary":  # rows may give ai, bi, ci, di or ai, n1i, ci, n2i
        ai, bi, ci, di = binary_cells(table)
        return escalc(measure, ai=ai, bi=bi, ci=ci, di=di)
    cols: dict[str, Any] = {c: n[c] for c in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
    return escalc(measure, **cols)


def _positive(table: MetaforTable, measure: str) -> None:
    """A ratio is pooled on the log scale: a reported ratio and its interval must be > 0."""
    problems = []
    for col in ("estimate", "ci_low", "ci_high"):
        for i in np.flatnonzero(~(table.numbers[col] > 0))[:10]:
            problems.append(Problem(
                Msg("%(value)s is not a ratio: %(measure)s (a ratio measure) needs estimate, "
                    "ci_low and ci_high > 0; for a difference choose the measure MD, RD or GEN",
                    value=format(table.numbers[col][i], "g"), measure=measure),
                table.label, int(table.lines[i]), col))  # fmt: skip
    if problems:
        problems.sort(key=lambda p: p.line or 0)
        raise InputError(problems)


def _located(table: MetaforTable, message: str) -> InputError:
    """An ``escalc`` error (``row i: column 'x' ...``) with the file line and column."""
    m = _ROW.match(message)
    if m is None:
        return InputError.one(from_stats(message), file=table.label)
    row = int(m.group(1))
    return InputError.one(from_stats(message[m.end() :].lstrip(": ") or message), file=table.label,
                          line=int(table.lines[row]), field=m.group(2))  # fmt: skip


def _check_variances(table: MetaforTable, measure: str, es: EffectSizes) -> None:
    """A computed sampling variance of 0 (e.g. ``ri = 1`` under COR) or below the floor would give
    one study all the weight: refused, naming the row."""
    vi = np.asarray(es.vi)
    bad: NDArray[np.intp] = np.flatnonzero(np.isfinite(vi) & (vi < VI_MIN))
    if bad.size:
        cols = [c for c in table.columns if c in table.numbers]
        raise InputError([Problem(
            Msg("the sampling variance of %(measure)s is %(vi)s here, which would give this "
                "study all the weight (at least %(least)s is needed)", measure=measure,
                vi=format(vi[i], "g"), least=format(VI_MIN, "g")), table.label, int(table.lines[i]),
            cols[0] if cols else None) for i in bad[:10]])  # fmt: skip


def exp_fields(row: dict[str, Any], measure: str) -> None:
    """Add ``*_exp`` (back-transformed) fields to a result row of a ratio measure, in place."""
    if is_ratio(measure):
        for k in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
            v = row.get(k)
            row[f"{k}_exp"] = None if v is None or not np.isfinite(v) else float(np.exp(v))

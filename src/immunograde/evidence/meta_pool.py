"""Pool a metafor-column table: one meta-analysis, or one per group (``--by``), as a stream of rows.

Shared by ``immunograde meta`` and the web workbench.  The table comes from the one CSV reader
(:func:`immunograde.evidence.workbench_input.read_metafor_csv`), effect sizes from
:func:`~immunograde.evidence.workbench_input.effect_sizes`; inverse-variance models (FE and the
random-effects estimators) are fitted for all groups at once by :func:`immunograde.evidence.meta.
fit_groups`, tau2 confidence intervals included (Q-profile, as metafor's ``confint``); MH and Peto
by :mod:`immunograde.stats.mh` and :mod:`immunograde.stats.peto` per group.

Everything that can fail is checked before the first row is produced, so a caller that prints the
rows as they come never leaves a half-written result; rows are built a chunk of groups at a time,
so 10,000 groups never exist as 10,000 dictionaries at once, and :meth:`PoolRows.columns` gives
them as columns (``meta --by --format json`` writes those without a dictionary per group).  The
JSON vocabulary of a row:
``group`` (with ``by``), ``measure, k, method, test, estimate, se, statistic, p_value, ci_low,
ci_high, pi_low, pi_high, tau2, i2, h2, q, q_p`` (``*_exp`` for ratio measures), ``mode, se_tau2,
q_df, tau2_ci_low, tau2_ci_high, converged, k_omitted``.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import repeat
from typing import Any

import numpy as np
from numpy.typing import NDArray

from immunograde.errors import InputError, Msg, from_stats
from immunograde.evidence.meta import GroupFits, fit_groups
from immunograde.evidence.workbench_input import (
    MetaforTable,
    binary_cells,
    effect_sizes,
    exp_fields,
    is_ratio,
    table_measure,
)
from immunograde.stats.tau2 import METHODS

RE_METHODS = tuple(m for m in METHODS if m != "FE")
ALL_METHODS = ("FE", "MH", "PETO", *RE_METHODS)
CHUNK = 256  #: groups turned into rows at a time (a chunk's strings stay in memory already mapped)
_KEYS = ("estimate", "se", "statistic", "p_value", "ci_low", "ci_high", "pi_low", "pi_high",
         "tau2", "i2", "h2", "q", "q_p")  # fmt: skip


def pool_table(table: MetaforTable, **options: Any) -> list[dict[str, Any]]:
    """All rows of :func:`iter_pool` as a list (for a handful of groups: the workbench, tests)."""
    return list(iter_pool(table, **options))


def iter_pool(
    table: MetaforTable,
    *,
    measure: str | None = None,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    mode: str = "metafor",
    by: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Fit the whole table, or each value of column ``by`` (in order of first appearance).

    All fitting happens here, before the iterator is returned.  Raises :class:`InputError` (file
    and column named) for an unknown ``by`` column, a measure that does not fit the data, a method
    that needs 2x2 tables, a group with no usable study, or numbers the model cannot use.
    """
    meas = table_measure(table, measure)
    _check_options(table, method, by)
    es = effect_sizes(table, "PETO" if method == "PETO" else meas)
    codes, labels = _groups(table, by)
    if method in ("MH", "PETO"):
        rows = [_fit_tables(table, codes == g, meas, method, level) for g in range(len(labels))]
        return iter(
            [{"group": lab, **r} for lab, r in zip(labels, rows, strict=True)] if by else rows
        )
    y, v = np.asarray(es.yi), np.asarray(es.vi)
    keep = np.isfinite(y) & np.isfinite(v)
    omitted = np.bincount(codes[~keep], minlength=len(labels))
    empty = np.flatnonzero(np.bincount(codes[keep], minlength=len(labels)) == 0)
    if empty.size:
        message = (
            Msg("no study with a computable effect size in group %(group)s (k = 0)",
                group=repr(labels[empty[0]]))
            if by else Msg("no study with a computable effect size (k = 0)")
        )  # fmt: skip
        raise InputError.one(message, file=table.label, field=by)
    try:
        fitted = fit_groups(y[keep], v[keep], codes[keep], labels, method=method, test=test,
                            level=level, mode=mode)  # fmt: skip
    except ValueError as exc:
        raise InputError.one(from_stats(str(exc)), file=table.label) from None
    _check_pm(fitted, labels, by, table.label)
    return PoolRows(fitted, meas, omitted, labels if by else None, mode)


def _check_options(table: MetaforTable, method: str, by: str | None) -> None:
    if method not in ALL_METHODS:
        raise InputError.one(Msg("unknown method %(method)s; choose one of %(methods)s",
                                 method=method, methods=", ".join(ALL_METHODS)),
                             file=table.label, field="method")  # fmt: skip
    if method in ("MH", "PETO") and table.form != "binary":
        raise InputError.one(Msg("method %(method)s needs 2x2 counts (ai, bi/n1i, ci, di/n2i)",
                                 method=method),
                             file=table.label, field="method")  # fmt: skip
    if by is not None and by not in table.extra:
        cols = ", ".join(table.extra) or Msg("none")
        raise InputError.one(Msg("no column %(by)s to group by (text columns: %(cols)s)",
                                 by=repr(by), cols=cols),
                             file=table.label, line=1, field=by)  # fmt: skip


def _groups(table: MetaforTable, by: str | None) -> tuple[NDArray[np.intp], list[str]]:
    """Each row's group number, groups numbered in order of first appearance."""
    if by is None:
        return np.zeros(table.k, dtype=np.intp), [""]
    return table.groups(by)


def _check_pm(fitted: GroupFits, labels: list[str], by: str | None, label: str) -> None:
    """metafor stops when Q(tau2_max) is still above k - 1 under Paule-Mandel: so do we."""
    failed = np.flatnonzero(np.isnan(fitted.fits.tau2))
    if failed.size and fitted.fits.method == "PM" and fitted.fits.mode == "metafor":
        message = Msg(
            "Paule-Mandel: Q(tau2_max) is still above k-1; tau2_max is too low "
            "(--mode exact continues the search)"
        )
        if by:
            message = Msg(
                "group %(group)s: %(message)s", group=repr(labels[failed[0]]), message=message
            )
        raise InputError.one(message, file=label)  # fmt: skip


class PoolRows(Iterator[dict[str, Any]]):
    """The rows of :func:`iter_pool` for inverse-variance models: one dictionary per group as it is
    iterated, or :meth:`columns` -- the same values a chunk of groups at a time, one column per key
    of :attr:`keys` (what :func:`immunograde.cli.output.print_json_columns` writes without making a
    dictionary per group)."""

    def __init__(
        self,
        fitted: GroupFits,
        measure: str,
        omitted: NDArray[np.intp],
        labels: list[str] | None,
        mode: str,
    ) -> None:
        self._fitted, self._measure, self._omitted = fitted, measure, omitted
        self._labels, self._mode = labels, mode
        self._exp = ("estimate", "ci_low", "ci_high", "pi_low", "pi_high") if is_ratio(measure) \
            else ()  # fmt: skip
        self.keys: tuple[str, ...] = (
            *(("group",) if labels is not None else ()), "measure", "k", "method", "test", *_KEYS,
            *(f"{x}_exp" for x in self._exp), "mode", "se_tau2", "q_df", "tau2_ci_low",
            "tau2_ci_high", "converged", "k_omitted",
        )  # fmt: skip
        #: columns whose values that are not finite are None in a dictionary (NaN elsewhere)
        self._nullable = frozenset(
            {*(f"{x}_exp" for x in self._exp), "tau2_ci_low", "tau2_ci_high"}
        )
        self._dicts: Iterator[dict[str, Any]] | None = None

    def columns(self) -> Iterator[list[Any]]:
        """Per chunk of groups, one column per key: a numpy array (float64, int or bool), a list of
        labels, or one value that holds for every group (measure, method, test, mode)."""
        f, b = self._fitted.fits, self._fitted.bounds
        for a in range(0, f.k.size, CHUNK):
            z = slice(a, a + CHUNK)
            k = f.k[z]
            ci = (k >= 2) & (b is not None)
            lo = (
                np.where(ci, b.tau2_ci_low[z], np.nan) if b is not None else np.full(k.size, np.nan)
            )
            hi = np.where(ci, b.tau2_ci_high[z], np.nan) if b is not None else lo
            with np.errstate(over="ignore"):  # exp(800): no bound (None), not a warning
                exp = [np.exp(getattr(f, x)[z]) for x in self._exp]
            yield [
                *([self._labels[z]] if self._labels is not None else []), self._measure, k,
                f.method, f.test, *(getattr(f, key)[z] for key in _KEYS), *exp, self._mode,
                f.se_tau2[z], f.q_df[z], lo, hi, f.converged[z], self._omitted[z],
            ]  # fmt: skip

    def __next__(self) -> dict[str, Any]:
        if self._dicts is None:
            self._dicts = self._rows()
        return next(self._dicts)

    def _rows(self) -> Iterator[dict[str, Any]]:
        keys, nullable = self.keys, self._nullable
        for cols in self.columns():
            lists = [
                (_none(c) if key in nullable else c.tolist()) if isinstance(c, np.ndarray)
                else c if isinstance(c, list) else repeat(c)
                for key, c in zip(keys, cols, strict=True)
            ]  # fmt: skip
            for values in zip(*lists, strict=False):  # the constant columns repeat without end
                yield dict(zip(keys, values, strict=True))


def _none(x: NDArray[np.float64]) -> list[float | None]:
    """Not finite (no bound: k < 2, a fixed-effect model; an overflowing exp) as None."""
    return [v if v - v == 0 else None for v in x.tolist()]


def _fit_tables(
    table: MetaforTable, rows: NDArray[np.bool_], measure: str, method: str, level: float
) -> dict[str, Any]:
    from immunograde.stats.mh import rma_mh
    from immunograde.stats.peto import rma_peto

    ai, bi, ci, di = (x[rows] for x in binary_cells(table))
    try:
        if method == "MH":
            fit: Any = rma_mh(ai, bi, ci, di, measure=measure, level=level)
        else:
            fit = rma_peto(ai, bi, ci, di, level=level)
            measure = "OR"
    except ValueError as exc:
        raise InputError.one(from_stats(str(exc)), file=table.label) from None
    out: dict[str, Any] = {"measure": measure}
    out.update({k: getattr(fit, k, None) for k in ("k", "method", "test", *_KEYS)})
    exp_fields(out, measure)
    out.update(method=method, test="z", mode="metafor", tau2_ci_low=None, tau2_ci_high=None)
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
    from immunograde.stats.subgroup import subgroups

    if method in ("MH", "PETO") or by not in table.extra:
        return None
    es = effect_sizes(table, table_measure(table, measure))
    y, v = np.asarray(es.yi), np.asarray(es.vi)
    keep = np.isfinite(y) & np.isfinite(v)
    groups = np.asarray(table.extra[by])[keep]
    if len(set(groups)) < 2:
        return None
    try:
        res = subgroups(y[keep], v[keep], groups, method=method, test=test, level=level, mode=mode)
    except ValueError as exc:
        raise InputError.one(from_stats(str(exc)), file=table.label) from None
    return {"q_between": res.q_between, "q_between_df": res.q_between_df,
            "q_between_p": res.q_between_p, "qm_common": res.qm_common,
            "qm_common_p": res.qm_common_p, "tau2_common": res.tau2_common,
            "common_skipped": res.common_skipped, "groups": res.q_between_df + 1}  # fmt: skip

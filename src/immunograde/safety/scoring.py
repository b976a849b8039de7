"""From unique-report counts to every statistic for every drug-event pair.

Counting is SQL (:mod:`.sql.counts`, any :class:`~.engines.Engine`); everything after it is numpy
(:mod:`immunograde.stats`), so DuckDB and Spark results agree exactly once the counts agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from itertools import pairwise
from typing import Any

import numpy as np
import pyarrow as pa

from immunograde.safety.engines import Engine
from immunograde.safety.sql.counts import COUNT_TABLES, COUNT_VIEWS
from immunograde.stats.disproportionality import (
    Disproportionality,
    disproportionality,
    expected_counts,
    signal_flags,
)
from immunograde.stats.gps import GPSPosterior, GPSPrior, gps_posterior, unsquashed
from immunograde.stats.gps_fit import GPSFit, Likelihood, auto_squash, combine, fit_prior
from immunograde.stats.gps_fit import zero_cell_points as _zero_cells

#: Output columns per pair, in order (the CLI contract plus extras after ``eb95``).
PAIR_COLUMNS: tuple[str, ...] = (
    "drug", "event", "n", "expected", "prr", "prr_ci_low", "prr_ci_high", "chi2", "ror",
    "ror_ci_low", "ror_ci_high", "ic", "ic025", "ic975", "ebgm", "eb05", "eb95",
    "chi2_yates", "n_drug", "n_event", "n_reports",
    "signal_evans", "signal_ror025", "signal_ic025", "signal_eb05",
)  # fmt: skip


@dataclass(frozen=True)
class Counts:
    """Arrow tables from the counting SQL (integer codes + dictionaries; see :mod:`.sql.counts`)."""

    pairs: pa.Table
    drug_str: pa.Table
    event_str: pa.Table
    strata: pa.Table
    drugs: pa.Table
    events: pa.Table
    stratum_names: pa.Table


@dataclass(frozen=True)
class ScoreResult:
    """Per-pair statistics (``table``, columns :data:`PAIR_COLUMNS`), the prior and its fit."""

    table: pa.Table
    prior: GPSPrior
    fit: GPSFit | None
    n_reports: int
    n_strata: int
    likelihood: str


#: Intermediate tables no longer needed once the key table is built.
_FREE_AFTER = {"sg_d": ("sg_dc",), "sg_e": ("sg_ec",)}


def count_reports(engine: Engine) -> Counts:
    """Run the counting SQL on views ``sg_drug``, ``sg_event``, ``sg_stratum`` already registered."""
    for name, select in COUNT_VIEWS:
        engine.materialize(name, select)  # each is read more than once
        for done in _FREE_AFTER.get(name, ()):
            engine.drop(done)
    t = {name: engine.fetch(select) for name, select in COUNT_TABLES}
    return Counts(
        t["sg_pairs"], t["sg_drug_str"], t["sg_event_str"], t["sg_str"],
        t["sg_dd"], t["sg_ed"], t["sg_sd"],
    )  # fmt: skip


def _names(dictionary: pa.Table, column: str) -> pa.Array:
    """Names indexed by code (codes are 0..k-1)."""
    order = np.argsort(np.asarray(dictionary["code"].to_numpy(), dtype=np.int64))
    return pa.array(dictionary[column].to_numpy(zero_copy_only=False)[order], pa.string())


def _matrix(table: pa.Table, key: str, rows: int, cols: int) -> np.ndarray:
    r = np.asarray(table[key].to_numpy(), dtype=np.int64)
    c = np.asarray(table["stratum"].to_numpy(), dtype=np.int64)
    w = np.asarray(table["n"].to_numpy(), dtype=float)
    return np.bincount(r * cols + c, weights=w, minlength=rows * cols).reshape(rows, cols)


def _halves(size: int, workers: int) -> list[slice]:
    """``workers`` contiguous slices of ``range(size)`` (one if the table is small)."""
    parts = workers if size >= 200_000 and workers > 1 else 1
    bounds = np.linspace(0, size, parts + 1).astype(int)
    return [slice(int(a), int(b)) for a, b in pairwise(bounds)]


def _in_threads(func: Callable[[slice], Any], size: int, workers: int = 2) -> list[Any]:
    """``func`` on each slice, on threads (numpy and scipy's special functions release the GIL);
    every statistic is element-wise, so the results do not depend on the split."""
    parts = _halves(size, workers)
    if len(parts) == 1:
        return [func(parts[0])]
    with ThreadPoolExecutor(len(parts)) as pool:
        return list(pool.map(func, parts))


def _cat(parts: list[Any], cls: Any, **fixed: Any) -> Any:
    """Concatenate the array fields of same-type dataclasses (``fixed`` fields are not arrays)."""
    names = [f.name for f in fields(cls) if f.name not in fixed]
    return cls(**{n: np.concatenate([getattr(p, n) for p in parts]) for n in names}, **fixed)


def _posterior(prior: GPSPrior, n: np.ndarray, e: np.ndarray, workers: int = 2) -> GPSPosterior:
    """The posterior in ``workers`` chunks on threads."""
    parts = _in_threads(lambda s: gps_posterior(prior, n[s], e[s]), n.size, workers)
    return parts[0] if len(parts) == 1 else _cat(parts, GPSPosterior, prior=prior)


def _expected_and_disproportionality(
    di: np.ndarray, ei: np.ndarray, dmat: np.ndarray, emat: np.ndarray, totals: np.ndarray,
    n: np.ndarray, n_drug: np.ndarray, n_event: np.ndarray,
) -> tuple[np.ndarray, Disproportionality]:  # fmt: skip
    """Stratified expected counts and PRR/ROR/chi2/IC for every pair, in chunks on threads."""
    n_total = float(totals.sum())

    def part(s: slice) -> Disproportionality:
        e = expected_counts(di[s], ei[s], dmat, emat, totals)
        return disproportionality(n[s], n_drug[s], n_event[s], n_total, e)

    parts = _in_threads(part, n.size)
    disp = parts[0] if len(parts) == 1 else _cat(parts, Disproportionality)
    return disp.expected, disp


def _columns(
    base: dict[str, Any], extra: dict[str, Any], disp: Any, post: GPSPosterior
) -> dict[str, Any]:
    """Every output column, in :data:`PAIR_COLUMNS` order; counts as integers."""
    flags = signal_flags(disp, post.eb05)
    columns = dict(base)
    for name in PAIR_COLUMNS[4:]:
        if name in ("ebgm", "eb05", "eb95"):
            columns[name] = getattr(post, name)
        elif name.startswith("signal_"):
            columns[name] = flags[name.removeprefix("signal_")]
        elif name in extra:
            columns[name] = extra[name]
        else:
            columns[name] = getattr(disp, name)
    for name in ("n", "n_drug", "n_event", "n_reports"):
        columns[name] = np.asarray(columns[name]).astype(np.int64)
    return columns


def score_counts(
    counts: Counts,
    *,
    prior: GPSPrior | None = None,
    likelihood: Likelihood = "truncated",
    starts: Sequence[Sequence[float]] | None = None,
) -> ScoreResult:
    """All statistics for every observed pair; fits the GPS prior unless ``prior`` is given."""
    drugs, events = _names(counts.drugs, "drug"), _names(counts.events, "event")
    n_strata = counts.stratum_names.num_rows
    totals = np.bincount(
        np.asarray(counts.strata["stratum"].to_numpy(), dtype=np.int64),
        weights=np.asarray(counts.strata["n"].to_numpy(), dtype=float),
        minlength=n_strata,
    )
    dmat = _matrix(counts.drug_str, "drug", len(drugs), n_strata)
    emat = _matrix(counts.event_str, "event", len(events), n_strata)
    pairs = counts.pairs.sort_by([("drug", "ascending"), ("event", "ascending")])
    di = np.asarray(pairs["drug"].to_numpy(), dtype=np.int64)
    ei = np.asarray(pairs["event"].to_numpy(), dtype=np.int64)
    n = np.asarray(pairs["n"].to_numpy(), dtype=float)
    n_drug, n_event, n_total = dmat.sum(1)[di], emat.sum(1)[ei], float(totals.sum())
    e, disp = _expected_and_disproportionality(di, ei, dmat, emat, totals, n, n_drug, n_event)
    fit = None
    if prior is None:
        data = auto_squash(unsquashed(n, e))
        if likelihood == "all_cells":
            data = combine(data, _zero_cells(dmat, emat, totals, e))
        fit = fit_prior(data, likelihood=likelihood, starts=starts)
        prior = fit.prior
    post = _posterior(prior, n, e)
    base = {
        "drug": drugs.take(pa.array(di)),
        "event": events.take(pa.array(ei)),
        "n": n,
        "expected": e,
    }
    extra = {"n_drug": n_drug, "n_event": n_event, "n_reports": np.full(n.size, n_total)}
    columns = _columns(base, extra, disp, post)
    return ScoreResult(
        table=pa.table(columns),
        prior=prior,
        fit=fit,
        n_reports=int(n_total),
        n_strata=n_strata,
        likelihood=likelihood if fit is not None else "given",
    )

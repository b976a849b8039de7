"""Frequentist and Bayesian disproportionality statistics for drug-event 2x2 tables.

For a drug-event pair, with ``N`` reports in all::

                 event      other events
    drug           a             b          n1. = a + b
    other drugs    c             d
                 n.1 = a + c                N

- PRR = (a / (a + b)) / (c / (c + d)); 95 % CI exp(log PRR +- z sqrt(1/a - 1/(a+b) + 1/c - 1/(c+d)))
  (Evans, Waller & Davis 2001, Pharmacoepidemiol Drug Saf 10:483-6).
- ROR = a d / (b c); CI exp(log ROR +- z sqrt(1/a + 1/b + 1/c + 1/d)) (van Puijenbroek 2002).
- chi2 = N (a d - b c)^2 / (n1. n0. n.1 n.0); Yates: N (|a d - b c| - N / 2)^2 / (same).
- IC = log2((a + 0.5) / (E + 0.5)) with credibility interval from Gamma(a + 0.5, E + 0.5)
  (Norén, Hopstadius & Bate 2013, Stat Methods Med Res 22:57-69).  ``E`` may be stratified.
- BCPNN (Bate 1998) with Gould's (2003) exact posterior mean and variance of IC and a normal
  lower bound, as PhViD's ``BCPNN(MC = FALSE)``.

Counts are taken as given: openEBGM counts unique reports; PhViD counts pairs
(:func:`margins_from_pair_counts`).  Signal rules: :func:`signal_flags`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Disproportionality:
    """Per-pair statistics (arrays of equal length).  Undefined values are ``nan``/``inf``."""

    n: FloatArray
    expected: FloatArray
    prr: FloatArray
    prr_ci_low: FloatArray
    prr_ci_high: FloatArray
    chi2: FloatArray
    chi2_yates: FloatArray
    ror: FloatArray
    ror_ci_low: FloatArray
    ror_ci_high: FloatArray
    ic: FloatArray
    ic025: FloatArray
    ic975: FloatArray


@dataclass(frozen=True)
class BCPNN:
    """Gould's exact posterior mean/variance of IC (log2) and the normal 2.5 % lower bound."""

    ic_mean: FloatArray
    ic_var: FloatArray
    ic025: FloatArray


@dataclass(frozen=True)
class PairMargins:
    """Margins under PhViD's pair-counting convention: sums of ``n11`` over rows / columns."""

    n1_: FloatArray
    n_1: FloatArray
    n_total: float
    expected: FloatArray


def _tables(
    n11: ArrayLike, n1_: ArrayLike, n_1: ArrayLike, n_total: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    a = np.asarray(n11, dtype=float)
    row = np.asarray(n1_, dtype=float)
    col = np.asarray(n_1, dtype=float)
    tot = np.broadcast_to(np.asarray(n_total, dtype=float), a.shape)
    if row.shape != a.shape or col.shape != a.shape:
        raise ValueError("n11, n1_ and n_1 must have the same shape")
    b, c = row - a, col - a
    d = tot - row - col + a
    if np.any(a < 0) or np.any(b < 0) or np.any(c < 0) or np.any(d < 0):
        raise ValueError(
            "inconsistent counts: need 0 <= n11 <= n1_, n_1 and n1_ + n_1 - n11 <= N "
            "(are the margins counted the same way as n11?)"
        )
    return a, b, c, d


def disproportionality(
    n11: ArrayLike,
    n1_: ArrayLike,
    n_1: ArrayLike,
    n_total: ArrayLike,
    expected: ArrayLike | None = None,
    *,
    level: float = 0.95,
) -> Disproportionality:
    """PRR, ROR (with CIs), chi-square (plain and Yates) and Norén's shrunk IC for every pair.

    Parameters
    ----------
    n11 : reports with the drug and the event (``a``).
    n1_ : reports with the drug; ``n_1``: reports with the event; ``n_total``: all reports.
    expected : expected ``a`` for the IC (stratified if wanted); default ``n1_ n_1 / N``.
    level : two-sided level of the intervals.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    a, b, c, d = _tables(n11, n1_, n_1, n_total)
    tot = a + b + c + d
    e = (a + b) * (a + c) / tot if expected is None else np.asarray(expected, float)
    if e.shape != a.shape or np.any(e < 0):
        raise ValueError("expected must be >= 0 and have one value per pair")
    z = float(special.ndtri(0.5 + level / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        prr = (a / (a + b)) / (c / (c + d))
        se_prr = np.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
        ror = (a * d) / (b * c)
        se_ror = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        denom = (a + b) * (c + d) * (a + c) * (b + d)
        diff = np.abs(a * d - b * c)
        chi2 = tot * diff**2 / denom
        chi2_yates = tot * np.maximum(diff - tot / 2, 0) ** 2 / denom
        tail = (1 - level) / 2
        ic = np.log2((a + 0.5) / (e + 0.5))
        ic_lo = np.log2(_per_count(special.gammaincinv, a + 0.5, tail) / (e + 0.5))
        ic_hi = np.log2(_per_count(special.gammaincinv, a + 0.5, 1 - tail) / (e + 0.5))
        return Disproportionality(
            n=a,
            expected=e,
            prr=prr,
            prr_ci_low=prr * np.exp(-z * se_prr),
            prr_ci_high=prr * np.exp(z * se_prr),
            chi2=chi2,
            chi2_yates=chi2_yates,
            ror=ror,
            ror_ci_low=ror * np.exp(-z * se_ror),
            ror_ci_high=ror * np.exp(z * se_ror),
            ic=ic,
            ic025=ic_lo,
            ic975=ic_hi,
        )


def _per_count(func: Any, shape: FloatArray, prob: float) -> FloatArray:
    """``func(shape, prob)`` evaluated once per distinct shape (counts repeat: a few thousand
    distinct values among millions of pairs), then spread back; identical values."""
    values, inverse = np.unique(shape, return_inverse=True)
    return np.asarray(func(values, prob), dtype=float)[inverse].reshape(shape.shape)


def bcpnn_gould(n11: ArrayLike, n1_: ArrayLike, n_1: ArrayLike, n_total: float) -> BCPNN:
    """BCPNN information component with Gould's exact moments (PhViD ``BCPNN``, ``MC = FALSE``).

    With ``p1 = 1 + n1.``, ``p2 = 1 + N - n1.``, ``q1 = 1 + n.1``, ``q2 = 1 + N - n.1``,
    ``r1 = 1 + n11`` and ``r2 = N - n11 - 1 + (2 + N)^2 / (q1 p1)``:
    ``E[IC] = (psi(r1) - psi(r1 + r2) - psi(p1) + psi(p1 + p2) - psi(q1) + psi(q1 + q2)) / log 2``
    and ``V[IC] = (psi'(r1) - psi'(r1 + r2) + psi'(p1) - psi'(p1 + p2) + psi'(q1) - psi'(q1 + q2))
    / log(2)^2``; lower bound ``E - 1.96 sqrt(V)`` (Gould 2003, Pharmacoepidemiol Drug Saf 12:559).
    """
    a, _, _, _ = _tables(n11, n1_, n_1, n_total)
    row = np.asarray(n1_, float)
    col = np.asarray(n_1, float)
    p1, p2 = 1 + row, 1 + n_total - row
    q1, q2 = 1 + col, 1 + n_total - col
    r1 = 1 + a
    r2 = n_total - a - 1 + (2 + n_total) ** 2 / (q1 * p1)
    dg, tg = special.digamma, special.polygamma
    mean = (dg(r1) - dg(r1 + r2) - (dg(p1) - dg(p1 + p2) + dg(q1) - dg(q1 + q2))) / np.log(2)
    var = (
        tg(1, r1) - tg(1, r1 + r2) + (tg(1, p1) - tg(1, p1 + p2) + tg(1, q1) - tg(1, q1 + q2))
    ) / np.log(2) ** 2
    return BCPNN(ic_mean=mean, ic_var=var, ic025=mean + special.ndtri(0.025) * np.sqrt(var))


def margins_from_pair_counts(
    drug_codes: ArrayLike, event_codes: ArrayLike, n11: ArrayLike
) -> PairMargins:
    """PhViD's convention: ``n1.`` and ``n.1`` are sums of ``n11``; ``N`` is the sum of all ``n11``.

    ``drug_codes`` / ``event_codes`` are integer codes (0..k-1) of each pair's drug and event.
    """
    drug = np.asarray(drug_codes, dtype=np.int64)
    event = np.asarray(event_codes, dtype=np.int64)
    counts = np.asarray(n11, dtype=float)
    if not drug.shape == event.shape == counts.shape:
        raise ValueError("drug_codes, event_codes and n11 must have the same length")
    if drug.size and (drug.min() < 0 or event.min() < 0):
        raise ValueError("codes must be non-negative integers")
    row = np.asarray(np.bincount(drug, weights=counts)[drug], dtype=float)
    col = np.asarray(np.bincount(event, weights=counts)[event], dtype=float)
    total = float(counts.sum())
    return PairMargins(n1_=row, n_1=col, n_total=total, expected=row * col / total)


def signal_flags(
    res: Disproportionality, eb05: ArrayLike | None = None
) -> dict[str, NDArray[np.bool_]]:
    """The usual signal rules, side by side (``nan`` never signals).

    - ``evans``: PRR >= 2, Yates chi2 >= 4 and n >= 3 (Evans et al. 2001);
    - ``ror025``: lower 95 % limit of ROR > 1 (van Puijenbroek et al. 2002);
    - ``ic025``: lower limit of IC > 0 (Norén et al. 2013);
    - ``eb05``: EB05 >= 2 (Szarfman, Machado & O'Neill 2002).
    """
    with np.errstate(invalid="ignore"):
        flags = {
            "evans": (res.prr >= 2) & (res.chi2_yates >= 4) & (res.n >= 3),
            "ror025": res.ror_ci_low > 1,
            "ic025": res.ic025 > 0,
        }
        if eb05 is not None:
            flags["eb05"] = np.asarray(eb05, dtype=float) >= 2
    return flags


def expected_counts(
    drug_idx: ArrayLike,
    event_idx: ArrayLike,
    drug_margins: ArrayLike,
    event_margins: ArrayLike,
    stratum_totals: ArrayLike,
    *,
    chunk_cells: int = 4_000_000,
) -> FloatArray:
    """Stratified expected counts ``E_ij = sum_s n_is n_js / N_s`` (DuMouchel 1999, eq. 2).

    ``drug_margins`` is ``drugs x strata`` (reports with the drug in each stratum),
    ``event_margins`` is ``events x strata``, ``stratum_totals`` the reports per stratum;
    ``drug_idx`` / ``event_idx`` pick the pairs.  Computed in chunks of about ``chunk_cells``.
    """
    d = np.atleast_2d(np.asarray(drug_margins, dtype=float))
    v = np.atleast_2d(np.asarray(event_margins, dtype=float))
    tot = np.asarray(stratum_totals, dtype=float).ravel()
    if d.shape[1] != tot.size or v.shape[1] != tot.size:
        raise ValueError("drug and event margins need one column per stratum")
    if np.any(tot < 0):
        raise ValueError("stratum totals must not be negative")
    empty = tot == 0  # a stratum with no report contributes nothing (its margins are 0 too)
    if np.any(empty):
        if np.any(d[:, empty]) or np.any(v[:, empty]):
            raise ValueError("a stratum with no report cannot have drug or event margins")
        d, v, tot = d[:, ~empty], v[:, ~empty], tot[~empty]
        if tot.size == 0:
            raise ValueError("no reports in any stratum")
    di = np.asarray(drug_idx, dtype=np.int64)
    ei = np.asarray(event_idx, dtype=np.int64)
    if tot.size == 1:
        return np.asarray(d[di, 0] * v[ei, 0] / tot[0], dtype=float)
    scaled = v / tot
    out = np.empty(di.size)
    step = max(chunk_cells // tot.size, 1)
    for start in range(0, di.size, step):
        sl = slice(start, start + step)
        out[sl] = np.einsum("ij,ij->i", d[di[sl]], scaled[ei[sl]])
    return out

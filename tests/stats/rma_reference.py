"""Shared helpers for the metafor reference tests (reads validation/metafor/ref_rma.json)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from immunograde.stats.rma import RmaResult

REF_PATH = Path(__file__).resolve().parents[2] / "validation" / "metafor" / "ref_rma.json"
CLOSED_FORM = ("FE", "DL", "HE", "HS", "HSk", "SJ")

#: metafor field -> RmaResult attribute
FIELDS = {
    "b": "estimate", "se": "se", "zval": "statistic", "pval": "p_value", "ci.lb": "ci_low",
    "ci.ub": "ci_high", "pi.lb": "pi_low", "pi.ub": "pi_high", "tau2": "tau2",
    "se.tau2": "se_tau2", "I2": "i2", "H2": "h2", "QE": "q", "QEp": "q_p", "QM": "qm", "QMp": "qm_p",
}  # fmt: skip
BETA_FIELDS = {"b": "beta", "se": "se_beta", "zval": "statistic_beta", "pval": "p_beta",
               "ci.lb": "ci_low_beta", "ci.ub": "ci_high_beta"}  # fmt: skip


@cache
def reference() -> dict[str, Any]:
    return json.loads(REF_PATH.read_text(encoding="utf-8"))


def arr(x: Any) -> np.ndarray:
    return np.array(
        [np.nan if v is None else v for v in (x if isinstance(x, list) else [x])], dtype=float
    )


def rel_diff(mine: Any, ref: Any, floor: float = 1e-300) -> float:
    """Largest relative difference (NaN/None must match exactly)."""
    a, b = arr(np.atleast_1d(mine).tolist()), arr(ref)
    assert a.shape == b.shape, (a, b)
    assert np.array_equal(np.isnan(a), np.isnan(b)), (a, b)
    ok = ~np.isnan(b)
    if not ok.any():
        return 0.0
    d = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), floor)
    return float(d.max())


P_VALUES = ("pval", "QEp", "QMp")


def log_p_diff(mine: Any, ref: Any) -> float:
    """p-values are compared as ``|log p - log p_ref| / max(1, |log p_ref|)``.

    A p-value far in the tail (``p = 1e-40``) amplifies the relative rounding of its statistic by
    about ``statistic^2 / 2``, so a plain relative difference would measure the tail, not us; on
    the log scale the comparison is as strict as for the statistic itself (and absolute near 1).
    """
    a, b = arr(np.atleast_1d(mine).tolist()), arr(ref)
    assert np.array_equal(np.isnan(a), np.isnan(b)), (a, b)
    ok = ~np.isnan(b)
    if not ok.any():
        return 0.0
    a, b = a[ok], b[ok]
    same = a == b  # p = 0 from both (e.g. the raw-correlation FE fit of dat.mcdaniel1994): agreed
    with np.errstate(divide="ignore", invalid="ignore"):
        la, lb = np.log(a), np.log(b)
        d = np.where(same, 0.0, np.abs(la - lb) / np.maximum(1.0, np.abs(lb)))
    return float(np.max(np.nan_to_num(d, nan=np.inf)))  # one p = 0, the other not: infinitely off


def compare(res: RmaResult, ref: dict[str, Any], *, mods: bool = False) -> dict[str, float]:
    """Difference of every field metafor reported (relative; p-values on the log scale)."""
    out = {}
    for key, val in ref.items():
        if key == "k":
            assert res.k == val or [res.k] == val
            continue
        attr = BETA_FIELDS.get(key, FIELDS[key]) if mods else FIELDS[key]
        fn = log_p_diff if key in P_VALUES else rel_diff
        out[key] = fn(getattr(res, attr), val)
    return out

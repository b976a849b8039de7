"""A CSV in metafor's columns, read and pooled: shared by ``immunograde meta`` and the web workbench.

Columns (metafor's names): ``study`` (optional label), ``year`` (optional), and one complete input form per
row — binary ``ai, n1i, ci, n2i`` or ``ai, bi, ci, di``; continuous ``m1i, sd1i, n1i, m2i, sd2i, n2i``;
generic ``yi, vi`` or ``yi, sei``; reported estimate ``estimate, ci_low, ci_high`` (ratio measures on the
natural scale, e.g. hazard ratios).  Other columns are kept as text (grouping columns for ``--by``).
Every problem is reported at once with its line (header = line 1) and column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from immunograde.errors import InputError, Problem
from immunograde.ingest.csv_outcomes import COUNTS, FORMS, NON_NEGATIVE, NUMERIC, form_of
from immunograde.stats.escalc import EffectSizes, escalc, from_ci

MAX_PROBLEMS = 50
RATIO = frozenset({"OR", "RR", "PETO", "ROM", "HR", "IRR"})
MEASURES_BY_FORM = {
    "binary": ("OR", "RR", "RD", "PETO", "AS"),
    "continuous": ("MD", "SMD", "ROM"),
    "generic": ("GEN", "OR", "RR", "HR", "MD", "SMD", "RD"),
    "estimate": ("HR", "OR", "RR", "MD", "RD", "GEN"),
}


@dataclass(frozen=True)
class MetaforTable:
    """The parsed CSV: study labels, one form for all rows, numeric columns and extra text columns."""

    label: str
    form: str
    study: list[str]
    year: list[int | None]
    numbers: dict[str, NDArray[np.float64]]
    extra: dict[str, list[str]]
    lines: list[int]

    @property
    def k(self) -> int:
        return len(self.study)


def _number(text: str, col: str, line: int, label: str, problems: list[Problem]) -> float:
    text = text.strip()
    if text == "" or text.upper() == "NA":
        return float("nan")
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(f"not a number: {text!r}", label, line, col))
        return float("nan")
    if col in NON_NEGATIVE and value < 0:
        problems.append(Problem(f"must not be negative: {text}", label, line, col))
    elif col in COUNTS and not value.is_integer():
        problems.append(Problem(f"a count must be a whole number: {text}", label, line, col))
    return value


def _row_checks(v: dict[str, float], line: int, label: str, problems: list[Problem]) -> str | None:
    present = {k: (None if np.isnan(x) else x) for k, x in v.items()}
    form = form_of(present)
    if form is None:
        problems.append(
            Problem(f"no complete set of outcome columns; need one of {FORMS}", label, line)
        )
        return None
    for a, n in (("ai", "n1i"), ("ci", "n2i"), ("bi", "n1i"), ("di", "n2i")):
        if (
            form == "binary"
            and present.get(a) is not None
            and present.get(n) is not None
            and v[a] > v[n]
        ):
            problems.append(
                Problem(f"{a} ({v[a]:g}) is larger than {n} ({v[n]:g})", label, line, a)
            )
    if form == "estimate" and not v["ci_low"] <= v["estimate"] <= v["ci_high"]:
        problems.append(
            Problem("estimate is not inside [ci_low, ci_high]", label, line, "estimate")
        )
    if form == "generic" and present.get("vi") is not None and v["vi"] == 0:
        problems.append(
            Problem("a sampling variance of 0 gives the study infinite weight", label, line, "vi")
        )
    return form


HEADER_FORMS = (
    ("ai", "n1i", "ci", "n2i"),
    ("ai", "bi", "ci", "di"),
    ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),
    ("yi", "vi"),
    ("yi", "sei"),
    ("estimate", "ci_low", "ci_high"),
)


def _check_header(header: list[str], label: str) -> None:
    """One clear line when no input form is complete in the header, naming what is missing."""
    if any(set(f) <= set(header) for f in HEADER_FORMS):
        return
    closest = max(HEADER_FORMS, key=lambda f: (len(set(f) & set(header)), -len(f)))
    missing = [c for c in closest if c not in header]
    raise InputError.one(
        f"missing column(s) {', '.join(missing)} for the form {','.join(closest)}; need one of {FORMS}",
        file=label, line=1, field=missing[0],
    )  # fmt: skip


def read_metafor_csv(text: str, label: str, *, max_rows: int | None = None) -> MetaforTable:
    """Parse and validate ``text``; raise :class:`InputError` listing every problem."""
    if not text.strip():
        raise InputError.one(
            "empty input: expected a header row with metafor's column names", file=label, line=1
        )
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [f.strip() for f in reader.fieldnames or []]
    if not any(c in NUMERIC for c in header):
        raise InputError.one(
            f"no outcome columns in the header; need one of {FORMS}", file=label, line=1
        )
    problems: list[Problem] = []
    numbers: dict[str, list[float]] = {c: [] for c in NUMERIC if c in header}
    extra: dict[str, list[str]] = {
        c: [] for c in header if c not in NUMERIC and c not in ("study", "year")
    }
    study, year, lines, forms = [], [], [], set()
    for i, raw in enumerate(reader, 1):
        line = reader.line_num
        row = {(k or "").strip(): (x or "") for k, x in raw.items()}
        before = len(problems)
        v = {c: _number(row.get(c, ""), c, line, label, problems) for c in numbers}
        if len(problems) == before:  # a cell already reported makes the row's form moot
            forms.add(
                _row_checks({c: v.get(c, float("nan")) for c in NUMERIC}, line, label, problems)
            )
        for c in numbers:
            numbers[c].append(v[c])
        for c in extra:
            extra[c].append(row.get(c, "").strip())
        y = row.get("year", "").strip()
        year.append(int(y) if y.isdigit() else None)
        study.append(row.get("study", "").strip() or f"Study {i}")
        lines.append(line)
        if len(problems) >= MAX_PROBLEMS or (max_rows is not None and i > max_rows):
            break
    if max_rows is not None and len(study) > max_rows:
        raise InputError.one(
            f"more than {max_rows} rows; use the command line for larger analyses", file=label
        )
    if problems:
        raise InputError(problems)
    if not study:
        raise InputError.one("no data rows under the header (k = 0)", file=label, line=2)
    forms.discard(None)
    if len(forms) > 1:
        raise InputError.one(
            f"rows mix input forms ({', '.join(sorted(str(f) for f in forms))}); use one",
            file=label,
        )
    arrays = {c: np.asarray(x, dtype=float) for c, x in numbers.items()}
    return MetaforTable(label, str(forms.pop()), study, year, arrays, extra, lines)


def effect_sizes(table: MetaforTable, measure: str) -> EffectSizes:
    """``escalc`` for the table's form (or ``from_ci`` for reported estimates)."""
    measure = measure.upper()
    allowed = MEASURES_BY_FORM[table.form]
    if measure not in allowed:
        raise InputError.one(
            f"measure {measure} does not fit {table.form} data; choose one of {', '.join(allowed)}",
            file=table.label, field="measure",
        )  # fmt: skip
    n = table.numbers
    try:
        if table.form == "estimate":
            return from_ci(n["estimate"], n["ci_low"], n["ci_high"], ratio=measure in RATIO)
        if table.form == "generic":
            cols: dict[str, Any] = {
                "yi": n["yi"],
                **(
                    {"vi": n["vi"]}
                    if "vi" in n and not np.isnan(n["vi"]).any()
                    else {"sei": n["sei"]}
                ),
            }
            return escalc("GEN", **cols)
        present: dict[str, Any] = {c: a for c, a in n.items() if not np.isnan(a).all()}
        return escalc(measure, **present)
    except ValueError as exc:
        raise InputError.one(str(exc), file=table.label) from None


def result_dict(fit: Any, measure: str) -> dict[str, Any]:
    """The JSON vocabulary of ``immunograde meta`` for a fitted model (analysis scale + ``*_exp``)."""
    keys = ("k", "method", "test", "estimate", "se", "statistic", "p_value", "ci_low", "ci_high",
            "pi_low", "pi_high", "tau2", "i2", "h2", "q", "q_p")  # fmt: skip
    out: dict[str, Any] = {"measure": measure}
    out.update({k: getattr(fit, k, None) for k in keys})
    if measure in RATIO:
        for k in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
            v = out.get(k)
            out[f"{k}_exp"] = None if v is None or not np.isfinite(v) else float(np.exp(v))
    return out

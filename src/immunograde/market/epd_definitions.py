"""Prescribing-measure definitions: reviewed data files in OpenPrescribing's format
(``src/immunograde/market/measures/*.json``, beside the code that runs them, as ``grading/rules.yaml`` is).

A measure is numerator / denominator, each the sum of one EPD quantity (``bnf_items`` -> items,
``bnf_quantity`` -> total quantity, ``bnf_cost`` -> actual cost) over the BNF codes its filters select.
Filter syntax (OpenPrescribing's): ``"0802020G0AA # comment"`` is a prefix, a full 15-character drug
code (11 for an appliance) an exact code, ``"1001030U0%AC"`` a SQL LIKE pattern; a leading ``~``
excludes; codes are kept when they match any inclusion and no exclusion.  Measures that need
OpenPrescribing's BigQuery views (``custom`` types, ``*_bnf_codes_query``) or practice list sizes are
refused with the field that asks for them.

Every file carries its review fields: the definition's own (``authored_by``, ``checked_by``,
``date_reviewed``, ``next_review``, as OpenPrescribing keeps them) and ours (``source``: where it was
copied from, ``extracted_by``, ``verified``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError

from immunograde.errors import N_, InputError, Msg, Problem
from immunograde.kb.model_base import Reviewed
from immunograde.kb.yamlio import line_of, load_yaml

#: measure type -> the EPD column summed (exact integers, see immunograde.ingest.epd)
COLUMNS = {"bnf_items": "items", "bnf_quantity": "total_quantity_e5", "bnf_cost": "actual_cost_e5"}
_FILTER = re.compile(r"^~?[0-9A-Z][0-9A-Z%_]*$")


class MeasureDefinition(Reviewed):
    """One measure file (OpenPrescribing's keys are kept; unknown ones are allowed)."""

    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = ""
    numerator_type: Literal["bnf_items", "bnf_quantity", "bnf_cost"]
    denominator_type: Literal["bnf_items", "bnf_quantity", "bnf_cost"]
    numerator_bnf_codes_filter: list[str] = Field(min_length=1)
    denominator_bnf_codes_filter: list[str] = Field(min_length=1)
    is_percentage: bool = False
    low_is_good: bool | None = None
    authored_by: str | None = None
    tags: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Measure:
    """A checked definition, ready for SQL."""

    id: str
    definition: MeasureDefinition
    file: str

    @property
    def numerator_column(self) -> str:
        return COLUMNS[self.definition.numerator_type]

    @property
    def denominator_column(self) -> str:
        return COLUMNS[self.definition.denominator_type]

    def review_due(self, today: dt.date) -> bool:
        return self.definition.next_review < today


def measures_dir() -> Path:
    return Path(__file__).parent / "measures"


def _codes(element: str) -> str:
    return element.split("#", 1)[0].strip()


def filter_sql(filters: list[str], column: str = "bnf_code") -> str:
    """The WHERE condition for a list of BNF-code filters (checked by :func:`load_measure`)."""
    include: list[str] = []
    exclude: list[str] = []
    for raw in filters:
        code = _codes(raw)
        target = exclude if code.startswith("~") else include
        code = code.lstrip("~")
        full = 15 if code[:2] <= "19" else 11  # drugs (chapters 01-19) vs appliances
        if "%" in code or "_" in code:
            target.append(f"{column} LIKE '{code}'")
        elif len(code) == full:
            target.append(f"{column} = '{code}'")
        else:
            target.append(f"{column} LIKE '{code}%'")
    where = f"({' OR '.join(include)})" if include else "TRUE"
    return where + (f" AND NOT ({' OR '.join(exclude)})" if exclude else "")


_UNSUPPORTED = {
    "numerator_bnf_codes_query": N_(
        "a BigQuery query: only numerator_bnf_codes_filter lists are supported"
    ),
    "denominator_bnf_codes_query": N_(
        "a BigQuery query: only denominator_bnf_codes_filter lists are supported"
    ),
    "numerator_from": N_(
        "OpenPrescribing's BigQuery views are not available: use numerator_bnf_codes_filter"
    ),
    "denominator_from": N_(
        "OpenPrescribing's BigQuery views are not available: use denominator_bnf_codes_filter"
    ),
}


def _problems(raw: Any, label: str) -> list[Problem]:
    out = []
    for key, why in _UNSUPPORTED.items():
        if isinstance(raw, dict) and key in raw:
            out.append(
                Problem(
                    Msg("not supported: %(why)s", why=Msg(why)), label, line_of(raw, [key], 1), key
                )
            )
    for side in ("numerator", "denominator"):
        key = f"{side}_bnf_codes_filter"
        for i, element in enumerate((raw or {}).get(key) or []):
            if not isinstance(element, str) or not _FILTER.match(_codes(element)):
                out.append(
                    Problem(
                        Msg("not a BNF code filter: %(element)s", element=repr(element)),
                        label,
                        line_of(raw, [key, i], 1),
                        f"{key}.{i}",
                    )
                )
    return out


def load_measure(path: Path) -> Measure:
    """One definition file; :class:`InputError` listing every problem (file, line, field)."""
    label = str(path)
    raw, problems = load_yaml(path, label)  # JSON is read as YAML, which gives line numbers
    if raw is not None and not isinstance(raw, dict):
        problems.append(Problem(Msg("expected a JSON object"), label, 1))
    problems += _problems(raw, label) if isinstance(raw, dict) else []
    if not problems:
        try:
            definition = MeasureDefinition.model_validate(dict(raw))
        except ValidationError as exc:
            for e in exc.errors():
                loc = [p for p in e["loc"] if isinstance(p, (str, int))]
                problems.append(
                    Problem(e["msg"], label, line_of(raw, loc, 1), ".".join(map(str, loc)) or None)
                )
    if problems:
        raise InputError(problems)
    return Measure(path.stem, definition, label)


def load_measures(folder: Path | None = None, only: list[str] | None = None) -> list[Measure]:
    """Every definition in ``folder`` (default: the shipped ``measures/``); all problems at once."""
    paths = sorted((folder or measures_dir()).glob("*.json"))
    measures, problems = [], []
    for path in paths:
        if only and path.stem not in only:
            continue
        try:
            measures.append(load_measure(path))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    if only and len(measures) != len(set(only)):
        missing = sorted(set(only) - {m.id for m in measures})
        raise InputError.one(
            Msg(
                "no measure %(measures)s in %(folder)s",
                measures=", ".join(missing),
                folder=folder or measures_dir(),
            ),
            field="--measure",
        )
    return measures

"""The evidence layer: the only door from the web, the API, the CLI, the dossier and the history to
numbers and grades.

One recipe per answer: outcome rows -> effect sizes -> pooled result -> GRADE -> verdict -> TSA ->
statement.  Re-exports only, resolved on first use (PEP 562): importing one module of the layer --
e.g. the meta-analysis behind ``immunograde meta`` -- does not import the whole appraisal stack.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from immunograde.evidence.question import Appraisal, appraise_question
    from immunograde.evidence.substance import (
        FormVerdict,
        SubstanceAppraisal,
        appraise_substance,
    )

_EXPORTS = {
    "Appraisal": "question",
    "appraise_question": "question",
    "FormVerdict": "substance",
    "SubstanceAppraisal": "substance",
    "appraise_substance": "substance",
}

__all__ = [
    "Appraisal",
    "FormVerdict",
    "SubstanceAppraisal",
    "appraise_question",
    "appraise_substance",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"immunograde.evidence.{module}"), name)

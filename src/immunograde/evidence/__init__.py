"""The evidence layer: the only door from the web, the API, the CLI, the dossier and the history to
numbers and grades.

One recipe per answer: outcome rows -> effect sizes -> pooled result -> GRADE -> verdict -> TSA ->
statement.  Re-exports only (no logic here).
"""

from immunograde.evidence.question import Appraisal, appraise_question
from immunograde.evidence.substance import FormVerdict, SubstanceAppraisal, appraise_substance

__all__ = [
    "Appraisal",
    "FormVerdict",
    "SubstanceAppraisal",
    "appraise_question",
    "appraise_substance",
]

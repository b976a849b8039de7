"""appraise layer: the use cases (question -> data -> stats -> grade).

Re-exports only (no logic here): :func:`appraise_question`, :func:`appraise_substance`.
"""

from immunograde.appraise.question import Appraisal, appraise_question
from immunograde.appraise.substance import FormVerdict, SubstanceAppraisal, appraise_substance

__all__ = [
    "Appraisal",
    "FormVerdict",
    "SubstanceAppraisal",
    "appraise_question",
    "appraise_substance",
]

"""The rules and GRADE's presentation helpers, as the surfaces read them.

The web and the command line read grading only through the evidence layer (``tests/test_layering.py``):
the reviewed rules (:func:`load_rules`, and :func:`rules_as_text` for the Methods page), the certainty
levels, the Summary-of-Findings renderers and headings, and the module whose labels the evidence profile
shows.  Nothing here computes an answer; :mod:`immunograde.evidence.answers` does.
"""

from __future__ import annotations

from immunograde.grading import profile
from immunograde.grading.config import (
    LEVELS,
    MethodsSection,
    Rules,
    data_sections_as_text,
    load_rules,
    rules_as_text,
    trial_effects_as_text,
)
from immunograde.grading.sof import HEADERS as SOF_HEADERS
from immunograde.grading.sof import to_csv as sof_csv
from immunograde.grading.sof import to_html as sof_html
from immunograde.grading.sof import to_markdown as sof_markdown
from immunograde.grading.verdict import UNKNOWN_VERDICTS

__all__ = [
    "LEVELS",
    "SOF_HEADERS",
    "UNKNOWN_VERDICTS",
    "MethodsSection",
    "Rules",
    "data_sections_as_text",
    "load_rules",
    "profile",
    "rules_as_text",
    "sof_csv",
    "sof_html",
    "sof_markdown",
    "trial_effects_as_text",
]

"""A trial's risk-of-bias domain reason (grading/rob_assessment.py: ImmunoGrade's own assessment from the
recorded design) in the reader's language, at render time: each reason that code writes is a fixed
phrase or one of four forms with a value (a share, an outcome, registry ids); a reason of another form
stays as written (the template marks it ``lang="en"``)."""

from __future__ import annotations

import re
from typing import Any

from immunograde.web import i18n

#: the fixed phrases (grading/rob_assessment.py _d1 ... _d5; ``{blinding}`` filled in with each value of
#: kb/model_base.py Blinding the code can reach there)
PHRASES = (
    "not randomised", "allocation concealment adequate", "allocation concealment inadequate",
    "allocation concealment not reported", "double-blind", "triple-blind",
    "single label: participants or carers aware", "open label: participants or carers aware",
    "blinding not recorded", "participants with outcome data not recorded",
    "double-blind outcome assessment", "triple-blind outcome assessment",
    "outcome objectivity not recorded and not double-blind", "subjective outcome assessed open label",
    "subjective outcome, blinding single", "subjective outcome, blinding unknown",
    "no registry record in the knowledge base",
)  # fmt: skip
FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^outcome data missing for (?P<pct>\d+%) of those randomised$"),
     "outcome data missing for %(pct)s of those randomised"),
    (re.compile(r"^objective outcome \((?P<outcome>.+)\): not influenced by knowing the allocation$"),
     "objective outcome (%(outcome)s): not influenced by knowing the allocation"),
    (re.compile(r"^registered \((?P<ids>[^()]+)\)$"), "registered (%(ids)s)"),
)  # fmt: skip


def translate(text: Any) -> Any:
    """Template filter ``rob_reason``: the reason in the reader's language when its form is known."""
    from immunograde.web import i18n_glossary

    if not isinstance(text, str) or i18n.current() == i18n.DEFAULT:
        return text
    if text in PHRASES:
        return i18n.gettext(f"risk of bias: {text}")
    for pattern, msgid in FORMS:
        found = pattern.match(text)
        if found:
            values = dict(found.groupdict())
            if "outcome" in values:
                values["outcome"] = str(i18n_glossary.outcome(values["outcome"]))
            return i18n.gettext(msgid) % values
    return text


def messages() -> list[tuple[str, str]]:
    """The catalogue's messages (msgid, comment)."""
    comment = "a trial's risk-of-bias domain, ImmunoGrade's own assessment (question page)"
    return [(f"risk of bias: {p}", comment) for p in PHRASES] + [(m, comment) for _p, m in FORMS]

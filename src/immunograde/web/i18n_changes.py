"""A recorded change of the evidence (the /changes page: evidence/history.py ``hist_changes`` rows) in
the reader's language: the field's name, its old and new values as the pages show them (certainty and
verdict labels, the TSA's conclusion, the estimate with its interval in the reader's notation) and the
cause (the trials added, removed or corrected).  The JSON twin keeps the rows' data and their English
``summary`` and ``cause``; English pages show those as they are."""

from __future__ import annotations

import re
from typing import Any

from immunograde.web import i18n

FIELDS = ("estimate", "certainty", "verdict", "tsa_conclusion")
CAUSES = (("trials_added", "added: %(trials)s"), ("trials_removed", "removed: %(trials)s"),
          ("trials_corrected", "corrected: %(trials)s"))  # fmt: skip
SAME_TRIALS = "re-analysis of the same trials (rules or data corrections)"
ESTIMATE = re.compile(r"^(?P<value>\S+) \((?P<low>\S+) to (?P<high>\S+)\)$")


def _value(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    text = str(value)
    if field == "certainty":
        return i18n.certainty_label(text)
    if field == "verdict":
        return i18n.verdict_label(text)
    if field == "tsa_conclusion":
        return str(i18n.tr(f"TSA: {text.replace('_', ' ')}"))
    found = ESTIMATE.match(text)
    if field == "estimate" and found:
        return i18n.estimate(found["value"], found["low"], found["high"])
    return i18n.localise_numbers(text)


def summary(c: dict[str, Any]) -> str:
    """Template filter ``change_summary``: "certainty: Low → Moderate" in the reader's language."""
    if i18n.current() == i18n.DEFAULT:
        return str(c.get("summary", ""))
    field = str(c.get("field"))
    name = i18n.gettext(f"change: {field}") if field in FIELDS else field
    return f"{name}: {_value(field, c.get('old'))} → {_value(field, c.get('new'))}"


def cause(c: dict[str, Any]) -> str:
    """Template filter ``change_cause``: the trials that caused the change, in the reader's language."""
    if i18n.current() == i18n.DEFAULT:
        return str(c.get("cause", ""))
    parts = [
        i18n.gettext(msgid) % {"trials": ", ".join(c[key])} for key, msgid in CAUSES if c.get(key)
    ]
    return "; ".join(parts) or i18n.gettext(SAME_TRIALS)


def messages() -> list[tuple[str, str]]:
    """The catalogue's messages (msgid, comment)."""
    out = [(f"change: {f}", "a tracked field on the 'What changed' page") for f in FIELDS]
    out += [(m, "the cause of a change (trial ids after the colon)") for _k, m in CAUSES]
    return [*out, (SAME_TRIALS, "the cause of a change when no trial changed")]

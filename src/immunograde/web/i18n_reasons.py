"""A GRADE domain judgement's reason (the Summary of Findings footnotes, the question page's domains) in
the reader's language, at render time.

The reasons are written in English by the grading code from a fixed set of sentence and clause forms
(web/i18n_reason_forms.py lists each with where it is written); each form found in a reason is put into
the catalogue's sentence with the same values, the values themselves in the reader's language where
they are words the pages know (what the CI crosses, the MID's source, routes and dose forms, outcomes,
the TSA's target and conclusion) and numbers in the reader's notation.  A reason with a part of no known
form keeps that part as written (the template marks a reason that is not translated at all
``lang="en"``); :func:`leftover` names such parts, and tests/web/test_reasons_ru.py runs it over every
question of a built knowledge base.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from immunograde.web import i18n
from immunograde.web.i18n_reason_forms import CROSSED, FORMS, LABELS

REASONS = FORMS
CROSSED_MSG = {c: f"crossed: {c}" for c in CROSSED}
LABEL_MSG = {label: f"trials at: {label}" for label in LABELS}
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
PUNCTUATION = re.compile(r"[\s.;:,]+")
TOP_COMMA = re.compile(r", (?![^()]*\))")  # a comma outside brackets: "oral, rectal syrup (A, B)"


def _crossed(value: str) -> str:
    names = [i18n.gettext(CROSSED_MSG[c]) for c in value.split(" and the ")]
    out = names[0]
    for more in names[1:]:
        out = i18n.gettext("%(first)s and %(second)s") % {"first": out, "second": more}
    return out


def _form(value: str) -> str:
    """ "rectal suppositories" (a trial's route and dose form, grading/indirectness.py) as the pages
    name a form: «ректально, суппозитории»."""
    from immunograde.web import i18n_glossary

    route, _, dose_form = value.partition(" ")
    words = str(i18n.tr("route not stated" if route == "?" else route.replace("_", " ")))
    return f"{words}, {i18n_glossary.form_detail(dose_form)}" if dose_form else words


def _value(name: str, value: str | None) -> str:
    from immunograde.web import i18n_glossary

    if value is None:
        return ""
    simple = {
        "crossed": _crossed,
        "target": i18n_glossary.tsa_target,
        "conclusion": lambda v: str(i18n.tr(f"TSA: {v}")),
        "label": lambda v: i18n.gettext(LABEL_MSG[v]),
        "outcome": lambda v: str(i18n_glossary.outcome(v)),
        "form": _form,
        "forms": lambda v: " / ".join(_form(f) for f in TOP_COMMA.split(v)),
        "names": lambda v: "; ".join(_pair(p) for p in v.split("; ")),
        "ids": lambda v: v,
    }
    if name in simple:
        return str(simple[name](value))
    if name == "b":
        return f" ({i18n.localise_numbers(value)})"
    if name == "re":
        return (
            " (" + i18n.gettext("from Q; %(re)s from the random-effects tau²") % {"re": value} + ")"
        )
    if name in ("shown", "source"):
        return _threshold(name, value)
    return i18n.localise_numbers(THOUSANDS.sub("\u00a0", value))  # 14,631 -> 14 631; 0.05 -> 0,05


def _pair(text: str) -> str:
    first, sep, second = text.partition(" vs ")
    if not sep:
        return text
    return i18n.gettext("%(first)s vs %(second)s") % {"first": first, "second": second}


def _threshold(name: str, value: str) -> str:
    """A threshold a target names ("a ratio of 0.75"; "sourced MID: ratio 0.9"), as the verdict's
    paragraph says it."""
    from immunograde.web import i18n_statements

    parts = (
        i18n_statements.translated_cells(i18n.current()).get("explanation", {}).get("no_benefit")
    )
    if not parts:
        return value
    if name == "shown":
        ratio = i18n_statements.SHOWN.match(value)
        return str(parts["ratio"].format(value=i18n.number(ratio["value"]))) if ratio else value
    for pattern, key in i18n_statements.SOURCES:
        found = pattern.match(value)
        if found:
            return str(
                parts[key].format(**{k: i18n.number(v) for k, v in found.groupdict().items()})
            )
    return value


def _sentence(msgid: str, found: re.Match[str]) -> str:
    values = {k: _value(k, v) for k, v in found.groupdict().items()}
    out = i18n.gettext(msgid) % values
    if found.group(0)[:1].isupper() and out[:1].islower():  # a clause that opens the reason
        out = out[0].upper() + out[1:]
    return out


def translate(text: Any) -> Any:
    """A reason in the reader's language, sentence by sentence and clause by clause (others as written)."""
    if not isinstance(text, str) or i18n.current() == i18n.DEFAULT:
        return text
    for pattern, msgid in REASONS:
        text = pattern.sub(partial(_sentence, msgid), text)
    return text


def leftover(text: str) -> str:
    """What of ``text`` is of no known form (empty when every sentence and clause is one)."""
    for pattern, _msgid in REASONS:
        text = pattern.sub(" ", text)
    return PUNCTUATION.sub(" ", text).strip()


def messages() -> list[tuple[str, str]]:
    """The catalogue's messages for the reasons (msgid, comment)."""
    out = [
        (msgid, "a GRADE domain's reason (Summary of Findings footnote)") for _p, msgid in REASONS
    ]
    out += [
        (m, "what the 95% CI crosses (after 'The 95% CI crosses')") for m in CROSSED_MSG.values()
    ]
    out += [
        (m, "the trials a risk-of-bias reason speaks of ('Trials at …')")
        for m in LABEL_MSG.values()
    ]
    out += [("%(first)s and %(second)s", "joins what the 95% CI crosses"),
            ("%(first)s vs %(second)s", "two trials whose CIs do not overlap (inconsistency reason)"),
            ("from Q; %(re)s from the random-effects tau²", "I² computed two ways (inconsistency reason)")]  # fmt: skip
    return out

"""Jinja2 templates (autoescaping on: data is always shown as text, never as markup)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from immunograde import __version__
from immunograde.evidence.rules import sof_html
from immunograde.jsonable import to_jsonable
from immunograde.web import (
    i18n,
    i18n_changes,
    i18n_glossary,
    i18n_notes,
    i18n_reasons,
    i18n_rob,
    i18n_sof,
    i18n_statements,
    i18n_terms,
)

TEMPLATES = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES))
env = templates.env
env.autoescape = True
env.globals["version"] = __version__
# gettext: `_()` and `{% trans %}` in the reader's language (web/i18n.py); newstyle means `%` is
# written `%%` in a message, and `{% trans %}` blocks are whitespace-trimmed as the extractor sees them
env.add_extension("jinja2.ext.i18n")
env.policies["ext.i18n.trimmed"] = True
env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
env.globals.update(lang=i18n.current, link=i18n.link, lang_field=i18n.lang_field,
                   lang_switch=i18n.switch, terms=i18n_terms.terms)  # fmt: skip


def _num(value: Any, digits: int = 2) -> str:
    """Template filter ``num``: a number with ``digits`` decimals, with the reader's decimal sign
    (``0.85`` / ``0,85``: :func:`immunograde.web.i18n.number`)."""
    if value is None:
        return "—"
    try:
        return i18n.number(float(value), f".{digits}f")
    except (TypeError, ValueError):
        return str(value)


def _count(value: Any) -> str:
    """Template filter ``count``: a whole number with the reader's digit grouping (``10,304`` /
    ``10 304``); ``None`` -> ``—``."""
    if value is None:
        return "—"
    try:
        return i18n.number(int(value), ",d")
    except (TypeError, ValueError):
        return str(value)


def _upper_first(value: Any) -> Any:
    """Template filter ``upper_first``: a sentence's first word with a capital (a Russian substance name
    is written in lower case inside a sentence: «тоцилизумаб»); the rest unchanged."""
    if not isinstance(value, str) or not value:
        return value
    out = value[:1].upper() + value[1:]
    return Markup(out) if isinstance(value, Markup) else out


def _tojson_attr(value: Any) -> Markup:
    """JSON for a data attribute / script block, with <, >, & escaped so it cannot close a tag."""
    text = json.dumps(to_jsonable(value), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


env.filters["num"] = _num
env.filters["jsonattr"] = _tojson_attr
env.filters["upper_first"] = _upper_first
env.filters["count"] = _count
env.filters["localise_numbers"] = i18n.localise_numbers
env.filters["tr"] = i18n.tr
env.filters["message"] = i18n.message  # a library message (errors.Msg) in the reader's language
env.filters["term"] = i18n.term
env.filters["certainty_label"] = i18n.certainty_label
env.filters["verdict_label"] = i18n.verdict_label
env.filters["sof"] = i18n_sof.translate
env.filters["sof_table"] = lambda row: sof_html([row]) if row is not None else Markup("")
env.filters["note"] = i18n_notes.substance_note
env.filters["without_paths"] = i18n_notes.without_paths
env.filters["statement"] = i18n_statements.translate
env.filters["explanation"] = i18n_statements.explanation
env.filters["indication"] = i18n_glossary.indication
env.filters["class_name"] = i18n_glossary.class_name
env.filters["substance_name"] = i18n_glossary.substance_name
env.filters["outcome"] = i18n_glossary.outcome
env.filters["time_point"] = i18n_glossary.time_point
env.filters["profile_detail"] = i18n_glossary.profile_detail
env.filters["design"] = i18n_glossary.design
env.filters["tsa_summary"] = i18n_glossary.tsa_summary
env.filters["trial_summary"] = i18n_glossary.trial_summary
env.filters["dose_form"] = i18n_glossary.dose_form
env.filters["agency"] = i18n_glossary.agency
env.filters["lang_of"] = i18n_glossary.lang_of
env.filters["as_written"] = i18n_statements.as_written
env.filters["subject_named"] = i18n_statements.subject_named
env.filters["routes"] = i18n_glossary.routes
env.filters["first_use"] = i18n_terms.first_use
env.filters["reason"] = i18n_reasons.translate
env.filters["rob_reason"] = i18n_rob.translate
env.filters["change_summary"] = i18n_changes.summary
env.filters["change_cause"] = i18n_changes.cause

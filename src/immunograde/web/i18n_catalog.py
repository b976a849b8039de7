"""What the catalogues must translate: the templates' marked strings and the data labels shown in pages.

Templates mark text with ``_()`` and ``{% trans %}`` (extracted with Jinja2's Babel extractor, trimmed as
the app renders them).  Data labels -- verdict and certainty labels from ``grading/rules.yaml``, the
market's certainty buckets -- stay English in the data and the JSON twins; the templates translate them
with the ``tr`` filter, so they are listed here from their one source.  ``tools/i18n.py update`` writes
``messages.pot`` and merges it into each language's ``.po``; a test fails on any entry without a Russian
translation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

from immunograde.web.i18n import DOMAIN, LOCALE_DIR

TEMPLATES = LOCALE_DIR.parent / "web" / "templates"
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true", "newstyle_gettext": "true"}


@dataclass(frozen=True)
class Entry:
    msgid: str | tuple[str, str]  # (singular, plural) for a plural message
    location: str
    comment: str = ""


def template_entries() -> Iterator[Entry]:
    """Every string the templates mark for translation."""
    found = extract_from_dir(
        str(TEMPLATES),
        method_map=[("**.html", "jinja2.ext:babel_extract")],
        options_map={"**.html": JINJA_OPTIONS},
    )
    for filename, _lineno, message, comments, _context in found:
        msgid = message if isinstance(message, str) else (message[0], message[1])
        yield Entry(msgid, f"templates/{filename}", " ".join(comments))


def data_entries() -> Iterator[Entry]:
    """Labels that come from reviewed data and are translated when shown (the ``tr`` filter)."""
    from immunograde.grading.config import load_rules
    from immunograde.market.verdicts import BUCKET_LABELS

    rules = load_rules()
    for key in rules.verdicts.order:
        yield Entry(rules.verdicts.labels[key], "grading/rules.yaml", f"verdict label: {key}")
    for key, level in rules.certainty_levels["levels"].items():
        yield Entry(level["label"], "grading/rules.yaml", f"certainty level label: {key}")
    yield Entry("not graded", "web/evidence.py", "certainty label when a question is not graded")
    for key, label in BUCKET_LABELS.items():
        yield Entry(label, "market/verdicts.py", f"market certainty bucket: {key}")


def template_catalog() -> Catalog:
    """The ``.pot``: every message, its locations (files only, no line numbers: fewer merge conflicts)."""
    catalog = Catalog(project="ImmunoGrade", domain=DOMAIN, charset="utf-8")
    for entry in (*template_entries(), *data_entries()):
        catalog.add(
            entry.msgid,
            locations=[(entry.location, 0)],
            auto_comments=[entry.comment] if entry.comment else [],
        )
    return catalog

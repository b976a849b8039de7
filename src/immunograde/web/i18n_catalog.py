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
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

from immunograde.web.i18n import DOMAIN, LOCALE_DIR

TEMPLATES = LOCALE_DIR.parent / "web" / "templates"
CLI = LOCALE_DIR.parent / "cli"
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true", "newstyle_gettext": "true"}


@dataclass(frozen=True)
class Entry:
    msgid: str | tuple[str, str]  # (singular, plural) for a plural message
    location: str
    comment: str = ""
    context: str | None = None  # pgettext's context: the same English word in another sense


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


def cli_entries() -> Iterator[Entry]:
    """Strings the command line marks with ``_()`` (``appraise --lang``)."""
    found = extract_from_dir(str(CLI), method_map=[("**.py", "python")])
    for filename, _lineno, message, comments, context in found:
        msgid = message if isinstance(message, str) else (message[0], message[1])
        yield Entry(msgid, f"cli/{filename}", " ".join(comments), context)


def library_entries() -> Iterator[Entry]:
    """Messages the library raises as ``Msg("...", name=value)`` (:class:`immunograde.errors.Msg`:
    problems of ``kb check``, ingest and input checks), translated where they are shown."""
    found = extract_from_dir(
        str(LOCALE_DIR.parent),
        method_map=[("web/templates/**", "ignore"), ("**.py", "python")],
        keywords={"Msg": None, "N_": None},
    )
    for filename, _lineno, message, comments, _context in found:
        if isinstance(message, str):
            yield Entry(message, filename, " ".join(comments) or "a library message (errors.Msg)")
    from immunograde.kb.pydantic_text import entries

    for msgid, comment in entries():
        yield Entry(msgid, "kb/pydantic_text.py", comment)


def data_entries() -> Iterator[Entry]:
    """Labels that come from reviewed data and are translated when shown (the ``tr`` filter)."""
    from immunograde.evidence.rules import load_rules
    from immunograde.market.verdicts import BUCKET_LABELS

    rules = load_rules()
    for key in rules.verdicts.order:
        yield Entry(rules.verdicts.labels[key], "grading/rules.yaml", f"verdict label: {key}")
    for key, level in rules.certainty_levels["levels"].items():
        yield Entry(level["label"], "grading/rules.yaml", f"certainty level label: {key}")
    yield Entry("not graded", "web/evidence.py", "certainty label when a question is not graded")
    yield Entry("no controlled evidence", "web/evidence.py", "a class member's verdict label")
    for key, label in BUCKET_LABELS.items():
        yield Entry(label, "market/verdicts.py", f"market certainty bucket: {key}")
    from immunograde.market.verdicts import RULE
    from immunograde.safety.store import LIMITS

    yield Entry(
        LIMITS, "safety/store.py", "what spontaneous reports can and cannot show (substance pages)"
    )
    yield Entry(
        RULE, "market/verdicts.py", "how a money figure is matched to a verdict (market pages)"
    )
    from immunograde.web.i18n_glossary import PROFILE_NOTES

    for _pattern, msgid in PROFILE_NOTES:
        yield Entry(msgid, "grading/profile.py", "evidence profile: the detail column's notes")
    from immunograde.web.i18n_glossary import CONTROLS, DESIGN_PARTS

    for part in DESIGN_PARTS:
        yield Entry(part, "web/evidence.py", "a trial's design (question page)")
    yield Entry("control: %(what)s", "web/evidence.py", "a trial's design: its control")
    from immunograde.web.i18n_glossary import TSA_CONCLUSIONS, TSA_SENTENCES, TSA_TARGETS

    for _pattern, msgid in TSA_SENTENCES:
        yield Entry(msgid, "evidence/tsa.py", "trial sequential analysis summary (question page)")
    for _pattern, msgid in TSA_TARGETS:
        yield Entry(msgid, "evidence/tsa.py", "what the TSA assumed (after 'Conclusion (')")
    for conclusion in TSA_CONCLUSIONS:
        yield Entry(
            f"TSA: {conclusion}", "evidence/tsa.py", "a TSA conclusion (after 'Conclusion:')"
        )
    from immunograde.web.i18n_glossary import reconcile_messages

    for msgid, comment in reconcile_messages():
        yield Entry(msgid, "grading/rules.yaml", comment)
    for control in CONTROLS:
        yield Entry(f"control {control}", "web/evidence.py", "a trial's control (after 'control:')")
    from immunograde.web.i18n_glossary import SUMMARY_MESSAGES

    yield Entry("%(first)s or %(second)s", "web/i18n_glossary.py", "routes: 'oral or rectal'")
    yield Entry(
        "another route",
        "web/i18n_glossary.py",
        "the route 'other' inside a form: 'X (another route)'",
    )
    for summary in SUMMARY_MESSAGES:
        yield Entry(summary, "evidence/known.py", "a trial's summary (substance page)")
    for label in dict.fromkeys(rules.natural_medicines["crosswalk"].values()):
        yield Entry(f"Natural Medicines: {label}", "grading/rules.yaml",
                    "Natural Medicines' effectiveness rating (shown beside the verdict)")  # fmt: skip
    yield Entry(f"Natural Medicines: {rules.natural_medicines['proven_without_regulator']}",
                "grading/rules.yaml", "Natural Medicines' effectiveness rating")  # fmt: skip
    from immunograde.market.query import NO_MARKET_DATA

    yield Entry(NO_MARKET_DATA, "market/query.py", "market section when no market data is imported")
    from immunograde.web import i18n_reasons, i18n_rob

    for msgid, comment in i18n_reasons.messages():
        yield Entry(msgid, "grading/*.py", comment)
    for msgid, comment in i18n_rob.messages():
        yield Entry(msgid, "grading/rob_assessment.py", comment)
    from immunograde.web import i18n_changes

    for msgid, comment in i18n_changes.messages():
        yield Entry(msgid, "evidence/history.py", comment)
    yield from vocabulary_entries()
    yield from profile_entries()
    yield from methods_entries()
    yield from workbench_entries()
    yield from sof_entries()
    yield from note_entries()
    yield from term_entries()
    yield from chart_entries()
    yield from experience_entries()


def vocabulary_entries() -> Iterator[Entry]:
    """Vocabulary keys the pages show as words (the ``term`` filter: ``not_submitted`` -> "not submitted")."""
    from typing import get_args

    from immunograde.kb import model_base as mb
    from immunograde.web.i18n_glossary import TRIAL_SUMMARY_WORDS

    seen: set[str] = set()
    vocabularies = {
        "route": mb.Route, "regulatory status": mb.RegStatus, "claimant": mb.ClaimantKind,
        "funding": mb.Funding, "risk of bias": mb.RobLevel, "outcome importance": mb.Importance,
        "trial status": mb.TrialStatus,
    }  # fmt: skip
    extra = {
        "form": ["route not stated"],
        "search hit": ["substance", "product", "class"],
        "profile answer": ["yes", "no", "unknown"],
        "review field": ["version", "written by", "reviewed by", "date reviewed", "next review"],
        "GRADE domain": ["risk of bias", "inconsistency", "indirectness", "imprecision",
                         "publication bias", "upgrading"],
        "trial summary (evidence/known.py)": list(TRIAL_SUMMARY_WORDS),
    }  # fmt: skip
    words = {
        name: [v.replace("_", " ") for v in get_args(lit)] for name, lit in vocabularies.items()
    }
    for name, values in {**words, **extra}.items():
        for value in values:
            if value not in seen:
                seen.add(value)
                yield Entry(value, "kb/model_base.py", f"vocabulary: {name}")


def profile_entries() -> Iterator[Entry]:
    """The evidence profile's questions (grading/profile.py states them as its answers' labels)."""
    import re

    from immunograde.evidence.rules import profile

    source = Path(profile.__file__).read_text(encoding="utf-8")
    for question in dict.fromkeys(re.findall(r'"(Is [^"]+\?)"', source)):
        yield Entry(question, "grading/profile.py", "evidence profile question")


def template_catalog() -> Catalog:
    """The ``.pot``: every message, its locations (files only, no line numbers: fewer merge conflicts)."""
    catalog = Catalog(project="ImmunoGrade", domain=DOMAIN, charset="utf-8")
    for entry in (*template_entries(), *cli_entries(), *library_entries(), *data_entries()):
        catalog.add(
            entry.msgid,
            locations=[(entry.location, 0)],
            auto_comments=[entry.comment] if entry.comment else [],
            context=entry.context,
        )
    return catalog


def methods_entries() -> Iterator[Entry]:
    """The Methods page's section titles and pooling paragraphs (the rationales stay in English)."""
    from immunograde.evidence.rules import (
        data_sections_as_text,
        load_rules,
        rules_as_text,
        trial_effects_as_text,
    )
    from immunograde.web.evidence import DOUBLE_ZERO_TEXT, POOLING_TEXT

    for section in (trial_effects_as_text(), *rules_as_text()):
        yield Entry(section.title, "grading/config.py", f"Methods section title: {section.key}")
    for data in data_sections_as_text():
        yield Entry(data.title, "grading/config.py", f"Methods section title: {data.key}")
    add = f"{load_rules().trial_effects.continuity_correction:g}"
    for policy, text in DOUBLE_ZERO_TEXT.items():  # both, so a change of policy stays translated
        yield Entry(
            text.format(add=add), "web/evidence.py", f"Methods: pooling (double_zero: {policy})"
        )
    for text in POOLING_TEXT:
        yield Entry(text, "web/evidence.py", "Methods: pooling")


def workbench_entries() -> Iterator[Entry]:
    """The workbench's plot titles and scale notes (web/workbench.py)."""
    from immunograde.web.workbench import PLOTS

    for _name, title in PLOTS:
        yield Entry(title, "web/workbench.py", "workbench plot title")
    for note in ("Ratio measures are pooled on the log scale; the table shows them back-transformed.",
                 "Estimates are on the measure's own scale."):  # fmt: skip
        yield Entry(note, "web/workbench.py", "workbench scale note (as written there)")


def sof_entries() -> Iterator[Entry]:
    """What the Summary-of-Findings filter replaces (web/i18n_sof.py)."""
    from immunograde.web import i18n_sof

    for msgid, comment in i18n_sof.entries():
        yield Entry(msgid, "web/i18n_sof.py", comment)


def note_entries() -> Iterator[Entry]:
    """Curators' notes in plain words (web/i18n_notes.py)."""
    from immunograde.web import i18n_notes

    for msgid, comment in i18n_notes.messages():
        yield Entry(msgid, "web/i18n_notes.py", comment)


def term_entries() -> Iterator[Entry]:
    """The technical terms' one-line explanations (web/i18n_terms.py)."""
    from immunograde.web import i18n_terms

    for msgid, comment in i18n_terms.messages():
        yield Entry(msgid, "web/i18n_terms.py", comment)


def chart_entries() -> Iterator[Entry]:
    """Chart titles the chart filter translates (web/i18n_charts.py)."""
    from immunograde.web import i18n_charts

    for msgid, comment in i18n_charts.entries():
        yield Entry(msgid, "web/i18n_charts.py", comment)


def experience_entries() -> Iterator[Entry]:
    """The experience page's explanation sentences (evidence/experience_text.py TEMPLATES)."""
    from immunograde.evidence.experience_text import TEMPLATES

    for key, template in TEMPLATES.items():
        yield Entry(template, "evidence/experience_text.py", f"experience explanation: {key}")
    from immunograde.web.experience_view import METHOD

    yield Entry(METHOD, "web/experience_view.py", "Methods: the natural course")

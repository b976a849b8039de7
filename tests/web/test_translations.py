"""Every string a page shows in English has a Russian translation in the catalogue.

The strings are found where they live: the templates' ``_()`` / ``{% trans %}`` (Jinja2's Babel
extractor) and the data labels the templates translate (verdict and certainty labels of
``grading/rules.yaml``, the market's certainty buckets).  Fuzzy entries count as missing: a changed
English string must be looked at again.  Plural messages need all three Russian forms.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from immunograde.web import i18n
from immunograde.web.i18n_catalog import (
    TEMPLATES,
    cli_entries,
    data_entries,
    library_entries,
    template_entries,
)


def _catalog(lang: str) -> Catalog:
    with i18n.po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang, domain=i18n.DOMAIN)


def _translated(catalog: Catalog, msgid: str | tuple[str, str], context: str | None = None) -> bool:
    message = catalog.get(msgid, context)
    if message is None or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return len(strings) == (catalog.num_plurals if isinstance(msgid, tuple) else 1) and all(strings)


def test_extraction_finds_the_templates_and_the_rules_labels() -> None:
    """The check cannot quietly shrink: it sees every template's strings and every label."""
    templates = list(template_entries())
    files = {e.location for e in templates}
    for page in ("base", "home", "search", "substance", "question", "map", "class", "classes",
                 "methods", "market", "market_unmapped", "workbench", "error", "changes",
                 "_sections", "_market", "_market_section", "report"):  # fmt: skip
        assert f"templates/{page}.html" in files, page
    assert {"cli/appraise_cmd.py"} <= {e.location for e in cli_entries()}
    labels = {e.msgid for e in data_entries()}
    assert {"proven benefit", "net harm", "High", "Very low"} <= labels


def test_every_message_has_a_russian_translation() -> None:
    ru = _catalog("ru")
    entries = (*template_entries(), *cli_entries(), *library_entries(), *data_entries())
    missing = [e for e in entries if not _translated(ru, e.msgid, e.context)]
    assert not missing, "no Russian translation (run `python tools/i18n.py update`, translate in " \
        f"{i18n.po_path('ru')}):\n" + "\n".join(f"  {e.location}: {e.msgid!r}" for e in missing)  # fmt: skip


def test_translations_keep_their_placeholders() -> None:
    """A Russian string uses exactly the named values its English one does (%(name)s)."""
    ru = _catalog("ru")
    placeholder = re.compile(r"%\((\w+)\)s")
    for message in ru:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(placeholder.findall(" ".join(ids)))
        for s in strings:
            assert set(placeholder.findall(s)) <= wanted | {"num"}, (message.id, s)
            if not isinstance(message.id, tuple):
                assert set(placeholder.findall(s)) == wanted, (message.id, s)


@pytest.mark.parametrize("lang", sorted(i18n.LANGUAGES))
def test_catalogues_compile(lang: str) -> None:
    i18n.translations.cache_clear()
    assert i18n.translations(lang).gettext("Search") == ("Найти" if lang == "ru" else "Search")


# Words a template may show untranslated: names, abbreviations and formats that read the same in Russian.
KEEP = {
    "ImmunoGrade",
    "ATC",
    "API",
    "JSON",
    "SVG",
    "PNG",
    "PDF",
    "CSV",
    "PRR",
    "IC025",
    "EBGM",
    "EB05",
    "EB95",
    "Knapp-Hartung",
    "tau",
    "HTML",
    "EU",
    "k",
    "p",
    "Q",
    "study",
}  # fmt: skip  (study: a metafor column name in the workbench placeholder)
VISIBLE_ATTRS = re.compile(r'\b(?:alt|title|placeholder|aria-label)="([^"{]*)"')


def _unmarked(source: str) -> list[str]:
    """Literal text a template shows that is neither marked for translation nor an allowed word."""
    text = re.sub(r"(?s)\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", " ", source)
    text = re.sub(r"(?s)\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", " ", text)
    text = re.sub(r"(?s)<(style|script|code)\b.*?</\1>", " ", text)
    shown = VISIBLE_ATTRS.findall(text)
    text = re.sub(r"(?s)<[^>]*>", " ", text)
    words = re.findall(r"[A-Za-z][A-Za-z'-]{2,}", " ".join([text, *shown]))
    return [w for w in words if w not in KEEP]


def test_no_unmarked_english_text_in_templates() -> None:
    """A new heading or sentence typed into a template without _() fails here, before a reader sees it."""
    found = {
        path.name: words
        for path in sorted(TEMPLATES.glob("*.html"))
        if (words := _unmarked(path.read_text(encoding="utf-8")))
    }
    assert not found, (
        f"English text not marked for translation (wrap it in _() or {{% trans %}}): {found}"
    )


def test_unmarked_text_check_sees_a_bare_heading() -> None:
    assert _unmarked("<h2>Adverse events</h2>") == ["Adverse", "events"]
    assert _unmarked("<h2>{{ _('Adverse events') }}</h2><code>study, ai</code>") == []
    assert _unmarked('<img alt="Forest plot" src="{{ x }}">') == ["Forest", "plot"]

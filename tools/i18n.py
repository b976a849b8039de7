"""Message catalogues: ``python tools/i18n.py update`` re-extracts the strings to translate and merges
them into ``src/immunograde/locale/<lang>/LC_MESSAGES/messages.po`` (new entries empty, changed ones
fuzzy, so the untranslated-string test fails until a translator has looked at them);
``python tools/i18n.py stats`` counts translated / fuzzy / missing entries per language.

The app compiles the ``.po`` files in memory when it starts (``immunograde.web.i18n``): no ``.mo`` step.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from immunograde.web.i18n import DEFAULT, DOMAIN, LANGUAGES, LOCALE_DIR, po_path
from immunograde.web.i18n_catalog import template_catalog


def _write(catalog: Catalog, path: Path, **kw: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        write_po(fh, catalog, width=100, include_lineno=False, sort_by_file=True, **kw)
    tmp.replace(path)


def help_catalog() -> Catalog:
    """:func:`template_catalog` and every command's help (``cli/help_ru.py``: the web layer may not import
    the command line, so the help is added here)."""
    from immunograde.cli.help_ru import help_entries

    template = template_catalog()
    seen: set[str] = set()
    for msgid, where in help_entries():
        if msgid not in seen:
            seen.add(msgid)
            template.add(msgid, locations=[("cli/help_ru.py", 0)], auto_comments=[f"help: {where}"])
    return template


def update() -> None:
    template = help_catalog()
    _write(template, LOCALE_DIR / f"{DOMAIN}.pot")
    for lang in LANGUAGES:
        path = po_path(lang)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang, domain=DOMAIN)
        else:
            catalog = Catalog(locale=lang, domain=DOMAIN, project="ImmunoGrade", charset="utf-8")
        catalog.update(
            template, no_fuzzy_matching=lang == DEFAULT
        )  # English: the msgids themselves
        if lang == DEFAULT:
            for message in catalog:
                if message.id:
                    message.flags.discard("fuzzy")
                    message.string = ("", "") if isinstance(message.id, tuple) else ""
        catalog.fuzzy = False  # the header: the file is in use, not a draft
        catalog.language_team = f"ImmunoGrade {LANGUAGES[lang]}"
        catalog.last_translator = "see the file's review notes (the first comment lines)"
        catalog.obsolete.clear()
        _write(catalog, path, ignore_obsolete=True)
        print(f"{path}: {len(catalog)} messages")


def stats() -> None:
    for lang in LANGUAGES:
        with po_path(lang).open("rb") as fh:
            catalog = read_po(fh, locale=lang, domain=DOMAIN)
        entries = [m for m in catalog if m.id]
        done = [
            m
            for m in entries
            if m.string
            and not m.fuzzy
            and all(m.string if isinstance(m.string, tuple) else [m.string])
        ]
        fuzzy = [m for m in entries if m.fuzzy]
        print(f"{lang}: {len(entries)} messages, {len(done)} translated, {len(fuzzy)} fuzzy")


if __name__ == "__main__":
    {"update": update, "stats": stats}[sys.argv[1] if len(sys.argv) > 1 else "update"]()

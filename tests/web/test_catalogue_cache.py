"""The compiled catalogue kept beside the ``.po`` (web/i18n.py load_catalogue): the same translations as
compiling the ``.po``, a damaged or stale cache file compiled again, an unwritable folder harmless."""

from __future__ import annotations

import shutil
import sys
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

from immunograde.web import i18n


@pytest.fixture
def po(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = tmp_path / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir()
    shutil.copy(i18n.po_path("ru"), path)
    return path


def cache_files(po: Path) -> list[Path]:
    return sorted((po.parent / "__pycache__").glob("messages.*.mo"))


def test_the_cached_catalogue_translates_every_message_as_babel_does(po: Path) -> None:
    babel = Translations(BytesIO(i18n.compile_po(po.read_bytes(), "ru")), domain=i18n.DOMAIN)
    first = i18n.load_catalogue(po, "ru")  # compiled, then saved
    assert len(cache_files(po)) == 1
    cached = i18n.load_catalogue(po, "ru")  # read from the cache
    with po.open("rb") as fh:
        catalog = read_po(fh, locale="ru")
    checked = 0
    for message in catalog:
        if not message.id:
            continue
        for n in (1, 2, 5):
            if isinstance(message.id, tuple):
                args: tuple = (*message.id, n)
                got = [t.npgettext(message.context, *args) if message.context else t.ngettext(*args)
                       for t in (babel, first, cached)]  # fmt: skip
            else:
                got = [t.pgettext(message.context, message.id) if message.context
                       else t.gettext(message.id) for t in (babel, first, cached)]  # fmt: skip
            assert got[0] == got[1] == got[2], message.id
            checked += 1
    assert checked > 3000
    assert cached.gettext("Usage:") == "Usage:"  # a msgid only in a context is not a plain one
    assert cached.pgettext("command-line help", "Usage:") == "Использование:"


def test_a_damaged_cache_file_is_compiled_again(po: Path) -> None:
    i18n.load_catalogue(po, "ru")
    (cached,) = cache_files(po)
    cached.write_bytes(b"\x00not a catalogue")
    assert i18n.load_catalogue(po, "ru").pgettext("command-line help", "Options") == "Параметры"
    assert cached.read_bytes().startswith((b"\xde\x12\x04\x95", b"\x95\x04\x12\xde"))  # .mo again


def test_a_changed_po_gets_a_new_cache_file(po: Path) -> None:
    i18n.load_catalogue(po, "ru")
    (before,) = cache_files(po)
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Параметры"', 'msgstr "Опции"'), encoding="utf-8")
    assert i18n.load_catalogue(po, "ru").pgettext("command-line help", "Options") == "Опции"
    (after,) = cache_files(po)  # the old one removed
    assert after != before


def test_an_unwritable_folder_only_costs_the_saving(po: Path) -> None:
    (po.parent / "__pycache__").write_text("a file where the folder would be")
    assert i18n.load_catalogue(po, "ru").pgettext("command-line help", "Options") == "Параметры"


def test_no_bytecode_writing_no_cache(po: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert i18n.load_catalogue(po, "ru").pgettext("command-line help", "Options") == "Параметры"
    assert cache_files(po) == []

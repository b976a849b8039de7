"""Indications and class names in the reader's language, from reviewed data
(``locale/<lang>/indications.yaml``, ``classes.yaml``, ``substances.yaml``).

An indication is the data's own text; it is shown translated only when that exact text has an entry,
otherwise as written; a class and a substance by their id.  The data and the JSON twins keep the English text.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from immunograde.web import i18n


@cache
def _glossary(lang: str, name: str) -> dict[str, str]:
    path = i18n.LOCALE_DIR / lang / f"{name}.yaml"
    if lang == i18n.DEFAULT or not path.exists():
        return {}
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return dict(data.get(name) or {})


def indications(lang: str) -> dict[str, str]:
    return _glossary(lang, "indications")


def class_names(lang: str) -> dict[str, str]:
    return _glossary(lang, "classes")


def substance_name(name: Any, substance_id: Any) -> Any:
    """Template filter ``substance_name(id)``: a substance's name in the reader's language, if known."""
    return _glossary(i18n.current(), "substances").get(str(substance_id), name)


def class_name(cls: Any) -> str:
    """Template filter ``class_name``: a class (id and name) by its name in the reader's language; the
    English ATC names written in capitals are shown capitalised."""
    get = cls.get if isinstance(cls, dict) else lambda k: getattr(cls, k, None)
    translated = class_names(i18n.current()).get(str(get("id")))
    if translated:
        return translated
    name = str(get("name") or get("id") or "")
    return name.capitalize() if name.isupper() else name


def indication(text: Any) -> Any:
    """Template filter ``indication``."""
    if not isinstance(text, str):
        return text
    return indications(i18n.current()).get(text, text)

"""Indications in the reader's language, from reviewed data (``locale/<lang>/indications.yaml``).

An indication is the data's own text; it is shown translated only when that exact text has an entry,
otherwise as written.  The data and the JSON twins keep the English text.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from immunograde.web import i18n


@cache
def indications(lang: str) -> dict[str, str]:
    path = i18n.LOCALE_DIR / lang / "indications.yaml"
    if lang == i18n.DEFAULT or not path.exists():
        return {}
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return dict(data.get("indications") or {})


def indication(text: Any) -> Any:
    """Template filter ``indication``."""
    if not isinstance(text, str):
        return text
    return indications(i18n.current()).get(text, text)

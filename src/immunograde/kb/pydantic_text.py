"""pydantic's validation messages ("Field required", "Input should be 'a' or 'b'") as
:class:`~immunograde.errors.Msg`, so ``kb check`` and the importers can show them in the reader's language.

Each error type listed in :data:`TYPES` is rebuilt from pydantic's own message template (``{name}``
becomes ``%(name)s``) and its context; the result is used only when it equals pydantic's English
exactly, so the English output never changes.  Other types keep pydantic's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic_core import PydanticKnownError

from immunograde.errors import Msg

#: the error types our models can raise whose text the catalogue translates
TYPES = (
    "missing", "extra_forbidden", "literal_error", "enum", "string_type", "int_type", "int_parsing",
    "int_from_float", "float_type", "float_parsing", "bool_type", "bool_parsing", "date_type",
    "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "list_type",
    "dict_type", "model_type", "model_attributes_type", "greater_than", "greater_than_equal",
    "less_than", "less_than_equal", "finite_number", "string_too_short", "string_too_long",
    "string_pattern_mismatch", "too_short", "too_long", "none_required", "tuple_type",
)  # fmt: skip
#: context values written into the msgid itself (their words would not translate as parameters)
FIXED = {"expected_plural": ("", "s"), "field_type": ("List",)}
#: the date parser's reasons (the ``error`` of the date types), translated inside their sentence
DATE_ERRORS = (
    "input is too short", "input is too long", "invalid character in year",
    "invalid character in month", "invalid character in day", "invalid date separator, expected `-`",
    "month value is outside expected range of 1-12", "day value is outside expected range",
    "invalid datetime separator, expected `T`, `t`, `_` or space",
    "unexpected extra characters at the end of the input",
)  # fmt: skip
_NAME = re.compile(r"\{(\w+)\}")
#: "'a', 'b' or 'c'": the last " or " of a list of choices (the catalogue's "%(first)s or %(second)s")
_CHOICES = re.compile(r"^(?P<first>'.*') or (?P<second>'[^']*')$", re.S)


def _msgid(template: str, ctx: Mapping[str, Any]) -> str:
    fixed = {k: str(ctx[k]) for k in FIXED if k in ctx}
    text = template.replace("%", "%%")
    return _NAME.sub(lambda m: fixed.get(m.group(1), f"%({m.group(1)})s"), text)


def _param(name: str, value: Any) -> Any:
    if name == "expected" and isinstance(value, str):
        choices = _CHOICES.match(value)
        if choices:
            return Msg("%(first)s or %(second)s", **choices.groupdict())
    if name == "error" and value in DATE_ERRORS:
        return Msg(value)
    return value if isinstance(value, str) else str(value)


def as_msg(err: Mapping[str, Any]) -> str:
    """One error of ``ValidationError.errors()`` as a :class:`Msg` equal to its ``msg``, if its type is
    listed and pydantic's template gives back the same English; else its ``msg`` as written."""
    text = str(err["msg"])
    if err["type"] not in TYPES:
        return text
    ctx = dict(err.get("ctx") or {})
    try:
        template = PydanticKnownError(err["type"], ctx or None).message_template
    except (TypeError, ValueError, KeyError):
        return text
    msgid = _msgid(template, ctx)
    names = set(re.findall(r"%\((\w+)\)s", msgid))
    if not names <= set(ctx):
        return text
    found = Msg(msgid, **{k: _param(k, ctx[k]) for k in names})
    return found if found == text else text


def error_text(err: Mapping[str, Any]) -> str:
    """The text of one pydantic error: a validator's own message without pydantic's "Value error, "
    (the :class:`Msg` it raised, if it raised one), else :func:`as_msg`."""
    if err["type"] != "value_error":
        return as_msg(err)
    text = str(err["msg"]).removeprefix("Value error, ")
    raised = (err.get("ctx") or {}).get("error")
    said = raised.args[0] if isinstance(raised, ValueError) and raised.args else None
    return said if isinstance(said, Msg) and said == text else text


def after_field(text: str, named: re.Match[str]) -> str:
    """What follows a validator's ``"field: "`` (``named``: group 1 the field, 2 the rest)."""
    prefix = named.group(1) + ": "
    if isinstance(text, Msg) and text.startswith(prefix):
        return text.without(prefix)
    return named.group(2)


def entries() -> Iterator[tuple[str, str]]:
    """(msgid, comment) for the catalogue: every listed type's message, each fixed variant (the
    templates from pydantic-core's list of its errors; only ``tools/i18n.py update`` reads it)."""
    from pydantic_core._pydantic_core import list_all_errors

    templates: dict[str, str] = {e["type"]: e["message_template_python"] for e in list_all_errors()}
    for kind in TYPES:
        template = templates[kind]
        variants: list[dict[str, str]] = [{}]
        for name in sorted(set(_NAME.findall(template)) & set(FIXED)):
            variants = [{**v, name: value} for v in variants for value in FIXED[name]]
        for ctx in variants:
            yield _msgid(template, ctx), f"pydantic's validation message: {kind}"
    for reason in DATE_ERRORS:
        yield reason, "pydantic's reason a date was not read (after 'Input should be a valid date')"

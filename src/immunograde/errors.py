"""User-facing errors: every problem a person can fix names where it is.

Layers above ``stats`` raise :class:`InputError` for bad input; the CLI and the web turn it into one
clear line (or a JSON body) and a documented exit code, never a traceback.  ``stats`` itself raises
plain ``ValueError`` (it imports nothing from the project).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def _same(value: Any) -> Any:
    return value


def N_(msgid: str) -> str:
    """Marks a msgid for the catalogue where it is written apart from its :class:`Msg` (a table of
    messages); returns it unchanged."""
    return msgid


class Msg(str):
    """A message in English that remembers its catalogue msgid and parameters, so the surfaces can show
    it in the reader's language (``web/i18n.py message``) while everything else -- JSON, logs, the
    English output -- keeps the English text it is equal to.

    ``Msg("unknown substance %(value)s", value="'x'")`` is the string ``"unknown substance 'x'"``.  The
    msgid is a literal the catalogue extracts (``tools/i18n.py update`` reads every ``Msg("...")`` under
    ``src/immunograde``); a parameter may itself be a ``Msg`` (translated too) or any value.
    """

    msgid: str
    params: dict[str, Any]
    prefix: str = ""  #: English text cut from the front (:meth:`without`)

    def __new__(cls, msgid: str, /, **params: Any) -> Msg:
        self = super().__new__(cls, msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params
        return self

    def without(self, prefix: str) -> Msg:
        """The message after ``prefix`` (a validator's ``"field: "``), which its translation keeps too."""
        if not self.startswith(prefix):
            raise ValueError(f"{self!r} does not start with {prefix!r}")
        cut = str.__new__(Msg, self[len(prefix) :])
        cut.msgid, cut.params, cut.prefix = self.msgid, self.params, self.prefix + prefix
        return cut

    def translated(self, gettext: Callable[[str], str], value: Callable[[Any], Any] = _same) -> str:
        """The message with ``gettext`` applied to its msgid and to every ``Msg`` parameter, and
        ``value`` to every other parameter (the reader's decimal sign)."""
        if not self.params:
            text = gettext(self.msgid)
        else:
            params = {
                k: v.translated(gettext, value) if isinstance(v, Msg) else value(v)
                for k, v in self.params.items()
            }
            text = gettext(self.msgid) % params
        if not self.prefix:
            return text
        return text[len(self.prefix) :] if text.startswith(self.prefix) else str(self)


def translated(
    text: object, gettext: Callable[[str], str], value: Callable[[Any], Any] = _same
) -> str:
    """``text`` in the language of ``gettext`` when it is a :class:`Msg`; else as written."""
    return text.translated(gettext, value) if isinstance(text, Msg) else str(text)


@dataclass(frozen=True)
class Problem:
    """One problem in one place: ``file:line: field: message``."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        return self.render()

    def render(
        self, gettext: Callable[[str], str] | None = None, value: Callable[[Any], Any] = _same
    ) -> str:
        """``file:line: field: message``, the message in the language of ``gettext`` if given (the file,
        line and field stay as written: they name what to open and fix)."""
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line is not None else "")
        parts = [p for p in (where, self.field) if p]
        message = self.message if gettext is None else translated(self.message, gettext, value)
        return (": ".join(parts) + ": " if parts else "") + message

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


@dataclass
class InputError(Exception):
    """Bad input from a user: one or more :class:`Problem`, reported all at once."""

    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def one(
        cls,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> InputError:
        return cls([Problem(message, file, line, field)])

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class NotFoundError(LookupError):
    """A named thing (substance, question, file) does not exist; carries suggestions."""

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = suggestions or []

    def __str__(self) -> str:
        if not self.suggestions:
            return self.message
        return f"{self.message} Did you mean: {', '.join(self.suggestions)}?"


class BusyError(RuntimeError):
    """Another command is writing the same file and did not finish in time (the message says who)."""

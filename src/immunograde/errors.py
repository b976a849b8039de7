"""User-facing errors: every problem a person can fix names where it is.

Layers above ``stats`` raise :class:`InputError` for bad input; the CLI and the web turn it into one
clear line (or a JSON body) and a documented exit code, never a traceback.  ``stats`` itself raises
plain ``ValueError`` (it imports nothing from the project).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any


def _same(value: Any) -> Any:
    return value


_teller: Callable[[str], str] = str


def speak_with(translate: Callable[[str], str]) -> None:
    """Set the language of :func:`told` (the command line sets its own: ``cli/lang.py choose``)."""
    global _teller
    _teller = translate


def told(message: str) -> str:
    """A progress line for the person at the terminal (a :class:`Msg`) in the command line's language;
    as written until a command has chosen one (the library's English)."""
    return _teller(message)


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


#: ``stats`` raises plain ``ValueError`` in English (it imports nothing from the project); the messages
#: a person can meet through ``meta``, the workbench, ``tsa`` and ``safety``, as msgids whose
#: parameters :func:`from_stats` reads back from the text (the text after a row's ``column 'x'`` too)
STATS_MESSAGES = (
    N_("one of the two outcomes never occurred in any table; Peto's method cannot be used"),
    N_("no tables left after dropping double-zero studies (k = 0)"),
    N_("no studies left after dropping those without events (k = 0)"),
    N_("Paule-Mandel: Q(tau2_max) is still above k-1; tau2_max is too low"),
    N_("no studies: a meta-analysis needs k >= 1"),
    N_("yi and vi must be finite numbers (remove or fix missing values)"),
    N_("sampling variances vi must be > 0 (check the standard errors / counts)"),
    N_("%(name)s must be strictly between 0 and 1, got %(value)s"),
    N_("%(name)s must be in [0, 1), got %(value)s"),
    N_("p_c * (1 + rrr) = %(p)s is not a proportion; choose a smaller rrr"),
    N_("mid must be non-zero and sd positive, got mid=%(mid)s, sd=%(sd)s"),
    N_("no design inflation factor found in [%(lo)s, %(hi)s]; check alpha, beta and timing"),
    N_("error to spend must be in (0, 1), got %(error)s"),
    N_("rho spending needs param = rho > 0 (e.g. 1 linear, 3 close to OBF)"),
    N_("hsdc spending needs param = gamma (e.g. -4 close to OBF, 1 Pocock-like)"),
    N_("unknown spending function %(kind)s; use one of %(kinds)s"),
    N_("timing must be strictly increasing positive information fractions"),
    N_("GPS fit failed from every start; try other starts or squashing"),
    N_("theta needs five numbers: alpha1,beta1,alpha2,beta2,p"),
    N_("GPS prior: alpha1, beta1, alpha2, beta2 must all be > 0"),
    N_("GPS prior: p must lie in [0, 1], got %(p)s"),
    N_("no reports in any stratum"),
    N_("is missing or not finite (%(value)s)"),
    N_("is negative (%(value)s)"),
    N_("(%(value)s) is larger than %(total)s (%(n)s)"),
    N_("is not equal to %(events)s + %(rest)s"),
)


def _pattern(msgid: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", msgid)  # text, name, text, name, ...
    return re.compile("".join(
        re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts)
    ))  # fmt: skip


@cache
def _stats_patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [(m, _pattern(m)) for m in STATS_MESSAGES]  # compiled when first needed (start-up)


def from_stats(text: str) -> str:
    """A message of ``stats`` as a :class:`Msg` when it has one of the forms of
    :data:`STATS_MESSAGES` (and gives back the same English); else the text as written."""
    for msgid, pattern in _stats_patterns():
        found = pattern.fullmatch(text)
        if found:
            message = Msg(msgid, **found.groupdict())
            return message if message == text else text
    return text


def existing_path(path: Path) -> Path:
    """The path itself, or :class:`NotFoundError` with similar names from its folder."""
    if path.exists():
        return path
    parent = path.parent if path.parent.exists() else Path(".")
    stem = path.name.lower()[:4]
    near = sorted(p.name for p in parent.iterdir() if stem and stem in p.name.lower())[:5]
    raise NotFoundError(Msg("no such file or folder: %(path)s", path=path), near)

"""The command line's language (issue 18): ``--lang en|ru`` on the commands that print text, else the
locale of the environment (``LC_ALL``, then ``LC_MESSAGES``, then ``LANG``: ``ru_RU.UTF-8`` -> Russian),
else English.  Text output goes through the same gettext catalogues as the web pages
(``src/immunograde/locale``, :mod:`immunograde.web.i18n`); ``--format json`` keeps English keys, codes and
the data's own words whatever the language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, NoReturn

import typer

from immunograde import errors
from immunograde.cli import helplang
from immunograde.cli.exitcodes import ExitCode
from immunograde.cli.helplang import from_environment
from immunograde.web import i18n

LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Language of the text output: en or ru (default: from LC_ALL / LC_MESSAGES / LANG, "
        "else en).  JSON keeps English keys and codes.",
    ),
]


def choose(lang: str | None) -> str:
    """Set the language for this command (its ``--lang``, else one given elsewhere on the command line,
    ``immunograde --lang ru meta x.csv``, else the environment's); an unsupported ``--lang`` is a usage
    error (exit 2) naming the choices."""
    chosen = lang if lang is not None else helplang.on_command_line or from_environment()
    if chosen not in i18n.LANGUAGES:
        from immunograde.cli.output import err_console  # rich: only for this message

        err_console.print(f"error: --lang must be one of {', '.join(i18n.LANGUAGES)}", markup=False)
        raise typer.Exit(ExitCode.USAGE)
    i18n.use(chosen)
    errors.speak_with(i18n.message)  # the library's progress lines (errors.told) too
    return chosen


def bad_choice(option: str, choices: Iterable[str]) -> NoReturn:
    """``error: --format must be one of table, json`` in the command's language; exit 2 (usage)."""
    from immunograde.cli.output import err_console  # rich: only for this message

    text = _("error: %(option)s must be one of %(choices)s")
    err_console.print(text % {"option": option, "choices": ", ".join(choices)}, markup=False)
    raise typer.Exit(ExitCode.USAGE)


BLOCK = re.compile(r"<(?:/?(?:p|li|dt|h[1-6]|tr|ul|ol|div|table|details)\b[^>]*|br\s*/?)>", re.I)


def html_to_text(html: str) -> str:
    """A page fragment (a macro of the claims templates) as plain lines: block ends become line breaks."""
    from html import unescape

    text = re.sub(r"</dt>\s*<dd\b[^>]*>", ": ", html)  # "term: value" on one line
    text = BLOCK.sub("\n", re.sub(r"</dd>", "\n", text))
    text = unescape(re.sub(r"<[^>]+>", "", text))
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


_ = i18n.gettext
num = i18n.number  # numbers as text: "0,85" and "1 036" in Russian (never in JSON or CSV)


def counted(kind: str, n: int) -> str:
    """``n`` records of a knowledge-base kind (``kb check``, ``build``), with the noun in its plural form:
    «254 вещества», «1 класс».  A kind not listed keeps its table name."""
    forms = {
        "classes": lambda: i18n.ngettext("%(count)s class", "%(count)s classes", n),
        "sources": lambda: i18n.ngettext("%(count)s source", "%(count)s sources", n),
        "substances": lambda: i18n.ngettext("%(count)s substance", "%(count)s substances", n),
        "products": lambda: i18n.ngettext("%(count)s product", "%(count)s products", n),
        "regulatory": lambda: i18n.ngettext(
            "%(count)s regulatory record", "%(count)s regulatory records", n
        ),
        "claims": lambda: i18n.ngettext("%(count)s claim", "%(count)s claims", n),
        "trials": lambda: i18n.ngettext("%(count)s trial", "%(count)s trials", n),
        "questions": lambda: i18n.ngettext("%(count)s question", "%(count)s questions", n),
        "search_logs": lambda: i18n.ngettext("%(count)s search log", "%(count)s search logs", n),
        "specs": lambda: i18n.ngettext("%(count)s analysis spec", "%(count)s analysis specs", n),
    }
    form = forms.get(kind)
    shown = num(n, ",d")
    return f"{shown} {kind}" if form is None else form() % {"count": shown}


def counts_text(counts: dict[str, int]) -> str:
    return ", ".join(counted(kind, n) for kind, n in counts.items())


def not_found_text(exc: BaseException) -> str:
    """A "not found" error (:class:`immunograde.errors.NotFoundError`) in the command's language (its
    message is an :class:`immunograde.errors.Msg`), its suggestions after it."""
    from immunograde.errors import NotFoundError

    if not isinstance(exc, NotFoundError) or i18n.current() == i18n.DEFAULT:
        return str(exc)
    message = i18n.message(exc.message)
    if exc.suggestions:
        message += " " + _("Did you mean: %(names)s?") % {"names": ", ".join(exc.suggestions)}
    return message

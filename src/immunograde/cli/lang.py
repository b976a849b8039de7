"""The command line's language (issue 18): ``--lang en|ru`` on the commands that print text, else the
locale of the environment (``LC_ALL``, then ``LC_MESSAGES``, then ``LANG``: ``ru_RU.UTF-8`` -> Russian),
else English.  Text output goes through the same gettext catalogues as the web pages
(``src/immunograde/locale``, :mod:`immunograde.web.i18n`); ``--format json`` keeps English keys, codes and
the data's own words whatever the language.
"""

from __future__ import annotations

import os
import re
from html import unescape
from typing import Annotated

import typer

from immunograde.cli.exitcodes import ExitCode
from immunograde.web import i18n

LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Language of the text output: en or ru (default: from LC_ALL / LC_MESSAGES / LANG, "
        "else en).  JSON keeps English keys and codes.",
    ),
]


def from_environment() -> str:
    """The language of the first locale variable set (POSIX order), if supported; else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            code = value.split("_")[0].split(".")[0].lower()
            return code if code in i18n.LANGUAGES else i18n.DEFAULT
    return i18n.DEFAULT


def choose(lang: str | None) -> str:
    """Set the language for this command (``--lang`` wins over the environment); an unsupported
    ``--lang`` is a usage error (exit 2) naming the choices."""
    from immunograde.cli.output import err_console

    chosen = lang if lang is not None else from_environment()
    if chosen not in i18n.LANGUAGES:
        err_console.print(f"error: --lang must be one of {', '.join(i18n.LANGUAGES)}", markup=False)
        raise typer.Exit(ExitCode.USAGE)
    i18n.use(chosen)
    return chosen


BLOCK = re.compile(r"<(?:/?(?:p|li|dt|h[1-6]|tr|ul|ol|div|table|details)\b[^>]*|br\s*/?)>", re.I)


def html_to_text(html: str) -> str:
    """A page fragment (a macro of the claims templates) as plain lines: block ends become line breaks."""
    text = re.sub(r"</dt>\s*<dd\b[^>]*>", ": ", html)  # "term: value" on one line
    text = BLOCK.sub("\n", re.sub(r"</dd>", "\n", text))
    text = unescape(re.sub(r"<[^>]+>", "", text))
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)

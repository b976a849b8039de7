"""Which language the command line speaks, told without loading anything (issue 18).

``immunograde --help`` starts in a few tens of milliseconds (benchmarks/RESULTS.md), so the root command
asks this module, not :mod:`immunograde.web.i18n` (which costs ~4 ms to import), whether the help is to be
in Russian: ``--lang ru`` (or ``--lang=ru``) anywhere on the command line, else the first locale variable
set (``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else English.  The commands' text output uses the same rule
(:func:`immunograde.cli.lang.from_environment` is :func:`from_environment`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

#: the languages of :data:`immunograde.web.i18n.LANGUAGES` (tests/cli/test_help_ru.py checks they agree)
SUPPORTED = ("en", "ru")
DEFAULT = "en"


def from_environment() -> str:
    """The language of the first locale variable set (POSIX order), if supported; else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            code = value.split("_")[0].split(".")[0].lower()
            return code if code in SUPPORTED else DEFAULT
    return DEFAULT


#: the ``--lang`` of the command line being run (set by the root command for its run): a command's output
#: speaks it when the command's own ``--lang`` is not given (``immunograde --lang ru meta x.csv``)
on_command_line: str | None = None


def given(args: Sequence[str]) -> str | None:
    """The last ``--lang`` value on the command line (before a ``--``), if any."""
    chosen = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            chosen = args[i + 1]
        elif arg.startswith("--lang="):
            chosen = arg.partition("=")[2]
    return chosen


def of_command_line(args: Sequence[str]) -> str:
    """The language of the help and of click's messages for this command line: the last ``--lang``
    given (an unsupported one counts as English: the command then reports it), else the environment's."""
    chosen = given(args)
    if chosen is None:
        return from_environment()
    return chosen if chosen in SUPPORTED else DEFAULT

"""Exit codes are part of the interface (documented in README and ``immunograde --help``)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  #: success
    INTERNAL = 1  #: a bug in ImmunoGrade (please report it)
    USAGE = 2  #: wrong command-line usage (unknown option, missing argument)
    INPUT = 3  #: bad input data: the message names the file, line and field
    NOT_FOUND = 4  #: the named substance, question or file does not exist (suggestions given)
    NO_DATABASE = 5  #: the knowledge base has not been built yet (run ``immunograde kb build``)
    CHECK_FAILED = 6  #: ``kb check`` (or another check) found problems; all are listed
    BUSY = 7  #: another command kept writing the same file past ``IMMUNOGRADE_LOCK_WAIT`` s


EXIT_CODE_HELP = "Exit codes: " + ", ".join(f"{c.value} {c.name.lower()}" for c in ExitCode) + "."

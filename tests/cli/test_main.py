"""The command line's error contract: usage mistakes exit 2 with one usage message, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from immunograde.cli.exitcodes import ExitCode


@pytest.mark.parametrize(
    "argv",
    [
        ["nosuchcommand"],
        ["meta"],  # missing argument
        ["meta", "examples/bcg.csv", "--level", "abc"],  # not a number
        ["import", "ctgov", "examples/bcg.csv", "--engine", "bogus"],  # not a choice
    ],
)
def test_usage_errors_exit_2_without_traceback(argv: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "immunograde", *argv], capture_output=True, text=True,
                            check=False)  # fmt: skip
    assert result.returncode == ExitCode.USAGE
    assert "Traceback" not in result.stderr
    assert "Error:" in result.stderr and "Usage: immunograde" in result.stderr


def test_version() -> None:
    from immunograde import __version__

    result = subprocess.run([sys.executable, "-m", "immunograde", "--version"], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert result.stdout.strip() == __version__

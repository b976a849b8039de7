"""The command line's error contract: usage mistakes exit 2 with one usage message, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_help_lists_every_command_without_importing_it() -> None:
    """`immunograde --help` lists the command table of cli/main.py and imports no command module
    (nor numpy, scipy, pydantic or rich): start-up is measured in benchmarks/bench_meta_cli.py."""
    code = (
        "import sys; from immunograde.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('numpy', 'scipy', 'pydantic', 'rich', 'duckdb', 'pyarrow') or "
        "(m.startswith('immunograde.cli.') and m.endswith('_cmd')))\n"
        "print(','.join(heavy), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stderr.strip() == ""
    listed = [
        ln.split()[0] for ln in result.stdout.split("Commands:")[1].splitlines() if ln.strip()
    ]
    from immunograde.cli.main import COMMANDS

    assert listed == list(COMMANDS)


def test_command_table_matches_the_commands() -> None:
    """Each row of COMMANDS names the module that registers the command and its own help line."""
    from immunograde.cli.main import COMMANDS, command_group

    for name, (module, text) in COMMANDS.items():
        cmd = command_group(module).commands[name]
        assert cmd.get_short_help_str(limit=1000) == text, name


def test_meta_imports_neither_scipy_nor_the_appraisal_stack() -> None:
    """A default meta-analysis (test z) of a small file imports no scipy, no knowledge base, no
    grading, no rich; no pydantic (typer 0.29 and later coerce every option with it: pinned below);
    no Arrow (it tokenises large files only)."""
    code = (
        "import sys; from immunograde.cli.main import main\n"
        "try:\n    main(['meta', 'examples/bcg.csv', '--format', 'json'])\nexcept SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('scipy', 'rich', 'duckdb', 'pydantic', 'pyarrow') "
        "or m.split('.')[:2] in (['immunograde', 'kb'], ['immunograde', 'grading']))\n"
        "print(','.join(heavy), file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[2])  # fmt: skip
    assert result.stderr.strip() == ""
    assert '"estimate": -0.7' in result.stdout  # dat.bcg, log OR (README)

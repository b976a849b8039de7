"""Docs that run: the README's quick start, its command list and every example command are checked here.

- the quick start has exactly the two set-up commands (`make run`, `make test`);
- every command the CLI registers is documented in the README, and its `--help` has an example;
- every `$ immunograde ...` line in the README's console block runs and exits 0 (in a temporary
  knowledge base: `var/` in the commands is redirected to a temporary folder);
- `examples/bcg.csv` is the shared `dat.bcg` row for row.
"""

from __future__ import annotations

import csv
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from immunograde.cli.main import all_commands, app
from immunograde.settings import project_home, shared_data_dir

ROOT = project_home()
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def _commands() -> list[str]:
    lines = [
        ln[2:].strip() for b in _blocks("console") for ln in b.splitlines() if ln.startswith("$ ")
    ]
    return [ln for ln in lines if ln.startswith("immunograde ")]


def _cli_commands() -> list[str]:
    return all_commands()  # the lazily loaded command table (cli/main.py COMMANDS)


def test_quick_start_has_exactly_two_setup_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```sh\n(.*?)```", quick, flags=re.S)
    commands = [ln.split("#")[0].strip() for ln in block.splitlines() if ln.split("#")[0].strip()]
    assert commands == ["make run", "make test"]
    assert "make test" in (ROOT / ".ci/run").read_text()


@pytest.mark.parametrize("command", _cli_commands())
def test_every_command_is_documented_with_an_example(command: str) -> None:
    rows = [ln for ln in README.splitlines() if ln.startswith("| `")]
    head, *rest = command.split()
    documented = [r for r in rows if f"`{head}" in r and all(w in r for w in rest)]
    assert documented, f"`{command}` is not in the README's command table"
    result = CliRunner().invoke(app, [*command.split(), "--help"], terminal_width=120)
    assert result.exit_code == 0, result.output
    assert "Example" in result.output or "example" in result.output, (
        f"`{command} --help` has no example"
    )


@pytest.fixture(scope="module")
def docs_env(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    tmp = tmp_path_factory.mktemp("docs")
    env = dict(os.environ, IMMUNOGRADE_DB=str(tmp / "immunograde.duckdb"),
               IMMUNOGRADE_HISTORY=str(tmp / "history.duckdb"), IMMUNOGRADE_SAFETY=str(tmp / "safety"),
               COLUMNS="120")  # fmt: skip
    return env, tmp


def test_readme_commands_run(docs_env: tuple[dict[str, str], Path]) -> None:
    env, tmp = docs_env
    commands = _commands()
    assert commands[0] == "immunograde build", (
        "the console block starts by building the knowledge base"
    )
    for command in commands:
        argv = [a.replace("var/", f"{tmp}/") for a in shlex.split(command)]
        result = subprocess.run([sys.executable, "-m", "immunograde", *argv[1:]], cwd=ROOT, env=env,
                                capture_output=True, text=True, check=False, timeout=600)  # fmt: skip
        assert result.returncode == 0, (
            f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        )


def test_example_csv_is_the_shared_bcg_data() -> None:
    with (shared_data_dir() / "trials/metadat/dat.bcg.csv").open() as f:
        shared = list(csv.DictReader(f))
    with (ROOT / "examples/bcg.csv").open() as f:
        ours = list(csv.DictReader(f))
    assert [
        (r["author"], r["year"], r["tpos"], r["tneg"], r["cpos"], r["cneg"], r["alloc"])
        for r in shared
    ] == [
        (r["study"], r["year"], r["ai"], r["bi"], r["ci"], r["di"], r["allocation"]) for r in ours
    ]


def _table_after(heading_text: str) -> list[list[str]]:
    """The cells of the first Markdown table after the paragraph that contains ``heading_text``."""
    rest = README.split(heading_text, 1)[1]
    lines = rest.split("\n|", 1)[1].split("\n\n", 1)[0].splitlines()
    rows = [[c.strip() for c in ("|" + ln).strip().strip("|").split("|")] for ln in lines]
    return [r for r in rows[2:]]  # header and its rule


def test_exit_code_table_is_the_code_and_the_help() -> None:
    """README's exit-code table is the contract: the same codes, in order, with the enum's names
    (cli/exitcodes.py), and `immunograde --help` lists them by those names."""
    from immunograde.cli.exitcodes import EXIT_CODE_HELP, ExitCode

    rows = _table_after("Exit codes are part of the interface")
    assert [(int(r[0]), r[1].strip("`")) for r in rows] == [
        (c.value, c.name.lower()) for c in ExitCode
    ]
    result = CliRunner().invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    assert " ".join(EXIT_CODE_HELP.split()) in " ".join(result.output.split())


def test_every_environment_variable_is_documented() -> None:
    """Every IMMUNOGRADE_* variable the package reads is in README's settings table, and the table
    names no variable the package does not read."""
    src = ROOT / "src/immunograde"
    used = {
        m
        for f in src.rglob("*.py")
        for m in re.findall(r"IMMUNOGRADE_[A-Z_]+[A-Z]", f.read_text(encoding="utf-8"))
    }
    documented = {r[0].strip("`") for r in _table_after("## Settings")}
    assert used == documented
    assert {"IMMUNOGRADE_DB", "IMMUNOGRADE_HISTORY", "IMMUNOGRADE_CHARTS"} <= documented


def test_paths_named_in_the_readme_exist() -> None:
    """Every repository path the README names in backquotes (a file, or a folder ending in /) exists."""
    named = set(
        re.findall(r"`((?:src|tests|tools|data|validation|benchmarks)/[^`*<>\s]+)`", README)
    )
    named |= set(re.findall(r"\]\(((?:benchmarks|validation|data)/[^)\s]+)\)", README))
    assert len(named) >= 20
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, missing


def test_make_targets_named_in_the_readme_exist() -> None:
    """`make run`, `make test`, `make refs`, ... named in the README are targets of the Makefile."""
    named = set(re.findall(r"\bmake ([a-z][a-z-]*)", README))
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    assert {"run", "test"} <= named
    assert named <= targets, sorted(named - targets)


@pytest.mark.parametrize("command", _cli_commands())
def test_help_examples_are_whole_lines_and_every_option_is_described(command: str) -> None:
    """`--help` keeps each example on its own line, unwrapped, so it can be copied (they ran into the
    text before and broke mid-word: "complete-\\n recovery-96h"), every option says what it is for,
    and no help names a function of the code ("default: settings.db_path()") instead of a setting."""
    from immunograde.cli.main import COMMANDS, command_group

    head, *rest = command.split()
    cmd = command_group(COMMANDS[head][0]).commands[head]
    for sub in rest:
        cmd = cmd.commands[sub]  # type: ignore[attr-defined]
    result = CliRunner().invoke(app, [*command.split(), "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    shown = {ln.strip() for ln in result.output.splitlines()}
    examples = [
        ln.strip() for ln in (cmd.help or "").splitlines() if ln.strip().startswith("Example:")
    ]
    assert examples, command
    for example in examples:
        assert example in shown, f"`{command} --help` wraps {example!r}"
    for param in cmd.params:
        if param.param_type_name == "option" and "--help" not in param.opts:
            assert (getattr(param, "help", None) or "").strip(), f"{command} {param.opts[0]}"
    assert "settings." not in result.output and "db_path()" not in result.output


@pytest.mark.parametrize("command", _cli_commands())
def test_every_command_prints_json_as_the_readme_says(command: str) -> None:
    """README: every command takes `--format json`, except `report` (`--json`) and `serve`."""
    from immunograde.cli.main import COMMANDS, command_group

    head, *rest = command.split()
    cmd = command_group(COMMANDS[head][0]).commands[head]
    for sub in rest:
        cmd = cmd.commands[sub]  # type: ignore[attr-defined]
    opts = {name: p for p in cmd.params for name in p.opts}
    if command in ("report", "serve"):
        assert ("--json" in opts) == (command == "report")
        assert f"`{command}`" in README.split("## The command line", 1)[1].split("```", 1)[0]
        return
    fmt = opts["--format"]
    assert "json" in (getattr(fmt, "help", None) or "") + str(getattr(fmt.type, "choices", ""))

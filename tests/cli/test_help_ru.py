"""Issue 18: every command's ``--help`` in Russian (``--lang ru`` anywhere, else a Russian locale), click's
own words included; the English help unchanged and still free of the catalogue."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from immunograde.cli import helplang
from immunograde.cli.main import all_commands, app
from immunograde.web import i18n

COMMANDS = ["", *all_commands()]
NO_LOCALE = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": None, "LANGUAGE": None}
RUSSIAN = {**NO_LOCALE, "LANG": "ru_RU.UTF-8"}

#: words a Russian help keeps as written: option values and ids the user types (``--format text``,
#: ``--engine duckdb``), file kinds, programs and data sources' own names, the exit codes' names
NAMES = set(
    re.findall(
        r"\S+",
        """
    metafor rma immunograde en ru ok internal usage input busy text table json csv html pdf md
    markdown svg png txt xml gz knha exact random fixed none non-binding truncated all-cells pocock
    rho hsdc obrien_fleming python sql msgspec efetch chromium uvicorn duckdb spark var data src
    rules yaml outcome mid study year estimate substance name spending claims cost adalimumab
    questions studies outcomes apt-get install Kagocel Medicare Part Python Spark ImmunoGrade
    Markdown gov v zip stratify warm local ai bi ci di ni ri sei vi yi
""",
    )
)


def names_of_commands() -> set[str]:
    return {word for command in COMMANDS for word in command.split()}


def help_of(command: str, *extra: str, env: dict[str, str | None] | None = None) -> str:
    result = CliRunner().invoke(app, [*command.split(), "--help", *extra], terminal_width=80,
                                env=env or NO_LOCALE)  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def prose(text: str) -> str:
    """The help's sentences: without the usage line, the examples' command lines and the option names
    and metavars (the first column of the options, arguments and commands)."""
    kept = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("Usage:", "Использование:", "Example:", "Пример:")):
            continue
        if line.startswith("  ") and not line.startswith("   ") and "  " in stripped:
            stripped = stripped.split("  ", 1)[1]  # a definition row: its name, then its text
        elif line.startswith("  ") and not line.startswith("   ") and stripped.startswith("-"):
            continue  # an option name alone on its row
        kept.append(stripped)
    return "\n".join(kept)


def english_words(text: str) -> list[str]:
    """Latin-letter words that are not names by their shape: all capitals (FAERS, OR), capitals inside
    (openFDA, HSk, DuckDB), digits or underscores (n1i, IMMUNOGRADE_DB), one letter."""
    text = re.sub(
        r"`[^`]*`|--[\w-]+|\S+/\S*|-(?=[а-яё])", " ", text
    )  # flags, commands, paths, zip-
    words = re.findall(r"[A-Za-z][A-Za-z0-9_'-]*", text)
    return [
        w for w in words
        if len(w) > 1 and not w.isupper() and not re.search(r"[0-9_]|.[A-Z]", w)
    ]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_help_in_russian_keeps_no_english_words(command: str) -> None:
    russian = help_of(command, "--lang", "ru")
    assert russian.startswith("Использование: immunograde")
    comments = re.findall(r"^ *Пример: .*\S {3,}(\(.*\))$", russian, flags=re.M)  # after a command
    left = sorted(
        set(english_words(prose(russian) + " ".join(comments))) - NAMES - names_of_commands()
    )
    assert not left, f"`{command} --help --lang ru` keeps English: {left}\n{russian}"
    for heading in ("Options:", "Arguments:", "Commands:", "Show this message", "[default:",
                    "[required]"):  # fmt: skip
        assert heading not in russian
    assert "Параметры:" in russian and "Показать эту справку и выйти." in russian


@pytest.mark.parametrize("command", COMMANDS)
def test_russian_locale_gives_the_same_help_and_english_is_unchanged(command: str) -> None:
    russian = help_of(command, "--lang", "ru")
    assert help_of(command, env=RUSSIAN) == russian
    english = help_of(command)
    assert english.startswith("Usage: immunograde")
    assert not re.search("[а-яА-ЯёЁ]", prose(english).replace("Кагоцел", ""))
    assert help_of(command, "--lang", "en", env=RUSSIAN) == english  # --lang wins over the locale
    assert help_of(command, env={**NO_LOCALE, "LANG": "en_US.UTF-8"}) == english


def test_the_examples_stay_whole_lines_in_russian() -> None:
    """An example is a command to copy: the Russian help shows it unwrapped, only «Пример:» translated."""
    shown = help_of("meta", "--lang", "ru")
    assert (
        "  Пример: immunograde meta trials.csv --measure OR --method REML --test knha --by drug "
        "--format json\n" in shown
    )
    assert "[по умолчанию: REML]" in shown and "[обязательно]" in shown


def test_the_command_list_and_a_groups_help_in_russian() -> None:
    root = help_of("", "--lang", "ru")
    assert "  serve       Запустить веб-приложение и его JSON API.\n" in root
    assert "Коды выхода: 0 ok" in root
    group = help_of("kb", "--lang", "ru")
    assert "База знаний: проверить и собрать проверенные файлы данных." in group
    assert "Команды:" in group


def test_the_help_language_of_the_command_line() -> None:
    assert tuple(i18n.LANGUAGES) == helplang.SUPPORTED
    assert helplang.of_command_line(["meta", "--help", "--lang", "ru"]) == "ru"
    assert helplang.of_command_line(["--lang=ru", "kb", "check", "--help"]) == "ru"
    assert helplang.of_command_line(["meta", "--", "--lang", "ru"]) in ("en", "ru")  # the locale's
    assert helplang.of_command_line(["--lang", "de", "--help"]) == "en"  # the command reports it


def test_lang_before_the_command_sets_its_output_language_too() -> None:
    """`--lang ru` anywhere: before the command it sets the command's text output as after it."""
    runner = CliRunner()
    before = runner.invoke(app, ["--lang", "ru", "meta", "examples/bcg.csv"], env=NO_LOCALE)
    after = runner.invoke(app, ["meta", "examples/bcg.csv", "--lang", "ru"], env=NO_LOCALE)
    assert before.exit_code == after.exit_code == 0
    assert before.output == after.output and "Модель случайных эффектов" in before.output
    english = runner.invoke(
        app, ["meta", "examples/bcg.csv"], env=RUSSIAN | {"LANG": "en_US.UTF-8"}
    )
    assert "Random-Effects Model" in english.output  # nothing left over from the Russian runs
    wrong = runner.invoke(app, ["--lang", "de", "meta", "examples/bcg.csv"], env=NO_LOCALE)
    assert wrong.exit_code == 2 and "--lang must be one of en, ru" in wrong.output


def test_usage_errors_in_russian() -> None:
    """Click's usage errors (exit 2): usage line, hint and message in Russian; never a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "immunograde", "meta", "examples/bcg.csv", "--levl", "3", "--lang", "ru"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Использование: immunograde meta [OPTIONS] {file}\n")
    assert "Справка: 'immunograde meta --help'." in result.stderr
    assert (
        "Ошибка: Нет такого параметра: --levl (возможно, имелось в виду: --help, --level)"
        in result.stderr
    )
    result = subprocess.run([sys.executable, "-m", "immunograde", "meta", "--lang", "ru"],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert "Ошибка: Не указан аргумент 'file'." in result.stderr
    for argv, said in (
        (
            ["examples/bcg.csv", "--level", "abc"],
            "Ошибка: Недопустимое значение '--level': 'abc' — не число.",
        ),
        (["examples/bcg.csv", "b"], "Ошибка: Лишние аргументы (b)"),
    ):
        result = subprocess.run([sys.executable, "-m", "immunograde", "meta", *argv, "--lang", "ru"],
                                capture_output=True, text=True, check=False)  # fmt: skip
        assert result.returncode == 2 and said in result.stderr, result.stderr


@pytest.mark.parametrize("argv", [[], ["kb"]])
def test_no_arguments_show_the_help_in_russian(argv: list[str]) -> None:
    """`immunograde` and `immunograde kb` alone print their help (exit 2) in the locale's language."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    result = subprocess.run([sys.executable, "-m", "immunograde", *argv], capture_output=True,
                            text=True, check=False, env={**env, "LANG": "ru_RU.UTF-8"})  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Использование: immunograde")
    assert "Ошибка" not in result.stderr and "Показать эту справку и выйти." in result.stderr


def test_english_help_loads_no_catalogue() -> None:
    """`immunograde --help` in English imports neither Babel nor the catalogue module (start-up)."""
    code = (
        "import sys; from immunograde.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith(('babel', 'immunograde.web', "
        "'immunograde.cli.help_ru')))), file=sys.stderr)"
    )
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**env, "PYTHONPATH": ":".join(sys.path)})  # fmt: skip
    assert result.stderr.strip() == ""


def test_aborted_in_russian(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    """Click's abort (end of input at a prompt) is reported in the command line's language, exit 2."""
    import typer

    from immunograde.cli import main as cli

    class Aborting:
        help_lang = "ru"

        def main(self, **kw: object) -> None:
            raise typer.Abort()

    monkeypatch.setattr(cli.typer.main, "get_command", lambda app: Aborting())
    with pytest.raises(SystemExit) as exit_:
        cli.main(["meta", "--lang", "ru"])
    assert exit_.value.code == 2 and capsys.readouterr().err == "прервано\n"

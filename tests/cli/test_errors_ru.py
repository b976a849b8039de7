"""Option errors of the commands in the command's language (issue 18): a wrong ``--format`` is told in
Russian with ``--lang ru`` (exit 2, before the knowledge base is opened), in English otherwise."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Run = Callable[..., tuple[int, str, str]]


@pytest.mark.parametrize(
    ("command", "formats"),
    [
        (("appraise", "tocilizumab"), "table, json, markdown, html, csv"),
        (("claim", "Кагоцел лечит грипп"), None),
        (("experience", "--indication", "ОРВИ", "--treated", "40", "--improved", "34"), None),
    ],
)
def test_a_wrong_format_is_told_in_the_command_s_language(
    cli_main: Run, command: tuple[str, ...], formats: str | None
) -> None:
    code, _out, ru = cli_main(*command, "--format", "xml", "--lang", "ru")
    assert code == 2 and ru.startswith("ошибка: --format должен быть одним из: "), ru
    code, _out, en = cli_main(*command, "--format", "xml")
    assert code == 2 and en.startswith("error: --format must be one of "), en
    assert ru.removeprefix("ошибка: --format должен быть одним из: ") == en.removeprefix(
        "error: --format must be one of "
    )
    if formats:
        assert en.strip() == f"error: --format must be one of {formats}"

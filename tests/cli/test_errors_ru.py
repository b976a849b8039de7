"""Option errors of the commands in the command's language (issue 18): a wrong ``--format`` is told in
Russian with ``--lang ru`` (exit 2, before the knowledge base is opened), in English otherwise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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


def test_not_found_errors_carry_their_message_to_the_command_s_language() -> None:
    """The knowledge base raises "not found" as an errors.Msg; the command says it in Russian with its
    suggestions (cli/lang.not_found_text), the English text is unchanged."""
    from immunograde.cli.lang import not_found_text
    from immunograde.errors import Msg, NotFoundError
    from immunograde.kb.queries import NOT_FOUND, NoDatabaseError
    from immunograde.web import i18n

    missing = NotFoundError(Msg(NOT_FOUND["question"], id="'x-y'"), ["x-z"])
    assert str(missing) == "no question 'x-y'. Did you mean: x-z?"
    i18n.use("ru")
    try:
        assert not_found_text(missing) == "нет вопроса 'x-y'. Возможно, имелось в виду: x-z?"
        assert not_found_text(NoDatabaseError(Path("/tmp/none.duckdb"))) == (
            "база знаний не найдена: /tmp/none.duckdb; запустите `immunograde kb build`"
        )
    finally:
        i18n.use("en")
    assert not_found_text(missing) == str(missing)


def test_a_busy_file_is_told_in_the_command_s_language() -> None:
    from immunograde.cli.main import _error
    from immunograde.errors import BusyError, Msg
    from immunograde.web import i18n

    busy = BusyError(
        Msg("%(db)s is being written by %(holder)s; gave up after waiting %(wait)s s. Try again when "
            "it has finished, or wait longer (IMMUNOGRADE_LOCK_WAIT=SECONDS).",
            db="kb.duckdb", holder=Msg("another immunograde command"), wait="0.5")
    )  # fmt: skip
    assert _error(busy).startswith(
        "error: kb.duckdb is being written by another immunograde command"
    )
    i18n.use("ru")
    try:
        assert _error(busy) == (
            "ошибка: в kb.duckdb сейчас пишет другая команда immunograde; ожидание прекращено через "
            "0,5 с. Повторите, когда запись закончится, или ждите дольше "
            "(IMMUNOGRADE_LOCK_WAIT=СЕКУНДЫ)."
        )
    finally:
        i18n.use("en")


def test_the_experience_checks_in_russian() -> None:
    from immunograde.errors import InputError
    from immunograde.evidence.experience import Observation, check_observation
    from immunograde.web import i18n

    with pytest.raises(InputError) as exc:
        check_observation(Observation(treated=10, improved=50, mean=2.5), None)
    assert [str(p) for p in exc.value.problems] == [
        "improved: give either improved (counts) or mean (a time), not both",
        "improved: must be between 0 and treated = 10",
    ]
    i18n.use("ru")
    try:
        assert [i18n.problem(p) for p in exc.value.problems] == [
            "improved: укажите либо improved (число), либо mean (время), но не оба",
            "improved: должно быть от 0 до treated = 10",
        ]
    finally:
        i18n.use("en")

"""The command line in the reader's language (issue 18): ``--lang ru``, or a Russian locale in the
environment, prints the text of ``claim``, ``experience`` and ``appraise`` in Russian through the same
catalogue as the web pages; JSON stays the same data whatever the language; English stays the default.

Expected words are looked up in the catalogue (src/immunograde/locale/ru/LC_MESSAGES/messages.po), so the
test checks that the commands use it, not a second copy of it.
"""

from __future__ import annotations

import json
import re

import pytest

from immunograde.cli.exitcodes import ExitCode
from immunograde.cli.lang import from_environment
from immunograde.web import i18n

CYRILLIC_WORD = re.compile(r"[А-Яа-яЁё]{3,}")


def ru(message: str) -> str:
    translated = i18n.translations("ru").gettext(message)
    assert translated != message, f"no Russian for {message!r}"
    return translated


@pytest.fixture
def run(answers_cli):  # type: ignore[no-untyped-def]
    return answers_cli  # tests/cli/conftest.py: the command runner against the knowledge base with answers


@pytest.mark.parametrize(
    ("env", "want"),
    [({"LC_ALL": "ru_RU.UTF-8"}, "ru"), ({"LANG": "ru_RU.UTF-8"}, "ru"), ({"LANG": "de_DE.UTF-8"}, "en"),
     ({"LC_ALL": "C", "LANG": "ru_RU.UTF-8"}, "en"), ({"LC_MESSAGES": "ru_UA.UTF-8", "LANG": "en_GB"}, "ru"),
     ({}, "en")],
)  # fmt: skip
def test_language_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], want: str
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert from_environment() == want


def test_claim_text_in_russian(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("claim", "Эргоферон сокращает длительность ОРВИ", "--lang", "ru")
    assert code == 0, err
    for message in ("What was understood", "What the evidence says", "Indication", "Outcome",
                    "not supported by the trials", "What the evidence permits:"):  # fmt: skip
        assert ru(message) in out, message
    assert "длительность болезни" in out  # the outcome's Russian label (claim_vocabulary.yaml)
    assert "Understood:" not in out and "Assessment:" not in out
    code, english, _ = run("claim", "Эргоферон сокращает длительность ОРВИ")
    assert (
        code == 0
        and "Understood:" in english
        and "Assessment: not supported by the trials" in english
    )


def test_claim_says_what_it_did_not_recognise_in_russian(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("claim", "Arbidol treats COVID-19", "--lang", "ru")
    assert code == 0
    assert ru("Not recognised") in out
    assert ru("No outcome is named: the claim is read as “helps in” the indication.") in out


def test_experience_text_in_russian(run) -> None:  # type: ignore[no-untyped-def]
    args = ("experience", "--indication", "ARVI", "--outcome", "complete-recovery-96h",
            "--treated", "40", "--improved", "34")  # fmt: skip
    code, out, err = run(*args, "--lang", "ru")
    assert code == 0, err
    assert ru("Control arms (question / trial: numbers, weight):") in out
    assert "полное выздоровление в течение 96 часов" in out  # natural_course.yaml's Russian name
    assert "(регрессия к среднему)" in out  # an explanation sentence from the catalogue
    assert "Control arms" not in out and "regression to the mean" not in out
    code, english, _ = run(*args)
    assert code == 0 and "Control arms (question / trial: numbers, weight):" in english
    assert not CYRILLIC_WORD.search(english)
    # the same numbers in both languages (pooled proportion, expected count, the series), written with
    # the decimal comma in Russian
    for number in ("56.5%", "22.6", "34", "0.00012"):
        assert number in english and number.replace(".", ",") in out, number
    assert not re.search(r"\d\.\d", out.replace(".json", ""))


def test_locale_chooses_russian_without_lang(run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    code, out, _ = run("claim", "Кагоцел лечит грипп")
    assert code == 0 and ru("What was understood") in out
    code, out, _ = run("claim", "Кагоцел лечит грипп", "--lang", "en")  # --lang wins
    assert code == 0 and "Understood:" in out


def test_json_is_the_same_in_every_language(run) -> None:  # type: ignore[no-untyped-def]
    for args in (("claim", "Arbidol treats COVID-19"),
                 ("experience", "--indication", "ARVI", "--outcome", "complete-recovery-96h",
                  "--treated", "40", "--improved", "34")):  # fmt: skip
        _, english, _ = run(*args, "--format", "json")
        _, russian, _ = run(*args, "--format", "json", "--lang", "ru")
        assert json.loads(russian) == json.loads(english)


@pytest.mark.parametrize("command", [("claim", "Arbidol treats COVID-19"),
                                     ("experience", "--indication", "ARVI")])  # fmt: skip
def test_unknown_language_is_a_usage_error(run, command: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(*command, "--lang", "de")
    assert code == ExitCode.USAGE and "--lang" in err and "en, ru" in err

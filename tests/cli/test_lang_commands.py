"""Every command that prints text speaks Russian with ``--lang ru`` (issue 18): ``search``, ``meta``,
``tsa``, ``diff``, ``kb check``, ``kb build`` and ``build`` (``market`` and ``safety``: tests/market and
tests/safety ``test_cli_lang.py``), on the repository's own data.  Each test runs the command as a user
does, checks that the catalogue's Russian words are printed (looked up in the catalogue, so the command
must use it) and that none of the English words the command printed before is left, and that numbers
carry the decimal comma (``0,3378``) while JSON keeps ``0.3378``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from immunograde.web import i18n

ROOT = Path(__file__).resolve().parents[2]
CYRILLIC = re.compile(r"[А-Яа-яЁё]{3,}")
DECIMAL_POINT = re.compile(r"\d\.\d")


def ru(message: str | tuple[str, str], n: int = 5) -> str:
    cat = i18n.translations("ru")
    translated = cat.gettext(message) if isinstance(message, str) else cat.ngettext(*message, n)
    assert translated not in (message, message[0] if isinstance(message, tuple) else None), message
    return translated


def no_english(text: str, words: tuple[str, ...]) -> list[str]:
    """The words of ``words`` (whole words, any case) that ``text`` still shows."""
    return [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, re.I)]


@pytest.fixture
def run(answers_cli):  # type: ignore[no-untyped-def]
    return answers_cli  # tests/cli/conftest.py: the command runner against the knowledge base with answers


def test_search_in_russian(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("search", "Кагоцел", "--lang", "ru")
    assert code == 0, err
    for message in ("kind", "matched name", "match", "score", "exact", "substance", "product"):
        assert ru(message) in out, message
    assert "1,00" in out and "1.00" not in out
    assert not no_english(out, ("kind", "matched name", "score", "exact", "substance", "product"))
    code, out, _ = run("search", "zzzqqq", "--lang", "ru")
    assert code == 0 and out.startswith("ничего не найдено по запросу")
    code, english, _ = run("search", "Кагоцел")
    assert (
        "matched name" in english
        and "1.00" in english
        and not CYRILLIC.search(english.replace("Кагоцел", ""))
    )


META_ENGLISH = ("Random-Effects Model", "estimated amount", "heterogeneity", "variability",
                "Test for Heterogeneity", "Model Results", "prediction interval", "estimate", "pval",
                "mode", "CI")  # fmt: skip


def test_meta_in_russian_with_decimal_commas(run) -> None:  # type: ignore[no-untyped-def]
    bcg = str(ROOT / "examples" / "bcg.csv")
    code, out, err = run("meta", bcg, "--lang", "ru")
    assert code == 0, err
    assert ru("Test for Heterogeneity:") in out
    assert (
        ru("Model Results (%(measure)s, %(mode)s mode):") % {"measure": "OR", "mode": "metafor"}
        in out
    )
    assert not no_english(out, META_ENGLISH), no_english(out, META_ENGLISH)
    # the same numbers as metafor's printout of dat.bcg (tau^2 0.3378, Q 163.1649), with a decimal comma
    assert "0,3378" in out and "163,1649" in out and "p <0,0001" in out
    assert not DECIMAL_POINT.search(out), DECIMAL_POINT.search(out)
    code, english, _ = run("meta", bcg)
    assert (
        "tau^2 (estimated amount of total heterogeneity): 0.3378" in english and "<.0001" in english
    )
    code, as_json, _ = run("meta", bcg, "--format", "json", "--lang", "ru")
    assert json.loads(as_json)["tau2"] == pytest.approx(0.3378, abs=5e-5)  # JSON: numbers, not text


def test_tsa_in_russian(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("tsa", "bcg-vaccine-tuberculosis", "--lang", "ru")
    assert code == 0, err
    for message in ("trial", "participants", "boundary", "TSA: benefit established"):
        assert ru(message) in out, message
    assert "946 262" in out.replace("\xa0", " ")  # the required information size, grouped
    english = ("trial", "year", "participants", "fraction", "boundary", "required information size",
               "cumulative", "monitoring", "established", "adjusted", "CI", "participants are needed")  # fmt: skip
    assert not no_english(out, english), no_english(out, english)
    lines = out.splitlines()
    assert not any(DECIMAL_POINT.search(line) for line in lines if "Comstock" not in line)


def test_diff_in_russian(run, answers_db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("diff", str(answers_db), str(answers_db), "--lang", "ru")
    assert code == 0, err
    assert out.strip() == ru("no change in any estimate, certainty or verdict")
    code, _, err = run("diff", str(tmp_path / "nope.duckdb"), str(answers_db), "--lang", "ru")
    assert code != 0 and err.startswith("ошибка: нет файла базы знаний")  # the prefix too
    code, _, err = run("diff", str(tmp_path / "nope.duckdb"), str(answers_db))
    assert code != 0 and err.startswith("error: no knowledge-base file")


def test_kb_check_counts_in_russian(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("kb", "check", "--lang", "ru")
    assert code == 0, err
    assert out.startswith("готово: ") and " вещества" in out  # 254 вещества (genitive singular)
    for word in ("ok", "classes", "sources", "substances", "products", "regulatory", "claims",
                 "trials", "questions", "search_logs", "specs"):  # fmt: skip
        assert not no_english(out, (word,)), word
    assert not DECIMAL_POINT.search(out)


@pytest.mark.parametrize(
    ("n", "want"),
    [(1, "1 вещество"), (2, "2 вещества"), (5, "5 веществ"), (21, "21 вещество"), (254, "254 вещества"),
     (1036, "1\xa0036 веществ")],
)  # fmt: skip
def test_counts_take_the_russian_plural(n: int, want: str) -> None:
    from immunograde.cli.lang import counted

    i18n.use("ru")
    try:
        assert counted("substances", n) == want
    finally:
        i18n.use("en")
    assert counted("substances", n) == f"{n:,} substance{'' if n == 1 else 's'}"


def test_build_in_russian(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "kb.duckdb"
    code, out, err = run("build", "--no-safety", "--no-market", "--db", str(target), "--lang", "ru")
    assert code == 0, err
    assert "собрана база" in out and ru("skipped (--no-safety)") in out
    english = ("built", "data version", "kept", "appraisals", "questions", "substances", "safety",
               "market", "skipped", "evidence history", "recorded")  # fmt: skip
    assert not no_english(out, english), no_english(out, english)
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_appraise_statements_names_and_numbers_in_russian(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("appraise", "kagocel", "--lang", "ru")
    assert code == 0, err
    # the page's Russian for the stored statement, the name, the indication and Natural Medicines
    assert "Кагоцел: " in out and "В базе знаний есть испытания препарата" in out
    assert "ОРВИ (профилактика)" in out and "недостаточно надёжных данных для оценки" in out
    english = ("questions", "verdicts", "are in the knowledge base", "Effectiveness is unknown")
    assert not no_english(out, english), no_english(out, english)
    code, out, err = run("appraise", "tocilizumab", "--lang", "ru")
    assert code == 0, err
    # Cochrane CD014741's myocardial infarction: RR 0.46 (0.07 to 2.98) in the English table
    assert "RR 0,46 (0,07–2,98)" in out
    code, english_out, _ = run("appraise", "tocilizumab")
    assert "RR 0.46 (0.07 to 2.98)" in english_out


def test_not_found_errors_in_russian(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The knowledge base's "not found" messages, with their suggestions, in the command's language."""
    code, _, err = run("tsa", "tocilizumab-covid19-mortality", "--lang", "ru")
    assert code != 0 and err.startswith("ошибка: нет вопроса 'tocilizumab-covid19-mortality'.")
    assert (
        "Возможно, имелось в виду: " in err
        and "tocilizumab-covid19-mortality-on-corticosteroids" in err
    )
    code, _, err = run("appraise", "tocilizumob", "--lang", "ru")
    assert code != 0 and "нет вещества с названием 'tocilizumob'" in err and "tocilizumab" in err
    code, _, err = run("meta", str(tmp_path / "nope.csv"), "--lang", "ru")
    assert code != 0 and err.startswith("ошибка: файл не найден: ")
    code, _, err = run("tsa", "tocilizumab-covid19-mortality")
    assert err.startswith("error: no question 'tocilizumab-covid19-mortality'. Did you mean: ")

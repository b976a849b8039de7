"""Without a knowledge base every command that reads one exits 5 (README's exit-code table), the same
from every command (``immunograde tsa`` exited 4, issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from immunograde.cli.exitcodes import ExitCode
from immunograde.cli.main import main


@pytest.mark.parametrize(
    "argv",
    [
        ["tsa", "bcg-vaccine-tuberculosis"],
        ["appraise", "tocilizumab"],
        ["search", "Кагоцел"],
        ["calibrate"],
        ["experience", "--indication", "ARVI", "--treated", "40", "--improved", "34"],
        ["claim", "Эргоферон сокращает длительность ОРВИ"],
        ["report", "tocilizumab", "--out", "{tmp}"],
        ["serve"],  # its own check said so in English only, and let a file without a build through
        ["market", "--db", "{db}"],
        ["market", "--db", "{db}", "certainty"],
        ["market", "--db", "{db}", "unmapped"],
        # it ran the measures first and exited 3, "no EPD files imported" (issue 12, README's table)
        ["market", "--db", "{db}", "measures"],
    ],
    ids=lambda a: " ".join(w for w in a if not w.startswith(("-", "{")) and w.isascii())[:30],
)
def test_commands_without_a_knowledge_base_exit_5(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.duckdb"
    args = [a.replace("{db}", str(missing)).replace("{tmp}", str(tmp_path)) for a in argv]
    with pytest.raises(SystemExit) as exc:
        main(args if "{db}" in argv else [*args, "--db", str(missing)])
    assert exc.value.code == ExitCode.NO_DATABASE == 5
    err = capsys.readouterr().err
    assert str(missing) in err and "Traceback" not in err
    assert not missing.exists()  # nothing created where there was no knowledge base


@pytest.mark.parametrize(
    "argv", [["appraise", "tocilizumab"], ["search", "Кагоцел"], ["tsa", "bcg-vaccine-tuberculosis"]],
    ids=lambda a: a[0],
)  # fmt: skip
def test_a_file_holding_only_imported_records_is_not_a_knowledge_base(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`import` before `build` creates the file with the registry tables only; the reading commands
    then failed on a missing table with a traceback (exit 1) instead of README's exit 5."""
    from immunograde.settings import shared_data_dir

    db = tmp_path / "kb.duckdb"
    record = shared_data_dir() / "registries" / "ctgov_v2_NCT02210780_dupilumab_ad.json"
    with pytest.raises(SystemExit) as imported:
        main(["import", "ctgov", str(record), "--db", str(db), "--format", "json"])
    assert imported.value.code == 0 and db.exists()
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--db", str(db)])
    assert exc.value.code == ExitCode.NO_DATABASE
    err = capsys.readouterr().err
    assert str(db) in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["meta", "{missing}"],
        ["import", "ctgov", "{missing}"],
        ["import", "aact", "{missing}"],
        ["import", "pubmed", "{missing}"],
        ["import", "csv", "{missing}"],
        ["safety", "ingest", "{missing}"],
        ["safety", "score", "{missing}", "--id-col", "id", "--drug-col", "d", "--event-col", "e"],
        ["market", "import", "{missing}"],
        ["kb", "check", "--data", "{missing}"],
        ["diff", "{missing}", "{missing}"],
        ["watch", "{missing}"],
    ],
    ids=lambda a: " ".join(w for w in a[:2] if not w.startswith("{")),
)
def test_a_named_file_that_does_not_exist_is_exit_4(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """README's table: 4, the named file does not exist (safety and market import said 3)."""
    monkeypatch.setenv("IMMUNOGRADE_DB", str(tmp_path / "kb.duckdb"))
    monkeypatch.setenv("IMMUNOGRADE_SAFETY", str(tmp_path / "safety"))
    missing = tmp_path / "missing.csv"
    with pytest.raises(SystemExit) as exc:
        main([a.replace("{missing}", str(missing)) for a in argv])
    err = capsys.readouterr().err
    assert exc.value.code == ExitCode.NOT_FOUND, err
    assert str(missing) in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [["--lang", "ru", "serve"], ["serve", "--lang", "ru"]],
    ids=["root-lang", "command-lang"],
)
def test_serve_says_no_knowledge_base_in_the_command_lines_language(
    argv: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``serve`` takes the command line's language (it was English under --lang ru and a Russian
    locale); English stays as it was."""
    missing = tmp_path / "none.duckdb"
    for args, said in [
        (argv, f"ошибка: база знаний не найдена: {missing}; запустите `immunograde kb build`\n"),
        (["serve"], f"error: no knowledge base at {missing}: run `immunograde kb build`\n"),
    ]:
        with pytest.raises(SystemExit) as exc:
            main([*args, "--db", str(missing)])
        assert exc.value.code == ExitCode.NO_DATABASE
        assert capsys.readouterr().err == said
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")  # the locale, no --lang
    with pytest.raises(SystemExit):
        main(["serve", "--db", str(missing)])
    assert capsys.readouterr().err.startswith("ошибка: база знаний не найдена")


def test_serve_under_a_russian_locale_starts_the_server_in_the_default_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command's language is for its own lines; the server's context stays English (each request
    chooses its language), so a Russian locale does not change what the server does in the background."""
    import uvicorn

    from immunograde.kb.build import build_kb
    from immunograde.settings import data_dir, shared_data_dir
    from immunograde.web import i18n

    db = tmp_path / "kb.duckdb"
    build_kb(data_dir(), db, shared_data_dir())
    seen: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: seen.append(i18n.current()))
    monkeypatch.setenv("IMMUNOGRADE_WARM", "0")  # serve sets it: restored after the test
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--db", str(db), "--no-warm"])
    assert exc.value.code in (0, None)
    assert seen == ["en"]


def test_report_says_no_knowledge_base_in_the_command_lines_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.duckdb"
    for argv, said in [
        (["--lang", "ru", "report", "tocilizumab"],
         f"ошибка: база знаний не найдена: {missing}; запустите `immunograde kb build`\n"),
        (["report", "tocilizumab"], f"error: no knowledge base at {missing}: run `immunograde kb build`\n"),
    ]:  # fmt: skip
        with pytest.raises(SystemExit) as exc:
            main([*argv, "--out", str(tmp_path), "--db", str(missing)])
        assert exc.value.code == ExitCode.NO_DATABASE
        assert capsys.readouterr().err == said

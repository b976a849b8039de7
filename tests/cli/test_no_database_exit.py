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
    ],
    ids=lambda a: a[0],
)
def test_commands_without_a_knowledge_base_exit_5(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.duckdb"
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--db", str(missing)])
    assert exc.value.code == ExitCode.NO_DATABASE == 5
    err = capsys.readouterr().err
    assert str(missing) in err and "Traceback" not in err

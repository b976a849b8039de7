"""``immunograde experience`` (issue 17): JSON equal to the evidence layer's answer, plain text, and bad
input as one clear line with exit code 3 (never a traceback)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from immunograde.evidence.experience import Observation, experience
from immunograde.jsonable import to_jsonable
from immunograde.kb.queries import KnowledgeBase

from .conftest import run_cli


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(db, "experience", *args)


def test_json_is_the_evidence_layers_answer(db: Path) -> None:
    args = ["--indication", "ARVI", "--outcome", "complete-recovery-96h", "--treated", "40",
            "--improved", "34"]  # fmt: skip
    result = run(db, *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    kb = KnowledgeBase(db)
    try:
        want = experience(kb, "ARVI", outcome="complete-recovery-96h", obs=Observation(40, 34))
    finally:
        kb.close()
    assert got == json.loads(json.dumps(to_jsonable(want)))
    assert got["status"] == "compared" and got["pool"]["measure"] == "PLO"
    assert got["comparison"]["treated"] == 40 and got["comparison"]["improved"] == 34
    assert [a["trial_id"] for a in got["arms"]]  # every number names its trial and question


def test_text_output_names_the_arms_and_the_reasons(db: Path) -> None:
    result = run(db, "--indication", "common cold", "--treated", "30", "--mean", "5", "--sd", "2")
    assert result.returncode == 0, result.stderr
    assert "duration of the cold" in result.stdout and "regression to the mean" in result.stdout
    assert "zinc-lozenges-common-cold-treatment-duration" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--indication", "ARVI", "--outcome", "complete-recovery-96h", "--treated", "10",
          "--improved", "12"], "improved: must be between 0 and treated = 10"),
        (["--indication", "ARVI", "--outcome", "complete-recovery-96h", "--treated", "-3",
          "--improved", "1"], "treated:"),
        (["--indication", "no-such-illness", "--treated", "10", "--improved", "5"], "unknown indication"),
        (["--indication", "ARVI", "--treated", "10", "--improved", "5"], "choose one with outcome"),
    ],
)  # fmt: skip
def test_bad_input_exits_3_with_a_clear_line(db: Path, args: list[str], message: str) -> None:
    result = run(db, *args)
    assert result.returncode == 3, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr

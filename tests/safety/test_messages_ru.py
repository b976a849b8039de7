"""``safety ingest`` and ``market import`` refuse bad input in Russian with ``--lang ru`` (issue 18): the
same problem as in English, its file, line and field as written, exit 3, no traceback.  The Russian
sentences are written out by hand from the catalogue (src/immunograde/locale/ru)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from immunograde.settings import shared_data_dir

Run = Callable[..., tuple[int, str, str]]
SAMPLE = shared_data_dir() / "pharmacovigilance" / "faers_sample" / "faers_ascii_2017q2.zip"
CMS = shared_data_dir() / "prescribing" / "us_cms_drug_spending"
REPORT = {"safetyreportid": "1001", "patient": {
    "drug": [{"medicinalproduct": 1, "drugcharacterization": "1"}],
    "reaction": [{"reactionmeddrapt": "Headache"}]}}  # fmt: skip


@pytest.fixture
def run(cli_main: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Run:
    monkeypatch.setenv("IMMUNOGRADE_SAFETY", str(tmp_path / "safety"))
    monkeypatch.setenv("IMMUNOGRADE_DB", str(tmp_path / "kb.duckdb"))
    return cli_main


def _both(run: Run, *args: str) -> tuple[str, str]:
    """The error lines in Russian and in English (exit 3 both times, no traceback)."""
    code, _out, ru = run(*args, "--lang", "ru")
    assert code == 3 and "Traceback" not in ru, ru
    code, _out, en = run(*args)
    assert code == 3 and "Traceback" not in en, en
    return ru.strip(), en.strip()


def test_openfda_json_problem_in_russian(run: Run, tmp_path: Path) -> None:
    f = tmp_path / "event.json"
    f.write_text(json.dumps({"results": [REPORT]}))
    ru, en = _both(run, "safety", "ingest", str(f))
    where = f"{f}: results[0].patient.drug[0].medicinalproduct: "
    assert en == f"error: {where}expected text, got int '1'"
    assert ru == f"ошибка: {where}ожидался текст, а указан int '1'"


def test_faers_problems_in_russian(run: Run, tmp_path: Path) -> None:
    with zipfile.ZipFile(SAMPLE) as z:
        members = {i.filename: z.read(i) for i in z.infolist() if not i.is_dir()}
    members["ascii/DRUG17Q2.txt"] = (
        b"primaryid"  # a DRUG table without rows (the fuzz suite's find)
    )
    f = tmp_path / "nodrug.zip"
    with zipfile.ZipFile(f, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    ru, en = _both(run, "safety", "ingest", str(f), "--no-stratify")
    assert en.startswith(f"error: {f}: no report has both a drug (in the roles counted, --roles)")
    assert ru == (f"ошибка: {f}: ни в одном сообщении нет одновременно препарата (в учитываемых "
                  "ролях, --roles) и явления: оценивать нечего")  # fmt: skip
    missing = tmp_path / "missing.zip"  # a named file that does not exist: exit 4 (README's table)
    code, _out, ru = run("safety", "ingest", str(missing), "--lang", "ru")
    assert code == 4 and ru.strip() == f"ошибка: нет такого файла или папки: {missing}"
    code, _out, en = run("safety", "ingest", str(missing))
    assert code == 4 and en.strip() == f"error: no such file or folder: {missing}"


def test_market_import_problems_in_russian(run: Run, tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n", encoding="utf-8")
    ru, en = _both(run, "market", "import", str(odd))
    assert ru == (f"ошибка: {odd}:1: неизвестный формат данных о назначениях или продажах (CMS, "
                  "PBS, рыночные точки, NHS EPD); заголовок: a, b")  # fmt: skip
    assert en.startswith(f"error: {odd}:1: not a known prescribing or sales layout")
    lines = (CMS / "partd_brandlvl.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[120] = lines[120].replace(",27279,", ",27x79,")  # line 121: Actemra* 2017
    bad = tmp_path / "partd_bad.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    ru, en = _both(run, "market", "import", str(bad))
    assert en == f"error: {bad.resolve()}:121: Total Claims: not a number: '27x79'"
    assert ru == f"ошибка: {bad.resolve()}:121: Total Claims: не число: '27x79'"

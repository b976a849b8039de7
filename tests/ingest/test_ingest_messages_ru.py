"""The CSV reader's and the pooling's messages in Russian (issue 18): ``meta FILE --lang ru``, ``import csv
--lang ru`` and the Russian workbench page say the same problem in Russian, with the file, line and column
as written (exit 3, no traceback); the English text and the JSON twin stay the library's English.

The bad inputs are issue 19's reproductions (tests/ingest/test_metafor_csv.py); the Russian sentences
are written out by hand from the catalogue (src/immunograde/locale/ru).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))  # importlib import mode
from test_metafor_csv import REPRODUCTIONS

RU = {
    "repeated column": "столбец 'ai' указан дважды (столбцы 2 и 6); оставьте один",
    "140,000-character study": "поле длиннее 131\u00a0072 символов (в текстовом поле не больше 1\u00a0000)",
    "year holding a superscript two": "не год: '²'",
    "variance of 1e-160": "выборочная дисперсия меньше 1e-30 отдала бы этому исследованию весь вес",
    "pipe-delimited": "столбцы заголовка разделены символами '|', а не запятыми; сохраните файл как "
    "CSV (между столбцами запятая, точка с запятой или табуляция)",
    "sei = 0": "стандартная ошибка должна быть > 0: 0",
    "yi = 1e400": "'1e400' вне допустимого диапазона (по модулю до 1e15)",
    "yi = nan": "не число: 'nan'",
}
NEGATIVE_RATIO = "study,estimate,ci_low,ci_high\nA,-0.5,-0.9,-0.1\nB,0.8,0.6,1.1\n"
RATIO_RU = (
    "-0,5 — не отношение: мере HR (мера-отношение) нужны estimate, ci_low и ci_high > 0; для "
    "разности выберите меру MD, RD или GEN"
)
Run = Callable[..., tuple[int, str, str]]


def _where(path: object, line: int, field: str | None) -> str:
    return f"{path}:{line}: " + (f"{field}: " if field else "")


@pytest.mark.parametrize("case", list(REPRODUCTIONS))
def test_meta_says_the_reader_s_problem_in_russian(
    case: str, tmp_path: Path, cli_main: Run
) -> None:
    text, line, field, english = REPRODUCTIONS[case]
    path = tmp_path / "outcomes.csv"
    path.write_text(text, encoding="utf-8")
    code, _out, err = cli_main("meta", str(path), "--lang", "ru")
    assert code == 3 and "Traceback" not in err
    assert ("ошибка: " + _where(path, line, field) + RU[case]) in err.splitlines()[0], err
    code, _out, err = cli_main("meta", str(path))
    assert code == 3 and err.startswith("error: " + _where(path, line, field)) and english in err


def test_meta_pooling_problem_in_russian(tmp_path: Path, cli_main: Run) -> None:
    path = tmp_path / "ratios.csv"
    path.write_text(NEGATIVE_RATIO, encoding="utf-8")
    code, _out, err = cli_main("meta", str(path), "--measure", "HR", "--lang", "ru")
    assert code == 3
    assert err.splitlines()[0] == "ошибка: " + _where(path, 2, "estimate") + RATIO_RU
    code, _out, err = cli_main("meta", str(path), "--measure", "HR")
    assert err.startswith(f"error: {path}:2: estimate: -0.5 is not a ratio: HR (a ratio measure)")
    code, _out, err = cli_main("meta", str(path), "--test", "t", "--lang", "ru")
    assert code == 3 and err == "ошибка: --test: неизвестный тест 't'; выберите z или knha\n"


def test_import_csv_store_rules_in_russian(tmp_path: Path, cli_main: Run) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_text(
        "study,year,ai,n1i,ci,n2i\nA,2001,1,10,2,10\nA,2001,1,10,2,10\n,1999,1,10,2,10\n"
    )
    db = tmp_path / "kb.duckdb"
    code, _out, err = cli_main("import", "csv", str(path), "--db", str(db), "--lang", "ru")
    assert code == 3 and err.splitlines() == [
        f"ошибка: {path}:3: study: исследование 'A, 2001' уже есть в строке 2",
        f"ошибка: {path}:4: study: название исследования пустое",
    ]
    code, _out, err = cli_main("import", "csv", str(path), "--db", str(db))
    assert code == 3 and err.splitlines() == [
        f"error: {path}:3: study: study 'A, 2001' already on line 2",
        f"error: {path}:4: study: study name is empty",
    ]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from immunograde.web.app import create_app

    with TestClient(create_app(tmp_path_factory.mktemp("nokb") / "none.duckdb")) as c:
        yield c


def test_workbench_page_says_the_problem_in_russian_and_its_twin_in_english(
    client: TestClient,
) -> None:
    text = "study,ai,n1i,ci,n2i\nA,5,3,1,10\nB,x,10,2,10\n"
    page = client.post("/workbench?lang=ru", data={"csv_text": text, "measure": "RR"})
    assert page.status_code == 400
    assert "pasted text:2: ai: ai (5) больше, чем n1i (3)" in page.text
    assert "pasted text:3: ai: не число: &#39;x&#39;" in page.text
    twin = client.post("/workbench.json?lang=ru", data={"csv_text": text, "measure": "RR"})
    message = twin.json()["error"]["message"]
    assert "pasted text:2: ai: ai (5) is larger than n1i (3)" in message
    files = {"csv_file": ("upload.csv", NEGATIVE_RATIO.encode(), "text/csv")}
    page = client.post("/workbench?lang=ru", data={"measure": "HR"}, files=files)
    shown = "upload.csv:2: estimate: " + RATIO_RU.replace(">", "&gt;")  # as the page escapes it
    assert page.status_code == 400 and shown in page.text


def test_stats_messages_come_back_as_messages_and_in_russian(tmp_path: Path, cli_main: Run) -> None:
    """``stats`` raises plain English; the surfaces read its known forms back (errors.from_stats)."""
    import re

    import numpy as np

    from immunograde.errors import STATS_MESSAGES, Msg, from_stats
    from immunograde.stats.peto import rma_peto
    from immunograde.stats.spending import spend

    source = "".join(p.read_text() for p in (ROOT / "src/immunograde/stats").glob("*.py"))
    for msgid in STATS_MESSAGES:  # each form is still raised by stats (its longest literal part)
        assert max(re.split(r"%\(\w+\)s", msgid), key=len) in source, msgid
    with pytest.raises(ValueError) as exc:
        rma_peto([0, 0], n1i=[10, 5], ci=[0, 0], n2i=[10, 5])
    said = from_stats(str(exc.value))
    assert isinstance(said, Msg) and said == str(exc.value)
    with pytest.raises(ValueError) as exc:
        spend("linear", 0.05, np.array([0.5, 1.0]))
    said = from_stats(str(exc.value))
    assert isinstance(said, Msg) and said.params == {
        "kind": "'linear'",
        "kinds": said.params["kinds"],
    }
    assert from_stats("a message stats never wrote") == "a message stats never wrote"
    path = tmp_path / "zero.csv"
    path.write_text("study,ai,n1i,ci,n2i\nA,0,10,0,10\nB,0,5,0,5\n")
    code, _out, err = cli_main(
        "meta", str(path), "--measure", "PETO", "--method", "PETO", "--lang", "ru"
    )
    assert code == 3 and err == (f"ошибка: {path}: один из двух исходов не встретился ни в одной "
                                 "таблице; метод Peto применить нельзя\n")  # fmt: skip


ROOT = Path(__file__).resolve().parents[2]


def test_a_not_found_page_in_russian_and_its_twin_in_english(client: TestClient) -> None:
    page = client.get("/workbench/plot/forest.svg", params={"token": "gone", "lang": "ru"})
    assert page.status_code == 404
    assert "срок хранения этого результата истёк; запустите анализ снова." in page.text
    twin = client.get("/workbench/plot/forest.svg", params={"token": "gone", "format": "json"})
    assert twin.json()["error"]["message"] == (
        "this workbench result has expired; run the analysis again."
    )


def test_import_warnings_and_summary_in_russian(tmp_path: Path, cli_main: Run) -> None:
    """An AACT export without countries.txt imports with a warning: in Russian with --lang ru."""
    import shutil

    folder = tmp_path / "aact"
    shutil.copytree(ROOT / "tests" / "fixtures" / "aact", folder)
    (folder / "countries.txt").unlink()
    code, out, err = cli_main("import", "aact", str(folder), "--db", str(tmp_path / "ru.duckdb"),
                              "--lang", "ru")  # fmt: skip
    assert code == 0, err
    assert "предупреждение: countries.txt не найден: его строки остаются пустыми" in out
    assert "прочитано" in out and "добавлено" in out
    code, out, err = cli_main("import", "aact", str(folder), "--db", str(tmp_path / "en.duckdb"))
    assert "warning: countries.txt not found: its rows are left empty" in out and "inserted" in out


def test_the_no_knowledge_base_page_in_russian(client: TestClient) -> None:
    page = client.get("/search", params={"q": "a", "lang": "ru"})
    assert page.status_code == 503
    assert "ещё не собрана: запустите `immunograde kb build`" in page.text
    twin = client.get("/search.json", params={"q": "a"})
    assert twin.json()["error"]["message"].endswith(
        "has not been built: run `immunograde kb build`"
    )


def test_a_body_over_the_limit_is_refused_in_russian(client: TestClient) -> None:
    big = b"study,yi,vi\n" + b"a,0.1,0.01\n" * 300_000  # 3.3 MB
    files = {"csv_file": ("big.csv", big, "text/csv")}
    page = client.post("/workbench?lang=ru", files=files)
    assert page.status_code == 413 and "запрос больше 2 МиБ; отправьте файл поменьше" in page.text
    twin = client.post("/workbench.json", files=files)
    assert "larger than 2 MiB" in twin.json()["error"]["message"]

"""``immunograde safety`` in Russian (issue 18): ``ingest``, ``signals`` and ``score --out`` print the
catalogue's Russian sentences on the shipped FAERS sample and the CAERS table; numbers grouped the Russian
way; the JSON is the same whatever the language."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from immunograde.settings import shared_data_dir

SAMPLE = shared_data_dir() / "pharmacovigilance" / "faers_sample"
CAERS = shared_data_dir() / "pharmacovigilance" / "caers.csv"


def _words_left(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, re.I)]


def test_ingest_and_signals_in_russian(cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, err = cli("signals", "adalimumab", "--lang", "ru")
    assert code == 0, err
    assert out.startswith("adalimumab: данные о безопасности не загружены (запустите")
    zips = [str(SAMPLE / "faers_ascii_2017q2.zip"), str(SAMPLE / "aers_ascii_2004q1.zip")]
    code, out, err = cli("ingest", *zips, "--drug-level", "name", "--lang", "ru")
    assert code == 0, err
    # 100 sampled reports per quarter (the sample's README), before de-duplication
    assert out.startswith("сообщений: 200 -> ") and "сигналы по правилам:" in out
    english = ("reports", "after de-duplication", "deleted lists", "with a drug", "pairs scored",
               "signals per rule", "drug rows mapped", "unmapped", "names from", "Top")  # fmt: skip
    assert not _words_left(out, english), _words_left(out, english)
    code, out, err = cli("signals", "RISPERIDONE", "--lang", "ru")
    assert code == 0, err
    assert re.match(r"RISPERIDONE: \d+ сигнал(а|ов)? \(сообщений: \d+\)", out), out
    assert not _words_left(out, ("signal", "signals", "reports", "rules")), out


def test_score_out_in_russian(cli: Callable[..., tuple[int, str, str]], tmp_path: Path) -> None:
    target = tmp_path / "scores.csv"
    args = ("score", str(CAERS), "--id-col", "id", "--drug-col", "var1", "--event-col", "var2",
            "--out", str(target))  # fmt: skip
    code, out, err = cli(*args, "--lang", "ru")
    assert code == 0, err
    assert re.match(r"[\d\xa0]+ пар[аы]? из [\d\xa0]+ сообщени[яй] -> ", out), out
    first = target.read_text()
    code, english, _ = cli(*args)
    assert re.match(r"\d+ pairs from \d+ reports -> ", english)
    assert target.read_text() == first  # the CSV is the same in every language
    assert "." in first.splitlines()[1]  # and keeps the decimal point
    code, as_json, _ = cli(*args[:-2], "--format", "json", "--lang", "ru")
    assert json.loads(as_json)["n_pairs"] > 0

"""``immunograde market`` in Russian (issue 18): the rows, the money-by-certainty table and the unmapped
names print the catalogue's Russian words, no English column or metric word, and money with the
decimal comma and grouped digits (``86 400 039,01``); JSON stays the same in every language."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path


def _words_left(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, re.I)]


ROWS_ENGLISH = ("figures mapped", "product", "substance", "where", "when", "figure", "verdict",
                "certainty", "source", "spending", "claims", "beneficiaries", "more", "shows all")  # fmt: skip


def test_market_rows_in_russian(run: Callable[..., tuple[int, str, str]], market_db: Path) -> None:
    args = ("market", "--country", "US", "--year", "2017", "--substance", "Actemra")
    code, out, err = run(market_db, *args, "--lang", "ru")
    assert code == 0, err
    assert "сопоставлен" in out and "препарат / вещество" in out and "расходы" in out
    # Actemra's Part D spending in 2017 (CMS file: 86400039.01 USD), grouped and with a decimal comma
    assert "USD 86\xa0400\xa0039,01" in out
    left = _words_left(out.split("\n[1]")[0], ROWS_ENGLISH)  # footnotes: the files' names and notes
    assert not left, left
    _, english, _ = run(market_db, *args)
    assert "USD 86,400,039.01" in english and "figures mapped to the catalogue" in english
    _, j_en, _ = run(market_db, *args, "--format", "json")
    _, j_ru, _ = run(market_db, *args, "--format", "json", "--lang", "ru")
    assert json.loads(j_en) == json.loads(j_ru)


def test_market_certainty_and_unmapped_in_russian(
    run: Callable[..., tuple[int, str, str]], market_db: Path
) -> None:
    code, out, err = run(market_db, "market", "certainty", "--country", "US", "--lang", "ru")
    assert code == 0, err
    assert "Расходы по достоверности доказательств пользы" in out and "страна" in out
    left = _words_left(
        out, ("Money", "country", "programme", "span", "unit", "total", "share", "mixed")
    )
    assert not left, left
    code, out, err = run(market_db, "market", "--lang", "ru", "unmapped", "--limit", "3")
    assert code == 0, err
    assert "несопоставленных названий" in out and "ещё строк" in out
    left = _words_left(
        out, ("unmapped names", "name", "generic", "dataset", "years", "volumes", "more")
    )
    assert not left, left

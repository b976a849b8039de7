"""The "What changed" page in Russian (issue 18): the change and its cause are sentences in the reader's
language; the JSON twin keeps the recorded data (and its English ``summary`` and ``cause``).

The changes are made by the history's own comparison (evidence/history.py ``compare``) of two states of
one question a hand-derived correction gives: one trial's data corrected and one trial added move the
estimate from RR 0.49 (0.34 to 0.70) to 0.62 (0.45 to 0.85), the certainty from moderate to low, the
verdict from "effective" to "probably effective" and the TSA from benefit established to not yet.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest
from fastapi.testclient import TestClient

from immunograde.evidence import history as living_history
from immunograde.evidence.history import QuestionState, compare

QID = "bcg-vaccine-tuberculosis"


def _rows() -> list[dict[str, Any]]:
    old = QuestionState(QID, 2, 0.49, 0.34, 0.70, "moderate", "proven_benefit", "benefit_established", 1.2,
                        {"bcg-aronson-1948": "a1"})  # fmt: skip
    new = QuestionState(QID, 3, 0.62, 0.45, 0.85, "low", "probable_benefit", "not_yet", 0.8,
                        {"bcg-aronson-1948": "b2", "bcg-rosenthal-1961": "c3"})  # fmt: skip
    changes = compare({QID: old}, {QID: new}, old_version="v1", new_version="v2")
    return [
        {**asdict(c), "recorded_at": "2026-12-07T23:00:00+00:00"} for c in changes
    ]  # as hist_changes holds them


@pytest.fixture
def changed(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    rows = _rows()
    monkeypatch.setattr(living_history, "recent_changes", lambda limit, hist=None: rows)
    return rows


def test_changes_read_in_russian(client: TestClient, changed: list[dict[str, Any]]) -> None:
    assert [r["field"] for r in changed] == ["estimate", "certainty", "verdict", "tsa_conclusion"]
    page = client.get("/changes", params={"lang": "ru"}).text
    cause = "добавлены испытания: bcg-rosenthal-1961; исправлены данные испытаний: bcg-aronson-1948"
    assert page.count(cause) == 4
    assert "оценка эффекта: 0,49 (0,34–0,7) → 0,62 (0,45–0,85)" in page
    assert "достоверность: Низкая" not in page  # the old value comes first
    assert "достоверность: Умеренная → Низкая" in page
    assert (
        f'<a href="/questions/{QID}?lang=ru" lang="en">BCG vaccine' in page
    )  # its title, not its id
    assert "вывод: доказанная польза → вероятная польза" in page
    assert "TSA</abbr>: польза установлена → пока нет" in page  # the term explained at first use
    for english in (
        "added:",
        "corrected:",
        "certainty:",
        "tsa_conclusion",
        "benefit_established",
        "proven_benefit",
        "proven benefit",
    ):
        assert english not in page


def test_changes_json_keeps_the_data(client: TestClient, changed: list[dict[str, Any]]) -> None:
    rows = client.get("/changes.json", params={"lang": "ru"}).json()["changes"]
    assert rows[0]["old"] == "0.49 (0.34 to 0.7)" and rows[0]["trials_added"] == [
        "bcg-rosenthal-1961"
    ]
    assert rows[1]["summary"] == "certainty: moderate → low"
    assert rows[1]["cause"] == "added: bcg-rosenthal-1961; corrected: bcg-aronson-1948"


def test_changes_in_english_unchanged(client: TestClient, changed: list[dict[str, Any]]) -> None:
    page = client.get("/changes", params={"lang": "en"}).text
    assert "certainty: moderate → low" in page
    assert "added: bcg-rosenthal-1961; corrected: bcg-aronson-1948" in page

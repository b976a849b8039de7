"""Charts kept on disk by the content of their specification (plots.cache): a kept chart is the chart
drawn, a changed specification is drawn again, a damaged file is never served, the folder stays bounded.

The worked chart is the first BCG trial (../shared/data/trials/metadat/dat.bcg.csv row 1, as in
test_plots.py).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from immunograde.plots import cache
from immunograde.plots.forest import forest_spec
from immunograde.plots.render import render
from immunograde.plots.spec import ForestData, StudyRow

LOG_RR = math.log((4 / 123) / (11 / 139))
SPEC = forest_spec(ForestData([StudyRow("Aronson 1948", LOG_RR, LOG_RR - 0.6, LOG_RR + 0.6)]))


def _no_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(spec: object, fmt: str) -> bytes:
        raise AssertionError("drawn again although kept")

    monkeypatch.setattr(cache, "render", refuse)


def test_a_kept_chart_is_the_chart_drawn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = cache.render_kept(tmp_path, SPEC, "svg")
    assert first == render(SPEC, "svg")
    (kept,) = tmp_path.glob("??/*.svg")
    assert kept.name == f"{cache.key(SPEC, 'svg')}.svg"
    _no_drawing(monkeypatch)
    assert cache.render_kept(tmp_path, SPEC, "svg") == first


def test_another_specification_or_format_is_another_file(tmp_path: Path) -> None:
    other = forest_spec(ForestData([StudyRow("Aronson 1948", LOG_RR, LOG_RR - 0.5, LOG_RR + 0.5)]))
    assert cache.key(SPEC, "svg") != cache.key(other, "svg") != cache.key(SPEC, "png")
    a = cache.render_kept(tmp_path, SPEC, "svg")
    b = cache.render_kept(tmp_path, other, "svg")
    assert a != b and len(list(tmp_path.glob("??/*.svg"))) == 2


def test_a_damaged_file_is_drawn_again(tmp_path: Path) -> None:
    whole = cache.render_kept(tmp_path, SPEC, "svg")
    (kept,) = tmp_path.glob("??/*.svg")
    kept.write_bytes(whole[: len(whole) // 2])  # cut in the middle, as a full disk would leave it
    assert cache.read(tmp_path, SPEC, "svg") is None
    assert cache.render_kept(tmp_path, SPEC, "svg") == whole
    assert kept.read_bytes() == whole


def test_an_unwritable_folder_only_costs_the_saving(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert cache.render_kept(blocker, SPEC, "svg") == render(SPEC, "svg")
    assert not list(tmp_path.glob("**/*.tmp"))


def test_prune_removes_the_least_recently_used_first(tmp_path: Path) -> None:
    sizes = {}
    for i, name in enumerate(["aa1", "bb2", "cc3"]):
        path = tmp_path / name[:2] / f"{name}.svg"
        path.parent.mkdir()
        path.write_bytes(b"x" * 100)
        os.utime(path, (1000 + i, 1000 + i))  # aa1 oldest use, cc3 newest
        sizes[name] = path
    assert cache.prune(tmp_path, keep_bytes=150) == 2
    assert [p.exists() for p in sizes.values()] == [False, False, True]
    assert cache.prune(tmp_path, keep_bytes=150) == 0

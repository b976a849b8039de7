"""Benchmark: ``kb check``, ``kb build`` and name search on the committed ``data/`` folder.

Timed (median of REPEATS runs, wall clock and CPU of this process): loading + validating every reviewed
file with all cross-references (check); the atomic DuckDB build into a temporary folder (build); and
search latency per query over every name in the built database (Latin, Cyrillic, typo, prefix).
No peer tool: the WHO ATC index and EMA search are web services with no offline equivalent.

Usage: ``.venv/bin/python benchmarks/bench_kb.py [REPEATS]`` (default 5).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from immunograde import settings
from immunograde.kb.build import build_kb
from immunograde.kb.check import check_kb
from immunograde.kb.queries import KnowledgeBase

QUERIES = ["Kagocel", "Кагоцел", "Kagocl", "кагацел", "Ergoferon", "Эргоферон", "tocilizumb",
           "interferon", "Oscillococcinum", "Бронхо-мунал", "L04AC", "zzzzzz"]  # fmt: skip


def _time(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def main(repeats: int) -> None:
    data, shared = settings.data_dir(), settings.shared_data_dir()
    result = check_kb(data, shared)
    print(
        f"records: {result.counts()}  files: {len(result.kb.files)}  problems: {len(result.problems)}"
    )
    wall, cpu = _time(lambda: check_kb(data, shared), repeats)
    print(f"kb check: {wall:.3f} s wall, {cpu:.3f} s CPU (median of {repeats})")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "kb.duckdb"
        wall, cpu = _time(lambda: build_kb(data, db, shared), repeats)
        print(f"kb build: {wall:.3f} s wall, {cpu:.3f} s CPU (median of {repeats}); "
              f"{db.stat().st_size / 1e6:.1f} MB")  # fmt: skip
        kb = KnowledgeBase(db)
        print(f"names searchable: {len(kb.name_entries())}")
        for q in QUERIES:
            wall, _ = _time(lambda q=q: kb.search(q), repeats)  # type: ignore[misc]
            top = kb.search(q, limit=1)
            best = f"{top[0].entity_id} ({top[0].match} {top[0].score})" if top else "-"
            print(f"search {q!r:20} {wall * 1000:7.1f} ms  -> {best}")
        kb.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)

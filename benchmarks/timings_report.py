"""Where the server's time went in a reliability run: reads the server's timings (``--timings FILE`` of
``bench_reliability.py``) and the run's JSON output, and prints the background events (warm-up,
switches) in seconds from the start of the load, the server-side time per kind of request and page-cache
hit or miss (p50/p95/p99/max, ms), and the event loop's late ticks (total and per 10 s).

    python benchmarks/timings_report.py /tmp/me/timings.jsonl /tmp/me/run.json
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path


def _q(values: list[float], p: float) -> float | None:
    v = sorted(values)
    return round(v[min(len(v) - 1, int(p / 100 * len(v)))] * 1000, 1) if v else None


def _kind(path: str) -> str:
    if path.startswith("/plots") or path.endswith(".svg"):
        return "plot"
    if path.startswith("/workbench"):
        return "upload"
    return "json" if path.endswith(".json") else "page"


def main() -> None:
    records = [json.loads(line) for line in Path(sys.argv[1]).read_text().splitlines() if line]
    run = json.loads(Path(sys.argv[2]).read_text()) if len(sys.argv) > 2 else {}
    requests = [r for r in records if "path" in r]
    t0 = run.get("start_epoch") or min(r["t"] for r in requests)
    requests = [r for r in requests if r["t"] >= t0]
    for e in (r for r in records if "event" in r):
        extra = {k: v for k, v in e.items() if k not in ("event", "t")}
        print(f"event {e['event']:18} {e['t'] - t0:8.1f} s  {extra}")
    groups: dict[tuple[str, object], list[float]] = defaultdict(list)
    for r in requests:
        groups[(_kind(r["path"]), r.get("hit"))].append(r["last"])
    for (kind, hit), v in sorted(groups.items(), key=str):
        print(f"{kind:6} hit={hit!s:5} n={len(v):6}  p50 {_q(v, 50)}  p95 {_q(v, 95)}  "
              f"p99 {_q(v, 99)}  max {_q(v, 100)} ms")  # fmt: skip
    print("statuses", dict(Counter(r.get("status") for r in requests)))
    lags = [(r["t"] - t0, r["lag"]) for r in records if "lag" in r and r["t"] >= t0]
    per10: dict[int, float] = defaultdict(float)
    for t, lag in lags:
        per10[int(t // 10) * 10] += lag
    print(f"event loop late > 20 ms: {len(lags)} ticks, {sum(x for _, x in lags):.1f} s in all, "
          f"worst {max((x for _, x in lags), default=0):.2f} s")  # fmt: skip
    print("late s per 10 s:", {k: round(v, 1) for k, v in sorted(per10.items())})


if __name__ == "__main__":
    main()

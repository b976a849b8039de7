"""Print the fuzz suite's figures (``make fuzz`` writes benchmarks/results/fuzz/<target>.json) as the
Markdown table of benchmarks/results/reliability_inputs.md.

A target run in shards (one process per hypothesis seed, figures in ``<folder>/shard-<seed>/``) is
summed over its files: inputs, outcomes and times add up, the slowest input is the slowest of any.
Files under ``<folder>/found/`` (runs stopped by a bug, kept as the record of what they found; the
target was rerun after the fix) are not summed.

    python benchmarks/fuzz_report.py [benchmarks/results/fuzz]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ORDER = ["meta", "import csv", "workbench", "import ctgov", "import pubmed", "import aact",
         "safety ingest (FAERS)", "safety ingest (openFDA)"]  # fmt: skip
SUMMED = ("inputs", "accepted", "refused", "tracebacks", "hangs", "silently_wrong", "seconds",
          "cpu_seconds")  # fmt: skip


def collect(folder: Path) -> dict[str, dict[str, Any]]:
    """Per target, its files' figures summed (``seeds``: the hypothesis seed of each file)."""
    rows: dict[str, dict[str, Any]] = {}
    for p in sorted(folder.rglob("*.json")):
        if "found" in p.relative_to(folder).parts:
            continue
        r = json.loads(p.read_text())
        t = rows.setdefault(r["target"], {k: 0 for k in SUMMED} | {"slowest_s": 0.0, "seeds": []})
        for k in SUMMED:
            t[k] += r.get(k) or 0
        t["slowest_s"] = max(t["slowest_s"], r.get("slowest_s", 0.0))
        t["slowest_cpu_s"] = max(t.get("slowest_cpu_s", 0.0), r.get("slowest_cpu_s") or 0.0)
        t["seeds"].append(str(r.get("seed", "?")))
    return rows


def main(folder: Path) -> None:
    rows = collect(folder)
    print(
        "| target | inputs | accepted (exit 0) | refused (exit 3, file named) | tracebacks | hangs "
        "| silently wrong | time in the target | CPU per input | slowest input (wall / CPU) "
        "| seeds |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for name in [n for n in ORDER if n in rows] + sorted(set(rows) - set(ORDER)):
        r = rows[name]
        cpu = f"{r['cpu_seconds'] / r['inputs'] * 1000:.0f} ms" if r["cpu_seconds"] else "—"
        slow_cpu = f"{r['slowest_cpu_s']:.2f} s" if r.get("slowest_cpu_s") else "—"
        print(
            f"| `{name}` | {r['inputs']:,} | {r['accepted']:,} | {r['refused']:,} | "
            f"{r['tracebacks']} | {r['hangs']} | {r['silently_wrong']} | {r['seconds']:,.0f} s | "
            f"{cpu} | {r['slowest_s']:.2f} s / {slow_cpu} | {', '.join(r['seeds'])} |"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results" / "fuzz")

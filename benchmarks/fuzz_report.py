"""Print the fuzz suite's figures (``make fuzz`` writes benchmarks/results/fuzz/<target>.json) as the
Markdown table of benchmarks/results/reliability_inputs.md.

    python benchmarks/fuzz_report.py [benchmarks/results/fuzz]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ORDER = ["meta", "import csv", "workbench", "import ctgov", "import pubmed", "import aact",
         "safety ingest (FAERS)", "safety ingest (openFDA)"]  # fmt: skip


def main(folder: Path) -> None:
    rows = {json.loads(p.read_text())["target"]: json.loads(p.read_text())
            for p in sorted(folder.glob("*.json"))}  # fmt: skip
    print(
        "| target | inputs | accepted (exit 0) | refused (exit 3, file named) | tracebacks | hangs "
        "| silently wrong | time in the target | slowest input |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in [n for n in ORDER if n in rows] + sorted(set(rows) - set(ORDER)):
        r = rows[name]
        print(
            f"| `{name}` | {r['inputs']:,} | {r['accepted']:,} | {r['refused']:,} | "
            f"{r['tracebacks']} | {r['hangs']} | {r['silently_wrong']} | {r['seconds']:,.0f} s | "
            f"{r['slowest_s']:.2f} s |"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results" / "fuzz")

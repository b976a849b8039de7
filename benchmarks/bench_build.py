"""Build time against the size of the knowledge base (issue 15: 1,000 questions in under 30 s on two cores).

``immunograde build --no-safety --no-market`` (the knowledge base, every question's and substance's stored
appraisal with its TSA, the evidence history) timed as a subprocess on

- the repository's real ``data/`` (today's questions), and
- a synthetic knowledge base of ``--questions`` questions made from the real questions' shapes: ``data/``
  copied, then real question files copied again under new ids (``<id>--syn<N>``, round robin over every
  question, so the mix of binary/continuous/reported-only questions and of TSA-able questions is today's)
  until the total is reached.  The copies attach to the same trials and substances, so substances carry
  more questions each -- as coverage growth would make them.

Reports wall and CPU seconds (children's user + system), best of ``--repeat`` runs, and the load average.
The builds run with the package's bytecode compiled, as an installed copy has it (a shell with
``PYTHONDONTWRITEBYTECODE`` set would make the build and each of its worker processes recompile every module).
``--synthetic-only`` skips the build of the real ``data/``.
Results: ``benchmarks/results/build.md`` and the row in ``benchmarks/RESULTS.md``.

    python benchmarks/bench_build.py --questions 1000 --repeat 3 [--synthetic-only]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def synthetic_data(target: Path, total: int) -> int:
    """Copy data/ to ``target`` and add question copies until ``total`` questions; returns the count."""
    shutil.copytree(ROOT / "data", target)
    qdir = target / "questions"
    real = sorted(qdir.glob("*.yaml"))
    n, i = len(real), 0
    while n < total:
        src = real[i % len(real)]
        new_id = f"{src.stem}--syn{i // len(real) + 1}"
        text = src.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^id: .*$", f"id: {new_id}", text, count=1)
        (qdir / f"{new_id}.yaml").write_text(text, encoding="utf-8")
        n += 1
        i += 1
    return n


def run_build(data: Path, work: Path) -> tuple[float, float]:
    """(wall s, CPU s) of one build of ``data`` into a fresh file under ``work``."""
    db = work / "kb.duckdb"
    for p in work.glob("*"):
        if p.is_file():
            p.unlink()
        else:
            shutil.rmtree(p)
    env = dict(os.environ, IMMUNOGRADE_HISTORY=str(work / "history.duckdb"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed copy runs: bytecode cached
    cmd = [sys.executable, "-m", "immunograde", "build", "--no-safety", "--no-market",
           "--data", str(data), "--db", str(db), "--format", "json"]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"build failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--synthetic-only", action="store_true", help="time the synthetic build only")
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    code = "import compileall, immunograde, os; compileall.compile_dir(os.path.dirname(immunograde.__file__), quiet=1)"
    subprocess.run([sys.executable, "-c", code], check=True, env=env)  # as pip install compiles
    real_n = len(list((ROOT / "data" / "questions").glob("*.yaml")))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        syn = Path(tmp) / "data"
        syn_n = synthetic_data(syn, args.questions)
        work = Path(tmp) / "work"
        work.mkdir()
        cases = [("real data/", ROOT / "data", real_n), ("synthetic", syn, syn_n)]
        for label, data, n in cases[1:] if args.synthetic_only else cases:
            runs = [run_build(data, work) for _ in range(args.repeat)]
            wall = min(r[0] for r in runs)
            cpu = min(r[1] for r in runs)
            rows.append((label, n, wall, cpu, [round(r[0], 1) for r in runs]))
            print(f"{label}: {n} questions: best wall {wall:.1f} s, CPU {cpu:.1f} s "
                  f"(runs {[round(r[0], 1) for r in runs]}), load {os.getloadavg()[0]:.1f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

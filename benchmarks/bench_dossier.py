"""The first dossier of a substance (issue 12: "the first dossier for tocilizumab takes ~8 s").

Two measurements in one run, on a knowledge base built once into a temporary folder:

1. ``immunograde report <substance> --format html`` as a subprocess, cold (a new process each time, as a
   user runs it): wall and CPU (children's user + system), best of ``--repeat``; first with no chart
   drawn before (an empty chart folder, ``IMMUNOGRADE_CHARTS``), then again with its charts kept
   (:mod:`immunograde.plots.cache`).  And the web's first dossier: ``immunograde serve`` with an empty
   chart folder, the dossier asked for twice (the charts drawn in the server's two workers at once).
2. In one process, each of the dossier's charts built (its Vega-Lite specification) and rendered to SVG
   (vl-convert, its engine started before), CPU seconds per chart.  (The comparison with the earlier
   specifications -- uncut axis labels, altair objects -- is recorded in RESULTS.md; those builders are
   gone.)

    python benchmarks/bench_dossier.py --substance tocilizumab --repeat 3

Results: the issue-12 row of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _cli(env: dict[str, str], *args: str, one_core: bool = False) -> tuple[float, float]:
    """Wall and CPU of one command; ``one_core``: pinned to CPU 0 (``taskset``), so the report draws
    its charts in one process (it uses two only when it may use two cores)."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    pin = ["taskset", "-c", "0"] if one_core else []
    subprocess.run([*pin, sys.executable, "-m", "immunograde", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - t0, _children_cpu() - cpu0


def _wait_ready(base: str, seconds: float = 300) -> None:
    """Until the home page answers 200 (the server has opened the knowledge base)."""
    import httpx

    for _ in range(int(seconds * 2)):
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/", timeout=60).status_code == 200:
                return
        time.sleep(0.5)
    raise SystemExit(f"the server at {base} did not answer within {seconds:g} s")


def _web(env: dict[str, str], tmp: str, substance: str) -> None:
    """The web's first dossier: ``immunograde serve`` over the same knowledge base with an empty chart
    folder, started and left 20 s to start its workers; then the dossier asked for twice."""
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    web_env = {**env, "IMMUNOGRADE_CHARTS": f"{tmp}/charts-web"}
    server = subprocess.Popen([sys.executable, "-m", "immunograde", "serve", "--port", str(port)],
                              env=web_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base)
        time.sleep(
            20
        )  # the workers' start (imports, chart engine): a server that has been up a while
        for name in ("first", "second"):
            t0 = time.perf_counter()
            r = httpx.get(f"{base}/substances/{substance}/report.html", timeout=300)
            took = time.perf_counter() - t0
            print(
                f"web /substances/{substance}/report.html, {name} request: {took:.2f} s wall "
                f"(HTTP {r.status_code}, {len(r.content):,} bytes, {r.text.count('<svg')} charts)"
            )
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--substance", default="tocilizumab")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "IMMUNOGRADE_DB": f"{tmp}/kb.duckdb",
               "IMMUNOGRADE_HISTORY": f"{tmp}/history.duckdb"}  # fmt: skip
        subprocess.run([sys.executable, "-m", "immunograde", "build", "--no-safety", "--no-market",
                        "--db", env["IMMUNOGRADE_DB"]], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        runs, kept, serial = [], [], []
        for i in range(args.repeat):  # nothing drawn before: an empty chart folder each time
            first = {**env, "IMMUNOGRADE_CHARTS": f"{tmp}/charts{i}"}
            one = {**env, "IMMUNOGRADE_CHARTS": f"{tmp}/serial{i}"}
            report = ("report", args.substance, "--format", "html", "--out")
            runs.append(_cli(first, *report, f"{tmp}/o{i}"))
            kept.append(_cli(first, *report, f"{tmp}/k{i}"))
            serial.append(_cli(one, *report, f"{tmp}/s{i}", one_core=True))
        for name, rr in (
            ("first (no chart drawn before)", runs),
            ("first, one core (charts drawn in one process)", serial),
            ("again (its charts kept)", kept),
        ):
            wall, cpu = min(r[0] for r in rr), min(r[1] for r in rr)
            print(f"report {args.substance} --format html, cold process, {name}: best wall {wall:.2f} s, "
                  f"best CPU {cpu:.2f} s; runs: " + ", ".join(f"{w:.2f}/{c:.2f}" for w, c in rr))  # fmt: skip
        _web(env, tmp, args.substance)

        os.environ.update(env)
        from immunograde.kb.queries import KnowledgeBase
        from immunograde.plots.render import render
        from immunograde.web.report import plan_report

        kb = KnowledgeBase(Path(env["IMMUNOGRADE_DB"]))
        plan = plan_report(kb, args.substance)
        render({"mark": "point", "data": {"values": [{"a": 1}]},
                "encoding": {"x": {"field": "a", "type": "quantitative"}}}, "svg")  # fmt: skip
        build = draw = 0.0
        for job in plan.jobs:
            c0 = _self_cpu()
            try:
                spec = job.spec()
            except ValueError:
                continue
            c1 = _self_cpu()
            render(spec, "svg")
            c2 = _self_cpu()
            build, draw = build + c1 - c0, draw + c2 - c1
            print(f"  {job.stem}: build {c1 - c0:.3f} s + render {c2 - c1:.3f} s CPU")
        print(f"charts: build {build:.2f} s CPU + render {draw:.2f} s CPU = {build + draw:.2f} s")
        kb.close()
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

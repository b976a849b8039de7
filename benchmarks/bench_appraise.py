"""Appraisal: every question of the knowledge base, and every substance with questions.

Run: ``.venv/bin/python benchmarks/bench_appraise.py [--db var/immunograde.duckdb] [--repeat 5]``

Times (best of ``--repeat``) ``appraise_question`` over all questions (escalc -> rma.uni REML ->
Egger -> six GRADE domains -> statement, SoF row, profile) and ``appraise_substance`` over every
substance that has a question (adds name search, grouping by form x indication, verdicts, claims).
There is no peer tool that grades automatically (GRADEpro is interactive), so only our figures are
printed, with the distribution of certainty levels as a sanity line.
"""

from __future__ import annotations

import argparse
import collections
import time
from pathlib import Path

from immunograde import settings
from immunograde.evidence import appraise_question, appraise_substance
from immunograde.kb.queries import KnowledgeBase


def best_of(repeat: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=settings.db_path())
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    kb = KnowledgeBase(args.db)
    questions = [q.id for q in kb.all_questions()]
    subs = sorted({s for q in kb.all_questions() for s in q.intervention.substance_ids()})
    appraise_question(kb, questions[0])  # warm-up (imports, first queries)
    tq = best_of(args.repeat, lambda: [appraise_question(kb, q) for q in questions])
    ts = best_of(args.repeat, lambda: [appraise_substance(kb, s) for s in subs])
    levels = collections.Counter(appraise_question(kb, q).certainty for q in questions)
    print(
        f"questions: {len(questions)}  total {tq * 1000:.0f} ms  ({tq / len(questions) * 1000:.1f} ms/question)"
    )
    print(
        f"substances with questions: {len(subs)}  total {ts * 1000:.0f} ms  ({ts / len(subs) * 1000:.1f} ms/substance)"
    )
    print("certainty levels:", dict(sorted(levels.items(), key=lambda kv: str(kv[0]))))
    kb.close()


if __name__ == "__main__":
    main()

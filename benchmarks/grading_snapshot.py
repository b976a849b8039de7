"""Certainty and verdict of every question (with and without the TSA), as JSON lines."""

import json
import sys

from immunograde.evidence import appraise_question
from immunograde.evidence.tsa_grading import appraise_with_tsa
from immunograde.kb.queries import open_kb

out = {}
with open_kb() as kb:
    for q in kb.all_questions():
        a, t = appraise_with_tsa(kb, q.id)
        b = appraise_question(kb, q.id)
        out[q.id] = {
            "certainty": a.certainty,
            "verdict": a.verdict,
            "tsa": None if t is None else t.conclusion,
            "certainty_no_tsa": b.certainty,
            "verdict_no_tsa": b.verdict,
            "downgrades": [(d["domain"], d["levels"]) for d in a.downgrades],
            "published": [p.get("certainty") for p in a.published],
        }
json.dump(out, sys.stdout, indent=1)

"""Change tracking: what each knowledge-base build said per question, and what changed since.

History lives in its own DuckDB file (default ``var/history.duckdb`` beside the knowledge base, or
``$IMMUNOGRADE_HISTORY``), because ``kb build`` replaces the knowledge-base file atomically; the
history survives every rebuild and never makes a build half-written.

- ``hist_builds(data_version, built_at, recorded_at)``
- ``hist_questions(data_version, question_id, k, estimate, ci_low, ci_high, certainty, verdict,
  tsa_conclusion, information_fraction, trials_json)`` — ``trials_json`` maps trial id -> content
  hash of its outcome row(s); the TSA is the one fed to imprecision (GRADE's RRR)
- ``hist_changes(data_version, previous_version, question_id, field, old, new, trials_added,
  trials_removed, trials_corrected, recorded_at)``
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from immunograde import settings
from immunograde.errors import InputError, NotFoundError
from immunograde.evidence.analysis import binary_effects
from immunograde.evidence.answers import Answers
from immunograde.evidence.effects import counts
from immunograde.kb.dbfile import Rewrite, open_readonly, rewrite
from immunograde.kb.queries import KnowledgeBase
from immunograde.stats.rma import rma_uni

TRACKED = ("estimate", "certainty", "verdict", "tsa_conclusion")
_DDL = (
    "CREATE TABLE IF NOT EXISTS hist_builds (data_version VARCHAR PRIMARY KEY, built_at VARCHAR, "
    "recorded_at VARCHAR)",
    "CREATE TABLE IF NOT EXISTS hist_questions (data_version VARCHAR, question_id VARCHAR, k INTEGER, "
    "estimate DOUBLE, ci_low DOUBLE, ci_high DOUBLE, certainty VARCHAR, verdict VARCHAR, "
    "tsa_conclusion VARCHAR, information_fraction DOUBLE, trials_json VARCHAR, appraisal_json VARCHAR)",
    # history files written before the appraisal was kept whole
    "ALTER TABLE hist_questions ADD COLUMN IF NOT EXISTS appraisal_json VARCHAR",
    "CREATE TABLE IF NOT EXISTS hist_changes (data_version VARCHAR, previous_version VARCHAR, "
    "question_id VARCHAR, field VARCHAR, old VARCHAR, new VARCHAR, trials_added VARCHAR[], "
    "trials_removed VARCHAR[], trials_corrected VARCHAR[], recorded_at VARCHAR)",
)


def history_path() -> Path:
    return settings.history_path()


@dataclass(frozen=True)
class QuestionState:
    question_id: str
    k: int
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    certainty: str | None
    verdict: str | None
    tsa_conclusion: str | None  #: benefit_established, ..., not_yet (at GRADE's RRR), or None
    information_fraction: float | None
    trials: dict[str, str]  #: trial id -> content hash of its outcome data
    appraisal_json: str | None = None  #: the whole appraisal every surface shows (evidence.answers)


@dataclass(frozen=True)
class Change:
    """One tracked field of one question that changed between two builds, and why."""

    question_id: str
    field: str
    old: str | None
    new: str | None
    trials_added: list[str]
    trials_removed: list[str]
    trials_corrected: list[str]
    data_version: str | None = None
    previous_version: str | None = None

    def summary(self) -> str:
        why = [f"{label}: {', '.join(ids)}" for label, ids in (
            ("new trials", self.trials_added), ("removed", self.trials_removed),
            ("corrected", self.trials_corrected)) if ids]  # fmt: skip
        because = f" ({'; '.join(why)})" if why else ""
        return f"{self.question_id}: {self.field} {self.old} -> {self.new}{because}"


def _hash(values: dict[str, Any]) -> str:
    blob = json.dumps({k: v for k, v in sorted(values.items()) if v is not None}, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _pooled(kb: KnowledgeBase, qid: str) -> tuple[Any, ...]:
    """Fallback when the appraisal cannot run: pooled ratio of a binary RR/OR question (random
    effects with the question's estimator), no certainty or verdict."""
    q = kb.get_question(qid)
    rows = kb.outcome_data(qid)
    c = np.array([x for r in rows if (x := counts(r.values)) is not None], dtype=float)
    if q.outcome.type != "binary" or q.outcome.measure not in ("RR", "OR") or c.shape[0] == 0:
        return len(rows), None, None, None, None, None, None, None
    es = binary_effects(q.outcome.measure, ai=c[:, 0], n1i=c[:, 1], ci=c[:, 2], n2i=c[:, 3])
    keep = np.isfinite(es.yi) & np.isfinite(es.vi)  # the declared double-zero policy, as pooled
    if not keep.any():
        return len(rows), None, None, None, None, None, None, None
    k = int(keep.sum())
    method = "FE" if q.model == "fixed" or k == 1 else (q.method or "REML")
    fit = rma_uni(es.yi[keep], es.vi[keep], method=method)
    est, lo, hi = (float(np.exp(v)) for v in (fit.estimate, fit.ci_low, fit.ci_high))
    return k, est, lo, hi, None, None, None, None


def _appraised(answers: Answers, kb: KnowledgeBase, qid: str) -> tuple[tuple[Any, ...], str | None]:
    """``k, estimate, ci_low, ci_high, certainty, verdict, tsa_conclusion, information_fraction`` and the
    appraisal's JSON, from the answer every surface shows (own pooled estimate if the appraisal fails)."""
    try:
        blob = answers.question_json(qid)
    except (InputError, NotFoundError, ValueError):  # the appraisal cannot handle this question
        return (*_pooled(kb, qid)[:6], None, None), None
    a = json.loads(blob)
    est = a["estimate_exp"] if a["estimate_exp"] is not None else a["estimate"]
    lo = a["ci_low_exp"] if a["ci_low_exp"] is not None else a["ci_low"]
    hi = a["ci_high_exp"] if a["ci_high_exp"] is not None else a["ci_high"]
    t = a.get("tsa") or {}
    row = (a["k"], est, lo, hi, a["certainty"], a["verdict"], t.get("conclusion"),
           t.get("information_fraction"))  # fmt: skip
    return row, blob


def snapshot(db_path: Path) -> tuple[str | None, dict[str, QuestionState]]:
    """Data version and per-question state of the knowledge base at ``db_path``."""
    kb = KnowledgeBase(db_path).bulk()
    try:
        info = kb.build_info() or {}
        answers = Answers(kb)
        out: dict[str, QuestionState] = {}
        for q in kb.all_questions():
            trials: dict[str, list[str]] = {}
            for r in kb.outcome_data(q.id):
                trials.setdefault(r.trial_id, []).append(_hash(r.values | {"subgroup": r.subgroup}))
            (k, est, lo, hi, cert, verdict, tc, frac), blob = _appraised(answers, kb, q.id)
            hashes = {
                t: hashlib.sha256("".join(sorted(h)).encode()).hexdigest()[:16]
                for t, h in trials.items()
            }
            out[q.id] = QuestionState(q.id, k, est, lo, hi, cert, verdict, tc, frac, hashes, blob)
        version = info.get("data_version")
        return (None if version is None else str(version)), out
    finally:
        kb.close()


def _fmt(field: str, s: QuestionState | None) -> str | None:
    if s is None:
        return None
    v = getattr(s, field)
    if field == "estimate" and v is not None:
        return f"{v:.3g} ({s.ci_low:.3g} to {s.ci_high:.3g})"
    return None if v is None else str(v)


def compare(old: dict[str, QuestionState], new: dict[str, QuestionState], *, old_version: str | None = None,
            new_version: str | None = None) -> list[Change]:  # fmt: skip
    """Changes of estimate, certainty and verdict per question, with the trials that caused them."""
    changes: list[Change] = []
    for qid in sorted(set(old) | set(new)):
        a, b = old.get(qid), new.get(qid)
        ta, tb = (a.trials if a else {}), (b.trials if b else {})
        added = sorted(set(tb) - set(ta))
        removed = sorted(set(ta) - set(tb))
        corrected = sorted(t for t in set(ta) & set(tb) if ta[t] != tb[t])
        for f in TRACKED:
            va, vb = _fmt(f, a), _fmt(f, b)
            if va != vb:
                changes.append(
                    Change(qid, f, va, vb, added, removed, corrected, new_version, old_version)
                )
    return changes


def diff_builds(old_db: Path, new_db: Path) -> list[Change]:
    """Compare two knowledge-base files (``immunograde diff OLD.duckdb NEW.duckdb``)."""
    v0, s0 = snapshot(old_db)
    v1, s1 = snapshot(new_db)
    return compare(s0, s1, old_version=v0, new_version=v1)


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    for ddl in _DDL:
        con.execute(ddl)
    return con


def _load(con: duckdb.DuckDBPyConnection, version: str) -> dict[str, QuestionState]:
    rows = con.execute(
        "SELECT question_id, k, estimate, ci_low, ci_high, certainty, verdict, tsa_conclusion, "
        "information_fraction, trials_json "
        "FROM hist_questions WHERE data_version = ?", [version]).fetchall()  # fmt: skip
    return {
        r[0]: QuestionState(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], json.loads(r[9]))
        for r in rows
    }


def record_build(db_path: Path | None = None, hist: Path | None = None) -> list[Change]:
    """Record the build at ``db_path`` in the history; return (and store) what changed since the
    last recorded build.  Recording the same data version twice changes nothing."""
    db = db_path or settings.db_path()
    version, states = snapshot(db)
    version = version or "unversioned"
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with rewrite(hist or history_path()) as job:  # a copy, published whole: readers never wait
        con = _open(job.path)
        try:
            return _record(con, version, states, now, job)
        finally:
            con.close()


def _record(con: duckdb.DuckDBPyConnection, version: str, states: dict[str, QuestionState], now: str,
            job: Rewrite) -> list[Change]:  # fmt: skip
    """Store the build ``version`` (on the copy ``job``, left unpublished if already recorded)."""
    if con.execute("SELECT 1 FROM hist_builds WHERE data_version = ?", [version]).fetchone():
        job.keep = False
        return []
    prev = con.execute(
        "SELECT data_version FROM hist_builds ORDER BY recorded_at DESC, rowid DESC LIMIT 1"
    ).fetchone()
    changes = (
        compare(_load(con, prev[0]), states, old_version=prev[0], new_version=version)
        if prev
        else []
    )
    con.execute("BEGIN TRANSACTION")
    con.execute("INSERT INTO hist_builds VALUES (?, ?, ?)", [version, now, now])
    con.executemany(
        "INSERT INTO hist_questions (data_version, question_id, k, estimate, ci_low, ci_high, "
        "certainty, verdict, tsa_conclusion, information_fraction, trials_json, appraisal_json) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        [version, s.question_id, s.k, s.estimate, s.ci_low, s.ci_high, s.certainty, s.verdict,
         s.tsa_conclusion, s.information_fraction, json.dumps(s.trials, sort_keys=True),
         s.appraisal_json] for s in states.values()])  # fmt: skip
    if changes:
        con.executemany("INSERT INTO hist_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            [version, c.previous_version, c.question_id, c.field, c.old, c.new, c.trials_added,
             c.trials_removed, c.trials_corrected, now] for c in changes])  # fmt: skip
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    return changes


def _reader(path: Path) -> duckdb.DuckDBPyConnection | None:
    """Read-only connection to the history as it is now (writers publish a new file, so readers never
    block them), None before any build is recorded."""
    if not path.exists():
        return None
    return open_readonly(path)


def question_history(question_id: str, hist: Path | None = None) -> list[dict[str, Any]]:
    """Per recorded build: the question's pooled estimate, certainty and verdict (oldest first)."""
    con = _reader(hist or history_path())
    if con is None:
        return []
    try:
        rows = con.execute(
            "SELECT b.data_version, b.recorded_at, q.k, q.estimate, q.ci_low, q.ci_high, q.certainty, "
            "q.verdict, q.tsa_conclusion, q.information_fraction, q.appraisal_json FROM hist_questions q "
            "JOIN hist_builds b USING (data_version) "
            "WHERE q.question_id = ? ORDER BY b.recorded_at, b.rowid", [question_id]).fetchall()  # fmt: skip
        keys = (
            "data_version",
            "recorded_at",
            "k",
            "estimate",
            "ci_low",
            "ci_high",
            "certainty",
            "verdict",
            "tsa_conclusion",
            "information_fraction",
        )
        return [
            dict(zip(keys, r[:-1], strict=True))
            | {"appraisal": json.loads(r[-1]) if r[-1] else None}
            for r in rows
        ]
    finally:
        con.close()


def certainty_history(
    question_ids: list[str], hist: Path | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Per question and recorded build (oldest first): ``data_version, recorded_at, certainty,
    verdict`` -- :func:`question_history`'s columns a page's timeline shows, for many questions with
    one connection and one query."""
    out: dict[str, list[dict[str, Any]]] = {q: [] for q in question_ids}
    if not question_ids:
        return out
    con = _reader(hist or history_path())
    if con is None:
        return out
    try:
        rows = con.execute(
            "SELECT q.question_id, b.data_version, b.recorded_at, q.certainty, q.verdict "
            "FROM hist_questions q JOIN hist_builds b USING (data_version) "
            "WHERE list_contains(?, q.question_id) ORDER BY b.recorded_at, b.rowid", [question_ids]).fetchall()  # fmt: skip
    finally:
        con.close()
    keys = ("data_version", "recorded_at", "certainty", "verdict")
    for r in rows:
        out[r[0]].append(dict(zip(keys, r[1:], strict=True)))
    return out


def recorded_builds(hist: Path | None = None) -> list[dict[str, Any]]:
    """Every recorded build, oldest first: ``data_version, recorded_at, questions`` (the first one is
    where the history starts: nothing can have changed before it)."""
    con = _reader(hist or history_path())
    if con is None:
        return []
    try:
        rows = con.execute(
            "SELECT b.data_version, b.recorded_at, count(q.question_id) FROM hist_builds b "
            "LEFT JOIN hist_questions q USING (data_version) GROUP BY b.data_version, b.recorded_at, "
            "b.rowid ORDER BY b.recorded_at, b.rowid"
        ).fetchall()
        return [{"data_version": v, "recorded_at": r, "questions": n} for v, r, n in rows]
    finally:
        con.close()


def recent_changes(limit: int = 100, hist: Path | None = None) -> list[dict[str, Any]]:
    """The site-wide "what changed" list, newest first."""
    con = _reader(hist or history_path())
    if con is None:
        return []
    try:
        cur = con.execute(
            "SELECT * FROM hist_changes ORDER BY recorded_at DESC, rowid DESC LIMIT ?", [limit]
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()

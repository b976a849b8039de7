"""One answer per question: the one recipe every surface shows, computed once by the build and stored.

The recipe, for a question:

1. registered trials of its substances and indication that finished without results (imported registry
   records) -> the publication-bias domain;
2. a trial sequential analysis at the relative risk reduction declared in ``rules.yaml``
   (``information_size.relative_risk_reduction``, the same RRR as GRADE's optimal information size)
   -> the imprecision domain;
3. :func:`immunograde.evidence.question.grade_question` -> the :class:`Appraisal`, with the TSA block
   (``rrr, required_information_size, information_fraction, conclusion, reconciliation``) and the
   knowledge base's ``data_version`` attached.

For a substance, :func:`immunograde.evidence.substance.appraise_substance` runs on those same inputs, so
its questions *are* the questions' appraisals.  ``immunograde build`` stores every substance's and every
question's appraisal as JSON in the knowledge base (``appraisals``, ``substance_appraisals``); the web
pages, the API, ``immunograde appraise``, the dossier and the evidence history read them back
(:class:`Answers`).  A knowledge base built without them (``kb build``) gets the same recipe computed on
first use, once per process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import os
import re
import threading
import weakref
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any

from immunograde import __version__
from immunograde.errors import Msg, NotFoundError
from immunograde.evidence.question import Appraisal, appraise_question
from immunograde.evidence.substance import (
    FormVerdict,
    SubstanceAppraisal,
    appraise_substance,
    resolve_substance,
)
from immunograde.evidence.tsa import QuestionTSA
from immunograde.evidence.tsa_grading import question_tsa_for_grading, tsa_summary
from immunograde.grading.inputs import TsaSummary
from immunograde.grading.profile import ProfileAnswer
from immunograde.grading.reconcile import GROUPS, reconcile
from immunograde.grading.sof import SofRow
from immunograde.ingest.queries import studies_matching
from immunograde.jsonable import to_jsonable
from immunograde.kb.models import Question
from immunograde.kb.queries import KnowledgeBase
from immunograde.procs import die_with_parent

__all__ = [
    "Answers",
    "appraisal_from_json",
    "compute_question",
    "compute_substance",
    "missing_results_from_registry",
    "rules_fingerprint",
    "store_answers",
    "substance_from_json",
]

FINISHED = ("COMPLETED", "TERMINATED")
_DDL = (
    "CREATE TABLE appraisals (question_id VARCHAR PRIMARY KEY, appraisal_json VARCHAR)",
    "CREATE TABLE substance_appraisals (substance_id VARCHAR PRIMARY KEY, appraisal_json VARCHAR)",
    "CREATE TABLE appraisals_meta (data_version VARCHAR, rules_fingerprint VARCHAR)",
)


def rules_fingerprint() -> str:
    """A hash of the rules file and the package version: stored answers computed under other rules or
    another release are not used (the same recipe computes them instead)."""
    text = resources.files("immunograde.grading").joinpath("rules.yaml").read_bytes()
    return hashlib.sha256(text + __version__.encode()).hexdigest()[:16]


def missing_results_from_registry(kb: KnowledgeBase) -> Callable[[Question], list[tuple[str, int]]]:
    """Registered, finished trials of the question's substances and indication with no results posted
    (imported ClinicalTrials.gov records; nothing when none were imported)."""

    def lookup(q: Question) -> list[tuple[str, int]]:
        names = [n for s in q.intervention.substance_ids() for n in kb.get_substance(s).all_names()]
        cond = re.sub(r"\(.*?\)", "", q.indication or "").strip()
        if not names or "reg_studies" not in kb.table_names():  # no registry records imported
            return []
        found = studies_matching(kb.con, names, [cond] if cond else [], FINISHED)
        return [(t.nct_id, t.enrollment or 0) for t in found if t.has_results is False]

    return lookup


def _tsa_block(a: Appraisal, t: QuestionTSA | None) -> dict[str, Any] | None:
    if t is None:
        return None
    rrr = float(t.rrr) if t.rrr is not None else None
    sentence = None
    if a.verdict in GROUPS and rrr is not None:
        sentence = reconcile(a.verdict, a.certainty, t.conclusion, rrr)
    return {
        "rrr": rrr,
        "required_information_size": int(t.required_information_size),
        "participants": int(t.participants),
        "information_fraction": float(t.information_fraction),
        "conclusion": t.conclusion,
        "reconciliation": sentence,
        "rrr_applies_to": t.rrr_applies_to,
        "mid": None if t.mid is None else float(t.mid),
        "diversity": float(t.diversity),
        "what_would_it_take": t.what_would_it_take,
    }


def _data_version(kb: KnowledgeBase) -> str | None:
    info = kb.build_info() or {}
    v = info.get("data_version")
    return None if v is None else str(v)


#: each open knowledge base's TSAs by question: a question shared by several substances (a class, a
#: product of two) is analysed once per build worker (the file version an instance reads never changes)
_TSA_MEMO: weakref.WeakKeyDictionary[KnowledgeBase, dict[str, QuestionTSA | None]] = (
    weakref.WeakKeyDictionary()
)
_MEMO_LOCK = threading.Lock()


def _tsa(kb: KnowledgeBase, question_id: str) -> QuestionTSA | None:
    with _MEMO_LOCK:
        memo = _TSA_MEMO.setdefault(kb, {})
        if question_id in memo:
            return memo[question_id]
    result = question_tsa_for_grading(kb, question_id)
    with _MEMO_LOCK:
        memo[question_id] = result
    return result


def _tsas(kb: KnowledgeBase, qids: Iterable[str]) -> dict[str, QuestionTSA | None]:
    return {q: _tsa(kb, q) for q in qids}


def compute_question(
    kb: KnowledgeBase, question_id: str, *, baseline_risk: float | None = None
) -> Appraisal:
    """The recipe for one question (module docstring)."""
    q = kb.get_question(question_id)
    t = _tsa(kb, q.id)
    a = appraise_question(
        kb,
        q.id,
        tsa=None if t is None else tsa_summary(t),
        missing_results=missing_results_from_registry(kb)(q),
        baseline_risk=baseline_risk,
    )
    return dataclasses.replace(a, tsa=_tsa_block(a, t), data_version=_data_version(kb))


def compute_substance(
    kb: KnowledgeBase,
    name: str,
    indication: str | None = None,
    *,
    baseline_risk: float | None = None,
) -> SubstanceAppraisal:
    """The recipe for a substance: :func:`appraise_substance` on the questions' own inputs."""
    from immunograde.evidence.substance import resolve_substance

    sub, _ = resolve_substance(kb, name)
    tsas = _tsas(kb, (q.id for q in kb.questions_for(sub.id)))
    summaries: dict[str, TsaSummary] = {q: tsa_summary(t) for q, t in tsas.items() if t is not None}
    sa = appraise_substance(
        kb,
        name,
        indication,
        tsa=summaries,
        missing_results=missing_results_from_registry(kb),
        baseline_risk=baseline_risk,
    )
    version = _data_version(kb)
    questions = [
        dataclasses.replace(a, tsa=_tsa_block(a, tsas.get(a.question_id)), data_version=version)
        for a in sa.questions
    ]
    return dataclasses.replace(sa, questions=questions)


def _dumps(obj: Any) -> str:
    return json.dumps(to_jsonable(obj), sort_keys=True, ensure_ascii=False)


_WORKER_KB: KnowledgeBase | None = None


def _worker_init(path: str, in_worker: bool = True) -> None:
    global _WORKER_KB
    if in_worker:
        die_with_parent()  # killed with the build (a killed build leaves no workers)
    _WORKER_KB = KnowledgeBase(Path(path)).bulk()


def _substance_job(sid: str) -> tuple[str, str, list[tuple[str, str]]]:
    """One substance's appraisal and its questions', as stored JSON (runs in a build worker)."""
    assert _WORKER_KB is not None
    sa = compute_substance(_WORKER_KB, sid)
    return sid, _dumps(sa), [(a.question_id, _dumps(a)) for a in sa.questions]


def _question_job(qid: str) -> tuple[str, str]:
    assert _WORKER_KB is not None
    return qid, _dumps(compute_question(_WORKER_KB, qid))


def build_workers() -> int:
    """Processes for the build's appraisals: ``IMMUNOGRADE_BUILD_WORKERS``, else the usable cores."""
    env = os.environ.get("IMMUNOGRADE_BUILD_WORKERS")
    if env:
        return max(1, int(env))
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _compute_all(
    path: Path, sids: list[str], lone: list[str], workers: int
) -> tuple[dict[str, str], dict[str, str]]:
    """Every substance's and every lone question's stored JSON, in ``workers`` processes (one process
    when small or asked); results are merged in id order, so the stored file does not depend on them."""
    if workers <= 1 or len(sids) + len(lone) < 200:
        _worker_init(str(path), in_worker=False)
        try:
            subs = [_substance_job(s) for s in sids]
            qs = [_question_job(q) for q in lone]
        finally:
            global _WORKER_KB
            if _WORKER_KB is not None:
                _WORKER_KB.close()
            _WORKER_KB = None
    else:
        ctx = multiprocessing.get_context("spawn")  # no DuckDB connection crosses a fork
        with ProcessPoolExecutor(workers, ctx, _worker_init, (str(path),)) as pool:
            subs = list(pool.map(_substance_job, sids, chunksize=4))
            qs = list(pool.map(_question_job, lone, chunksize=4))
    substances: dict[str, str] = {}
    questions: dict[str, str] = {}
    for sid, blob, members in sorted(subs):
        substances[sid] = blob
        for qid, qblob in members:
            questions.setdefault(qid, qblob)
    questions.update(dict(qs))
    return questions, substances


def store_answers(db_path: Path, workers: int | None = None) -> tuple[int, int]:
    """Compute every substance's and question's answer and store them in the knowledge base at
    ``db_path`` (on a private copy, under the writer lock, published whole), in ``workers`` processes
    (default :func:`build_workers`).  Returns the numbers of questions and substances stored."""
    import duckdb

    from immunograde.kb.dbfile import rewrite

    with rewrite(db_path) as rw:
        kb = KnowledgeBase(rw.path)
        try:
            sids = [s.id for s in kb.list_substances()]
            held = {q.id for s in sids for q in kb.questions_for(s)}
            lone = [q.id for q in kb.all_questions() if q.id not in held]
            version = _data_version(kb)
        finally:
            kb.close()
        questions, substances = _compute_all(
            rw.path, sids, lone, build_workers() if workers is None else workers
        )
        con = duckdb.connect(str(rw.path))
        try:
            for table in ("appraisals", "substance_appraisals", "appraisals_meta"):
                con.execute(f"DROP TABLE IF EXISTS {table}")
            for ddl in _DDL:
                con.execute(ddl)
            con.executemany("INSERT INTO appraisals VALUES (?, ?)", sorted(questions.items()))
            con.executemany(
                "INSERT INTO substance_appraisals VALUES (?, ?)", sorted(substances.items())
            )
            con.execute("INSERT INTO appraisals_meta VALUES (?, ?)", [version, rules_fingerprint()])
            con.execute("CHECKPOINT")
        finally:
            con.close()
    return len(questions), len(substances)


def _profile(rows: list[dict[str, Any]]) -> list[ProfileAnswer]:
    return [ProfileAnswer(**{**p, "trials": tuple(p["trials"])}) for p in rows]


def appraisal_from_json(d: dict[str, Any]) -> Appraisal:
    """The :class:`Appraisal` a stored JSON object describes (the inverse of ``to_jsonable``)."""
    d = dict(d)
    d["profile"] = _profile(d["profile"])
    if d.get("sof") is not None:
        d["sof"] = SofRow(**{**d["sof"], "footnotes": tuple(d["sof"]["footnotes"])})
    return Appraisal(**d)


def substance_from_json(d: dict[str, Any]) -> SubstanceAppraisal:
    """The :class:`SubstanceAppraisal` a stored JSON object describes."""
    d = dict(d)
    d["questions"] = [appraisal_from_json(a) for a in d["questions"]]
    d["verdicts"] = [FormVerdict(**{**v, "profile": _profile(v["profile"])}) for v in d["verdicts"]]
    return SubstanceAppraisal(**d)


class Answers:
    """The stored answers of one knowledge base (computed with the same recipe when not stored).

    Thread-safe; one per open knowledge base.  ``question(id)`` and ``substance(id)`` return the same
    objects every surface shows.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._lock = threading.RLock()
        self._questions: dict[str, Appraisal] = {}
        self._substances: dict[str, SubstanceAppraisal] = {}
        self.stored = self._has_stored()

    def _has_stored(self) -> bool:
        try:
            row = self.kb.con.execute(
                "SELECT data_version, rules_fingerprint FROM appraisals_meta"
            ).fetchone()
        except Exception:
            return False
        return row is not None and row[1] == rules_fingerprint()

    def question(self, question_id: str) -> Appraisal:
        with self._lock:
            if question_id in self._questions:
                return self._questions[question_id]
            a = self._read("appraisals", "question_id", question_id)
            appraisal = (
                appraisal_from_json(a) if a is not None else compute_question(self.kb, question_id)
            )
            self._questions[question_id] = appraisal
            return appraisal

    def substance(self, substance_id: str) -> SubstanceAppraisal:
        with self._lock:
            if substance_id in self._substances:
                return self._substances[substance_id]
            d = self._read("substance_appraisals", "substance_id", substance_id)
            sa = (
                substance_from_json(d)
                if d is not None
                else compute_substance(self.kb, substance_id)
            )
            self._substances[substance_id] = sa
            for a in sa.questions:
                self._questions.setdefault(a.question_id, a)
            return sa

    def question_json(self, question_id: str) -> str:
        """The question's appraisal as the JSON text every surface serves (the stored text itself
        when stored)."""
        if self.stored:
            row = self.kb.con.execute(
                "SELECT appraisal_json FROM appraisals WHERE question_id = ?", [question_id]
            ).fetchone()
            if row is not None:
                return str(row[0])
        return _dumps(self.question(question_id))

    def asked(self, name: str) -> SubstanceAppraisal:
        """What ``immunograde appraise NAME`` shows: a substance by any of its names, or one question by its
        id - then its substance's stored answer narrowed to that question and the verdict it feeds (the same
        stored objects, nothing recomputed).  ``NotFoundError`` (with the substances' suggestions) else."""
        try:
            return self.substance(resolve_substance(self.kb, name)[0].id)
        except NotFoundError:
            if not self.kb.has_question(name):
                raise
        for sid in self._substances_of(self.kb.get_question(name)):
            sa = self.substance(sid)
            asked = [a for a in sa.questions if a.question_id == name]
            if asked:
                verdicts = [v for v in sa.verdicts if name in v.question_ids]
                return dataclasses.replace(sa, questions=asked, verdicts=verdicts)
        raise NotFoundError(Msg("no substance's answer holds question %(id)s.", id=repr(name)), [])

    def _substances_of(self, q: Question) -> list[str]:
        """The substances whose answers may hold question ``q`` (its intervention's, first the named one)."""
        i = q.intervention
        ids = [i.substance] if i.substance else []
        ids += list(i.substances)
        if i.product:
            ids += list(self.kb.get_product(i.product).substances)
        if i.drug_class:
            ids += [s.id for s in self.kb.class_members(i.drug_class)]
        return list(dict.fromkeys(ids))

    def _read(self, table: str, key: str, value: str) -> dict[str, Any] | None:
        if not self.stored:
            return None
        row = self.kb.con.execute(
            f"SELECT appraisal_json FROM {table} WHERE {key} = ?", [value]
        ).fetchone()
        if row is None:
            # a question id that does not exist raises NotFoundError with suggestions
            if table == "appraisals":
                self.kb.get_question(value)
            else:
                self.kb.get_substance(value)
            raise NotFoundError(
                Msg("no stored appraisal for %(id)s; rebuild the knowledge base.", id=repr(value))
            )
        return dict(json.loads(row[0]))

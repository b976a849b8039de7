"""``kb check``: validate every reviewed file and every cross-reference, reporting ALL problems.

:func:`check_kb` loads the data folder (:mod:`.loader` finds schema problems) and then checks what no
single record can check on its own: unique ids, file stems, references between records (a product's
substances, a question's trials, a ``source.ref``), and that cited shared data files exist.  It also
validates the spec files under ``data/specs`` (:mod:`.specs`) and lists the records and specs whose
``next_review`` date has passed (:mod:`.review_due`: warnings, distinct from problems).
Hand-curated records (quotes holding their numbers, search logs) are checked by :mod:`.check_curation`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from immunograde.errors import Msg, Problem
from immunograde.kb.check_curation import UNKNOWN, curation_problems
from immunograde.kb.loader import ONE_PER_FILE, LoadedKB, Located, load_kb
from immunograde.kb.models import Question, SourceRef, Trial
from immunograde.kb.review_due import ReviewDue, overdue
from immunograde.kb.specs import LoadedSpecs, load_specs


@dataclass(frozen=True)
class CheckResult:
    """The loaded knowledge base, every problem found (empty = the data are consistent) and the
    records whose ``next_review`` has passed (warnings: they do not make the check fail)."""

    kb: LoadedKB
    problems: list[Problem]
    review_due: list[ReviewDue] = dataclasses.field(default_factory=list)
    specs: LoadedSpecs = dataclasses.field(default_factory=LoadedSpecs)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        counts = {kind: len(recs) for kind, recs in self.kb.records.items()}
        counts["specs"] = len(self.specs.all())
        return counts


def _ids(kb: LoadedKB, kind: str) -> set[str]:
    return {loc.record.id for loc in kb.of(kind)}


def _unique_ids(kb: LoadedKB) -> Iterable[Problem]:
    for kind, located in kb.records.items():
        if kind == "regulatory":
            continue
        first: dict[str, Located[Any]] = {}
        for loc in located:
            rid = loc.record.id
            if rid in first:
                prev = first[rid]
                yield Problem(
                    Msg(
                        "duplicate %(kind)s id (first at %(file)s:%(line)s)",
                        kind=kind,
                        file=prev.file,
                        line=prev.line,
                    ),
                    loc.file,
                    loc.line_of("id"),
                    "id",
                )
            else:
                first[rid] = loc
            if kind in ONE_PER_FILE and Path(loc.file).stem != rid:
                yield Problem(
                    Msg("id %(id)s differs from the file name", id=repr(rid)),
                    loc.file,
                    loc.line_of("id"),
                    "id",
                )


def _missing(
    loc: Located[Any], field: str, value: str | None, known: set[str], what: str
) -> Iterable[Problem]:
    if value is not None and value not in known:
        message = Msg(UNKNOWN[what], value=repr(value))
        yield Problem(message, loc.file, loc.line_of(field), field)


def _catalogue_refs(kb: LoadedKB) -> Iterable[Problem]:
    classes, subs, prods = _ids(kb, "classes"), _ids(kb, "substances"), _ids(kb, "products")
    for loc in kb.of("classes"):
        yield from _missing(loc, "parent", loc.record.parent, classes, "class")
    for loc in kb.of("substances"):
        for i, c in enumerate(loc.record.classes):
            yield from _missing(loc, f"classes.{i}", c, classes, "class")
    for loc in kb.of("products"):
        for i, s in enumerate(loc.record.substances):
            yield from _missing(loc, f"substances.{i}", s, subs, "substance")
    for loc in kb.of("regulatory"):
        yield from _missing(loc, "substance", loc.record.substance, subs, "substance")
        yield from _missing(loc, "product", loc.record.product, prods, "product")
    for loc in kb.of("claims"):
        for i, s in enumerate(loc.record.substances):
            yield from _missing(loc, f"substances.{i}", s, subs, "substance")
        for i, p in enumerate(loc.record.products):
            yield from _missing(loc, f"products.{i}", p, prods, "product")


def _trial_refs(kb: LoadedKB) -> Iterable[Problem]:
    subs, prods, questions = _ids(kb, "substances"), _ids(kb, "products"), _ids(kb, "questions")
    for loc in kb.of("trials"):
        trial: Trial = loc.record
        for i, arm in enumerate(trial.arms):
            yield from _missing(loc, f"arms.{i}.substance", arm.substance, subs, "substance")
            yield from _missing(loc, f"arms.{i}.product", arm.product, prods, "product")
        for i, rob in enumerate(trial.rob):
            yield from _missing(loc, f"rob.{i}.question", rob.question, questions, "question")


def _question_refs(kb: LoadedKB) -> Iterable[Problem]:
    subs, trials, classes = _ids(kb, "substances"), _ids(kb, "trials"), _ids(kb, "classes")
    products = {loc.record.id: loc.record for loc in kb.of("products")}
    for loc in kb.of("questions"):
        q: Question = loc.record
        yield from _missing(
            loc, "intervention.substance", q.intervention.substance, subs, "substance"
        )
        yield from _missing(
            loc, "intervention.product", q.intervention.product, set(products), "product"
        )
        for i, s in enumerate(q.intervention.substances):
            yield from _missing(loc, f"intervention.substances.{i}", s, subs, "substance")
        yield from _missing(
            loc, "intervention.drug_class", q.intervention.drug_class, classes, "class"
        )
        prod = products.get(q.intervention.product or "")
        if prod is not None and prod.route != q.intervention.route:
            msg = Msg("route %(route)s differs from product %(product)s route %(product_route)s",
                      route=repr(q.intervention.route), product=repr(prod.id),
                      product_route=repr(prod.route))  # fmt: skip
            yield Problem(msg, loc.file, loc.line_of("intervention.route"), "intervention.route")
        seen: set[tuple[str, str | None]] = set()
        for i, row in enumerate(q.data):
            yield from _missing(loc, f"data.{i}.trial", row.trial, trials, "trial")
            if (row.trial, row.subgroup) in seen:
                yield Problem(
                    Msg("trial %(trial)s appears twice", trial=repr(row.trial)),
                    loc.file,
                    loc.line_of(f"data.{i}.trial"),
                    f"data.{i}.trial",
                )
            seen.add((row.trial, row.subgroup))


def _source_refs(kb: LoadedKB, shared_data: Path | None) -> Iterable[Problem]:
    refs = _ids(kb, "sources")
    checked: dict[str, bool] = {}
    for kind, located in kb.records.items():
        for loc in located:
            sources: list[tuple[str, SourceRef | None]] = [("source", loc.record.source)]
            if kind == "questions":
                sources += [(f"data.{i}.source", r.source) for i, r in enumerate(loc.record.data)]
                sources += [
                    (f"published.{i}.source", r.source) for i, r in enumerate(loc.record.published)
                ]
            for field, src in sources:
                if src is None:
                    continue
                yield from _missing(loc, f"{field}.ref", src.ref, refs, "source")
                if src.file and shared_data is not None:
                    if src.file not in checked:
                        checked[src.file] = (shared_data / src.file).is_file()
                    if not checked[src.file]:
                        yield Problem(
                            Msg("no such shared data file %(file)s", file=repr(src.file)),
                            loc.file,
                            loc.line_of(f"{field}.file"),
                            f"{field}.file",
                        )


_DATA_SUFFIXES = {".yaml", ".yml", ".csv", ".json"}


def _stray_files(data_dir: Path, read: set[Path]) -> Iterable[Problem]:
    """Data-looking files no loader reads (a typo in a folder or suffix loses data silently)."""
    for path in sorted(data_dir.rglob("*")):
        if path.is_file() and path.suffix in _DATA_SUFFIXES and path not in read:
            label = path.relative_to(data_dir).as_posix()
            yield Problem(
                Msg("not in a known location or with a known suffix, so it is not read"), label
            )


def _specs_generated(kb: LoadedKB, specs: LoadedSpecs) -> Iterable[Problem]:
    """Every question spec has its generated question (else tools/seed_evidence.py was not run), and
    every trial a trial spec names is a trial of that spec's generated group file."""
    made = _ids(kb, "questions")
    for loc in specs.questions:
        if loc.record.id not in made:
            yield Problem(
                Msg("no generated data/questions file: run tools/seed_evidence.py"),
                loc.file,
                loc.line_of("id"),
                "id",
            )
    trial_file = {t.record.id: t.file for t in kb.of("trials")}
    for tspec in specs.trials:
        group = f"trials/{tspec.record.id}.yaml"
        for i, t in enumerate(tspec.record.trials):
            if trial_file.get(t.trial) != group:
                yield Problem(
                    Msg("no trial %(trial)s in %(file)s", trial=repr(t.trial), file=group),
                    tspec.file,
                    tspec.line_of(f"trials.{i}.trial"), f"trials.{i}.trial",
                )  # fmt: skip


def check_kb(
    data_dir: Path, shared_data: Path | None = None, today: dt.date | None = None
) -> CheckResult:
    """Validate everything under ``data_dir``; ``shared_data`` (if given and present) must hold cited files.

    ``today`` (default: the clock's date) decides which ``next_review`` dates have passed."""
    kb = load_kb(data_dir)
    specs = load_specs(data_dir)
    if shared_data is not None and not shared_data.is_dir():
        shared_data = None
    problems = list(kb.problems) + list(specs.problems)
    for checker in (_unique_ids, _catalogue_refs, _trial_refs, _question_refs):
        problems.extend(checker(kb))
    problems.extend(_source_refs(kb, shared_data))
    problems.extend(curation_problems(kb))
    problems.extend(_specs_generated(kb, specs))
    problems.extend(_stray_files(data_dir, set(kb.files) | set(specs.files)))
    problems.sort(key=lambda p: (p.file or "", p.line or 0, p.field or ""))
    records = [(kind, loc) for kind, locs in kb.records.items() for loc in locs]
    records += [("spec", loc) for loc in specs.all()]
    return CheckResult(kb, problems, overdue(records, today), specs)

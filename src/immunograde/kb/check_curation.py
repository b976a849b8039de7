"""``kb check`` for hand-curated evidence: quotes hold their numbers, search logs point at real records.

Records whose ``extracted_by`` is not a ``script:`` are hand-extracted (``/work/shared/CURATION.md``):

- every outcome-data row carries ``source.quote`` and every number in the row (``ai, n1i, ci, n2i``,
  means, SDs/SEs, ``estimate, ci_low, ci_high`` …) is written in that quote (:mod:`.quotes`); a
  continuous row says what its spread is (``dispersion``) and every row with counts says which
  participants they are (``denominator``);
- every trial number (``n_randomised``, each arm's ``n`` and ``n_analysed``) is in the quote of the
  trial's ``source`` or of one of its ``more_sources``;
- a regulatory status other than ``unknown`` carries ``source.quote``.

Every ``reported:`` entry (hand-written by nature) has a quote holding its numbers and names a trial and
arms that exist.  A search log names a real substance, its products and trials, and its ``finding``
agrees with the trials it lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from immunograde.errors import N_, Msg, Problem
from immunograde.kb.loader import LoadedKB, Located
from immunograde.kb.model_evidence import ROW_NUMBERS
from immunograde.kb.models import OutcomeData, SearchLog, SourceRef, Trial, registry_of
from immunograde.kb.quotes import missing_from_quote

#: "unknown class 'x'": one message per kind of record (the Russian adjective agrees with the noun)
UNKNOWN = {
    "class": N_("unknown class %(value)s"), "substance": N_("unknown substance %(value)s"),
    "product": N_("unknown product %(value)s"), "question": N_("unknown question %(value)s"),
    "trial": N_("unknown trial %(value)s"), "source": N_("unknown source %(value)s"),
}  # fmt: skip


def _hand(loc: Located[Any]) -> bool:
    return not loc.record.extracted_by.startswith("script:")


def _problem(loc: Located[Any], field: str, message: str) -> Problem:
    return Problem(message, loc.file, loc.line_of(field), field)


def _numbers_in_quote(
    loc: Located[Any], prefix: str, numbers: Mapping[str, float], quotes: list[str]
) -> Iterable[Problem]:
    for name in missing_from_quote(numbers, quotes):
        yield _problem(
            loc,
            f"{prefix}{name}",
            Msg("%(number)s is not in its quote", number=format(numbers[name], "g")),
        )


def _row_problems(loc: Located[Any], i: int, row: OutcomeData) -> Iterable[Problem]:
    where = f"data.{i}."
    if row.source is None or not row.source.quote:
        yield _problem(loc, f"{where}source", Msg("a hand-extracted row needs source.quote "
                       "(the sentence or table row its numbers were read from)"))  # fmt: skip
        return
    numbers = {f: float(v) for f in ROW_NUMBERS if (v := getattr(row, f)) is not None}
    yield from _numbers_in_quote(loc, where, numbers, [row.source.quote])
    if row.form() == "continuous" and row.dispersion is None:
        yield _problem(loc, f"{where}dispersion", Msg("say what the spread is: sd, se or unclear"))
    if (row.n1i is not None or row.bi is not None) and row.denominator is None:
        yield _problem(loc, f"{where}denominator", Msg("say whether n1i/n2i count those randomised "
                       "or those analysed (randomised, analysed, unclear)"))  # fmt: skip


def _arm_labels(
    loc: Located[Any], where: str, trial: Trial | None, arms: tuple[str | None, str | None]
) -> Iterable[Problem]:
    if trial is None:
        return
    labels = {a.label for a in trial.arms}
    for name, label in zip(("arm1", "arm2"), arms, strict=True):
        if label is not None and labels and label not in labels:
            yield _problem(
                loc,
                f"{where}{name}",
                Msg("trial %(trial)s has no arm %(arm)s", trial=repr(trial.id), arm=repr(label)),
            )


def _question_problems(loc: Located[Any], trials: dict[str, Trial]) -> Iterable[Problem]:
    q = loc.record
    if _hand(loc):
        for i, row in enumerate(q.data):
            yield from _row_problems(loc, i, row)
            yield from _arm_labels(loc, f"data.{i}.", trials.get(row.trial), (row.arm1, row.arm2))
    for i, rep in enumerate(q.reported):
        where = f"reported.{i}."
        if rep.trial not in trials:
            yield _problem(loc, f"{where}trial", Msg(UNKNOWN["trial"], value=repr(rep.trial)))
        yield from _arm_labels(loc, where, trials.get(rep.trial), (rep.arm1, rep.arm2))
        if not rep.source.quote:
            yield _problem(loc, f"{where}source", Msg("a reported result needs source.quote"))
        else:
            yield from _numbers_in_quote(loc, where, rep.numbers(), [rep.source.quote])


def _trial_problems(loc: Located[Trial]) -> Iterable[Problem]:
    t = loc.record
    numbers: dict[str, float] = {}
    if t.n_randomised is not None:
        numbers["n_randomised"] = t.n_randomised
    for i, arm in enumerate(t.arms):
        for name in ("n", "n_analysed"):
            if (v := getattr(arm, name)) is not None:
                numbers[f"arms.{i}.{name}"] = v
    quotes = [s.quote for s in (t.source, *t.more_sources) if s.quote]
    if numbers and not quotes:
        yield _problem(loc, "source", Msg("a hand-extracted trial with participant numbers needs a "
                       "source.quote (or more_sources quotes) holding them"))  # fmt: skip
    elif numbers:
        yield from _numbers_in_quote(loc, "", numbers, quotes)


def _ids(kb: LoadedKB, kind: str) -> set[str]:
    return {loc.record.id for loc in kb.of(kind)}


def _log_problems(
    loc: Located[SearchLog], kb: LoadedKB, trials: dict[str, Trial]
) -> Iterable[Problem]:
    log = loc.record
    products = {p.record.id: p.record for p in kb.of("products")}
    if log.substance not in _ids(kb, "substances"):
        yield _problem(loc, "substance", Msg(UNKNOWN["substance"], value=repr(log.substance)))
    for i, pid in enumerate(log.products):
        if pid not in products:
            yield _problem(loc, f"products.{i}", Msg(UNKNOWN["product"], value=repr(pid)))
        elif log.substance not in products[pid].substances:
            yield _problem(
                loc,
                f"products.{i}",
                Msg(
                    "product %(product)s does not contain %(substance)s",
                    product=repr(pid),
                    substance=repr(log.substance),
                ),
            )
    names = {log.substance, *log.products}
    randomised = controlled = False
    for i, item in enumerate(log.found):
        for j, rid in enumerate(item.registry_ids):
            if registry_of(rid) is None:
                yield _problem(
                    loc,
                    f"found.{i}.registry_ids.{j}",
                    Msg("%(id)s matches no registry format", id=repr(rid)),
                )
        if item.trial is None:
            continue
        trial = trials.get(item.trial)
        if trial is None:
            yield _problem(loc, f"found.{i}.trial", Msg(UNKNOWN["trial"], value=repr(item.trial)))
            continue
        randomised |= trial.design.randomised is True
        controlled |= trial.design.randomised is not False and (
            trial.design.control not in ("none", "unknown") or any(a.control for a in trial.arms)
        )
        if not any({a.substance, a.product} & names for a in trial.arms):
            yield _problem(loc, f"found.{i}.trial", Msg("no arm of trial %(trial)s names %(substance)s or the log's products",
                           trial=repr(trial.id), substance=repr(log.substance)))  # fmt: skip
    if log.finding == "randomised_trials_found" and not randomised:
        yield _problem(
            loc, "finding", Msg("randomised_trials_found needs a found trial with randomised: true")
        )
    if log.finding == "controlled_trials_found" and (randomised or not controlled):
        yield _problem(loc, "finding", Msg("controlled_trials_found needs a found trial with a control arm "
                       "and randomised: null, and none with randomised: true (that is "
                       "randomised_trials_found)"))  # fmt: skip
    if log.finding == "no_randomised_trial_found" and randomised:
        yield _problem(loc, "finding", Msg("a found trial is randomised: the finding cannot be "
                       "no_randomised_trial_found"))  # fmt: skip


def _source_refs(loc: Located[Any], refs: set[str]) -> Iterable[Problem]:
    sources: list[tuple[str, SourceRef]] = []
    if isinstance(loc.record, Trial):
        sources += [(f"more_sources.{i}", s) for i, s in enumerate(loc.record.more_sources)]
    for i, rep in enumerate(getattr(loc.record, "reported", ())):
        sources.append((f"reported.{i}.source", rep.source))
    for field, src in sources:
        if src.ref is not None and src.ref not in refs:
            yield _problem(loc, f"{field}.ref", Msg(UNKNOWN["source"], value=repr(src.ref)))


def curation_problems(kb: LoadedKB) -> Iterable[Problem]:
    """Every hand-curation problem in a loaded knowledge base."""
    trials = {loc.record.id: loc.record for loc in kb.of("trials")}
    refs = _ids(kb, "sources")
    for loc in kb.of("questions"):
        yield from _question_problems(loc, trials)
        yield from _source_refs(loc, refs)
    for loc in kb.of("trials"):
        yield from _source_refs(loc, refs)
        if _hand(loc):
            yield from _trial_problems(loc)
    for loc in kb.of("search_logs"):
        yield from _log_problems(loc, kb, trials)
    for loc in kb.of("regulatory"):
        if _hand(loc) and loc.record.status != "unknown" and not loc.record.source.quote:
            yield _problem(loc, "source", Msg("a hand-sourced regulatory status needs source.quote "
                           "(the sentence that states it)"))  # fmt: skip

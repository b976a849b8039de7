"""The question specs, read from the reviewed files ``data/specs/questions/*.yaml``.

The editorial part of every question (PICO, outcome, preferred analysis, published results, notes, and
which rows of which shared file belong to it) is reviewed data, validated by
:class:`immunograde.kb.model_specs.QuestionSpec` (unknown keys are errors naming file, line and key).
Readers ask for the specs that name them (:func:`for_reader`); :func:`unused` lists specs no reader took.
"""

from __future__ import annotations

from functools import cache

from immunograde.kb.specs import SpecOf, TrialSpecOf, question_specs, trial_specs
from immunograde.settings import data_dir

P70 = "trials/cochrane_pairwise70/"


@cache
def specs() -> dict[str, SpecOf]:
    """Every question spec by id (raises InputError listing all problems)."""
    return question_specs(data_dir())


@cache
def trial_facts() -> tuple[TrialSpecOf, ...]:
    """Hand-read design facts of generated trials, ``data/specs/trials/<group>.yaml`` (file order)."""
    return tuple(trial_specs(data_dir()))


def spec(qid: str) -> SpecOf:
    """One spec by id (KeyError names the missing file)."""
    try:
        return specs()[qid]
    except KeyError:
        raise KeyError(f"no question spec data/specs/questions/{qid}.yaml") from None


def for_reader(reader: str, file: str | None = None) -> list[SpecOf]:
    """Specs whose dataset names ``reader`` (sorted by id); ``file`` must match when given."""
    out = [s for _, s in sorted(specs().items()) if s.spec.dataset.reader == reader]
    for s in out:
        if file is not None and s.spec.dataset.file != file:
            raise ValueError(f"{s.file}: dataset.file must be {file!r} for reader {reader!r}")
    return out

"""The natural course of an indication: control arms of the knowledge base's trials, chosen by the reviewed
file ``natural_course.yaml`` beside this module (indication groups, outcomes by time point, which count
means "improved"), read from the questions' data rows (arm 2).

A group's questions are derived from the questions' ``indication`` field; an outcome pools only its own
questions' control arms (never two outcomes or time points together); a question of the group that has
control-arm numbers but no outcome must be explained in ``not_used``.  One arm per trial and values: the
same placebo arm read by two questions of one outcome counts once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from immunograde.kb.models import Question
from immunograde.kb.queries import KnowledgeBase, OutcomeRow

__all__ = ["ControlArm", "GroupSpec", "NaturalCourse", "OutcomeSpec", "control_arms", "load"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OutcomeSpec(_Spec):
    """One outcome at one time point whose control arms are pooled together."""

    id: str
    name: str
    name_ru: str
    type: Literal["binary", "continuous"]
    improved: Literal["events", "non_events"] | None = None
    unit: str | None = None
    time_point: str
    time_point_ru: str
    questions: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _direction(self) -> OutcomeSpec:
        if self.type == "binary" and self.improved is None:
            raise ValueError(
                f"outcome {self.id}: a binary outcome needs improved: events|non_events"
            )
        if self.type == "continuous" and self.unit is None:
            raise ValueError(f"outcome {self.id}: a continuous outcome needs its unit")
        return self


class NotUsed(_Spec):
    question: str
    reason: str
    reason_ru: str


class GroupSpec(_Spec):
    """Indications (the questions' ``indication`` text, verbatim) treated as one."""

    id: str
    name: str
    name_ru: str
    aliases: tuple[str, ...] = ()
    indications: tuple[str, ...] = Field(min_length=1)
    outcomes: tuple[OutcomeSpec, ...]
    not_used: tuple[NotUsed, ...] = ()


class NaturalCourse(_Spec):
    """The reviewed file, with its review fields."""

    extracted_by: str
    checked_by: str | None
    date_reviewed: dt.date
    next_review: dt.date
    verified: bool
    groups: tuple[GroupSpec, ...]


FILE = "src/immunograde/evidence/natural_course.yaml"


@cache
def load() -> NaturalCourse:
    """The reviewed natural-course file (validated; a broken file is a bug, reported by its tests)."""
    text = (
        resources.files("immunograde.evidence").joinpath("natural_course.yaml").read_text("utf-8")
    )
    return NaturalCourse.model_validate(yaml.safe_load(text))


@dataclass(frozen=True)
class ControlArm:
    """One control arm: where it comes from and its numbers (``xi`` improved of ``ni``, or a mean)."""

    question_id: str
    trial_id: str
    trial_label: str
    year: int | None
    comparator: str
    events: float | None
    xi: float | None
    ni: float
    mi: float | None
    sdi: float | None


@dataclass(frozen=True)
class SkippedArm:
    """A control arm of a used question that cannot be pooled, and why."""

    question_id: str
    trial_id: str
    reason: str


def _arm(q: Question, row: OutcomeRow, spec: OutcomeSpec) -> ControlArm | None:
    v = row.values
    n = v.get("n2i")
    if n is None:
        return None
    if spec.type == "binary":
        ci = v.get("ci")
        if ci is None:
            return None
        xi = n - ci if spec.improved == "non_events" else ci
        return ControlArm(
            q.id, row.trial_id, row.label, row.year, q.comparator, ci, xi, n, None, None
        )
    if v.get("m2i") is None or v.get("sd2i") is None:
        return None
    return ControlArm(
        q.id, row.trial_id, row.label, row.year, q.comparator, None, None, n, v["m2i"], v["sd2i"]
    )


def control_arms(
    kb: KnowledgeBase, spec: OutcomeSpec, questions: tuple[str, ...] | None = None
) -> tuple[list[ControlArm], list[SkippedArm]]:
    """The outcome's control arms (of ``questions`` when given), deduplicated, and the arms left out."""
    arms: list[ControlArm] = []
    skipped: list[SkippedArm] = []
    seen: set[tuple[object, ...]] = set()
    for qid in questions or spec.questions:
        q = kb.get_question(qid)
        for row in kb.outcome_data(qid, include_unpooled=True):
            if row.not_pooled_reason:
                skipped.append(SkippedArm(qid, row.trial_id, row.not_pooled_reason))
                continue
            arm = _arm(q, row, spec)
            if arm is None:
                continue
            key = (arm.trial_id, arm.xi, arm.ni, arm.mi, arm.sdi)
            if key in seen:
                skipped.append(SkippedArm(qid, row.trial_id, "the same arm, already counted"))
                continue
            seen.add(key)
            arms.append(arm)
    return arms, skipped


def has_control_numbers(kb: KnowledgeBase, question_id: str) -> bool:
    """True when a data row of the question has control-arm counts or a mean with its SD."""
    for row in kb.outcome_data(question_id, include_unpooled=True):
        v = row.values
        if v.get("n2i") is not None and (
            v.get("ci") is not None or (v.get("m2i") is not None and v.get("sd2i") is not None)
        ):
            return True
    return False

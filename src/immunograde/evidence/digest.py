"""What a list of appraisals shows of each one: a few of :class:`~immunograde.evidence.question.Appraisal`'s
fields, under the same names, copied from the one stored appraisal (never recomputed).

The experience calculator (the product's own trials) and the claim checker (the answers behind an
assessment) each add the fields they need to this one block; :meth:`AppraisalDigest.of` fills every field
whose name is an appraisal's from that appraisal, so no surface restates the copy field by field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from immunograde.evidence.question import Appraisal


@dataclass(frozen=True)
class PooledResult:
    """The pooled result as every surface shows it (metafor's names; ``*_exp``: back-transformed for ratio
    measures).  :class:`~immunograde.evidence.question.Appraisal` and :class:`AppraisalDigest` both declare
    it by deriving from it, so the block is written once."""

    k: int
    participants: int
    measure: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    estimate_exp: float | None
    ci_low_exp: float | None
    ci_high_exp: float | None


@dataclass(frozen=True)
class _Named:
    question_id: str
    outcome: str


@dataclass(frozen=True)
class AppraisalDigest(PooledResult, _Named):
    """The effect, its certainty and the verdict of one stored appraisal (metafor's names).  Fields in
    order: question_id, outcome, the pooled result, certainty, verdict, verdict_label, statement."""

    certainty: str | None
    verdict: str
    verdict_label: str
    statement: str

    @classmethod
    def of(cls, appraisal: Appraisal, **extra: Any) -> Self:
        """This digest of ``appraisal``: every field named as an appraisal's field copied from it, the
        others from ``extra``."""
        names = [f.name for f in dataclasses.fields(cls) if f.name not in extra]
        return cls(**{name: getattr(appraisal, name) for name in names}, **extra)

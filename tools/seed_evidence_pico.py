"""Helpers to write evidence-question specs (PICO, outcome, published results) and their registry."""

from __future__ import annotations

from typing import Any

from seed_evidence_common import Spec, slug, src

P70 = "trials/cochrane_pairwise70/"
NO_MID = "no source file gives a minimal important difference (mid: null)"
ORAL_ONLY = "route: the data file does not state it; the question is defined for the oral form"
NO_ROUTE = "route: not stated in the data file (unknown); the drug exists in more than one form"


def oc(
    name: str,
    type_: str,
    measure: str,
    importance: str,
    time_point: str | None,
    surrogate: bool,
    higher_is_better: bool = False,
    objective: bool | None = None,
) -> dict[str, Any]:
    """An outcome block; ``objective`` (measured without judgement, e.g. all-cause mortality) is
    written only when stated, for the risk-of-bias assessment's measurement domain."""
    out: dict[str, Any] = {
        "name": name,
        "type": type_,
        "measure": measure,
        "time_point": time_point,
        "importance": importance,
        "higher_is_better": higher_is_better,
        "mid": None,
        "surrogate": surrogate,
    }
    if objective is not None:
        out["objective"] = objective
    return out


def iv(
    substance: str | None,
    route: str,
    *,
    substances: tuple[str, ...] = (),
    dose_form: str | None = None,
    dose: str | None = None,
    description: str | None = None,
    drug_class: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "substance": substance,
        "substances": substances or None,
        "drug_class": drug_class,
        "route": route,
        "dose_form": dose_form,
        "dose": dose,
        "description": description,
    }
    return out


def cochrane(review: str, file: str, analysis: str, name: str) -> dict[str, Any]:
    return src(
        P70 + file,
        ref=f"cochrane-{slug(review)}",
        doi=f"10.1002/14651858.{review}",
        locator=f"Analysis {analysis}: {name}",
    )


def pub(measure: str, source: dict[str, Any], **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"measure": measure}
    out.update({k: v for k, v in kw.items() if v is not None})
    out["source"] = source
    out["verified"] = False
    return out


_SPECS: list[Spec] = []


def spec(**kw: Any) -> None:
    _SPECS.append(Spec(**kw))


P70_NOTE = (
    "numbers come from the third-party Pairwise70 extraction of the review's analysis tables; "
    "verified: false until checked against the review's forest plot"
)
OR_NOTE = (
    "measure OR: the review's own per-study estimate in the file (column Mean) equals the odds ratio "
    "of the counts, not the risk ratio"
)
NOT_IN_FILE = "the comparator of this review comparison is not named in the data file"


def cspec(qid: str, review: str, analysis: str, name: str, **kw: Any) -> None:
    file = review.replace(".", "_") + "_data.csv"
    notes = (*tuple(kw.pop("notes", ())), P70_NOTE, NO_MID)
    spec(id=qid, source=cochrane(review, file, analysis, name), notes=notes, **kw)

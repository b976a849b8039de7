"""Cochrane review analyses from the Pairwise70 extraction (third-party: records stay verified: false).

One question = one review analysis (Analysis.group.number).  Per-study RoB 2 judgements, when the file
has them, become the trial's RoB entry for that question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seed_evidence_common import (
    Out,
    arm,
    count,
    data_row,
    design,
    numbered,
    question,
    real,
    slug,
    src,
    trial_record,
)
from seed_evidence_specs import P70, SPECS

ROB_COLUMNS = {
    "d1_randomisation": "Bias.arising.from.the.randomization.process..judgement.",
    "d2_deviations": "Bias.due.to.deviations.from.intended.interventions..judgement.",
    "d3_missing": "Bias.due.to.missing.outcome.data..judgement.",
    "d4_measurement": "Bias.in.measurement.of.the.outcome..judgement.",
    "d5_selection": "Bias.in.selection.of.the.reported.result..judgement.",
    "overall": "Overall.bias..judgement.",
}
ROB_LEVELS = {
    "Low risk": "low",
    "Some concerns": "some_concerns",
    "High risk": "high",
    "": "not_assessed",
}


@dataclass(frozen=True)
class Analysis:
    """Where a question's rows are: review file and analysis, and how a row maps to data."""

    qid: str
    review: str  # e.g. "CD002243.pub5"
    analysis: str  # "group.number"
    form: str  # binary | continuous | generic
    substance: Callable[[dict[str, str]], str | None] | None = None
    subgroup: Callable[[dict[str, str]], str | None] | None = None
    randomised: bool | None = None
    control: str = "unknown"  # set only when the review's selection criteria state it

    @property
    def file(self) -> str:
        return P70 + self.review.replace(".", "_") + "_data.csv"


def analysis_rows(file: str, key: str) -> list[tuple[int, dict[str, str]]]:
    return [
        (n, r) for n, r in numbered(file) if f"{r['Analysis.group']}.{r['Analysis.number']}" == key
    ]


def cochrane_tid(review: str, study: str) -> str:
    return f"{review.split('.')[0].lower()}-{slug(study)}"


def _values(form: str, r: dict[str, str]) -> dict[str, Any]:
    if form == "binary":
        return {
            "ai": count(r["Experimental.cases"]),
            "n1i": count(r["Experimental.N"]),
            "ci": count(r["Control.cases"]),
            "n2i": count(r["Control.N"]),
        }
    if form == "continuous":
        return {
            "m1i": real(r["Experimental.mean"]),
            "sd1i": real(r["Experimental.SD"]),
            "n1i": count(r["Experimental.N"]),
            "m2i": real(r["Control.mean"]),
            "sd2i": real(r["Control.SD"]),
            "n2i": count(r["Control.N"]),
        }
    return {
        "yi": real(r["GIV.Mean"]),
        "sei": real(r["GIV.SE"]),
        "n1i": count(r["Experimental.N"]),
        "n2i": count(r["Control.N"]),
    }


def _rob(a: Analysis, n: int, r: dict[str, str]) -> list[dict[str, Any]]:
    if ROB_COLUMNS["overall"] not in r:
        return []
    levels = {dom: ROB_LEVELS[r[col].strip()] for dom, col in ROB_COLUMNS.items()}
    if set(levels.values()) == {"not_assessed"}:
        return []
    return [
        {"question": a.qid, **levels, "source": src(a.file, n, locator=f"Analysis {a.analysis}")}
    ]


def sepsis_quality_groups() -> dict[str, list[tuple[int, str]]]:
    """Study -> [(row, subgroup)] of CD002243 Analysis 1.2 (sensitivity analysis by methodological quality)."""
    file = P70 + "CD002243_pub5_data.csv"
    out: dict[str, list[tuple[int, str]]] = {}
    for n, r in analysis_rows(file, "1.2"):
        out.setdefault(r["Study"], []).append((n, r["Subgroup"].strip()))
    return out


def _sepsis_design(a: Analysis, study: str) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """Allocation concealment and overall RoB from the trial's membership of Analysis 1.2 subgroups.

    Membership is evidence of the quality; absence is not evidence of its lack (left unknown)."""
    groups = sepsis_quality_groups().get(study, [])
    names = [g for _, g in groups]
    allocation = "adequate" if "Adequate allocation concealment" in names else "unknown"
    rob = [
        {
            "question": a.qid,
            "overall": "low",
            "source": src(P70 + "CD002243_pub5_data.csv", n, locator="Analysis 1.2: " + g),
        }
        for n, g in groups
        if g == "Studies judged at low risk of bias"
    ]
    note = "; Analysis 1.2 lists it under: " + ", ".join(names) if names else ""
    return design(randomised=a.randomised, allocation=allocation), rob, note


def _trial(out: Out, a: Analysis, n: int, r: dict[str, str]) -> str:
    tid = cochrane_tid(a.review, r["Study"])
    substance = a.substance(r) if a.substance else None
    foot = r.get("Footnotes", "").strip()
    trial_design, rob, quality = (
        design(randomised=a.randomised, control=a.control),
        _rob(a, n, r),
        "",
    )
    if a.review == SEPSIS:
        trial_design, rob, quality = _sepsis_design(a, r["Study"])
    out.trial(
        f"cochrane-{a.review.split('.')[0].lower()}",
        trial_record(
            tid,
            r["Study"],
            src(a.file, n, ref=_ref(a.review)),
            False,
            year=int(r["Study.year"]) if r["Study.year"].strip() else None,
            design=trial_design,
            arms=[arm("experimental", substance), arm("control", control=True)],
            rob=rob,
            notes=(
                f"from Cochrane {a.review} (Pairwise70 extraction); first seen in Analysis {a.analysis}"
                + (f"; footnote: {foot}" if foot else "")
                + quality
            ),
        ),
    )
    return tid


def _ref(review: str) -> str:
    return "cochrane-" + slug(review)


def read_analysis(out: Out, a: Analysis) -> None:
    data = []
    for n, r in analysis_rows(a.file, a.analysis):
        tid = _trial(out, a, n, r)
        sub = a.subgroup(r) if a.subgroup else (r["Subgroup"].strip() or None)
        foot = r.get("Footnotes", "").strip() or None
        data.append(data_row(tid, src(a.file, n), note=foot, subgroup=sub, **_values(a.form, r)))
    if not data:
        raise ValueError(f"{a.review} Analysis {a.analysis}: no rows")
    out.questions.append(question(SPECS[a.qid], data))


# ------------------------------------------------------------------ per-review helpers

SEPSIS = "CD002243.pub5"
_SEPSIS_DRUG = {
    "Dexamethasone": "dexamethasone",
    "Hydrocortisone": "hydrocortisone",
    "Hydrocortisone plus fludrocortisone": "hydrocortisone",
    "Hydrocortisone plus vitamin C plus thiamine": "hydrocortisone",
    "Methylprednisolone": "methylprednisolone",
}


def sepsis_drug_groups() -> dict[str, str]:
    """Study -> drug subgroup label in Analysis 1.3 (28-day mortality by study drug)."""
    file = P70 + "CD002243_pub5_data.csv"
    return {r["Study"]: r["Subgroup"] for _, r in analysis_rows(file, "1.3")}


def _sepsis_sub(r: dict[str, str]) -> str | None:
    group = sepsis_drug_groups().get(r["Study"])
    return f"study drug (Analysis 1.3): {group}" if group else None


def _sepsis_substance(r: dict[str, str]) -> str | None:
    return _SEPSIS_DRUG.get(sepsis_drug_groups().get(r["Study"], ""))


ZINC = "CD014914.pub2"


def _zinc_route(r: dict[str, str]) -> str | None:
    file = P70 + "CD014914_pub2_data.csv"
    routes = {x["Study"]: x["Subgroup"] for _, x in analysis_rows(file, "9.2")}
    route = routes.get(r["Study"])
    return f"route (Analysis 9.2): {route}" if route else None


ALOPECIA = "CD013719.pub2"
_ALOPECIA_FOOT = {
    "Prednisolone": "prednisolone",
    "Prednisone": "prednisone",
    "Cyclosporine": "ciclosporin",
}


def _alopecia_substance(fixed: str | None) -> Callable[[dict[str, str]], str | None]:
    def pick(r: dict[str, str]) -> str | None:
        return fixed or _ALOPECIA_FOOT.get(r["Footnotes"].strip())

    return pick


def _const(value: str) -> Callable[[dict[str, str]], str | None]:
    return lambda r: value


ANALYSES: tuple[Analysis, ...] = (
    Analysis(
        "corticosteroids-sepsis-28day-mortality",
        SEPSIS,
        "1.1",
        "binary",
        substance=_sepsis_substance,
        subgroup=_sepsis_sub,
    ),
    Analysis(
        "zinc-common-cold-prevention",
        ZINC,
        "1.1",
        "binary",
        substance=_const("zinc"),
        randomised=True,
        control="placebo",
    ),
    Analysis(
        "zinc-common-cold-treatment-duration",
        ZINC,
        "9.1",
        "continuous",
        substance=_const("zinc"),
        subgroup=_zinc_route,
        randomised=True,
        control="placebo",
    ),
    Analysis(
        "rituximab-ms-first-choice-disability-worsening",
        "CD013874.pub3",
        "1.1",
        "binary",
        substance=_const("rituximab"),
    ),
    Analysis(
        "rituximab-ms-first-choice-relapse",
        "CD013874.pub3",
        "1.3",
        "binary",
        substance=_const("rituximab"),
    ),
    Analysis(
        "rituximab-progressive-ms-disability-worsening",
        "CD013874.pub3",
        "3.1",
        "generic",
        substance=_const("rituximab"),
    ),
    Analysis(
        "zoster-vaccine-immunocompromised-herpes-zoster-cd015530", "CD015530.pub2", "1.1", "binary"
    ),
    Analysis(
        "zoster-vaccine-immunocompromised-herpes-zoster-cd015551", "CD015551.pub2", "1.1", "binary"
    ),
    Analysis("rsv-vaccine-rsv-lower-respiratory-illness", "CD016131", "1.1", "binary"),
    Analysis("rsv-maternal-vaccine-infant-rsv-lrti", "CD016131", "3.1", "binary"),
    Analysis(
        "baricitinib-alopecia-areata-short-term-regrowth",
        ALOPECIA,
        "5.1",
        "binary",
        substance=_alopecia_substance("baricitinib"),
        randomised=True,
        control="placebo",
    ),
    Analysis(
        "baricitinib-alopecia-areata-long-term-regrowth",
        ALOPECIA,
        "5.3",
        "binary",
        substance=_alopecia_substance("baricitinib"),
        randomised=True,
        control="placebo",
    ),
    Analysis(
        "baricitinib-alopecia-areata-serious-adverse-events",
        ALOPECIA,
        "5.2",
        "binary",
        substance=_alopecia_substance("baricitinib"),
        randomised=True,
        control="placebo",
    ),
    Analysis(
        "oral-immunosuppressants-alopecia-areata-short-term-regrowth",
        ALOPECIA,
        "1.1",
        "binary",
        substance=_alopecia_substance(None),
        randomised=True,
        control="placebo",
    ),
    Analysis(
        "dupilumab-alopecia-areata-short-term-regrowth",
        ALOPECIA,
        "4.1",
        "binary",
        substance=_alopecia_substance("dupilumab"),
        randomised=True,
        control="placebo",
    ),
    Analysis(
        "topical-ruxolitinib-alopecia-areata-short-term-regrowth",
        ALOPECIA,
        "7.1",
        "binary",
        substance=_alopecia_substance("ruxolitinib"),
        randomised=True,
    ),
)


def _order(a: Analysis) -> tuple[str, tuple[int, ...], str]:
    """Reading order: by review, then analysis number (so "first seen in" is the lowest analysis)."""
    return a.review, tuple(int(x) for x in a.analysis.split(".")), a.qid


def read_cochrane(out: Out) -> None:
    for a in sorted(ANALYSES, key=_order):
        read_analysis(out, a)


def analysis_name(a: Analysis) -> str:
    return analysis_rows(a.file, a.analysis)[0][1]["Analysis.name"].strip()

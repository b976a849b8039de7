"""Cochrane review analyses from the Pairwise70 extraction (third-party: records stay verified: false).

One question = one review analysis (Analysis.group.number), optionally narrowed to some of its subgroups
(a network review files each comparison as a subgroup) and with studies left out (a shared control arm
must not count twice).  The spec's ``dataset`` block says which rows and how a row becomes arms.
Per-study RoB 2 judgements, when the file has them, become the trial's RoB entry for that question.
"""

from __future__ import annotations

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
from seed_evidence_specs import for_reader

from immunograde.kb.model_specs import Dataset, FromAnalysis
from immunograde.kb.specs import SpecOf

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
    # a generic-inverse-variance row's N of 0 is a placeholder of the review software, not a sample size
    return {
        "yi": real(r["GIV.Mean"]),
        "sei": real(r["GIV.SE"]),
        "n1i": count(r["Experimental.N"]) or None,
        "n2i": count(r["Control.N"]) or None,
    }


def _rob(
    file: str, analysis: str | None, qid: str, n: int, r: dict[str, str]
) -> list[dict[str, Any]]:
    if ROB_COLUMNS["overall"] not in r:
        return []
    levels = {dom: ROB_LEVELS[r[col].strip()] for dom, col in ROB_COLUMNS.items()}
    if set(levels.values()) == {"not_assessed"}:
        return []
    return [{"question": qid, **levels, "source": src(file, n, locator=f"Analysis {analysis}")}]


def _study_groups(file: str, analysis: str) -> dict[str, list[tuple[int, str]]]:
    """Study -> [(row, subgroup)] in one analysis of a review file."""
    out: dict[str, list[tuple[int, str]]] = {}
    for n, r in analysis_rows(file, analysis):
        out.setdefault(r["Study"], []).append((n, r["Subgroup"].strip()))
    return out


def _quality(ds: Dataset, qid: str, study: str) -> tuple[str, list[dict[str, Any]], str]:
    """Allocation concealment and overall RoB from the trial's membership of sensitivity subgroups.

    Membership is evidence of the quality; absence is not evidence of its lack (left unknown)."""
    qf = ds.quality_from
    assert qf is not None
    groups = _study_groups(ds.p70_file, qf.analysis).get(study, [])
    names = [g for _, g in groups]
    allocation = "adequate" if qf.allocation_adequate in names else "unknown"
    rob = [
        {
            "question": qid,
            "overall": "low",
            "source": src(ds.p70_file, n, locator=f"Analysis {qf.analysis}: {g}"),
        }
        for n, g in groups
        if g == qf.rob_low
    ]
    note = f"; Analysis {qf.analysis} lists it under: " + ", ".join(names) if names else ""
    return allocation, rob, note


def _group_of(ds: Dataset, fa: FromAnalysis, study: str) -> str | None:
    names = {g for _, g in _study_groups(ds.p70_file, fa.analysis).get(study, [])}
    if len(names) > 1:
        raise ValueError(
            f"{ds.review} Analysis {fa.analysis}: {study} is in several subgroups {names}"
        )
    return names.pop() if names else None


def _substance(ds: Dataset, r: dict[str, str]) -> str | None:
    if ds.substance:
        return ds.substance
    if ds.substance_from:
        return ds.substance_from.map.get(_group_of(ds, ds.substance_from, r["Study"]) or "")
    return ds.substance_by_footnote.get(r["Footnotes"].strip())


def _subgroup(ds: Dataset, r: dict[str, str]) -> str | None:
    fa = ds.subgroup_from
    if fa is None:
        return r["Subgroup"].strip() or None
    group = _group_of(ds, fa, r["Study"])
    return f"{fa.label}: {group}" if group else None


def _trial(out: Out, s: SpecOf, n: int, r: dict[str, str]) -> str:
    ds = s.spec.dataset
    review = str(ds.review)
    tid = cochrane_tid(review, r["Study"])
    foot = r.get("Footnotes", "").strip()
    allocation, rob, quality = "unknown", _rob(ds.p70_file, ds.analysis, s.spec.id, n, r), ""
    if ds.quality_from:
        allocation, rob, quality = _quality(ds, s.spec.id, r["Study"])
    comparator = ds.comparator_substance or ds.comparator_by_footnote.get(foot)
    control_kind = "active" if ds.comparator_by_footnote.get(foot) else ds.control
    control = arm(ds.comparator_label, comparator, control=True)
    out.trial(
        f"cochrane-{review.split('.')[0].lower()}",
        trial_record(
            tid,
            r["Study"],
            src(ds.p70_file, n, ref="cochrane-" + slug(review)),
            False,
            year=_year(r["Study.year"]),
            design=design(randomised=ds.randomised, allocation=allocation, control=control_kind),
            arms=[arm(ds.arm_label, _substance(ds, r), route=ds.arm_route), control],
            rob=rob,
            notes=(
                f"from Cochrane {review} (Pairwise70 extraction); first seen in Analysis {ds.analysis}"
                + (f"; footnote: {foot}" if foot else "")
                + quality
            ),
        ),
    )
    return tid


def _year(text: str) -> int | None:
    """The study year when the cell holds one ('2015' or '2015.0'); anything else (e.g. 'Ovid') is unknown."""
    try:
        year = float(text)
    except ValueError:
        return None
    return int(year) if year.is_integer() and 1900 <= year <= 2100 else None


def _selected(ds: Dataset) -> list[tuple[int, dict[str, str]]]:
    keep = set(ds.subgroups)
    return [
        (n, r)
        for n, r in analysis_rows(ds.p70_file, str(ds.analysis))
        if (not keep or " ".join(r["Subgroup"].split()) in keep)
        and r["Study"] not in ds.exclude_studies
        and (not ds.studies or r["Study"] in ds.studies)
    ]


#: group-1 <-> group-2 column pairs of a row whose question takes the review's control arm as group 1
_SWAP = (("ai", "ci"), ("n1i", "n2i"), ("m1i", "m2i"), ("sd1i", "sd2i"))


def _swapped(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for a, b in _SWAP:
        if a in values or b in values:
            out[a], out[b] = values.get(b), values.get(a)
    return out


def read_analysis(out: Out, s: SpecOf) -> None:
    ds = s.spec.dataset
    data = []
    for n, r in _selected(ds):
        tid = _trial(out, s, n, r)
        foot = r.get("Footnotes", "").strip() or None
        values = _values(str(ds.form), r)
        arms: dict[str, Any] = {}
        if ds.swap_arms:
            values = _swapped(values)
            arms = {"arm1": ds.comparator_label, "arm2": ds.arm_label}
        data.append(
            data_row(
                tid, src(ds.p70_file, n), note=foot, subgroup=_subgroup(ds, r), **arms, **values
            )
        )
    if not data:
        raise ValueError(f"{s.file}: {ds.review} Analysis {ds.analysis}: no rows selected")
    out.questions.append(question(s, data))


def _order(s: SpecOf) -> tuple[str, tuple[int, ...], str]:
    """Reading order: by review, then analysis number (so "first seen in" is the lowest analysis)."""
    ds = s.spec.dataset
    return str(ds.review), tuple(int(x) for x in str(ds.analysis).split(".")), s.spec.id


def read_cochrane(out: Out) -> None:
    for s in sorted(for_reader("pairwise70"), key=_order):
        read_analysis(out, s)

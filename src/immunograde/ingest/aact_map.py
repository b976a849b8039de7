"""One study's AACT rows (dicts by table) -> :class:`~.studyrecord.StudyParts`.

Same target rows as the ClinicalTrials.gov JSON reader (see :mod:`.ctgov_map`).  AACT's flat-file
export turns newlines inside text into ``~`` and drops doubled quotes (``""``), so free text is
compared after folding white space; a literal ``~`` in AACT text becomes a space.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from immunograde.ingest.common import (
    clean_text,
    partial_date,
    split_p_value,
    to_float,
    to_int,
)
from immunograde.ingest.studyrecord import StudyParts

Rows = list[dict[str, Any]]
_MESH_ORDER = {"mesh-list": 0, "mesh-ancestor": 1}


def text(value: Any) -> str | None:
    return clean_text(value.replace("~", " ")) if isinstance(value, str) else clean_text(value)


def _true(value: Any) -> bool:
    return str(value).strip().lower() in {"t", "true", "1", "y", "yes"}


def study_parts(nct: str, study: dict[str, Any], rows: dict[str, Rows], source: str) -> StudyParts:
    """Build the study's parts from its ``studies`` row and its child-table rows (in id order)."""
    parts = StudyParts(nct, source)
    design = (rows.get("designs") or [{}])[0]
    sponsors = rows.get("sponsors", [])
    lead = next((s for s in sponsors if s.get("lead_or_collaborator") == "lead"), {})
    collabs = [s for s in sponsors if s.get("lead_or_collaborator") == "collaborator"]
    parts.study.update(
        title=text(study.get("official_title")),
        brief_title=text(study.get("brief_title")),
        acronym=text(study.get("acronym")),
        overall_status=study.get("overall_status") or None,
        phase=study.get("phase") or None,
        study_type=study.get("study_type") or None,
        allocation=design.get("allocation") or None,
        intervention_model=design.get("intervention_model") or None,
        primary_purpose=design.get("primary_purpose") or None,
        masking=design.get("masking") or None,
        enrollment=to_int(
            study.get("enrollment"),
            where=nct,
            field="studies.enrollment",
            file=source.rsplit("#", 1)[0],
            minimum=0,
        ),
        enrollment_type=study.get("enrollment_type") or None,
        has_results=bool(study.get("results_first_posted_date")),
        lead_sponsor=text(lead.get("name")),
        lead_sponsor_class=lead.get("agency_class") or None,
        collaborators=[text(c.get("name")) for c in collabs],
        conditions=[text(c.get("name")) for c in rows.get("conditions", [])],
    )
    for col in ("start", "primary_completion", "completion"):
        raw = study.get(f"{col}_month_year") or study.get(f"{col}_date")
        parts.study[f"{col}_date"] = partial_date(raw)
    parts.collaborator_classes = [c.get("agency_class") or "" for c in collabs]
    parts.country_names = [
        c["name"]
        for c in rows.get("countries", [])
        if c.get("name") and not _true(c.get("removed"))
    ]
    _arms(parts, rows)
    _mesh(parts, rows)
    _outcomes(parts, rows, source)
    return parts


def _dates_countries(parts: StudyParts, study: dict[str, Any], rows: dict[str, Rows]) -> None:
    for col in ("start", "primary_completion", "completion"):
        raw = study.get(f"{col}_month_year") or study.get(f"{col}_date")
        parts.study[f"{col}_date"] = partial_date(raw)
    parts.country_names = [
        c["name"]
        for c in rows.get("countries", [])
        if c.get("name") and not _true(c.get("removed"))
    ]


def _arms(parts: StudyParts, rows: dict[str, Rows]) -> None:
    groups = rows.get("design_groups", [])
    ivs = rows.get("interventions", [])
    title_of = {g.get("id"): text(g.get("title")) for g in groups}
    name_of = {i.get("id"): text(i.get("name")) for i in ivs}
    by_group: dict[Any, list[str]] = defaultdict(list)
    by_iv: dict[Any, list[str]] = defaultdict(list)
    for link in rows.get("design_group_interventions", []):
        g, i = link.get("design_group_id"), link.get("intervention_id")
        by_group[g].append(name_of.get(i) or "")
        by_iv[i].append(title_of.get(g) or "")
    others: dict[Any, list[str]] = defaultdict(list)
    for o in rows.get("intervention_other_names", []):
        others[o.get("intervention_id")].append(text(o.get("name")) or "")
    for no, g in enumerate(groups, 1):
        parts.arms.append(
            (parts.nct_id, no, title_of[g.get("id")], g.get("group_type") or None,
             text(g.get("description")), sorted(by_group[g.get("id")]))
        )  # fmt: skip
    for no, i in enumerate(ivs, 1):
        parts.interventions.append(
            (parts.nct_id, no, i.get("intervention_type") or None, name_of[i.get("id")],
             sorted(others[i.get("id")]), sorted(by_iv[i.get("id")]))
        )  # fmt: skip


def _mesh(parts: StudyParts, rows: dict[str, Rows]) -> None:
    for table, out, leaves in (
        ("browse_interventions", parts.intervention_mesh, True),
        ("browse_conditions", parts.condition_mesh, False),
    ):
        mesh = sorted(
            rows.get(table, []), key=lambda r: _MESH_ORDER.get(str(r.get("mesh_type")), 2)
        )
        for m in mesh:
            row = (parts.nct_id, text(m.get("mesh_term")), m.get("mesh_type") or None)
            out.append((*row, None) if leaves else row)


def _outcomes(parts: StudyParts, rows: dict[str, Rows], source: str) -> None:
    nct = parts.nct_id
    outcome_no = {o.get("id"): no for no, o in enumerate(rows.get("outcomes", []), 1)}
    for o in rows.get("outcomes", []):
        parts.outcomes.append(
            (nct, outcome_no[o.get("id")], o.get("outcome_type") or None, text(o.get("title")),
             text(o.get("time_frame")), text(o.get("units")), o.get("param_type") or None,
             o.get("dispersion_type") or None)
        )  # fmt: skip
    titles = {
        (g.get("outcome_id"), g.get("ctgov_group_code")): text(g.get("title"))
        for g in rows.get("result_groups", [])
        if g.get("result_type") == "Outcome"
    }
    for c in rows.get("outcome_counts", []):
        oid, code = c.get("outcome_id"), c.get("ctgov_group_code")
        count = to_int(
            c.get("count"),
            where=nct,
            field="outcome_counts.count",
            file=source.rsplit("#", 1)[0],
            minimum=0,
        )
        parts.counts.append(
            (nct, outcome_no.get(oid), code, titles.get((oid, code)), text(c.get("units")), count)
        )
    m_no: dict[Any, int] = defaultdict(int)
    for m in rows.get("outcome_measurements", []):
        oid = m.get("outcome_id")
        m_no[oid] += 1
        value = text(m.get("param_value"))
        lower = m.get("dispersion_lower_limit_raw") or m.get("dispersion_lower_limit")
        upper = m.get("dispersion_upper_limit_raw") or m.get("dispersion_upper_limit")
        parts.measurements.append(
            (nct, outcome_no.get(oid), m_no[oid], m.get("ctgov_group_code") or None,
             text(m.get("classification")), text(m.get("category")), value, to_float(value),
             to_float(m.get("dispersion_value")), to_float(lower), to_float(upper))
        )  # fmt: skip
    _analyses(parts, rows, outcome_no)


def _analyses(parts: StudyParts, rows: dict[str, Rows], outcome_no: dict[Any, int]) -> None:
    codes: dict[Any, list[str]] = defaultdict(list)
    for g in rows.get("outcome_analysis_groups", []):
        codes[g.get("outcome_analysis_id")].append(g.get("ctgov_group_code") or "")
    a_no: dict[Any, int] = defaultdict(int)
    for a in rows.get("outcome_analyses", []):
        oid = a.get("outcome_id")
        a_no[oid] += 1
        raw = text(a.get("p_value_raw"))
        if raw:
            p_value, modifier = split_p_value(raw)
        else:
            p_value, modifier = to_float(a.get("p_value")), a.get("p_value_modifier") or None
        parts.analyses.append(
            (parts.nct_id, outcome_no.get(oid), a_no[oid], sorted(codes[a.get("id")]),
             text(a.get("param_type")), to_float(a.get("param_value")), to_float(a.get("ci_percent")),
             a.get("ci_n_sides") or None, to_float(a.get("ci_lower_limit")),
             to_float(a.get("ci_upper_limit")), p_value, modifier, raw, text(a.get("method")),
             a.get("non_inferiority_type") or None, text(a.get("dispersion_type")),
             to_float(a.get("dispersion_value")))
        )  # fmt: skip

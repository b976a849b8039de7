"""ClinicalTrials.gov API v2 study object -> :class:`~.studyrecord.StudyParts`.

Paths follow the API v2 data model (``protocolSection.designModule.designInfo.allocation`` …); the
choices mirror AACT's published mapping (``phases`` joined with ``/``, p-values split into value and
modifier, outcome-level denominators only) so that JSON and AACT imports agree.
"""

from __future__ import annotations

from typing import Any

from immunograde.errors import InputError, Msg
from immunograde.ingest.common import (
    check_nct,
    clean_text,
    partial_date,
    short_repr,
    split_p_value,
    strip_type_prefix,
    to_float,
    to_int,
)
from immunograde.ingest.studyrecord import StudyParts


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def nct_id_of(doc: Any) -> Any:
    return _get(doc, "protocolSection", "identificationModule", "nctId")


def parse_study(doc: dict[str, Any], source: str) -> StudyParts:
    """Map one API v2 study object; :class:`InputError` names the file, NCT id and field."""
    nct = check_nct(nct_id_of(doc), where="study", file=source)
    parts = StudyParts(nct, source)
    try:
        _study(doc["protocolSection"], parts, doc.get("hasResults"), source)
        _arms(doc["protocolSection"], parts)
        _browse(doc.get("derivedSection"), parts)
        for no, om in enumerate(
            _list(_get(doc, "resultsSection", "outcomeMeasuresModule", "outcomeMeasures")), 1
        ):
            _outcome(om, no, parts, source)
    except InputError:
        raise
    except (TypeError, AttributeError, ValueError) as exc:
        raise InputError.one(
            Msg("%(nct)s: unexpected structure (%(reason)s)", nct=nct, reason=str(exc)), file=source
        ) from exc
    return parts


def _study(ps: dict[str, Any], parts: StudyParts, has_results: Any, source: str) -> None:
    ident, status = ps.get("identificationModule", {}), ps.get("statusModule", {})
    design = ps.get("designModule", {})
    info, enrol = design.get("designInfo", {}), design.get("enrollmentInfo", {})
    sponsors = ps.get("sponsorCollaboratorsModule", {})
    lead = sponsors.get("leadSponsor", {})
    collabs = _list(sponsors.get("collaborators"))
    phases = _list(design.get("phases"))
    parts.study.update(
        title=clean_text(ident.get("officialTitle")),
        brief_title=clean_text(ident.get("briefTitle")),
        acronym=clean_text(ident.get("acronym")),
        overall_status=status.get("overallStatus"),
        phase="/".join(phases) if phases else None,
        study_type=design.get("studyType"),
        allocation=info.get("allocation"),
        intervention_model=info.get("interventionModel"),
        primary_purpose=info.get("primaryPurpose"),
        masking=_get(info, "maskingInfo", "masking"),
        enrollment=to_int(
            enrol.get("count"),
            where=parts.nct_id,
            field="protocolSection.designModule.enrollmentInfo.count",
            file=source,
            minimum=0,
        ),
        enrollment_type=enrol.get("type"),
        start_date=partial_date(_get(status, "startDateStruct", "date")),
        primary_completion_date=partial_date(_get(status, "primaryCompletionDateStruct", "date")),
        completion_date=partial_date(_get(status, "completionDateStruct", "date")),
        has_results=bool(has_results),
        lead_sponsor=clean_text(lead.get("name")),
        lead_sponsor_class=lead.get("class"),
        collaborators=[clean_text(c.get("name")) for c in collabs],
        conditions=[clean_text(c) for c in _list(_get(ps, "conditionsModule", "conditions"))],
    )
    parts.collaborator_classes = [c.get("class") for c in collabs]
    locations = _list(_get(ps, "contactsLocationsModule", "locations"))
    parts.country_names = [loc["country"] for loc in locations if loc.get("country")]
    for field, values in (
        ("sponsorCollaboratorsModule.leadSponsor.class", [lead.get("class")]),
        ("sponsorCollaboratorsModule.collaborators.class", parts.collaborator_classes),
        ("contactsLocationsModule.locations.country", parts.country_names),
    ):
        _check_codes(values, parts.nct_id, f"protocolSection.{field}", source)


def _check_codes(values: list[Any], nct: str, field: str, source: str) -> None:
    """Codes used in computations (funding, ISO countries) must be text: InputError otherwise."""
    for value in values:
        if value is not None and not isinstance(value, str):
            raise InputError.one(
                Msg("%(nct)s: expected text, got %(value)s", nct=nct, value=short_repr(value)),
                file=source,
                field=field,
            )


def _arms(ps: dict[str, Any], parts: StudyParts) -> None:
    aim = ps.get("armsInterventionsModule", {})
    for no, arm in enumerate(_list(aim.get("armGroups")), 1):
        names = sorted(
            clean_text(strip_type_prefix(n)) or "" for n in _list(arm.get("interventionNames"))
        )
        parts.arms.append(
            (parts.nct_id, no, clean_text(arm.get("label")), arm.get("type"),
             clean_text(arm.get("description")), names)
        )  # fmt: skip
    for no, iv in enumerate(_list(aim.get("interventions")), 1):
        parts.interventions.append(
            (parts.nct_id, no, iv.get("type"), clean_text(iv.get("name")),
             sorted(clean_text(n) or "" for n in _list(iv.get("otherNames"))),
             sorted(clean_text(n) or "" for n in _list(iv.get("armGroupLabels"))))
        )  # fmt: skip


def _browse(derived: Any, parts: StudyParts) -> None:
    for module, rows, leaves in (
        ("interventionBrowseModule", parts.intervention_mesh, True),
        ("conditionBrowseModule", parts.condition_mesh, False),
    ):
        mod = _get(derived, module) or {}
        for kind, mesh_type in (("meshes", "mesh-list"), ("ancestors", "mesh-ancestor")):
            for m in _list(mod.get(kind)):
                row = (parts.nct_id, clean_text(m.get("term")), mesh_type)
                rows.append((*row, None) if leaves else row)
        if leaves:
            for leaf in _list(mod.get("browseLeaves")):
                rows.append(
                    (
                        parts.nct_id,
                        clean_text(leaf.get("name")),
                        "browse-leaf",
                        leaf.get("relevance"),
                    )
                )


def _outcome(om: dict[str, Any], no: int, parts: StudyParts, source: str) -> None:
    nct = parts.nct_id
    parts.outcomes.append(
        (nct, no, om.get("type"), clean_text(om.get("title")), clean_text(om.get("timeFrame")),
         clean_text(om.get("unitOfMeasure")), om.get("paramType"), om.get("dispersionType"))
    )  # fmt: skip
    titles = {g.get("id"): clean_text(g.get("title")) for g in _list(om.get("groups"))}
    counts = parts.counts
    for denom in _list(om.get("denoms")):
        units = clean_text(denom.get("units"))
        for c in _list(denom.get("counts")):
            value = c.get("value")
            # the common case (a short ASCII digit string) is parsed below, the rest by to_int
            if not (
                isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19
            ):
                field = (
                    f"resultsSection.outcomeMeasuresModule.outcomeMeasures[{no - 1}].denoms.counts"
                )
                value = to_int(value, where=nct, field=field, file=source, minimum=0)
            gid = c.get("groupId")
            counts.append(
                (nct, no, gid, titles.get(gid), units, None if value is None else int(value))
            )
    _measurements(om, no, parts)
    for a_no, an in enumerate(_list(om.get("analyses")), 1):
        p_value, modifier = split_p_value(an.get("pValue"))
        parts.analyses.append(
            (nct, no, a_no, sorted(_list(an.get("groupIds"))), clean_text(an.get("paramType")),
             to_float(an.get("paramValue")), to_float(an.get("ciPctValue")), an.get("ciNumSides"),
             to_float(an.get("ciLowerLimit")), to_float(an.get("ciUpperLimit")), p_value, modifier,
             clean_text(an.get("pValue")), clean_text(an.get("statisticalMethod")),
             an.get("nonInferiorityType"), clean_text(an.get("dispersionType")),
             to_float(an.get("dispersionValue")))
        )  # fmt: skip


def _measurements(om: dict[str, Any], no: int, parts: StudyParts) -> None:
    """``classes[].categories[].measurements[]`` flattened, numbered in that order (as AACT does)."""
    nct, out, m_no = parts.nct_id, parts.measurements, 0
    for cls in _list(om.get("classes")):
        cls_title = clean_text(cls.get("title"))
        for cat in _list(cls.get("categories")):
            cat_title = clean_text(cat.get("title"))
            for m in _list(cat.get("measurements")):
                m_no += 1
                value = clean_text(m.get("value"))
                spread, low, high = m.get("spread"), m.get("lowerLimit"), m.get("upperLimit")
                out.append(
                    (nct, no, m_no, m.get("groupId"), cls_title, cat_title, value, to_float(value),
                     None if spread is None else to_float(spread),
                     None if low is None else to_float(low),
                     None if high is None else to_float(high))
                )  # fmt: skip

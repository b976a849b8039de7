"""Questions other layers ask of the imported registry records (``reg_`` tables).

- :func:`studies_matching`: registered trials by intervention and condition, with status and planned
  enrolment (e.g. "ongoing trials that would add N participants" for trial sequential analysis);
- :func:`ongoing_enrolment`: that sum;
- :func:`pubmed_for_nct`: publications linked to a registered trial;
- :func:`studies_with_ancestor`: trials whose interventions fall under a MeSH class (e.g.
  ``"Immunosuppressive Agents"``, from ClinicalTrials.gov's intervention browse module).

Every function returns an empty result when nothing has been imported yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

#: ClinicalTrials.gov overall statuses of trials that may still add participants
ONGOING_STATUSES = (
    "NOT_YET_RECRUITING",
    "RECRUITING",
    "ENROLLING_BY_INVITATION",
    "ACTIVE_NOT_RECRUITING",
)


@dataclass(frozen=True)
class RegisteredTrial:
    nct_id: str
    brief_title: str | None
    overall_status: str | None
    phase: str | None
    enrollment: int | None
    enrollment_type: str | None  #: ACTUAL or ESTIMATED (planned)
    start_date: str | None
    completion_date: str | None
    has_results: bool | None
    countries: tuple[str, ...]
    conditions: tuple[str, ...]


@dataclass(frozen=True)
class Publication:
    pmid: str
    title: str | None
    journal: str | None
    year: int | None
    doi: str | None
    is_rct: bool | None
    nct_ids: tuple[str, ...]


def _has(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
    ).fetchone()
    return bool(row and row[0])


def _like_any(column: str, terms: Sequence[str]) -> tuple[str, list[str]]:
    """``column`` contains one of ``terms`` (case-insensitive; ``%`` and ``_`` match themselves)."""
    sql = " OR ".join(f"{column} ILIKE ? ESCAPE '\\'" for _ in terms)
    escaped = [t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for t in terms]
    return f"({sql})", [f"%{t}%" for t in escaped]


def _filters(
    intervention_names: Sequence[str],
    condition_terms: Sequence[str],
    statuses: Sequence[str] | None,
) -> tuple[list[str], list[object]]:
    where: list[str] = ["TRUE"]
    params: list[object] = []
    if intervention_names:
        by_name, p1 = _like_any("i.name", intervention_names)
        by_other, p2 = _like_any("o.other", intervention_names)
        by_mesh, p3 = _like_any("a.mesh_term", intervention_names)
        where.append(
            f"(s.nct_id IN (SELECT i.nct_id FROM reg_interventions i WHERE {by_name})"
            f" OR s.nct_id IN (SELECT i.nct_id FROM reg_interventions i, unnest(i.other_names) o(other) WHERE {by_other})"
            f" OR s.nct_id IN (SELECT a.nct_id FROM reg_intervention_ancestors a WHERE a.mesh_type = 'mesh-list' AND {by_mesh}))"
        )
        params += p1 + p2 + p3
    if condition_terms:
        by_cond, p1 = _like_any("c.cond", condition_terms)
        by_mesh, p2 = _like_any("m.mesh_term", condition_terms)
        where.append(
            f"(s.nct_id IN (SELECT s2.nct_id FROM reg_studies s2, unnest(s2.conditions) c(cond) WHERE {by_cond})"
            f" OR s.nct_id IN (SELECT m.nct_id FROM reg_condition_mesh m WHERE {by_mesh}))"
        )
        params += p1 + p2
    if statuses is not None:
        where.append("list_contains(?, s.overall_status)")
        params.append(list(statuses))
    return where, params


def studies_matching(
    conn: duckdb.DuckDBPyConnection,
    intervention_names: Sequence[str] = (),
    condition_terms: Sequence[str] = (),
    statuses: Sequence[str] | None = None,
) -> list[RegisteredTrial]:
    """Registered trials whose intervention (name, other name or MeSH term) matches one of
    ``intervention_names`` and whose condition (name or MeSH term) matches one of
    ``condition_terms`` (case-insensitive substrings; an empty list matches everything), with an
    ``overall_status`` in ``statuses`` (None: any).  Ordered by NCT id.
    """
    if not _has(conn, "reg_studies"):
        return []
    where, params = _filters(intervention_names, condition_terms, statuses)
    rows = conn.execute(
        "SELECT nct_id, brief_title, overall_status, phase, enrollment, enrollment_type, start_date, "
        "completion_date, has_results, countries, conditions FROM reg_studies s "
        f"WHERE {' AND '.join(where)} ORDER BY nct_id",
        params,
    ).fetchall()
    return [
        RegisteredTrial(
            nct_id=r[0], brief_title=r[1], overall_status=r[2], phase=r[3], enrollment=r[4],
            enrollment_type=r[5], start_date=r[6], completion_date=r[7], has_results=r[8],
            countries=tuple(r[9] or ()), conditions=tuple(r[10] or ()),
        )
        for r in rows
    ]  # fmt: skip


def ongoing_enrolment(
    conn: duckdb.DuckDBPyConnection,
    intervention_names: Sequence[str] = (),
    condition_terms: Sequence[str] = (),
) -> tuple[int, list[RegisteredTrial]]:
    """Participants that ongoing registered trials plan to enrol, and those trials."""
    trials = studies_matching(conn, intervention_names, condition_terms, ONGOING_STATUSES)
    return sum(t.enrollment or 0 for t in trials), trials


def pubmed_for_nct(conn: duckdb.DuckDBPyConnection, nct_id: str) -> list[Publication]:
    """Publications whose PubMed record links ``nct_id`` (DataBankList, or the abstract text)."""
    if not _has(conn, "reg_pubmed"):
        return []
    rows = conn.execute(
        "SELECT pmid, title, journal, year, doi, is_rct, nct_ids FROM reg_pubmed "
        "WHERE list_contains(nct_ids, ?) OR list_contains(nct_ids_text, ?) ORDER BY pmid",
        [nct_id, nct_id],
    ).fetchall()
    return [
        Publication(
            pmid=r[0], title=r[1], journal=r[2], year=r[3], doi=r[4], is_rct=r[5],
            nct_ids=tuple(r[6] or ()),
        )
        for r in rows
    ]  # fmt: skip


def studies_with_ancestor(conn: duckdb.DuckDBPyConnection, mesh_term: str) -> list[str]:
    """NCT ids of trials whose interventions have ``mesh_term`` as a MeSH term or ancestor."""
    if not _has(conn, "reg_intervention_ancestors"):
        return []
    rows = conn.execute(
        "SELECT DISTINCT nct_id FROM reg_intervention_ancestors WHERE lower(mesh_term) = lower(?) "
        "ORDER BY nct_id",
        [mesh_term],
    ).fetchall()
    return [r[0] for r in rows]

"""Country names -> ISO 3166-1 alpha-2, and the registry query module over the real fixtures."""

from __future__ import annotations

import duckdb
import pytest

from immunograde import settings
from immunograde.ingest import queries
from immunograde.ingest.ctgov import import_ctgov
from immunograde.ingest.pubmed import import_pubmed
from immunograde.ingest.schema import ensure_schema

REG = settings.shared_data_dir() / "registries"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        # ISO 3166-1 names, common and official names (Debian iso-codes 4.15)
        ("United States", "US"),
        ("Russian Federation", "RU"),
        ("Czechia", "CZ"),
        ("Czech Republic", "CZ"),
        ("Taiwan", "TW"),
        ("Korea, Republic of", "KR"),
        ("Iran, Islamic Republic of", "IR"),
        ("Côte d'Ivoire", "CI"),
        # ClinicalTrials.gov spellings that are not ISO names
        ("Cote D'Ivoire", "CI"),
        ("Turkey", "TR"),
        ("Macedonia, The Former Yugoslav Republic of", "MK"),
        ("Former Serbia and Montenegro", None),
        ("", None),
    ],
)
def test_iso2(name: str, code: str | None) -> None:
    from immunograde.ingest.countries import iso2

    assert iso2(name) == code


@pytest.fixture(scope="module")
def conn() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    assert queries.studies_matching(c, ["dupilumab"]) == []  # nothing imported yet: empty, no error
    ensure_schema(c)
    import_ctgov(REG, c)
    import_pubmed(REG / "pubmed_29768149_rct_sygma1.xml", c)
    return c


def test_studies_matching_by_name_other_name_and_condition(conn: duckdb.DuckDBPyConnection) -> None:
    by_other_name = queries.studies_matching(conn, ["cimzia"])  # otherNames of certolizumab pegol
    assert [t.nct_id for t in by_other_name] == ["NCT02552212"]
    hit = queries.studies_matching(conn, ["Dupilumab"], ["atopic dermatitis"], ["COMPLETED"])
    assert [(t.nct_id, t.enrollment, t.enrollment_type, t.overall_status) for t in hit] == [
        ("NCT02210780", 194, "ACTUAL", "COMPLETED")
    ]
    by_mesh_condition = queries.studies_matching(conn, condition_terms=["Spondylarthritis"])
    assert [t.nct_id for t in by_mesh_condition] == ["NCT02552212"]
    assert queries.studies_matching(conn, ["dupilumab"], statuses=["RECRUITING"]) == []


def test_ongoing_enrolment_counts_only_ongoing_trials(conn: duckdb.DuckDBPyConnection) -> None:
    # all three fixture studies are COMPLETED (statusModule.overallStatus)
    assert queries.ongoing_enrolment(conn) == (0, [])


def test_pubmed_for_nct_and_drug_class(conn: duckdb.DuckDBPyConnection) -> None:
    pubs = queries.pubmed_for_nct(conn, "NCT02149199")
    assert [(p.pmid, p.year, p.is_rct) for p in pubs] == [("29768149", 2018, True)]
    assert queries.studies_with_ancestor(conn, "Tumor Necrosis Factor Inhibitors") == [
        "NCT02552212"
    ]


def test_like_wildcards_in_terms_match_themselves(conn: duckdb.DuckDBPyConnection) -> None:
    assert queries.studies_matching(conn, ["%"]) == []
    assert queries.studies_matching(conn, ["Certolizumab_Pegol"]) == []
    assert [t.nct_id for t in queries.studies_matching(conn, ["Certolizumab Pegol"])] == [
        "NCT02552212"
    ]

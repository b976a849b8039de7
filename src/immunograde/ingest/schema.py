"""The ``reg_`` tables: registry and bibliographic records imported into the knowledge-base DuckDB file.

Every table is created with ``CREATE TABLE IF NOT EXISTS`` so an import works before or after
``immunograde kb build`` (which keeps all ``reg_`` tables across rebuilds).  Column names follow
ClinicalTrials.gov / AACT where they exist and metafor's vocabulary for effect estimates
(``estimate``, ``ci_low``, ``ci_high``, ``p_value``).

Dates from the registry (``start_date``, ``primary_completion_date``, ``completion_date``) are kept as
registered, ISO 8601 with month precision where the registry has no day (``"2015-09"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

S = pa.string()
N = pa.int64()
F = pa.float64()
B = pa.bool_()
LS = pa.list_(pa.string())

_SQL_TYPES = {S: "VARCHAR", N: "BIGINT", F: "DOUBLE", B: "BOOLEAN", LS: "VARCHAR[]"}


@dataclass(frozen=True)
class Table:
    """One ``reg_`` table: its name, key columns and typed columns (in storage order)."""

    name: str
    key: tuple[str, ...]
    columns: tuple[tuple[str, pa.DataType], ...]
    primary: bool = False  #: has a primary key and the provenance columns

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.columns]

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema(list(self.columns))

    def ddl(self) -> str:
        cols = [f"{name} {_SQL_TYPES[typ]}" for name, typ in self.columns]
        if self.primary:
            cols += ["source_file VARCHAR", "imported_at TIMESTAMP", "content_hash VARCHAR"]
            cols.append(f"PRIMARY KEY ({', '.join(self.key)})")
        return f"CREATE TABLE IF NOT EXISTS {self.name} ({', '.join(cols)})"


def _t(name: str, key: tuple[str, ...], cols: str, *, primary: bool = False) -> Table:
    types = {"s": S, "i": N, "f": F, "b": B, "ls": LS}
    parsed = []
    for item in cols.split():
        col, typ = item.split(":")
        parsed.append((col, types[typ]))
    return Table(name, key, tuple(parsed), primary)


STUDIES = _t(
    "reg_studies",
    ("nct_id",),
    "nct_id:s title:s brief_title:s acronym:s overall_status:s phase:s study_type:s allocation:s "
    "intervention_model:s primary_purpose:s masking:s enrollment:i enrollment_type:s start_date:s "
    "primary_completion_date:s completion_date:s has_results:b lead_sponsor:s lead_sponsor_class:s "
    "collaborators:ls funding:s countries:ls international:b conditions:ls",
    primary=True,
)
ARMS = _t(
    "reg_arms",
    ("nct_id",),
    "nct_id:s arm_no:i label:s arm_type:s description:s intervention_names:ls",
)
INTERVENTIONS = _t(
    "reg_interventions",
    ("nct_id",),
    "nct_id:s intervention_no:i intervention_type:s name:s other_names:ls arm_group_labels:ls",
)
INTERVENTION_ANCESTORS = _t(
    "reg_intervention_ancestors",
    ("nct_id",),
    "nct_id:s mesh_term:s mesh_type:s relevance:s",
)
CONDITION_MESH = _t("reg_condition_mesh", ("nct_id",), "nct_id:s mesh_term:s mesh_type:s")
OUTCOMES = _t(
    "reg_outcomes",
    ("nct_id",),
    "nct_id:s outcome_no:i outcome_type:s title:s time_frame:s units:s param_type:s "
    "dispersion_type:s",
)
OUTCOME_COUNTS = _t(
    "reg_outcome_counts",
    ("nct_id",),
    "nct_id:s outcome_no:i group_code:s group_title:s units:s count:i",
)
OUTCOME_MEASUREMENTS = _t(
    "reg_outcome_measurements",
    ("nct_id",),
    "nct_id:s outcome_no:i measurement_no:i group_code:s classification:s category:s "
    "param_value:s param_value_num:f dispersion_value_num:f lower_limit:f upper_limit:f",
)
OUTCOME_ANALYSES = _t(
    "reg_outcome_analyses",
    ("nct_id",),
    "nct_id:s outcome_no:i analysis_no:i group_codes:ls param_type:s estimate:f ci_pct:f "
    "ci_n_sides:s ci_low:f ci_high:f p_value:f p_value_modifier:s p_value_raw:s method:s "
    "non_inferiority_type:s dispersion_type:s dispersion_value:f",
)
#: tables holding one study's rows besides ``reg_studies`` (replaced together on update)
STUDY_CHILDREN: tuple[Table, ...] = (
    ARMS,
    INTERVENTIONS,
    INTERVENTION_ANCESTORS,
    CONDITION_MESH,
    OUTCOMES,
    OUTCOME_COUNTS,
    OUTCOME_MEASUREMENTS,
    OUTCOME_ANALYSES,
)

PUBMED = _t(
    "reg_pubmed",
    ("pmid",),
    "pmid:s title:s journal:s journal_iso:s year:i doi:s abstract:s publication_types:ls "
    "is_rct:b nct_ids:ls nct_ids_text:ls mesh:ls authors:ls",
    primary=True,
)
CSV_OUTCOMES = _t(
    "reg_csv_outcomes",
    ("dataset", "slab"),
    "dataset:s slab:s study:s row_no:i year:i form:s ai:f bi:f ci:f di:f n1i:f n2i:f m1i:f sd1i:f "
    "m2i:f sd2i:f yi:f vi:f sei:f estimate:f ci_low:f ci_high:f ri:f ni:f",
    primary=True,
)

ALL_TABLES: tuple[Table, ...] = (STUDIES, *STUDY_CHILDREN, PUBMED, CSV_OUTCOMES)


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create every ``reg_`` table that does not exist yet (idempotent)."""
    for table in ALL_TABLES:
        conn.execute(table.ddl())

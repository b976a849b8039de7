"""FAERS de-duplication: one report per case, deleted cases removed.  One SQL text, both engines.

Rule (documented in the README and reported with counts):

1. drop every case listed in FDA's deleted-case files (``faers_deleted``);
2. for each ``caseid`` keep one report: the highest ``caseversion`` (legacy AERS has none: null sorts
   last), then the latest ``fda_dt``, then the highest ``primaryid``.

Legacy AERS ``isr``/``case`` are read as ``primaryid``/``caseid`` (:mod:`.faers`).
"""

from __future__ import annotations

from dataclasses import dataclass

from immunograde.safety.engines import Engine

DEDUP_SQL = """
SELECT primaryid, caseid, caseversion, fda_dt, age_years, sex, quarter FROM (
  SELECT d.*, ROW_NUMBER() OVER (
      PARTITION BY d.caseid
      ORDER BY d.caseversion DESC NULLS LAST, d.fda_dt DESC NULLS LAST, d.primaryid DESC
  ) AS rn
  FROM faers_demo d
  WHERE NOT EXISTS (SELECT 1 FROM faers_deleted x WHERE x.caseid = d.caseid)
) ranked WHERE rn = 1
"""

#: Strata for expected counts: age group x sex x year of the FDA receipt date.
STRATUM_SQL = """
SELECT primaryid AS id, CONCAT_WS('|',
  CASE WHEN age_years IS NULL OR age_years < 0 OR age_years > 120 THEN 'age_unknown'
       WHEN age_years < 18 THEN 'age_0_17' WHEN age_years < 45 THEN 'age_18_44'
       WHEN age_years < 65 THEN 'age_45_64' ELSE 'age_65_plus' END,
  CASE WHEN sex IN ('M', 'F') THEN sex ELSE 'U' END,
  COALESCE(SUBSTR(CAST(fda_dt AS STRING), 1, 4), 'year_unknown')) AS stratum
FROM faers_kept
"""


@dataclass(frozen=True)
class DedupCounts:
    """Reports before, cases deleted by FDA's lists, and reports kept (one per case)."""

    reports_before: int
    cases_before: int
    reports_deleted: int
    reports_after: int


def deduplicate(engine: Engine) -> DedupCounts:
    """Materialize ``faers_kept`` from ``faers_demo`` and ``faers_deleted``; return the counts."""
    engine.materialize("faers_kept", DEDUP_SQL)
    row = engine.fetch(
        "SELECT (SELECT COUNT(*) FROM faers_demo) AS before_n, "
        "(SELECT COUNT(DISTINCT caseid) FROM faers_demo) AS cases_n, "
        "(SELECT COUNT(*) FROM faers_demo d WHERE EXISTS "
        "(SELECT 1 FROM faers_deleted x WHERE x.caseid = d.caseid)) AS deleted_n, "
        "(SELECT COUNT(*) FROM faers_kept) AS after_n"
    ).to_pylist()[0]
    return DedupCounts(
        int(row["before_n"]), int(row["cases_n"]), int(row["deleted_n"]), int(row["after_n"])
    )

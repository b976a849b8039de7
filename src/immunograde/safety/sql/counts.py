"""Unique-report counting for disproportionality, as one SQL text for DuckDB and Spark SQL.

Input views (the engine registers them):

- ``sg_drug(id, drug)`` and ``sg_event(id, event)``: one row per report and drug / event (duplicates
  are allowed; they are removed here);
- ``sg_stratum(id, stratum)``: exactly one row per report: its stratum (``'all'`` if unstratified);
  reports missing here are not counted.

The analysis set is the reports with at least one drug and at least one event, as in openEBGM
(whose input rows are report x drug x event).  Every count is a count of distinct reports.
The result views are ``sg_pairs(drug, event, n)``, ``sg_drug_str(drug, stratum, n)``,
``sg_event_str(event, stratum, n)`` and ``sg_str(stratum, n)``; each report has one stratum, so
summing a drug's stratum counts gives its report count.  Only SQL both engines accept is used.
"""

from __future__ import annotations

#: (view name, SELECT) in dependency order; each becomes ``CREATE [TEMP] VIEW name AS select``.
COUNT_VIEWS: tuple[tuple[str, str], ...] = (
    ("sg_d", "SELECT DISTINCT id, drug FROM sg_drug WHERE drug IS NOT NULL AND id IS NOT NULL"),
    ("sg_e", "SELECT DISTINCT id, event FROM sg_event WHERE event IS NOT NULL AND id IS NOT NULL"),
    (
        "sg_r",
        "SELECT s.id, s.stratum FROM sg_stratum s "
        "WHERE s.id IN (SELECT id FROM sg_d) AND s.id IN (SELECT id FROM sg_e)",
    ),
    ("sg_ds", "SELECT d.id, d.drug, r.stratum FROM sg_d d JOIN sg_r r ON d.id = r.id"),
    ("sg_es", "SELECT e.id, e.event, r.stratum FROM sg_e e JOIN sg_r r ON e.id = r.id"),
)

#: The tables the statistics need: (name, SELECT) over the views above.
COUNT_TABLES: tuple[tuple[str, str], ...] = (
    (
        "sg_pairs",
        "SELECT d.drug, e.event, COUNT(*) AS n FROM sg_ds d JOIN sg_es e ON d.id = e.id "
        "GROUP BY d.drug, e.event",
    ),
    ("sg_drug_str", "SELECT drug, stratum, COUNT(*) AS n FROM sg_ds GROUP BY drug, stratum"),
    ("sg_event_str", "SELECT event, stratum, COUNT(*) AS n FROM sg_es GROUP BY event, stratum"),
    ("sg_str", "SELECT stratum, COUNT(*) AS n FROM sg_r GROUP BY stratum"),
)

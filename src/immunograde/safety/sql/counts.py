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

#: (name, SELECT) in dependency order; each is materialized (a table, or a cached Spark view).
#: Names are replaced by integer codes first (``sg_dd``, ``sg_ed``, ``sg_sd`` dictionaries), so the
#: big DISTINCT / join / GROUP BY steps work on integers; coding and DISTINCT are separate steps
#: (together they ran DuckDB out of memory at 20 M reports instead of spilling; so did ``IN``
#: semi-joins for ``sg_r``).  ``sg_r`` (reports with a stratum, a drug and an event) restricts the
#: counts; the per-report tables are joined to it in the final GROUP BYs, not materialized again.
COUNT_VIEWS: tuple[tuple[str, str], ...] = (
    (
        "sg_dd",
        "SELECT drug, ROW_NUMBER() OVER (ORDER BY drug) - 1 AS code FROM "
        "(SELECT DISTINCT drug FROM sg_drug WHERE drug IS NOT NULL) t",
    ),
    (
        "sg_ed",
        "SELECT event, ROW_NUMBER() OVER (ORDER BY event) - 1 AS code FROM "
        "(SELECT DISTINCT event FROM sg_event WHERE event IS NOT NULL) t",
    ),
    (
        "sg_sd",
        "SELECT stratum, ROW_NUMBER() OVER (ORDER BY stratum) - 1 AS code FROM "
        "(SELECT DISTINCT stratum FROM sg_stratum) t",
    ),
    (
        "sg_dc",
        "SELECT s.id, dd.code AS drug FROM sg_drug s JOIN sg_dd dd ON s.drug = dd.drug "
        "WHERE s.id IS NOT NULL",
    ),
    ("sg_d", "SELECT DISTINCT id, drug FROM sg_dc"),
    (
        "sg_ec",
        "SELECT s.id, ed.code AS event FROM sg_event s JOIN sg_ed ed ON s.event = ed.event "
        "WHERE s.id IS NOT NULL",
    ),
    ("sg_e", "SELECT DISTINCT id, event FROM sg_ec"),
    (
        "sg_r",
        "SELECT s.id, sd.code AS stratum FROM sg_stratum s "
        "JOIN sg_sd sd ON s.stratum = sd.stratum "
        "JOIN (SELECT DISTINCT id FROM sg_d) a ON a.id = s.id "
        "JOIN (SELECT DISTINCT id FROM sg_e) b ON b.id = s.id",
    ),
)

#: The tables the statistics need (codes; the dictionaries turn them back into names).
COUNT_TABLES: tuple[tuple[str, str], ...] = (
    (
        "sg_pairs",
        "SELECT d.drug, e.event, COUNT(*) AS n FROM sg_d d JOIN sg_e e ON d.id = e.id "
        "WHERE d.id IN (SELECT id FROM sg_r) GROUP BY d.drug, e.event",
    ),
    (
        "sg_drug_str",
        "SELECT d.drug, r.stratum, COUNT(*) AS n FROM sg_d d JOIN sg_r r ON d.id = r.id "
        "GROUP BY d.drug, r.stratum",
    ),
    (
        "sg_event_str",
        "SELECT e.event, r.stratum, COUNT(*) AS n FROM sg_e e JOIN sg_r r ON e.id = r.id "
        "GROUP BY e.event, r.stratum",
    ),
    ("sg_str", "SELECT stratum, COUNT(*) AS n FROM sg_r GROUP BY stratum"),
    ("sg_dd", "SELECT drug, code FROM sg_dd"),
    ("sg_ed", "SELECT event, code FROM sg_ed"),
    ("sg_sd", "SELECT stratum, code FROM sg_sd"),
)

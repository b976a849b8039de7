"""OpenPrescribing's measure mechanics on English Prescribing Data, on DuckDB or Spark with identical results.

For every measure and month:

1. per practice: numerator and denominator = sums of the measure's EPD column over the BNF codes its
   filters select (one pass over the data for all measures; a practice with no matching row has 0);
2. per area (PCO/CCG, area team or STP/ICB, regional office): the practices' sums;
3. ratio = numerator / denominator (none when the denominator is 0); percentile = the percent rank of
   the ratio among the month's organisations of that type x 100 (OpenPrescribing's ``PERCENT_RANK``);
4. deciles (10th ... 90th) of the ratios, by linear interpolation between order statistics
   (``PERCENTILE_CONT``: x[lo] + (h - lo)(x[lo+1] - x[lo]), h = p (n - 1)), written out in SQL so that both
   engines do the same floating-point operations; quartiles the same way;
5. outliers by Tukey's fences: ``high`` above Q3 + 1.5 IQR, ``low`` below Q1 - 1.5 IQR.

Sums are of exact integers (items; quantities and costs x 100,000, see :mod:`immunograde.ingest.epd`), so
every engine adds them to the same value, whatever the order.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from immunograde.errors import InputError, Msg
from immunograde.market.epd_definitions import Measure, filter_sql
from immunograde.safety.engines import Engine

ORG_LEVELS = {  # org_type -> (code column, name column) in the EPD
    "practice": ("practice_code", "practice_name"),
    "pco": ("pco_code", "pco_name"),
    "area": ("area_code", "area_name"),
    "region": ("regional_office_code", "regional_office_name"),
}
PERCENTILES = (10, 20, 30, 40, 50, 60, 70, 80, 90)
QUARTILES = (25, 75)
FENCE = 1.5


@dataclass
class MeasureResults:
    """Values per organisation and the deciles, as Arrow tables in a fixed order (engine-independent)."""

    values: pa.Table
    deciles: pa.Table
    engine: str
    seconds: dict[str, float] = field(default_factory=dict)


def _safe(measure_id: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in measure_id)


def practice_sql(measures: Sequence[Measure]) -> str:
    """One pass over ``epd``: per month and practice, every measure's numerator and denominator.

    The rows are first summed per month, practice *and* its names and organisation codes (a hash
    aggregation whose buffers are integers only), then the few rows per practice are folded (MAX of the
    names, SUM of the sums).  The same result as MAX(...) over the raw rows, but Spark need not sort and
    spill the raw rows, as it does for a MAX of strings (10x slower at 100 million rows)."""
    sums, folds = [], []
    for m in measures:
        d, s = m.definition, _safe(m.id)
        for side, filters, column in (("num", d.numerator_bnf_codes_filter, m.numerator_column),
                                      ("den", d.denominator_bnf_codes_filter, m.denominator_column)):  # fmt: skip
            sums.append(f"CAST(SUM(CASE WHEN {filter_sql(filters)} THEN COALESCE({column}, 0) ELSE 0 END) "
                        f"AS BIGINT) AS {side}_{s}")  # fmt: skip
            folds.append(f"CAST(SUM({side}_{s}) AS BIGINT) AS {side}_{s}")
    names = ["practice_name"] + [
        c for level, cols in ORG_LEVELS.items() if level != "practice" for c in cols
    ]
    keys = ", ".join(names)
    return (f"SELECT month, practice_code, {', '.join(f'MAX({c}) AS {c}' for c in names)}, {', '.join(folds)} "
            f"FROM (SELECT year_month AS month, practice_code, {keys}, {', '.join(sums)} FROM epd "
            f"GROUP BY year_month, practice_code, {keys}) GROUP BY month, practice_code")  # fmt: skip


def long_sql(measures: Sequence[Measure]) -> str:
    """Numerator and denominator per measure, month and organisation (practices and areas)."""
    parts = []
    for m in measures:
        s = _safe(m.id)
        for level, (code, name) in ORG_LEVELS.items():
            if level == "practice":
                parts.append(f"SELECT '{m.id}' AS measure_id, month, 'practice' AS org_type, practice_code AS org_id, "
                             f"practice_name AS org_name, num_{s} AS numerator, den_{s} AS denominator FROM epd_practice")  # fmt: skip
            else:
                parts.append(f"SELECT '{m.id}' AS measure_id, month, '{level}' AS org_type, {code} AS org_id, "
                             f"MAX({name}) AS org_name, CAST(SUM(num_{s}) AS BIGINT) AS numerator, "
                             f"CAST(SUM(den_{s}) AS BIGINT) AS denominator "
                             f"FROM epd_practice WHERE {code} IS NOT NULL GROUP BY month, {code}")  # fmt: skip
    return " UNION ALL ".join(parts)


RANKED_SQL = """
SELECT measure_id, month, org_type, org_id, org_name, numerator, denominator, ratio,
  CASE WHEN ratio IS NOT NULL THEN PERCENT_RANK() OVER (
    PARTITION BY measure_id, month, org_type, ratio IS NULL ORDER BY ratio) * 100 END AS percentile,
  ROW_NUMBER() OVER (PARTITION BY measure_id, month, org_type, ratio IS NULL ORDER BY ratio, org_id) - 1 AS rn,
  COUNT(ratio) OVER (PARTITION BY measure_id, month, org_type) AS n
FROM (SELECT *, CASE WHEN denominator > 0 THEN CAST(numerator AS DOUBLE) / CAST(denominator AS DOUBLE) END AS ratio
      FROM epd_long)
"""

QUANTILE_SQL = """
SELECT q.measure_id, q.month, q.org_type, q.p, q.n,
  lo.ratio + (q.h - CAST(q.lo AS DOUBLE)) * (COALESCE(hi.ratio, lo.ratio) - lo.ratio) AS value
FROM (SELECT k.measure_id, k.month, k.org_type, k.n, c.p, c.frac * CAST(k.n - 1 AS DOUBLE) AS h,
             CAST(FLOOR(c.frac * CAST(k.n - 1 AS DOUBLE)) AS BIGINT) AS lo
      FROM (SELECT DISTINCT measure_id, month, org_type, n FROM epd_ranked WHERE n > 0) k
      CROSS JOIN epd_cuts c) q
JOIN epd_ranked lo ON lo.measure_id = q.measure_id AND lo.month = q.month AND lo.org_type = q.org_type
  AND lo.ratio IS NOT NULL AND lo.rn = q.lo
LEFT JOIN epd_ranked hi ON hi.measure_id = q.measure_id AND hi.month = q.month AND hi.org_type = q.org_type
  AND hi.ratio IS NOT NULL AND hi.rn = q.lo + 1
"""

VALUES_SQL = f"""
SELECT r.measure_id, r.month, r.org_type, r.org_id, r.org_name, r.numerator, r.denominator, r.ratio, r.percentile,
  CASE WHEN r.ratio > q3.value + {FENCE} * (q3.value - q1.value) THEN 'high'
       WHEN r.ratio < q1.value - {FENCE} * (q3.value - q1.value) THEN 'low' END AS outlier
FROM epd_ranked r
LEFT JOIN epd_quantiles q1 ON q1.measure_id = r.measure_id AND q1.month = r.month AND q1.org_type = r.org_type AND q1.p = 25
LEFT JOIN epd_quantiles q3 ON q3.measure_id = r.measure_id AND q3.month = r.month AND q3.org_type = r.org_type AND q3.p = 75
ORDER BY r.measure_id, r.month, r.org_type, r.org_id
"""

DECILES_SQL = """
SELECT measure_id, month, org_type, p, n, value FROM epd_quantiles WHERE p IN ({deciles})
ORDER BY measure_id, month, org_type, p
"""


def _cuts() -> pa.Table:
    ps = sorted(PERCENTILES + QUARTILES)
    return pa.table(
        {"p": pa.array(ps, pa.int64()), "frac": pa.array([p / 100 for p in ps], pa.float64())}
    )


def run_measures(
    engine: Engine, files: Sequence[Path], measures: Sequence[Measure]
) -> MeasureResults:
    """Every measure over the EPD Parquet ``files`` on ``engine``."""
    if not files:
        raise InputError.one(
            Msg("no EPD files imported: run `immunograde market import EPD.csv` first"), field="epd"
        )
    if not measures:
        raise InputError.one(
            Msg("no measure definitions (market/measures/*.json)"), field="measures"
        )
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    engine.expect_input(sum(p.stat().st_size for p in files))
    engine.register_parquet("epd", list(files))
    engine.materialize("epd_practice", practice_sql(measures))
    timings["practices"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    engine.register_arrow("epd_cuts", _cuts())
    engine.view("epd_long", long_sql(measures))
    engine.materialize("epd_ranked", RANKED_SQL)
    engine.materialize("epd_quantiles", QUANTILE_SQL)
    values = engine.fetch(VALUES_SQL)
    deciles = engine.fetch(DECILES_SQL.format(deciles=", ".join(map(str, PERCENTILES))))
    timings["ratios_deciles"] = time.perf_counter() - t1
    for name in ("epd_quantiles", "epd_ranked", "epd_practice"):
        engine.drop(name)
    return MeasureResults(
        _normalise(values, VALUE_SCHEMA), _normalise(deciles, DECILE_SCHEMA), engine.name, timings
    )


VALUE_SCHEMA = pa.schema([("measure_id", pa.string()), ("month", pa.string()), ("org_type", pa.string()),
                          ("org_id", pa.string()), ("org_name", pa.string()), ("numerator", pa.int64()),
                          ("denominator", pa.int64()), ("ratio", pa.float64()), ("percentile", pa.float64()),
                          ("outlier", pa.string())])  # fmt: skip
DECILE_SCHEMA = pa.schema([("measure_id", pa.string()), ("month", pa.string()), ("org_type", pa.string()),
                           ("p", pa.int64()), ("n", pa.int64()), ("value", pa.float64())])  # fmt: skip


def _normalise(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The same column types from both engines (Spark hands back int32 counts, DuckDB int64 ...)."""
    return pa.Table.from_arrays([table.column(f.name).cast(f.type) for f in schema], schema=schema)


def synthetic_epd(
    path: Path, rows: int, *, practices: int = 200, seed: int = 1, months: int = 1
) -> Path:
    """An EPD-shaped Parquet file (the columns :func:`immunograde.ingest.epd.convert_epd` writes) with
    ``rows`` rows: practices in 20 PCOs, 5 areas, 2 regions; BNF codes drawn from the immunomodulator
    measures' codes and others.  For tests and the benchmark (never shipped)."""
    import duckdb

    codes = ["0802020G0AAAAAA", "0802020G0BBAAAA", "0802020T0AAAAAA", "0802020T0BBABAB", "1001030U0AAABAB",
             "1001030U0AAACAC", "1001030U0BBACAC", "0202010B0AAABAB", "0302000N0AABFBF", "1001040C0AAAAAA"]  # fmt: skip
    listed = ", ".join(f"'{c}'" for c in codes)
    dest = str(path).replace("'", "''")
    with duckdb.connect(":memory:") as con:
        con.execute(f"SELECT setseed({(seed % 1000) / 1000})")
        con.execute(f"""COPY (
          SELECT printf('2016-%02d', 1 + (i % {months})) AS year_month,
            'Y5' || (pr % 2) AS regional_office_code, 'REGION ' || (pr % 2) AS regional_office_name,
            'Q' || (pr % 5) AS area_code, 'AREA ' || (pr % 5) AS area_name,
            'P' || (pr % 20) AS pco_code, 'PCO ' || (pr % 20) AS pco_name,
            'G' || lpad(pr::VARCHAR, 5, '0') AS practice_code, 'PRACTICE ' || pr AS practice_name,
            NULL::VARCHAR AS chemical_substance, NULL::VARCHAR AS chemical_substance_name,
            list_element([{listed}], 1 + CAST(floor(random() * {len(codes)}) AS INTEGER)) AS bnf_code,
            'synthetic' AS bnf_description,
            CAST(1 + floor(random() * 30) AS BIGINT) AS items,
            CAST(floor(random() * 100) AS BIGINT) * 100000 AS quantity_e5,
            CAST(floor(random() * 3000) AS BIGINT) * 100000 AS total_quantity_e5,
            NULL::BIGINT AS adqusage_e5,
            CAST(floor(random() * 5000000) AS BIGINT) AS nic_e5,
            CAST(floor(random() * 5000000) AS BIGINT) AS actual_cost_e5
          FROM (SELECT i, CAST(floor(random() * {practices}) AS BIGINT) AS pr FROM range({rows}) t(i))
        ) TO '{dest}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)""")
    return path

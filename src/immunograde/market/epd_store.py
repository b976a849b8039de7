"""Where EPD lives: per-practice rows as monthly Parquet files beside the knowledge base, and national
totals per BNF presentation and month as figures in the knowledge base (money beside the verdict).

The Parquet store is ``epd/`` beside the knowledge-base file (``IMMUNOGRADE_EPD`` overrides it); the
prescribing measures (:mod:`.epd_measures`) read it with DuckDB or Spark.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from immunograde.ingest.epd import SCALE, EpdFiles
from immunograde.ingest.market_forms import bnf_name, route_from_bnf
from immunograde.ingest.market_rows import Figures

#: shipped files that are not real prescribing: the caveat travels with every figure read from them
FIXTURES = {
    "prescribing/epd_sample_201601.csv": "OpenPrescribing test fixture: the EPD layout with made-up rows, "
    "not real prescribing",
}
_METRICS = (("items", "items", 1), ("actual_cost_e5", "actual_cost", SCALE), ("nic_e5", "nic", SCALE),
            ("total_quantity_e5", "quantity", SCALE))  # fmt: skip
_UNITS = {"items": "items", "actual_cost": "GBP", "nic": "GBP", "quantity": "quantity units"}


def epd_dir(db_path: Path) -> Path:
    """The EPD Parquet store for the knowledge base at ``db_path``."""
    env = os.environ.get("IMMUNOGRADE_EPD")
    return Path(env).resolve() if env else db_path.parent / "epd"


def epd_files(store: Path) -> list[Path]:
    return sorted(store.glob("????-??.parquet"))


def epd_figures(files: EpdFiles, label: str) -> Figures:
    """National totals per month and BNF presentation, from the staged Parquet files."""
    figures = Figures("nhs_epd", label)
    paths = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files.staged.values())
    sums = ", ".join(f"sum({col}) AS {col}" for col, _, _ in _METRICS)
    with duckdb.connect(":memory:") as con:
        rows = con.execute(
            f"SELECT year_month, bnf_code, min(bnf_description), min(chemical_substance_name), "
            f"count(DISTINCT practice_code), count(*), {sums} FROM read_parquet([{paths}]) "
            "GROUP BY year_month, bnf_code ORDER BY year_month, bnf_code"
        ).fetchall()
    caveat = FIXTURES.get(label)
    for month, code, desc, chemical, practices, n, *values in rows:
        common = dict(year=int(month[:4]), period=month, name=bnf_name(desc), generic_name=chemical,
                      code=code, route=route_from_bnf(desc), description=desc,
                      source_ref=f"sum over {n} rows from {practices} practices", caveat=caveat)  # fmt: skip
        for (_, metric, scale), value in zip(_METRICS, values, strict=True):
            if value is not None:
                figures.add(line=None, metric=metric, value=value / scale, unit=_UNITS[metric],
                            value_as_printed=None, **common)  # fmt: skip
    return figures

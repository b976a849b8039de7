"""The same counting SQL on Spark local[2] gives exactly DuckDB's results (few tests: Spark is slow
to start on 2 cores; one session-scoped SparkSession, see conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from immunograde.safety.engines import DuckDBEngine, SparkEngine
from immunograde.safety.faers import ingest
from immunograde.safety.pipeline import PipelineOptions, run_pipeline
from immunograde.safety.report_table import score_report_table
from immunograde.settings import shared_data_dir
from immunograde.stats.gps import GPSPrior

PV = shared_data_dir() / "pharmacovigilance"
PRIOR = GPSPrior(24.3530424972919, 2.34101401543354, 3.51170102196543, 2.91246682351267, 0.0318)


def _same(a: Any, b: Any) -> None:
    assert a.column_names == b.column_names
    assert a.num_rows == b.num_rows
    for name in a.column_names:
        x, y = a[name].to_numpy(zero_copy_only=False), b[name].to_numpy(zero_copy_only=False)
        if x.dtype.kind == "f":
            np.testing.assert_array_equal(x, y)  # bit-identical: same counts, same numpy code
        else:
            assert x.tolist() == y.tolist(), name


@pytest.mark.spark
def test_caers_stratified_spark_equals_duckdb(spark: Any) -> None:
    kwargs = dict(id_col="id", drug_col="var1", event_col="var2", strata=["strat1"], prior=PRIOR)
    duck = score_report_table(DuckDBEngine(), PV / "caers.csv", **kwargs)  # type: ignore[arg-type]
    spk = score_report_table(SparkEngine(session=spark), PV / "caers.csv", **kwargs)  # type: ignore[arg-type]
    assert duck.n_reports == spk.n_reports == 3_356
    _same(duck.table, spk.table)


@pytest.mark.spark
def test_faers_sample_pipeline_spark_equals_duckdb(spark: Any, tmp_path: Path) -> None:
    sample = PV / "faers_sample"
    ingest([sample / "faers_ascii_2017q2.zip", sample / "aers_ascii_2004q1.zip"], tmp_path)
    opts = PipelineOptions(drug_level="name", prior=PRIOR)
    duck = run_pipeline(DuckDBEngine(), tmp_path, opts)
    spk = run_pipeline(SparkEngine(session=spark), tmp_path, opts)
    assert duck.dedup == spk.dedup
    assert duck.score.n_strata == spk.score.n_strata
    _same(duck.score.table, spk.score.table)

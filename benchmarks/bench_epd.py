"""EPD prescribing-measures benchmark: a synthetic English Prescribing Data file, DuckDB and Spark.

    .venv/bin/python benchmarks/bench_epd.py --rows 100000000 [--engine duckdb spark]
        [--workdir /tmp/immunograde-bench-epd] [--nice 10]

1. Generates (not timed, once per row count) a synthetic EPD-shaped store: one Parquet file per month
   (``YYYY-MM.parquet``, the columns :func:`immunograde.ingest.epd.convert_epd` writes), about 16.7 million
   rows a month like the real EPD, written 1 million rows at a time (numpy draws, dictionary-encoded
   organisation and BNF columns, pyarrow's Parquet writer: bounded memory).
   Shapes follow ``prescribing/epd_sample_201601.csv`` and the real file: 4 regional offices, 25 area
   teams, 209 CCGs, 8,000 practices of uneven size; 20,000 BNF presentations with a long tail plus the
   fixture's 9 distinct codes; 0.3 % of rows on the measures' codes (methotrexate 2.5 mg / 10 mg tablets, generic
   and brand; ciclosporin and tacrolimus, generic and brand); items skewed (1 + exponential, mean ~5);
   pack quantities from the fixture (1 ... 448); NIC = total quantity x a log-uniform unit price, to the
   penny; actual cost ~ 0.93 x NIC.
2. For each engine, in a fresh child process (``nice -n 10``): ``immunograde.market.epd_run.compute``,
   the code behind ``immunograde market measures [--engine spark]``, over the whole store into a scratch
   knowledge base; the parent samples the child's process tree with psutil every 0.25 s: wall time, CPU
   time (user + system of every process in the tree, the JVM included; the last < 0.25 s of a process
   that exits between samples is missed), peak RSS of the Python process, of the JVM, and of the tree.
3. Reads the stored values and deciles back from both knowledge bases and asserts they are equal
   (integers exactly, ratios, percentiles and deciles to 1e-12 relative).

The machine's load average is printed beside every figure: the 2 cores are shared.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
ROWS_PER_MONTH = 16_700_000
MEASURE_CODES = [  # (bnf_code, description, chemical, weight among measure rows)
    ("1001030U0AAABAB", "Methotrexate_Tab 2.5mg", "Methotrexate", 60),
    ("1001030U0AAACAC", "Methotrexate_Tab 10mg", "Methotrexate", 3),
    ("1001030U0BBABAB", "Maxtrex_Tab 2.5mg", "Methotrexate", 2),
    ("1001030U0BBACAC", "Maxtrex_Tab 10mg", "Methotrexate", 1),
    ("0802020G0AAAAAA", "Ciclosporin_Cap 25mg", "Ciclosporin", 3),
    ("0802020G0BBAAAA", "Neoral_Cap 25mg", "Ciclosporin", 6),
    ("0802020T0AAACAC", "Tacrolimus_Cap 1mg", "Tacrolimus", 10),
    ("0802020T0BBAGAC", "Adoport_Cap 1mg", "Tacrolimus", 15),
]
FIXTURE_CODES = [  # the 11-row fixture's presentations
    ("0202010B0AAABAB", "Bendroflumethiazide_Tab 2.5mg", "Bendroflumethiazide"),
    ("0302000N0AABFBF", "Fluticasone/Salmeterol_Inh 125/25mcg120D", "Fluticasone propionate"),
    ("0106020M0AAATAT", "Senna_Oral Soln 7.5mg/5ml S/F", "Senna"),
    ("0102000N0AAABAB", "Hyoscine Butylbrom_Tab 10mg", "Hyoscine butylbromide"),
    ("1001040C0AAAAAA", "Allopurinol_Tab 100mg", "Allopurinol"),
    ("0704020J0AAATAT", "Oxybutynin HCl_Tab 10mg M/R", "Oxybutynin hydrochloride"),
    ("21300000100", "Oxyal Sod Hyaluronate Eye Dps 10ml", ""),
    ("1104020N0AAAAAA", "Nedocromil Sod_Eye Dps Aq 2%", "Nedocromil sodium"),
    ("0906040G0BXAAAN", "Fultium-D3_Cap 800u", "Colecalciferol"),
]
MEASURE_SHARE = 0.003
FIXTURE_SHARE = 0.05
PRACTICES, CCGS, AREAS, REGIONS, PRESENTATIONS = 8000, 209, 25, 4, 20000
QUANTITIES = [1, 7, 14, 28, 28, 28, 30, 56, 56, 60, 84, 100, 112, 280, 448]


CHUNK = 1_000_000


def _dimensions() -> tuple[dict[str, pa.Array], dict[str, pa.Array], np.ndarray]:
    """Per-practice columns (with CCG, area team, region), per-presentation columns, presentation weights."""
    pr = np.arange(PRACTICES)
    ccg = pr % CCGS
    area = ccg % AREAS
    practice = {
        "regional_office_code": [f"Y{54 + a % REGIONS}" for a in area],
        "regional_office_name": [f"REGIONAL OFFICE {a % REGIONS}" for a in area],
        "area_code": [f"Q{40 + a}" for a in area],
        "area_name": [f"AREA TEAM {a}" for a in area],
        "pco_code": [f"{c:03d}X00" for c in ccg],
        "pco_name": [f"CCG {c}" for c in ccg],
        "practice_code": [f"{chr(65 + p % 26)}{p * 7 % 100000:05d}" for p in pr],
        "practice_name": [f"PRACTICE {p}" for p in pr],
    }
    syn = np.arange(PRESENTATIONS)
    codes = [c for c, *_ in MEASURE_CODES] + [c for c, *_ in FIXTURE_CODES]
    codes += [f"{1 + k % 23:02d}{k % 17:02d}{k % 13:02d}X{k:04d}AA" for k in syn]
    descr = [d for _, d, *_ in MEASURE_CODES] + [d for _, d, _ in FIXTURE_CODES]
    descr += [f"Synthetic presentation {k}" for k in syn]
    chem = [h for _, _, h, _ in MEASURE_CODES] + [h for _, _, h in FIXTURE_CODES]
    chem += [f"Synthetic substance {k // 4}" for k in syn]
    presentation = {
        "chemical_substance": [c[:9] if h else None for c, h in zip(codes, chem, strict=True)],
        "chemical_substance_name": [h or None for h in chem],
        "bnf_code": codes,
        "bnf_description": descr,
    }
    m = np.array([w for *_, w in MEASURE_CODES], float)
    tail = 1.0 / (1 + syn) ** 0.8  # long tail: a few presentations are very common
    weights = np.concatenate([
        MEASURE_SHARE * m / m.sum(),
        np.full(len(FIXTURE_CODES), FIXTURE_SHARE / len(FIXTURE_CODES)),
        (1 - MEASURE_SHARE - FIXTURE_SHARE) * tail / tail.sum(),
    ])  # fmt: skip
    to_arrow = lambda cols: {k: pa.array(v, pa.string()) for k, v in cols.items()}  # noqa: E731
    return to_arrow(practice), to_arrow(presentation), weights


def _chunk(rng: np.random.Generator, n: int, month: str, dims) -> pa.Table:
    """``n`` rows: dictionary-encoded organisation and BNF columns, drawn numbers."""
    practice, presentation, weights = dims
    size = 1 / (1 + np.arange(PRACTICES)) ** 0.35  # practices of uneven size
    pr = pa.array(rng.choice(PRACTICES, n, p=size / size.sum()).astype(np.int32))
    k = pa.array(rng.choice(len(weights), n, p=weights).astype(np.int32))
    items = 1 + np.floor(rng.exponential(4.5, n)).astype(np.int64)
    quantity = np.array(QUANTITIES)[rng.integers(0, len(QUANTITIES), n)]
    total = quantity * items
    nic_p = np.maximum(1, np.round(total * 0.2 * 50.0 ** rng.uniform(-1, 2, n))).astype(np.int64)
    cols: dict[str, pa.Array] = {"year_month": pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(n, np.int32)), pa.array([month]))}  # fmt: skip
    cols |= {c: pa.DictionaryArray.from_arrays(pr, d) for c, d in practice.items()}
    for c, d in presentation.items():  # a null in the dictionary becomes a null index
        blank = pc.is_null(d)
        if pc.any(blank).as_py():
            idx = pc.if_else(pc.is_in(k, pc.indices_nonzero(blank).cast(pa.int32())), None, k)
            cols[c] = pa.DictionaryArray.from_arrays(idx, pc.fill_null(d, ""))
        else:
            cols[c] = pa.DictionaryArray.from_arrays(k, d)
    cols |= {
        "items": pa.array(items),
        "quantity_e5": pa.array(quantity * 100_000),
        "total_quantity_e5": pa.array(total * 100_000),
        "adqusage_e5": pa.array(np.round(total * rng.uniform(0, 1, n), 5) * 100_000).cast(
            pa.int64(), safe=False
        ),
        "nic_e5": pa.array(nic_p * 1000),
        "actual_cost_e5": pa.array(
            np.round(nic_p * rng.uniform(0.90, 0.96, n) * 1000).astype(np.int64)
        ),
    }
    return pa.table(cols)


def generate(store: Path, rows: int, seed: int = 16) -> list[Path]:
    """Monthly Parquet files with ``rows`` rows in all, written 1 million rows at a time (kept when
    already complete)."""
    store.mkdir(parents=True, exist_ok=True)
    done = store / "complete.json"
    if done.exists() and json.loads(done.read_text())["rows"] == rows:
        return sorted(store.glob("????-??.parquet"))
    months = max(1, math.ceil(rows / ROWS_PER_MONTH))
    dims = _dimensions()
    rng = np.random.default_rng(seed)
    files = []
    t0 = time.perf_counter()
    for i in range(months):
        n = rows // months + (1 if i < rows % months else 0)
        month = f"{2016 + i // 12}-{1 + i % 12:02d}"
        dest = store / f"{month}.parquet"
        writer = None
        for start in range(0, n, CHUNK):
            table = _chunk(rng, min(CHUNK, n - start), month, dims)
            if (
                writer is None
            ):  # dictionary columns are written as Parquet strings (no Arrow schema kept)
                writer = pq.ParquetWriter(
                    dest, table.schema, compression="zstd", store_schema=False
                )
            writer.write_table(table, row_group_size=CHUNK)
        if writer is not None:
            writer.close()
        files.append(dest)
        print(f"  generated {month}: {n:,} rows ({time.perf_counter() - t0:.0f} s)", flush=True)
    done.write_text(json.dumps({"rows": rows, "seconds": time.perf_counter() - t0}))
    return files


def _child(store: Path, db: Path, engine: str, out: Path) -> None:
    os.environ["IMMUNOGRADE_EPD"] = str(store)
    from immunograde.market.epd_run import compute

    t0 = time.perf_counter()
    res = compute(db, engine=engine, master="local[2]")
    out.write_text(json.dumps({"seconds": time.perf_counter() - t0, "phases": res.seconds,
                               "values": res.values.num_rows}))  # fmt: skip
    if (
        engine == "spark"
    ):  # stop the JVM here, so that its CPU time is counted before the child exits
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession()
        if session is not None:
            session.stop()


def measure(store: Path, db: Path, engine: str, niceness: int) -> dict:
    """Run one engine in a child process tree and sample its time and memory."""
    import psutil

    db.unlink(missing_ok=True)
    out = db.with_suffix(".json")
    cmd = ["nice", "-n", str(niceness), sys.executable, __file__, "--child", str(store), str(db),
           engine, str(out)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env)
    top = psutil.Process(proc.pid)
    cpu: dict[int, float] = {}
    peak = {"python": 0, "jvm": 0, "tree": 0}
    while proc.poll() is None:
        try:
            procs = [top, *top.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        tree = 0
        for p in procs:
            try:
                with p.oneshot():
                    rss, times, name = p.memory_info().rss, p.cpu_times(), p.name()
            except psutil.Error:
                continue
            cpu[p.pid] = times.user + times.system
            tree += rss
            kind = "jvm" if name.startswith("java") else "python" if "python" in name else None
            if kind:
                peak[kind] = max(peak[kind], rss)
        peak["tree"] = max(peak["tree"], tree)
        time.sleep(0.25)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{engine} run failed with exit code {proc.returncode}")
    child = json.loads(out.read_text())
    return {"engine": engine, "wall_s": round(wall, 1), "compute_s": round(child["seconds"], 1),
            "phases_s": {k: round(v, 1) for k, v in child["phases"].items()},
            "cpu_s": round(sum(cpu.values()), 1), "values": child["values"],
            "peak_rss_mb": {k: round(v / 2**20) for k, v in peak.items()},
            "load_before": [round(x, 1) for x in load0],
            "load_after": [round(x, 1) for x in os.getloadavg()]}  # fmt: skip


def compare(dbs: list[Path]) -> dict:
    """The stored values and deciles of every knowledge base equal the first one's."""
    import numpy as np

    def read(db: Path, sql: str):
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute(sql).to_arrow_table()

    queries = {
        "values": "SELECT * FROM reg_market_epd_values ORDER BY measure_id, month, org_type, org_id",
        "deciles": "SELECT * FROM reg_market_epd_deciles ORDER BY measure_id, month, org_type, p",
    }
    out = {}
    for name, sql in queries.items():
        ref = read(dbs[0], sql)
        for db in dbs[1:]:
            other = read(db, sql)
            assert ref.num_rows == other.num_rows, (name, ref.num_rows, other.num_rows)
            assert ref.schema.names == other.schema.names, name
            for col in ref.schema.names:
                a, b = ref[col].to_pylist(), other[col].to_pylist()
                if ref.schema.field(col).type == "double":
                    x = np.array([np.nan if v is None else v for v in a], dtype=float)
                    y = np.array([np.nan if v is None else v for v in b], dtype=float)
                    np.testing.assert_allclose(
                        x, y, rtol=1e-12, atol=0, equal_nan=True, err_msg=f"{name}.{col}"
                    )
                else:
                    assert a == b, f"{name}.{col} differs"
        out[name] = ref.num_rows
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--engine", nargs="+", default=["duckdb", "spark"], choices=["duckdb", "spark"])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/immunograde-bench-epd"))
    ap.add_argument("--nice", type=int, default=10)
    ap.add_argument("--generate-only", action="store_true", help="write the data and stop")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        store, db, engine, out = args.child
        _child(Path(store), Path(db), engine, Path(out))
        return
    store = args.workdir / f"epd-{args.rows}"
    print(f"load average {os.getloadavg()}; generating {args.rows:,} rows in {store}", flush=True)
    files = generate(store, args.rows)
    size = sum(p.stat().st_size for p in files)
    print(f"  {len(files)} monthly files, {size / 2**20:,.0f} MiB", flush=True)
    if args.generate_only:
        return
    runs = []
    for engine in args.engine:
        r = measure(store, args.workdir / f"kb-{args.rows}-{engine}.duckdb", engine, args.nice)
        print(json.dumps(r), flush=True)
        runs.append(r)
    result = {
        "rows": args.rows,
        "files": len(files),
        "parquet_mib": round(size / 2**20),
        "runs": runs,
    }
    if len(runs) > 1:
        result["equal"] = compare(
            [args.workdir / f"kb-{args.rows}-{e}.duckdb" for e in args.engine]
        )
        print(f"results equal across engines: {result['equal']}", flush=True)
    (args.workdir / f"result-{args.rows}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

"""FAERS-shaped synthetic reports: Zipf-distributed drugs and events, planted true associations.

Each report has ``1 + Poisson(2)`` drugs and ``1 + Poisson(2)`` events (about three of each), drawn
from Zipf(``s``) popularity over ``n_drugs`` / ``n_events`` names; age, sex and FDA year vary.
``n_planted`` drugs each get one planted event with relative risk ``rr`` drawn from 2-10: a report
with the drug gets the event with extra probability ``(rr - 1) * P(event in a report)``.  A small
share of cases also has an older version (same ``caseid``, lower ``caseversion``, other
``primaryid``) so that de-duplication has work.  Background over-dispersion, as in real data: 5 %
of events come from the "therapeutic area" of the report's first drug (confounding by
indication: such pairs are disproportionate without being planted).  Written in chunks; memory stays flat.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


@dataclass(frozen=True)
class SynthSpec:
    n_reports: int
    n_drugs: int = 4000
    n_events: int = 3000
    zipf_s: float = 1.1
    n_planted: int = 300
    old_version_share: float = 0.02
    n_areas: int = 20
    area_share: float = 0.05
    seed: int = 20261124
    chunk: int = 1_000_000


def _zipf_p(k: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, k + 1) ** s
    return w / w.sum()


def _planted(spec: SynthSpec, rng: np.random.Generator) -> pa.Table:
    drugs = rng.choice(np.arange(3, min(spec.n_drugs, 600)), spec.n_planted, replace=False)
    events = rng.integers(10, min(spec.n_events, 1500), spec.n_planted)
    rr = rng.uniform(2.0, 10.0, spec.n_planted)
    return pa.table({"drug_code": drugs, "event_code": events, "rr": rr})


def _names(prefix: str, k: int) -> pa.Array:
    return pa.array([f"{prefix}{i:05d}" for i in range(k)])


def _chunk(
    spec: SynthSpec,
    rng: np.random.Generator,
    first_id: int,
    size: int,
    truth: pa.Table,
    p_event_row: np.ndarray,
) -> dict[str, pa.Table]:
    ids = np.arange(first_id, first_id + size, dtype=np.int64)
    nd, ne = 1 + rng.poisson(2.0, size), 1 + rng.poisson(2.0, size)
    d_ids, e_ids = np.repeat(ids, nd), np.repeat(ids, ne)
    d_codes = rng.choice(spec.n_drugs, d_ids.size, p=_zipf_p(spec.n_drugs, spec.zipf_s))
    e_codes = rng.choice(spec.n_events, e_ids.size, p=p_event_row)
    e_codes = _indication_mix(spec, rng, e_codes, d_codes[np.cumsum(nd) - nd], ne)
    lookup = np.full(spec.n_drugs, -1)
    lookup[truth["drug_code"].to_numpy()] = np.arange(truth.num_rows)
    hit = lookup[d_codes]
    sel = np.flatnonzero(hit >= 0)
    ev = truth["event_code"].to_numpy()[hit[sel]]
    p_extra = (truth["rr"].to_numpy()[hit[sel]] - 1) * (1 - (1 - p_event_row[ev]) ** 3)
    add = sel[rng.random(sel.size) < p_extra]
    e_ids = np.concatenate([e_ids, d_ids[add]])
    e_codes = np.concatenate([e_codes, truth["event_code"].to_numpy()[lookup[d_codes[add]]]])
    demo = pa.table({
        "primaryid": ids * 10 + 1, "caseid": ids, "caseversion": np.full(size, 2, np.int64),
        "fda_dt": (rng.integers(2014, 2024, size) * 10000 + 101).astype(np.int64),
        "age_years": np.where(rng.random(size) < 0.2, np.nan, rng.gamma(6.0, 9.0, size)),
        "sex": pa.array(np.array(["F", "M", "U"])[rng.choice(3, size, p=[0.55, 0.4, 0.05])]),
        "quarter": pa.array(["synthetic"] * size),
    })  # fmt: skip
    roles = np.array(["PS", "SS", "C", "I"])[rng.choice(4, d_ids.size, p=[0.4, 0.2, 0.38, 0.02])]
    drug_names = _names("DRUG", spec.n_drugs)
    drug = pa.table({
        "primaryid": d_ids * 10 + 1, "drugname": drug_names.take(d_codes),
        "prod_ai": drug_names.take(d_codes), "role_cod": pa.array(roles),
    })  # fmt: skip
    reac = pa.table(
        {"primaryid": e_ids * 10 + 1, "pt": _names("EVENT", spec.n_events).take(e_codes)}
    )
    return _with_old_versions(spec, rng, demo, drug, reac)


def _indication_mix(
    spec: SynthSpec,
    rng: np.random.Generator,
    e_codes: np.ndarray,
    first_drug: np.ndarray,
    ne: np.ndarray,
) -> np.ndarray:
    """Background over-dispersion: a share of events comes from the first drug's therapeutic area."""
    areas = spec.n_areas
    per_area = spec.n_events // areas
    swap = np.flatnonzero(rng.random(e_codes.size) < spec.area_share)
    k = rng.choice(per_area, swap.size, p=_zipf_p(per_area, spec.zipf_s))
    area = np.repeat(first_drug % areas, ne)[swap]
    out = e_codes.copy()
    out[swap] = k * areas + area
    return out


def _with_old_versions(
    spec: SynthSpec, rng: np.random.Generator, demo: pa.Table, drug: pa.Table, reac: pa.Table
) -> dict[str, pa.Table]:
    old = rng.random(demo.num_rows) < spec.old_version_share
    old_demo = demo.filter(pa.array(old))
    old_ids = pa.array(old_demo["primaryid"].to_numpy())
    shift = {"primaryid": lambda t: pa.array(t["primaryid"].to_numpy() - 1)}
    parts = {"demo": [demo], "drug": [drug], "reac": [reac]}
    older = old_demo.set_column(0, "primaryid", shift["primaryid"](old_demo))
    older = older.set_column(2, "caseversion", pa.array(np.ones(older.num_rows, np.int64)))
    parts["demo"].append(older)
    for name, table in (("drug", drug), ("reac", reac)):
        mask = pc.is_in(table["primaryid"], value_set=old_ids)
        sub = table.filter(mask)
        parts[name].append(sub.set_column(0, "primaryid", shift["primaryid"](sub)))
    return {k: pa.concat_tables(v) for k, v in parts.items()}


def generate(spec: SynthSpec, folder: Path) -> pa.Table:
    """Write ``demo/drug/reac.parquet`` into ``folder``; return the planted truth table."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(spec.seed)
    truth = _planted(spec, rng)
    p_event = _zipf_p(spec.n_events, spec.zipf_s)
    writers: dict[str, pq.ParquetWriter] = {}
    try:
        for first in range(0, spec.n_reports, spec.chunk):
            size = min(spec.chunk, spec.n_reports - first)
            for name, table in _chunk(spec, rng, first, size, truth, p_event).items():
                if name not in writers:
                    writers[name] = pq.ParquetWriter(folder / f"{name}.parquet", table.schema)
                writers[name].write_table(table)
    finally:
        for w in writers.values():
            w.close()
    names = truth.append_column("drug", _names("DRUG", spec.n_drugs).take(truth["drug_code"]))
    names = names.append_column("event", _names("EVENT", spec.n_events).take(truth["event_code"]))
    pq.write_table(names, folder / "truth.parquet")
    return names

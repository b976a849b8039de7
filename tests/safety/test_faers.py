"""FAERS ingestion (quirks, both layouts), de-duplication, roles and name mapping.

Hand-written snippets in the FAERS layouts, and the real sample rows in
../shared/data/pharmacovigilance/faers_sample/ (row counts from its README).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from immunograde.errors import InputError
from immunograde.safety.engines import DuckDBEngine
from immunograde.safety.faers import TableReport, ingest, parse_table
from immunograde.safety.mapping import NameIndex, map_names, normalize_name
from immunograde.safety.pipeline import PipelineOptions, run_pipeline
from immunograde.settings import shared_data_dir
from immunograde.stats.gps import GPSPrior

SAMPLE = shared_data_dir() / "pharmacovigilance" / "faers_sample"
#: Any prior: these tests are about counting, not about the fit (which needs more than 3 pairs).
PRIOR = GPSPrior(0.2, 0.1, 2.0, 4.0, 1 / 3)

DEMO = """primaryid$caseid$caseversion$i_f_code$event_dt$mfr_dt$init_fda_dt$fda_dt$rept_cod$age$age_cod$sex
101$10$1$I$$$20170101$20170105$EXP$40$YR$F
102$10$2$F$$$20170101$20170301$EXP$40$YR$F
103$10$2$F$$$20170101$20170201$EXP$40$YR$F
201$20$1$I$$$20170101$20170110$PER$6$MON$M
202$20$1$F$$$20170101$20170110$PER$6$MON$M
301$30$3$I$$$20170101$20170110$DIR$70$YR$M
"""
DRUG = """primaryid$caseid$drug_seq$role_cod$drugname$prod_ai
102$10$1$PS$Humira.$ADALIMUMAB
102$10$2$C$ASPIRIN$ASPIRIN
202$20$1$SS$MYSTERY PILL$
301$30$1$PS$HUMIRA$ADALIMUMAB
"""
REAC = """primaryid$caseid$pt$drug_rec_act
102$10$Injection site pain$
202$20$Rash$
301$30$Injection site pain$
"""


def _report() -> TableReport:
    return TableReport("snippet.txt", "reac", "04q1", "legacy")


def test_trailing_delimiters_and_artefact_columns() -> None:
    # Legacy lines end with a stray '$', the header too.
    text = "ISR$PT$\n4263742$DIARRHOEA$\n4263742$MYDRIASIS$\n"
    rep = _report()
    cols = parse_table(text, rep)
    assert cols == {"isr": ["4263742", "4263742"], "pt": ["DIARRHOEA", "MYDRIASIS"]}
    assert rep.trailing_delimiters == 2 and rep.rows == 2


def test_stray_line_break_is_joined() -> None:
    text = "isr$drugname$route\n1$ASPIRIN 100\nMG$ORAL\n2$X$IV\n"
    rep = _report()
    cols = parse_table(text, rep)
    assert cols["drugname"] == ["ASPIRIN 100 MG", "X"]
    assert cols["route"] == ["ORAL", "IV"]
    assert rep.joined_lines == 1 and rep.rows == 2


def test_overlong_row_is_counted_not_dropped() -> None:
    rep = _report()
    cols = parse_table("a$b\n1$x$y\n", rep)
    assert cols["b"] == ["x$y"] and rep.overlong_rows == 1


def test_truncated_last_record_is_an_input_error() -> None:
    with pytest.raises(InputError, match="last record has 2 of 3 fields"):
        parse_table("a$b$c\n1$2\n", _report())


def test_sample_quarters_both_layouts(tmp_path: Path) -> None:
    rep = ingest([SAMPLE / "faers_ascii_2017q2.zip", SAMPLE / "aers_ascii_2004q1.zip"], tmp_path)
    rows = {(t.layout, t.table): t.rows for t in rep.tables}
    assert len(rep.tables) == 14  # seven tables x two quarters
    # README: 100 DEMO / 328 DRUG / 286 REAC (2017Q2); 100 DEMO / 386 DRUG / 416 REAC (2004Q1).
    assert (rows["current", "demo"], rows["current", "drug"], rows["current", "reac"]) == (
        100,
        328,
        286,
    )
    assert (rows["legacy", "demo"], rows["legacy", "drug"], rows["legacy", "reac"]) == (
        100,
        386,
        416,
    )
    legacy = pq.read_table(tmp_path / "demo_legacy_04q1.parquet")
    assert "v23" not in legacy.column_names  # the sampler's empty artefact column is dropped
    first = legacy.slice(0, 1).to_pylist()[0]
    # DEMO04Q1 row 1: isr 4263742, case 4061110, 42 YR, F, fda_dt 20040102.
    assert (first["primaryid"], first["caseid"], first["sex"]) == (4263742, 4061110, "F")
    assert (first["age_years"], first["fda_dt"], first["layout"]) == (42.0, 20040102, "legacy")
    drug = pq.read_table(tmp_path / "drug_current_17q2.parquet").slice(0, 1).to_pylist()[0]
    # DRUG17Q2 row 1: 109792364, RISPERDAL, prod_ai RISPERIDONE, role PS.
    assert (drug["primaryid"], drug["drugname"], drug["prod_ai"], drug["role_cod"]) == (
        109792364, "RISPERDAL", "RISPERIDONE", "PS",
    )  # fmt: skip


def _quarter(tmp_path: Path, deleted: str | None = None) -> Path:
    zpath = tmp_path / "faers_ascii_2017q1.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        z.writestr("ascii/DEMO17Q1.txt", DEMO)
        z.writestr("ascii/DRUG17Q1.txt", DRUG)
        z.writestr("ascii/REAC17Q1.txt", REAC)
        if deleted:
            z.writestr("Deleted/DELETED17Q1.txt", deleted)
    out = tmp_path / "parquet"
    ingest([zpath], out)
    return out


def test_dedup_rule_and_counts(tmp_path: Path) -> None:
    out = _quarter(tmp_path)
    index = NameIndex({"HUMIRA": ("adalimumab",), "ADALIMUMAB": ("adalimumab",)}, "test")
    res = run_pipeline(
        DuckDBEngine(), out, PipelineOptions(stratify=False, prior=PRIOR), index=index
    )
    # Case 10: versions 1, 2, 2 -> highest version (102, 103), then latest fda_dt: 102 (0301).
    # Case 20: same version and date -> highest primaryid: 202.  Case 30: only 301.
    assert res.dedup.reports_before == 6 and res.dedup.cases_before == 3
    assert res.dedup.reports_after == 3
    kept = {r["drug"] + "/" + r["event"]: r["n"] for r in res.score.table.to_pylist()}
    assert kept == {"adalimumab/INJECTION SITE PAIN": 2}
    # Unmapped names are listed with their row counts, never dropped silently.
    assert res.mapping is not None
    assert res.mapping.unmapped == [("ASPIRIN", "ASPIRIN", 1), ("MYSTERY PILL", "", 1)]
    assert (res.mapping.rows_mapped, res.mapping.rows_unmapped) == (2, 2)


def test_deleted_cases_are_removed(tmp_path: Path) -> None:
    out = _quarter(tmp_path, deleted="30\n")
    res = run_pipeline(
        DuckDBEngine(), out, PipelineOptions(drug_level="name", stratify=False, prior=PRIOR)
    )
    assert res.dedup.reports_deleted == 1 and res.dedup.reports_after == 2


def test_roles_are_selectable(tmp_path: Path) -> None:
    out = _quarter(tmp_path)
    both = run_pipeline(
        DuckDBEngine(), out, PipelineOptions(drug_level="name", stratify=False, prior=PRIOR)
    )
    ps = run_pipeline(
        DuckDBEngine(),
        out,
        PipelineOptions(drug_level="name", stratify=False, roles=("PS",), prior=PRIOR),
    )
    drugs_all = set(both.score.table["drug"].to_pylist())
    assert drugs_all == {"ADALIMUMAB", "ASPIRIN", "MYSTERY PILL"}
    assert set(ps.score.table["drug"].to_pylist()) == {"ADALIMUMAB"}
    with pytest.raises(InputError, match="roles are"):
        run_pipeline(DuckDBEngine(), out, PipelineOptions(roles=("XX",)))


def test_mapping_uses_prod_ai_and_combinations() -> None:
    index = NameIndex({"METHOTREXATE": ("mtx",), "FOLIC ACID": ("fa",)}, "test")
    combos = pa.table(
        {
            "dn": ["TREXALL", "COMBO", "NOTHING"],
            "ai": ["METHOTREXATE", "METHOTREXATE\\FOLIC ACID", ""],
            "n": [3, 2, 5],
        }
    )
    table, report = map_names(combos, index)
    assert sorted(zip(table["dn"].to_pylist(), table["drug"].to_pylist(), strict=True)) == [
        ("COMBO", "fa"), ("COMBO", "mtx"), ("TREXALL", "mtx"),
    ]  # fmt: skip
    assert report.unmapped == [("NOTHING", "", 5)]
    assert normalize_name("  Prednisone.  ") == "PREDNISONE"

"""ClinicalTrials.gov API v2 JSON import, checked against the real fixture records.

Expected values are read off the fixture files in ../shared/data/registries (JSON paths named in
each assertion's comment); nothing here is our own output pasted back.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import duckdb
import pytest

from immunograde import settings
from immunograde.errors import InputError, NotFoundError
from immunograde.ingest import schema, writer
from immunograde.ingest.ctgov import import_ctgov
from immunograde.ingest.schema import ensure_schema

REG = settings.shared_data_dir() / "registries"
CZP = REG / "ctgov_v2_NCT02278341_certolizumab_axspa.json"  # its nctId is NCT02552212
DUPI = REG / "ctgov_v2_NCT02210780_dupilumab_ad.json"
NORES = REG / "ctgov_v2_NCT03630471_no_results.json"
TABLES = ("reg_studies", "reg_arms", "reg_interventions", "reg_outcomes", "reg_outcome_analyses")


def _counts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]


def _mem() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    ensure_schema(c)
    return c


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    return _mem()


def test_study_fields_match_the_registry_record(conn: duckdb.DuckDBPyConnection) -> None:
    s = import_ctgov(CZP, conn)
    assert (s.records_read, s.inserted) == (1, 1)
    row = conn.execute(
        "SELECT nct_id, phase, allocation, masking, intervention_model, enrollment, enrollment_type, "
        "overall_status, start_date, completion_date, has_results, lead_sponsor, lead_sponsor_class, "
        "funding, countries, international, acronym FROM reg_studies"
    ).fetchone()
    # protocolSection: identificationModule.nctId, designModule.phases/designInfo/enrollmentInfo,
    # statusModule, sponsorCollaboratorsModule.leadSponsor; locations[].country (9 distinct names:
    # United States, Russian Federation, Poland, Czechia, Bulgaria, Australia, Hungary, Taiwan, Canada)
    assert row == (
        "NCT02552212", "PHASE3", "RANDOMIZED", "QUADRUPLE", "PARALLEL", 317, "ACTUAL", "COMPLETED",
        "2015-09", "2020-05", True, "UCB BIOSCIENCES GmbH", "INDUSTRY", "industry",
        ["AU", "BG", "CA", "CZ", "HU", "PL", "RU", "TW", "US"], True, "C-AXSPAND",
    )  # fmt: skip


def test_intervention_ancestors_tag_the_drug_class(conn: duckdb.DuckDBPyConnection) -> None:
    import_ctgov(CZP, conn)
    rows = conn.execute(
        "SELECT mesh_term FROM reg_intervention_ancestors WHERE mesh_type = 'mesh-ancestor'"
    ).fetchall()
    # derivedSection.interventionBrowseModule.ancestors[].term
    assert [r[0] for r in rows] == [
        "Tumor Necrosis Factor Inhibitors", "Anti-Inflammatory Agents", "Immunosuppressive Agents",
        "Immunologic Factors", "Physiological Effects of Drugs", "Antirheumatic Agents",
    ]  # fmt: skip
    iv = conn.execute(
        "SELECT intervention_type, name, other_names FROM reg_interventions"
    ).fetchall()
    assert iv == [
        ("BIOLOGICAL", "Certolizumab Pegol", ["CDP870", "Cimzia"]),
        ("OTHER", "Placebo", []),
    ]


def test_posted_results_outcomes_counts_and_analyses(conn: duckdb.DuckDBPyConnection) -> None:
    import_ctgov(CZP, conn)
    # outcomeMeasures[0]: ASDAS-MI at week 52; denoms 158 (OG000 placebo) / 159 (OG001 CZP);
    # measurements 7.0 / 47.2 (% of subjects); analysis OR 15.231 (7.336, 31.623), p "<0.001"
    counts = conn.execute(
        "SELECT group_code, group_title, count FROM reg_outcome_counts WHERE outcome_no = 1 ORDER BY 1"
    ).fetchall()
    assert counts == [("OG000", "Placebo (FAS)", 158), ("OG001", "CZP 200 mg Q2W (FAS)", 159)]
    values = conn.execute(
        "SELECT param_value_num FROM reg_outcome_measurements WHERE outcome_no = 1 ORDER BY measurement_no"
    ).fetchall()
    assert values == [(7.0,), (47.2,)]
    analysis = conn.execute(
        "SELECT group_codes, param_type, estimate, ci_low, ci_high, ci_pct, p_value, p_value_modifier, "
        "method FROM reg_outcome_analyses WHERE outcome_no = 1"
    ).fetchone()
    assert analysis == (
        ["OG000", "OG001"], "Odds Ratio (OR)", 15.231, 7.336, 31.623, 95.0, 0.001, "<",
        "Regression, Logistic",
    )  # fmt: skip
    n = conn.execute("SELECT count(*) FROM reg_outcomes").fetchone()
    assert n == (31,)  # resultsSection.outcomeMeasuresModule.outcomeMeasures has 31 entries


def test_study_without_results_and_funding_from_sponsor_class(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    import_ctgov(NORES, conn)
    row = conn.execute(
        "SELECT has_results, lead_sponsor_class, funding, countries, international, phase FROM reg_studies"
    ).fetchone()
    # hasResults false; leadSponsor Sangath class OTHER, collaborators OTHER; one location, India
    assert row == (False, "OTHER", "unknown", ["IN"], False, "NA")
    assert conn.execute("SELECT count(*) FROM reg_outcomes").fetchone() == (0,)


def test_page_folder_and_bulk_zip_give_the_same_rows(tmp_path: Path) -> None:
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in (CZP, DUPI, NORES)]
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"studies": docs, "nextPageToken": "abc"}), encoding="utf-8")
    bulk = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(bulk, "w", zipfile.ZIP_DEFLATED) as zf:
        for doc in docs:
            zf.writestr(
                f"{doc['protocolSection']['identificationModule']['nctId']}.json", json.dumps(doc)
            )
    results = []
    for source in (page, bulk, REG):
        c = _mem()
        summary = import_ctgov(source, c)
        assert (summary.records_read, summary.inserted) == (3, 3)
        results.append(
            c.execute(
                "SELECT * EXCLUDE (source_file, imported_at) FROM reg_studies ORDER BY 1"
            ).fetchall()
        )
    assert results[0] == results[1] == results[2]


def test_reimport_is_idempotent_and_a_changed_record_is_updated(tmp_path: Path) -> None:
    c = _mem()
    import_ctgov(REG, c)
    before = _counts(c)
    again = import_ctgov(REG, c)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert _counts(c) == before
    doc = json.loads(DUPI.read_text(encoding="utf-8"))
    doc["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    changed = tmp_path / "dupi.json"
    changed.write_text(json.dumps(doc), encoding="utf-8")
    s = import_ctgov(changed, c)
    assert (s.inserted, s.updated, s.unchanged) == (0, 1, 0)
    assert _counts(c) == before  # child rows replaced, not duplicated
    status = c.execute(
        "SELECT overall_status FROM reg_studies WHERE nct_id = 'NCT02210780'"
    ).fetchone()
    assert status == ("TERMINATED",)


def _contents(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every study table (without the import time and file), sorted."""
    out = {}
    for t in (schema.STUDIES, *schema.STUDY_CHILDREN):
        drop = " EXCLUDE (imported_at, source_file)" if t is schema.STUDIES else ""
        out[t.name] = sorted(conn.execute(f"SELECT *{drop} FROM {t.name}").fetchall(), key=repr)
    return out


def test_one_batch_of_new_unchanged_changed_and_duplicate_records(tmp_path: Path) -> None:
    """New, unchanged and changed records and a key given twice, all in one batch, leave exactly
    the rows a fresh import of the surviving records writes (child rows of the unchanged and of
    the superseded record are not written again)."""
    c = _mem()
    import_ctgov(REG, c)
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "a.json").write_bytes(CZP.read_bytes())  # unchanged
    dupi = json.loads(DUPI.read_text(encoding="utf-8"))
    dupi["protocolSection"]["armsInterventionsModule"]["interventions"].pop()  # changed: one fewer
    (batch / "b.json").write_text(json.dumps(dupi), encoding="utf-8")
    for name, title in (("c.json", "superseded"), ("d.json", "kept")):  # a new key, twice
        doc = json.loads(NORES.read_text(encoding="utf-8"))
        doc["protocolSection"]["identificationModule"]["nctId"] = "NCT99999999"
        doc["protocolSection"]["identificationModule"]["briefTitle"] = title
        (batch / name).write_text(json.dumps(doc), encoding="utf-8")
    s = import_ctgov(batch, c)
    assert (s.inserted, s.updated, s.unchanged, s.skipped) == (1, 1, 1, 1)

    fresh = _mem()
    for f in (NORES, batch / "a.json", batch / "b.json", batch / "d.json"):
        import_ctgov(f, fresh)
    assert _contents(c) == _contents(fresh)
    assert c.execute(
        "SELECT brief_title FROM reg_studies WHERE nct_id = 'NCT99999999'"
    ).fetchone() == ("kept",)


def test_failure_midway_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    c = _mem()
    import_ctgov(NORES, c)
    before = c.execute("SELECT * FROM reg_studies").fetchall()
    folder = tmp_path / "studies"
    folder.mkdir()
    (folder / "a.json").write_bytes(CZP.read_bytes())
    (folder / "b.json").write_bytes(DUPI.read_bytes())
    bad = json.loads(NORES.read_text(encoding="utf-8"))
    bad["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = "lots"
    (folder / "c.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(InputError) as err:
        import_ctgov(folder, c, batch_size=1)  # a.json and b.json are written before c.json fails
    problem = err.value.problems[0]
    assert problem.file == str(folder / "c.json")
    assert problem.field == "protocolSection.designModule.enrollmentInfo.count"
    assert "NCT03630471" in problem.message
    assert c.execute("SELECT * FROM reg_studies").fetchall() == before
    assert c.execute("SELECT count(*) FROM reg_outcomes").fetchone() == (0,)


def test_injected_write_failure_rolls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    c = _mem()
    calls = {"n": 0}
    real = writer.Upserter._insert

    def failing(self: writer.Upserter, staging, staged, arrow) -> None:  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full (injected)")
        real(self, staging, staged, arrow)

    monkeypatch.setattr(writer.Upserter, "_insert", failing)
    with pytest.raises(OSError, match="injected"):
        import_ctgov(REG, c, batch_size=1)
    assert c.execute("SELECT count(*) FROM reg_studies").fetchone() == (0,)


def test_non_study_json_is_skipped_with_a_reason_and_bad_json_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "study.json").write_bytes(NORES.read_bytes())
    (folder / "meta.json").write_text('{"version": 2}', encoding="utf-8")
    s = import_ctgov(folder, _mem())
    assert (s.records_read, s.inserted, s.skipped) == (2, 1, 1)
    assert s.skipped_examples[0]["record"] == str(folder / "meta.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "protocolSection": ,\n}', encoding="utf-8")
    with pytest.raises(InputError) as err:
        import_ctgov(broken, _mem())
    assert (err.value.problems[0].file, err.value.problems[0].line) == (str(broken), 2)


def test_missing_path_suggests_neighbours(tmp_path: Path) -> None:
    (tmp_path / "ctg-studies.json.zip").write_bytes(b"")
    with pytest.raises(NotFoundError) as err:
        import_ctgov(tmp_path / "ctg-studies.zip", _mem())
    assert err.value.suggestions == ["ctg-studies.json.zip"]


def test_same_study_twice_in_one_import_keeps_the_later_record(tmp_path: Path) -> None:
    older = json.loads(NORES.read_text(encoding="utf-8"))
    newer = json.loads(NORES.read_text(encoding="utf-8"))
    newer["protocolSection"]["statusModule"]["overallStatus"] = "WITHDRAWN"
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"studies": [older, newer]}), encoding="utf-8")
    c = _mem()
    s = import_ctgov(page, c)
    assert (s.records_read, s.inserted, s.skipped) == (2, 1, 1)
    assert s.skipped_examples == [
        {"record": f"{page}#0", "reason": "duplicate key in this import; the later record was kept"}
    ]
    assert c.execute("SELECT overall_status FROM reg_studies").fetchall() == [("WITHDRAWN",)]


def _bulk(path: Path, docs: list[dict]) -> None:  # type: ignore[type-arg]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, doc in enumerate(docs):
            zf.writestr(f"{i:03d}.json", json.dumps(doc))


def test_parallel_bulk_path_writes_the_same_rows(tmp_path: Path) -> None:
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in (CZP, DUPI, NORES)]
    docs.append({"version": 2})  # not a study: skipped on both paths
    bulk = tmp_path / "bulk.zip"
    _bulk(bulk, docs)
    serial, parallel = _mem(), _mem()
    s1 = import_ctgov(bulk, serial, engine="python")
    s2 = import_ctgov(bulk, parallel, workers=2, engine="python")
    assert (
        (s2.records_read, s2.inserted, s2.skipped)
        == (s1.records_read, s1.inserted, s1.skipped)
        == (4, 3, 1)
    )
    for table in TABLES:
        q = (
            f"SELECT * EXCLUDE (imported_at) FROM {table} ORDER BY ALL"
            if table == "reg_studies"
            else f"SELECT * FROM {table} ORDER BY ALL"
        )
        assert parallel.execute(q).fetchall() == serial.execute(q).fetchall()
    again = import_ctgov(bulk, parallel)  # the SQL engine's hashes equal the Python ones
    assert again.unchanged == 3


def test_parallel_bulk_path_error_rolls_back(tmp_path: Path) -> None:
    bad = json.loads(NORES.read_text(encoding="utf-8"))
    bad["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = "lots"
    bulk = tmp_path / "bulk.zip"
    _bulk(bulk, [json.loads(CZP.read_text(encoding="utf-8")), bad])
    c = _mem()
    with pytest.raises(InputError) as err:
        import_ctgov(bulk, c, workers=2, batch_size=1, engine="python")
    assert err.value.problems[0].file == f"{bulk}!001.json"
    assert c.execute("SELECT count(*) FROM reg_studies").fetchone() == (0,)

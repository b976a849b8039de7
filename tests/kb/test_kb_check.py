"""``kb check`` reports every problem at once, each with the file, line and field a person must fix.

The broken files below are written out in full; the expected line numbers are counted from them.
"""

from __future__ import annotations

from pathlib import Path

from immunograde.kb.check import check_kb

REVIEW = """\
review:
  source: {file: atc/atc_immunomodulator_extract.csv, row: 1}
  extracted_by: tests
  date_reviewed: 2026-11-24
  next_review: 2027-11-24
"""

CLASSES = (
    REVIEW
    + """\
records:
  - id: l04ac
    name: Interleukin inhibitors
    kind: atc
    atc_code: L04AC
    parent: l04a
  - id: l04ac
    name: duplicate
    kind: no_atc
"""
)
# line 7: first record; 11: parent (unknown class l04a); 12: duplicate id

SUBSTANCE = """\
id: tocilizumab
name: tocilizumab
classes: [l04ac, no-such-class]
atc_codes: [L04AC07]
source: {file: atc/no_such_file.csv, row: 2}
extracted_by: tests
date_reviewed: 2026-11-24
next_review: 2026-01-01
verified: false
"""
# next_review before date_reviewed is a schema problem at line 8; the record then does not validate

PRODUCTS = (
    REVIEW
    + """\
records:
  - id: roactemra-iv
    brand: RoActemra
    substances: [tocilizumab, ghost]
    dose_form: concentrate for solution for infusion
    route: intravenous
  - id: bad-route
    brand: X
    substances: [tocilizumab]
    dose_form: tablets
    route: by mouth
"""
)
# line 9: substances (ghost unknown -> reported on the substances key line); line 16: route invalid

QUESTION = """\
id: toci-mortality
title: Tocilizumab and mortality
population: adults in hospital
comparator: usual care
intervention:
  substance: tocilizumab
  product: roactemra-iv
  route: subcutaneous
outcome: {name: death, type: binary, measure: RR, importance: critical}
data:
  - {trial: t1, ai: 5, n1i: 4, ci: 3, n2i: 10}
  - {trial: t-missing, ai: 1, n1i: 10, ci: 2, n2i: 10}
source: {pmid: "33933206"}
extracted_by: tests
date_reviewed: 2026-11-24
next_review: 2027-11-24
"""
# line 11: ai > n1i (schema) -> the question does not validate, so its cross-references wait

REGULATORY = """\
substance,product,product_name,agency,country,status,date,note,source_file,source_row,extracted_by,date_reviewed,next_review,verified
tocilizumab,,RoActemra,EMA,EU,approved,2009-01-16,,regulatory/ema_epar_human_2022-11-17_no_indication_text.csv,5,tests,2026-11-24,2027-11-24,false
nobody,,X,FDA,US,unknown,,,regulatory/README.md,,tests,2026-11-24,2027-11-24,false
"""


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _problems(root: Path) -> set[tuple[str | None, int | None, str | None]]:
    result = check_kb(root, Path(__file__).resolve().parents[3] / "shared" / "data")
    return {(p.file, p.line, p.field) for p in result.problems}


def test_all_problems_reported_with_file_line_field(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "classes.yaml": CLASSES, "substances/tocilizumab.yaml": SUBSTANCE,
        "products/p.yaml": PRODUCTS, "questions/toci-mortality.yaml": QUESTION,
        "regulatory/status.csv": REGULATORY,
    })  # fmt: skip
    assert _problems(root) == {
        ("classes.yaml", 11, "parent"),  # unknown class l04a
        ("classes.yaml", 12, "id"),  # duplicate class id
        ("substances/tocilizumab.yaml", 8, "next_review"),  # before date_reviewed
        ("products/p.yaml", 9, "substances.0"),  # tocilizumab did not validate -> unknown
        ("products/p.yaml", 9, "substances.1"),  # ghost
        ("products/p.yaml", 16, "route"),  # not a route
        ("questions/toci-mortality.yaml", 11, "data.0.ai"),  # 5 events among 4 people
        ("regulatory/status.csv", 2, "status"),  # 'approved' is not in the vocabulary
        ("regulatory/status.csv", 3, "substance"),  # unknown substance 'nobody'
    }


def test_valid_records_get_cross_reference_and_file_checks(tmp_path: Path) -> None:
    fixed = SUBSTANCE.replace("2026-01-01", "2027-11-24").replace(", no-such-class", "")
    question = QUESTION.replace("ai: 5, n1i: 4", "ai: 3, n1i: 4")
    root = _write(tmp_path, {
        "classes.yaml": CLASSES.replace("    parent: l04a\n", ""),
        "substances/tocilizumab.yaml": fixed, "questions/toci-mortality.yaml": question,
        "products/p.yaml": PRODUCTS.replace(", ghost", "").replace("by mouth", "oral"),
    })  # fmt: skip
    assert _problems(root) == {
        ("classes.yaml", 11, "id"),  # duplicate class id (the parent line is gone)
        ("substances/tocilizumab.yaml", 5, "source.file"),  # no such shared file
        ("questions/toci-mortality.yaml", 8, "intervention.route"),  # product is intravenous
        ("questions/toci-mortality.yaml", 11, "data.0.trial"),  # no trial t1
        ("questions/toci-mortality.yaml", 12, "data.1.trial"),  # no trial t-missing
    }


def test_yaml_syntax_error_and_duplicate_keys_are_located(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "classes.yaml": "records:\n  - id: a\n    id: b\n    name: [unclosed\n",
        "substances/x.yaml": "id: x\nname: x\nname: y\n",
    })  # fmt: skip
    found = _problems(root)
    assert ("classes.yaml", 5, None) in found  # syntax error reported where the parser stopped
    assert ("substances/x.yaml", 3, "name") in found  # duplicate key


def test_id_must_match_file_name_for_one_record_files(tmp_path: Path) -> None:
    text = SUBSTANCE.replace("2026-01-01", "2027-11-24").replace(", no-such-class", "")
    text = text.replace("atc/no_such_file.csv", "atc/README.md")
    classes = (
        REVIEW
        + "records:\n  - {id: l04ac, name: Interleukin inhibitors, kind: atc, atc_code: L04AC}\n"
    )
    root = _write(tmp_path, {"classes.yaml": classes, "substances/toci.yaml": text})
    assert _problems(root) == {("substances/toci.yaml", 1, "id")}


def test_the_committed_data_folder_is_consistent() -> None:
    repo = Path(__file__).resolve().parents[2]
    result = check_kb(repo / "data", repo.parent / "shared" / "data")
    assert [str(p) for p in result.problems] == []
    assert result.counts()["substances"] > 200


def test_stray_data_files_are_reported(tmp_path: Path) -> None:
    root = _write(tmp_path, {"substance/kagocel.yaml": "id: kagocel\n", "trials/x.yml": "[]\n",
                             "notes.txt": "free text is fine"})  # fmt: skip
    assert _problems(root) == {("substance/kagocel.yaml", None, None), ("trials/x.yml", None, None)}

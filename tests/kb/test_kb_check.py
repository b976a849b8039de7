"""``kb check`` reports every problem at once, each with the file, line and field a person must fix.

The broken files below are written out in full; the expected line numbers are counted from them.
"""

from __future__ import annotations

from datetime import date
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
extracted_by: script:tests (a script's rows need no quote; hand rows are tested in test_kb_curation)
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


# ---------------------------------------------------------------- review dates (warnings, not errors)

DUE_SUBSTANCE = """\
id: tocilizumab
name: tocilizumab
classes: [l04ac]
source: {file: atc/README.md}
extracted_by: tests
date_reviewed: 2026-01-10
next_review: 2027-01-10
"""
# line 7: next_review

DUE_SPEC = """\
id: toci-death
title: Tocilizumab and death
dataset: {reader: none}
population: adults in hospital
intervention: {substance: tocilizumab, route: intravenous}
comparator: usual care
outcome: {name: death, type: binary, measure: RR, importance: critical}
notes: [no data]
source: {pmid: "33933206"}
extracted_by: tests
date_reviewed: 2026-01-10
next_review: 2027-03-01
"""
# line 12: next_review


def test_review_dates_that_have_passed_are_warnings_with_file_line_and_id(tmp_path: Path) -> None:
    classes = (
        REVIEW
        + "records:\n  - {id: l04ac, name: Interleukin inhibitors, kind: atc, atc_code: L04AC}\n"
    )
    root = _write(tmp_path, {
        "classes.yaml": classes, "substances/tocilizumab.yaml": DUE_SUBSTANCE,
        "specs/questions/toci-death.yaml": DUE_SPEC,
    })  # fmt: skip
    shared = Path(__file__).resolve().parents[3] / "shared" / "data"
    before = check_kb(root, shared, today=date(2027, 1, 10))  # due on the day itself: not yet past
    assert before.review_due == []
    later = check_kb(root, shared, today=date(2027, 2, 1))
    assert [(d.file, d.line, d.kind, d.id, d.next_review) for d in later.review_due] == [
        ("substances/tocilizumab.yaml", 7, "substances", "tocilizumab", date(2027, 1, 10))
    ]
    latest = check_kb(root, shared, today=date(2027, 3, 2))
    assert {(d.file, d.line, d.id) for d in latest.review_due} == {
        ("substances/tocilizumab.yaml", 7, "tocilizumab"),
        ("specs/questions/toci-death.yaml", 12, "toci-death"),
    }
    # warnings are not problems; the only problem is the spec's missing generated question
    assert [(p.file, p.field) for p in latest.problems] == [
        ("specs/questions/toci-death.yaml", "id")
    ]


def test_spec_files_are_validated_with_file_line_and_key(tmp_path: Path) -> None:
    typo = DUE_SPEC.replace("comparator: usual care", "comparater: usual care")
    root = _write(tmp_path, {"specs/questions/toci-death.yaml": typo,
                             "specs/questions/other-name.yaml": DUE_SPEC})  # fmt: skip
    assert _problems(root) == {
        ("specs/questions/toci-death.yaml", 6, "comparater"),  # unknown key
        ("specs/questions/toci-death.yaml", 1, "comparator"),  # the required key is missing
        ("specs/questions/other-name.yaml", 1, "id"),  # id differs from the file name (and no
        # generated question exists for it: reported on the same line and key)
    }


def test_the_catalogue_spec_rejects_unknown_keys(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[2] / "data" / "specs" / "catalogue.yaml").read_text()
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("- key: kagocel"))
    lines[at] = lines[at].replace("- key:", "- kee:")
    root = _write(tmp_path, {"specs/catalogue.yaml": "".join(lines)})
    assert _problems(root) == {
        ("specs/catalogue.yaml", at + 1, "list_substances.6.kee"),  # the misspelt key, on its line
        ("specs/catalogue.yaml", at + 1, "list_substances.6.key"),  # so the entry lacks its key
    }


TRIAL_SPEC = """\
id: cochrane-cd000000
trials:
- trial: cd000000-ghost-2001
  blinding: double
  source:
    doi: 10.1002/14651858.CD000000
    quote: 'Study design: randomised, double-blind, placebo controlled'
- trial: cd000000-ghost-2001
  blinding: open
  source: {doi: 10.1002/14651858.CD000000}
extracted_by: tests
date_reviewed: 2026-12-07
next_review: 2027-12-07
"""
# line 3: a trial the generated group does not hold; line 9: a second, different blinding of the same trial;
# line 10: a source without the quote the facts were read from


def test_trial_design_specs_name_their_trial_value_and_quote(tmp_path: Path) -> None:
    root = _write(tmp_path, {"specs/trials/cochrane-cd000000.yaml": TRIAL_SPEC})
    problems = _problems(root)
    assert problems == {("specs/trials/cochrane-cd000000.yaml", 10, "trials.1.source.quote")}
    ok = TRIAL_SPEC.split("- trial: cd000000-ghost-2001\n  blinding: open")[0]
    ok += "extracted_by: tests\ndate_reviewed: 2026-12-07\nnext_review: 2027-12-07\n"
    root = _write(tmp_path, {"specs/trials/cochrane-cd000000.yaml": ok})
    assert _problems(root) == {("specs/trials/cochrane-cd000000.yaml", 3, "trials.0.trial")}


def test_a_trial_spec_gives_each_fact_one_value(tmp_path: Path) -> None:
    two = TRIAL_SPEC.replace("  source: {doi: 10.1002/14651858.CD000000}", "  source: {doi: 10.1002/14651858.CD000000, quote: open}")  # fmt: skip
    root = _write(tmp_path, {"specs/trials/cochrane-cd000000.yaml": two})
    assert {(f, field) for f, _, field in _problems(root)} == {
        ("specs/trials/cochrane-cd000000.yaml", "trials.1.blinding")
    }

"""Hand-curated evidence: trial status and arms, quotes that hold their numbers, reported results, search
logs — the models, ``kb check`` and the queries, on the committed hand-curated records (ARBITR: PMID
31094461, NCT01651663) copied next to the seeded catalogue.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from immunograde.kb.build import build_kb
from immunograde.kb.check import check_kb
from immunograde.kb.models import OutcomeData, ReportedResult, SearchLog, Trial
from immunograde.kb.queries import KnowledgeBase

from .conftest import REPO, SHARED, write_catalogue_copy

DATA = REPO / "data"
Q_RECOVERY = "umifenovir-oral-influenza-arvi-recovery-96h"
Q_RESOLUTION = "umifenovir-oral-influenza-symptom-resolution"


def _hand_files() -> list[Path]:
    """Every committed file a generator does not own, in the folders hand curation writes to."""
    out = []
    for folder in ("trials", "questions", "search_logs", "sources"):
        for path in sorted((DATA / folder).glob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            if "script:tools/seed_" not in text:
                out.append(path)
    return out


def _generated_files_hand_files_name() -> list[Path]:
    """Generated trial files holding a trial a hand-curated search log names (a Cochrane trial found again by
    hand, e.g. the zinc trials of CD014914), with the generated bibliography their records cite and the
    generated questions their risk-of-bias judgements name (the probiotics trials of CD006475)."""
    named = set()
    for path in sorted((DATA / "search_logs").glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("found", ()):
            named.add(item.get("trial"))
    out = []
    for folder in ("trials", "sources"):
        for path in sorted((DATA / folder).glob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            if "script:tools/seed_" not in text:
                continue
            ids = (
                {t["id"] for t in (yaml.safe_load(text).get("trials") or ())}
                if folder == "trials"
                else set()
            )
            if folder == "sources" or ids & named:
                out.append(path)
    rob_questions = {
        rob["question"]
        for path in out
        if path.parent.name == "trials"
        for trial in yaml.safe_load(path.read_text(encoding="utf-8"))["trials"]
        for rob in trial.get("rob") or ()
        if rob.get("question")
    }
    out += [DATA / "questions" / f"{q}.yaml" for q in sorted(rob_questions)]
    return out


def _with_hand_files(dest: Path) -> Path:
    write_catalogue_copy(dest)
    for path in _hand_files() + _generated_files_hand_files_name():
        target = dest / path.relative_to(DATA)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    return dest


def _load(rel: str) -> Any:
    return yaml.safe_load((DATA / rel).read_text(encoding="utf-8"))


def _problems(root: Path) -> set[tuple[str | None, int | None, str | None]]:
    return {(p.file, p.line, p.field) for p in check_kb(root, SHARED).problems}


def _line(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text("utf-8").splitlines(), 1) if needle in ln)


# ------------------------------------------------------------------ models


def test_arbitr_trial_record() -> None:
    raw = _load("trials/hand-umifenovir.yaml")
    rec = next(r for r in raw["trials"] if r["id"] == "arbitr-umifenovir-2019")
    trial = Trial.model_validate({**raw["review"], **rec})
    assert (trial.status, trial.results_posted, trial.sponsor) == (
        "completed",
        False,
        "Pharmstandard",
    )
    assert [(a.label, a.n, a.route, a.duration) for a in trial.arms] == [
        ("umifenovir", 181, "oral", "5 days"), ("placebo", 178, "oral", "5 days"),
    ]  # fmt: skip
    assert trial.source.accessed == dt.date(2026, 12, 7)
    assert "(n=181)" in (trial.source.quote or "")


def test_results_posted_date_needs_results_posted() -> None:
    raw = _load("trials/hand-umifenovir.yaml")
    rec = {**raw["review"], **raw["trials"][0], "results_posted_date": "2020-01-01"}
    with pytest.raises(ValidationError, match="results_posted_date"):
        Trial.model_validate(rec)


def _row(**kw: Any) -> OutcomeData:
    base = {"trial": "t", "m1i": 5.2, "n1i": 100, "m2i": 6.0, "n2i": 100}
    return OutcomeData.model_validate(base | kw)


def test_standard_errors_become_sds() -> None:
    # SD = SE * sqrt(n) (Cochrane Handbook 6.5.2.2): SE 0.5 with n = 100 is SD 5.0
    row = _row(se1i=0.5, se2i=0.25, dispersion="se")
    values = row.metafor_values()
    assert (values["sd1i"], values["sd2i"]) == (5.0, 2.5)
    assert row.form() == "continuous" and row.not_pooled_reason() is None
    assert math.isclose(
        _row(se1i=0.3, se2i=0.3, dispersion="se", n1i=49).metafor_values()["sd1i"], 2.1
    )


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"se1i": 0.5, "se2i": 0.5}, "need dispersion: se"),
        ({"sd1i": 1.0, "sd2i": 1.0, "dispersion": "se"}, "dispersion: se needs se1i"),
        ({"sd1i": 1.0, "sd2i": 1.0, "dispersion": "iqr"}, "record them under reported"),
        ({"sd1i": 1.0, "sd2i": 1.0, "dispersion": "unclear"}, "say why the spread is unclear"),
    ],
)
def test_dispersion_rules(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _row(**kw)


def test_unclear_spread_is_kept_with_its_reason() -> None:
    row = _row(sd1i=1.0, sd2i=1.2, dispersion="unclear", dispersion_note="the paper writes M±m")
    assert row.not_pooled_reason() == "spread not stated as SD or SE: the paper writes M±m"


def test_reported_result_kinds_need_their_fields() -> None:
    raw = _load(f"questions/{Q_RESOLUTION}.yaml")["reported"][0]
    rep = ReportedResult.model_validate(raw)
    assert rep.numbers() == {"value1": 23.8, "value2": 4.2, "p_value": 0.05}
    with pytest.raises(ValidationError, match="kind 'estimate' needs"):
        ReportedResult.model_validate(raw | {"kind": "estimate"})
    with pytest.raises(ValidationError, match="not inside"):
        ReportedResult.model_validate(raw | {"kind": "estimate", "measure": "RR", "estimate": 2.0,
                                             "ci_low": 0.5, "ci_high": 1.5})  # fmt: skip


def test_search_log_date_and_finding() -> None:
    raw = _load("search_logs/umifenovir.yaml")
    log = SearchLog.model_validate(raw)
    assert log.searched_on == max(s.date for s in log.searches)
    with pytest.raises(ValidationError, match="needs the studies found"):
        SearchLog.model_validate(raw | {"found": []})


# ------------------------------------------------------------------ kb check


def test_committed_hand_records_hold_their_numbers_in_their_quotes() -> None:
    result = check_kb(DATA, SHARED)
    assert result.ok, [str(p) for p in result.problems]
    hand_rows = [
        row for loc in result.kb.of("questions")
        if not loc.record.extracted_by.startswith("script:") for row in loc.record.data
    ]  # fmt: skip
    assert hand_rows and all(r.source and r.source.quote for r in hand_rows)
    assert result.kb.of("search_logs")


def test_check_names_file_line_field_of_a_number_missing_from_its_quote(tmp_path: Path) -> None:
    root = _with_hand_files(tmp_path)
    qfile = root / "questions" / f"{Q_RECOVERY}.yaml"
    qfile.write_text(qfile.read_text("utf-8").replace("ai: 98", "ai: 89"), "utf-8")
    assert _problems(root) == {
        (f"questions/{Q_RECOVERY}.yaml", _line(qfile, "ai: 89"), "data.0.ai")
    }


def test_check_requires_quote_dispersion_and_denominator_on_hand_rows(tmp_path: Path) -> None:
    root = _with_hand_files(tmp_path)
    qfile = root / "questions" / f"{Q_RECOVERY}.yaml"
    text = qfile.read_text("utf-8").replace("    denominator: randomised\n", "")
    qfile.write_text(text, "utf-8")
    row_line = _line(qfile, "- trial: arbitr-umifenovir-2019")
    assert _problems(root) == {(f"questions/{Q_RECOVERY}.yaml", row_line, "data.0.denominator")}
    raw = yaml.safe_load(text)
    del raw["data"][0]["source"]["quote"]
    qfile.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), "utf-8")
    lines = qfile.read_text("utf-8").splitlines()
    source_line = lines.index("  source:") + 2  # a mapping is located at its first key (pmid)
    assert _problems(root) == {(f"questions/{Q_RECOVERY}.yaml", source_line, "data.0.source")}


def test_check_trial_numbers_and_arm_labels(tmp_path: Path) -> None:
    root = _with_hand_files(tmp_path)
    tfile = root / "trials" / "hand-umifenovir.yaml"
    tfile.write_text(tfile.read_text("utf-8").replace("n: 178", "n: 187"), "utf-8")
    qfile = root / "questions" / f"{Q_RESOLUTION}.yaml"
    qfile.write_text(qfile.read_text("utf-8").replace("arm2: placebo", "arm2: dummy"), "utf-8")
    assert _problems(root) == {
        ("trials/hand-umifenovir.yaml", _line(tfile, "n: 187"), "arms.1.n"),
        (f"questions/{Q_RESOLUTION}.yaml", _line(qfile, "arm2: dummy"), "reported.0.arm2"),
    }


def test_check_search_log_cross_references(tmp_path: Path) -> None:
    root = _with_hand_files(tmp_path)
    lfile = root / "search_logs" / "umifenovir.yaml"
    text = lfile.read_text("utf-8")
    text = text.replace("products: [arbidol-capsules,", "products: [anaferon-product,")
    text = text.replace("- trial: arbitr-umifenovir-2019", "- trial: no-such-trial")
    text = text.replace("registry_ids: [NCT03787459]", "registry_ids: [NCT0378745]")
    text = text.replace("finding: randomised_trials_found", "finding: no_randomised_trial_found")
    lfile.write_text(text, "utf-8")
    assert _problems(root) == {
        ("search_logs/umifenovir.yaml", _line(lfile, "products:"), "products.0"),  # not umifenovir
        ("search_logs/umifenovir.yaml", _line(lfile, "no-such-trial"), "found.0.trial"),
        ("search_logs/umifenovir.yaml", _line(lfile, "[NCT0378745]"), "found.1.registry_ids.0"),
        (
            "search_logs/umifenovir.yaml",
            _line(lfile, "finding:"),
            "finding",
        ),  # nothing randomised left
    }


def test_check_controlled_trials_found(tmp_path: Path) -> None:
    """``controlled_trials_found``: controlled trials whose randomisation the source leaves open (tilorone's
    double-blind placebo-controlled ALS study, which does not say how patients were allocated:
    ``randomised: null``).  It needs such a trial and no randomised one (that is ``randomised_trials_found``);
    the stronger finding is refused for trials that are not known to be randomised."""
    root = _with_hand_files(tmp_path)
    assert _problems(root) == set()
    log = _load("search_logs/tilorone.yaml")
    assert log["finding"] == "controlled_trials_found"
    trials = {t["id"]: t for t in _load("trials/hand-tilorone.yaml")["trials"]}
    named = [trials[f["trial"]] for f in log["found"] if f.get("trial")]
    assert named and all(t["design"]["randomised"] is None for t in named)
    assert all(any(a.get("control") for a in t["arms"]) for t in named)
    tfile = root / "search_logs" / "tilorone.yaml"
    ufile = root / "search_logs" / "umifenovir.yaml"
    tfile.write_text(tfile.read_text("utf-8").replace(
        "finding: controlled_trials_found", "finding: randomised_trials_found"), "utf-8")  # fmt: skip
    ufile.write_text(ufile.read_text("utf-8").replace(
        "finding: randomised_trials_found", "finding: controlled_trials_found"), "utf-8")  # fmt: skip
    assert _problems(root) == {
        ("search_logs/tilorone.yaml", _line(tfile, "finding:"), "finding"),  # none randomised
        (
            "search_logs/umifenovir.yaml",
            _line(ufile, "finding:"),
            "finding",
        ),  # ARBITR is randomised
    }


# ------------------------------------------------------------------ queries


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    root = _with_hand_files(tmp_path_factory.mktemp("hand"))
    db = tmp_path_factory.mktemp("handdb") / "kb.duckdb"
    build_kb(root, db, SHARED)
    base = KnowledgeBase(db)
    yield base  # type: ignore[misc]
    base.close()


def test_trials_for_substance_and_product(kb: KnowledgeBase) -> None:
    ids = [t.id for t in kb.trials_for_substance("umifenovir")]
    assert "arbitr-umifenovir-2019" in ids
    assert [t.id for t in kb.trials_for_product("arbidol-capsules")] == ["arbitr-umifenovir-2019"]
    for trial in kb.trials_for_substance("umifenovir"):
        assert any(
            a.substance == "umifenovir" or a.product == "arbidol-capsules" for a in trial.arms
        )


def test_search_log_queries(kb: KnowledgeBase) -> None:
    log = kb.search_log_for("umifenovir")
    assert log is not None and log.finding == "randomised_trials_found"
    assert log.searched_on == dt.date(2026, 12, 7)
    assert [g.id for g in kb.search_logs_for_product("arbidol-capsules")] == ["umifenovir"]
    assert kb.search_log_for("tocilizumab") is None  # not searched: the page says so


def test_reported_results_and_outcome_rows(kb: KnowledgeBase) -> None:
    (rep,) = kb.reported_results(Q_RESOLUTION)
    assert (rep.trial, rep.value1, rep.value2, rep.p_relation) == (
        "arbitr-umifenovir-2019", 23.8, 4.2, "<",
    )  # fmt: skip
    (row,) = kb.outcome_data(Q_RECOVERY)
    assert (row.values["ai"], row.values["n1i"], row.values["ci"], row.values["n2i"]) == (
        98,
        181,
        77,
        178,
    )
    assert row.denominator == "randomised" and row.not_pooled_reason is None
    assert kb.outcome_data(Q_RESOLUTION) == []


def test_trial_columns_in_the_database(kb: KnowledgeBase) -> None:
    row = kb.con.execute(
        "SELECT status, results_posted, sponsor, funding FROM trials WHERE id = 'arbitr-umifenovir-2019'"
    ).fetchone()
    assert row == ("completed", False, "Pharmstandard", "manufacturer")
    arms = kb.con.execute(
        "SELECT label, product, n FROM trial_arms WHERE trial_id = 'arbitr-umifenovir-2019' ORDER BY ord"
    ).fetchall()
    assert arms == [("umifenovir", "arbidol-capsules", 181), ("placebo", None, 178)]


def test_unclear_spread_is_shown_not_pooled(kb: KnowledgeBase) -> None:
    # Bai 2023 (PMID 37674112) writes "59.24 h ± 25.21" without saying what ± is
    qid = "umifenovir-oral-influenza-like-illness-vs-oseltamivir-time-to-fever-resolution"
    assert kb.outcome_data(qid) == []
    (row,) = kb.outcome_data(qid, include_unpooled=True)
    assert (row.values["m1i"], row.values["sd1i"], row.values["n1i"]) == (59.24, 25.21, 205)
    assert row.dispersion == "unclear"
    assert row.not_pooled_reason and "without saying whether ± is an SD" in row.not_pooled_reason


def test_a_trial_of_three_products_is_found_from_each(kb: KnowledgeBase) -> None:
    tid = "zaplatnikov-2014-ergoferon-kagocel-arbidol-children"
    for substance in ("umifenovir", "ergoferon", "kagocel"):
        assert tid in [t.id for t in kb.trials_for_substance(substance)], substance

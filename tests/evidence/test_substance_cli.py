"""Substance appraisal and the ``immunograde appraise`` contract: verdict per form x indication,
"no controlled evidence" with claims (not an error), unknown names -> NOT_FOUND with suggestions."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from immunograde.cli.exitcodes import ExitCode
from immunograde.cli.main import main
from immunograde.errors import NotFoundError
from immunograde.evidence.substance import appraise_substance
from immunograde.kb.queries import KnowledgeBase
from immunograde.settings import shared_data_dir

CONTRACT = {
    "question_id", "question", "substance", "form", "indication", "comparator", "outcome", "k",
    "participants", "measure", "estimate_exp", "ci_low_exp", "ci_high_exp", "risk_comparator_per_1000",
    "risk_intervention_per_1000", "certainty", "downgrades", "statement", "verdict", "profile",
}  # fmt: skip


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def _rsp_row(name: str) -> dict[str, str]:
    rows = csv.DictReader((shared_data_dir() / "unproven_lists/fuflomycin_rsp_fk_flat.csv").open())
    return next(r for r in rows if name in " ".join(r.values()))


def test_no_trials_gives_no_controlled_evidence_with_claims(kb: KnowledgeBase) -> None:
    # Dibazol (bendazole): on the unproven list, no trial in the knowledge base (Kagocel was the example
    # until its hand-curated trials landed, issue 14)
    sa = appraise_substance(kb, "Дибазол")
    assert sa.substance_id == "bendazole" and sa.questions == []
    (v,) = sa.verdicts
    assert v.verdict == "no_controlled_evidence"
    assert v.natural_medicines == "Insufficient Reliable Evidence to Rate"
    # the claim is the unproven-list entry, shown beside the verdict
    assert _rsp_row("Дибазол")  # the shared list names it
    assert any(c["claim_kind"] == "unproven" and "Дибазол" in c["subject_name"] for c in v.claims)


def test_forms_are_kept_apart(kb: KnowledgeBase) -> None:
    sa = appraise_substance(kb, "interferon alfa-2b")
    # the rectal form has a hand-curated trial whose result cannot be pooled (data/trials/hand-viferon.yaml):
    # "trials found, none poolable", naming that trial, never "no controlled evidence"
    trial = kb.get_trial("viferon-rectal-children-health-groups-2-4")
    rectal = [v for v in sa.verdicts if v.route == "rectal"]
    assert rectal and all(v.verdict == "trials_not_poolable" for v in rectal)
    assert all(trial.label in v.why and v.why.startswith("1 trial(s)") for v in rectal)
    # no other form's verdict names it (evidence attaches to the form tested)
    assert not [v.route for v in sa.verdicts if v.route != "rectal" and trial.label in v.why]
    # every product sits under its own route only, never under another form's evidence
    for p in kb.products_for("interferon-alfa-2b"):
        holders = [v for v in sa.verdicts if f"{p.brand} ({p.dose_form})" in v.products]
        assert holders and {v.route for v in holders} == {p.route}
    keys = [(v.route, v.indication) for v in sa.verdicts]
    assert len(set(keys)) == len(keys)


def test_a_form_without_trials_says_what_was_searched(kb: KnowledgeBase) -> None:
    # Grippferon (nasal) has a search log that found no randomised trial (data/search_logs/): the nasal form
    # says so with the log's newest date; a form no log covers (ophthalmic) says no search is recorded
    log = kb.search_log_for("interferon-alfa-2b")
    logs = [
        x
        for x in kb.search_logs_for("interferon-alfa-2b")
        if x.finding == "no_randomised_trial_found"
    ]
    assert log is not None and logs
    newest = max(s.date for s in logs[0].searches)
    sa = appraise_substance(kb, "interferon alfa-2b")
    (nasal,) = [v for v in sa.verdicts if v.route == "intranasal"]
    assert nasal.verdict == "no_trials_found" and newest.isoformat() in nasal.why
    (eye,) = [v for v in sa.verdicts if v.route == "ophthalmic"]
    assert eye.verdict == "no_controlled_evidence" and "no dated search" in eye.why


def test_unknown_name_and_indication(kb: KnowledgeBase) -> None:
    with pytest.raises(NotFoundError):
        appraise_substance(kb, "zzqxv-not-a-drug")
    with pytest.raises(NotFoundError) as exc:
        appraise_substance(kb, "tocilizumab", indication="rheumatoid arthritis")
    assert exc.value.suggestions


def test_cli_json_contract(kb_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["appraise", "tocilizumab", "--format", "json", "--db", str(kb_path)], capsys
    )
    assert code == ExitCode.OK
    entries = json.loads(out)
    assert entries and all(set(e) >= CONTRACT for e in entries)
    ids = [e["question_id"] for e in entries]
    assert "tocilizumab-covid19-mortality-on-corticosteroids" in ids
    e = entries[ids.index("tocilizumab-covid19-mortality-on-corticosteroids")]
    assert e["certainty"] in {"high", "moderate", "low", "very_low"}
    assert all(
        set(d) >= {"domain", "levels", "reason"} and d["levels"] > 0 for d in e["downgrades"]
    )
    assert e["form_verdict"]["natural_medicines"]


def test_cli_same_inputs_same_output(kb_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["appraise", "BCG vaccine", "--format", "json", "--db", str(kb_path)]
    assert run(argv, capsys)[1] == run(argv, capsys)[1]


def test_cli_no_trials_is_not_an_error(kb_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["appraise", "bendazole", "--format", "json", "--db", str(kb_path)], capsys)
    assert code == ExitCode.OK
    (entry,) = json.loads(out)
    assert entry["verdict"] == "no_controlled_evidence" and entry["claims"]


def test_cli_unknown_name_exits_not_found(
    kb_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["appraise", "tocilizumob", "--db", str(kb_path)], capsys)
    assert code in (
        ExitCode.OK,
        ExitCode.NOT_FOUND,
    )  # a one-letter typo may still be an exact phonetic hit
    code, _, err = run(["appraise", "zzqxv-not-a-drug", "--db", str(kb_path)], capsys)
    assert code == ExitCode.NOT_FOUND and "no substance named" in err


def test_cli_markdown_and_table(kb_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["appraise", "tocilizumab", "--format", "markdown", "--db", str(kb_path)], capsys
    )
    assert code == ExitCode.OK
    assert (
        "| Outcome | Risk with comparator |" in out
        and "**Verdict:" in out
        and "Natural Medicines" in out
    )
    code, out, _ = run(["appraise", "tocilizumab", "--db", str(kb_path)], capsys)
    assert code == ExitCode.OK and "verdicts" in out
    code, _, _ = run(["appraise", "tocilizumab", "--format", "xml", "--db", str(kb_path)], capsys)
    assert code == ExitCode.USAGE


def test_cli_sof_html_and_csv(kb_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["appraise", "BCG vaccine", "--format", "html", "--db", str(kb_path)], capsys
    )
    assert code == ExitCode.OK
    assert (
        out.startswith('<table class="sof">')
        and 'data-question-id="bcg-vaccine-tuberculosis"' in out
    )
    assert "⊕◯◯◯ Very low" in out and '<ol class="sof-footnotes"' in out
    code, out, _ = run(["appraise", "BCG vaccine", "--format", "csv", "--db", str(kb_path)], capsys)
    rows = list(csv.reader(out.splitlines()))
    assert rows[0][0] == "question_id" and rows[1][0] == "bcg-vaccine-tuberculosis"
    assert "Inconsistency (rated down 2 levels)" in rows[1][-1]


def test_cli_baseline_risk(kb_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "appraise",
        "BCG vaccine",
        "--format",
        "json",
        "--baseline-risk",
        "0.05",
        "--db",
        str(kb_path),
    ]
    code, out, _ = run(argv, capsys)
    (entry,) = [e for e in json.loads(out) if e["question_id"] == "bcg-vaccine-tuberculosis"]
    assert code == ExitCode.OK and entry["risk_comparator_per_1000"] == pytest.approx(50.0)
    assert entry["risk_intervention_per_1000"] == pytest.approx(50.0 * entry["estimate_exp"])
    code, _, err = run([*argv[:5], "2", *argv[6:]], capsys)
    assert code == ExitCode.INPUT and "baseline_risk" in err


def test_an_authorisation_speaks_for_its_own_form_only(kb: KnowledgeBase) -> None:
    # the EMA authorisation row of IntronA names its product, whose route is not stated in the EPAR
    # table (data/products): it must not answer "authorised by a stringent regulator" for rectal Viferon
    products = {p.id: p for p in kb.products_for("interferon-alfa-2b")}
    ema = [
        r
        for r in kb.regulatory_for("interferon-alfa-2b")
        if r.agency == "EMA" and r.product and r.status == "authorised"
    ]
    assert ema and all(products[r.product].route != "rectal" for r in ema)
    sa = appraise_substance(kb, "interferon alfa-2b")
    for v in sa.verdicts:
        (reg,) = [p for p in v.profile if p.key == "stringent_regulator"]
        names = " ".join(reg.trials)
        for r in ema:
            assert (r.product_name in names) == (products[r.product].route == v.route), v.route


def test_route_not_stated_form_points_to_the_tested_route(kb: KnowledgeBase) -> None:
    """A product whose source states no route (EMA's EPAR table for Dupixent) gets no trial -- evidence
    attaches to the route tested -- but its verdict says where the substance's trials are, never 'no
    controlled evidence in the knowledge base'.  Every such form in the knowledge base is checked."""
    rows = kb.con.execute(
        "SELECT DISTINCT ps.substance_id FROM products p JOIN product_substances ps ON ps.product_id = p.id "
        "WHERE p.route = 'unknown' ORDER BY 1"
    ).fetchall()
    checked = 0
    for (sid,) in rows:
        a = appraise_substance(kb, sid)
        tested = sorted({v.route for v in a.verdicts if v.question_ids and v.route != "unknown"})
        unknown = [v for v in a.verdicts if v.route == "unknown" and not v.question_ids]
        for v in unknown:
            if tested and v.verdict == "trials_not_poolable":
                continue  # trials that themselves state no route are attached to this form (baricitinib)
            if tested:
                assert v.verdict == "route_not_stated", (sid, v.verdict)
                assert " or ".join(tested) in v.why and "route not stated" in v.verdict_label
                checked += 1
            else:
                assert v.verdict != "route_not_stated"
    assert checked >= 1  # dupilumab (subcutaneous) among them
    dupi = appraise_substance(kb, "dupilumab")
    v = next(v for v in dupi.verdicts if v.route == "unknown")
    assert v.verdict == "route_not_stated" and "subcutaneous route" in v.why

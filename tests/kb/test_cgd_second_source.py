"""The hand-extracted interferon-gamma CGD row, checked against the trial's patient-level data.

ICGDSG 1991 (N Engl J Med 324:509-516): the knowledge base row (14/63 vs 30/65 patients with a serious
infection) was read from the abstract.  ``../shared/data/trials/survival_cgd`` holds the same trial's
patient-level data (R survival's ``cgd0`` and ``cgd``); counting them here is the second source that lets the
question be ``verified: true`` (its spec's notes say what matched).
"""

from __future__ import annotations

import csv
from collections import Counter

import yaml

from immunograde.settings import data_dir, shared_data_dir

QID = "interferon-gamma-chronic-granulomatous-disease-serious-infection"


def _rows(name: str) -> list[dict[str, str]]:
    with open(shared_data_dir() / "trials" / "survival_cgd" / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _question() -> dict:
    path = data_dir() / "questions" / f"{QID}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_cgd0_counts_equal_the_hand_extracted_row() -> None:
    patients = _rows("cgd0.csv")
    n = Counter(p["treat"] for p in patients)  # 1 = rIFN-g, 0 = placebo
    infected = Counter(p["treat"] for p in patients if p["etime1"] != "NA")
    (row,) = _question()["data"]
    assert (infected["1"], n["1"], infected["0"], n["0"]) == (
        row["ai"], row["n1i"], row["ci"], row["n2i"]
    ) == (14, 63, 30, 65)  # fmt: skip


def test_cgd_counting_process_form_agrees() -> None:
    rows = _rows("cgd.csv")
    patients = {t: {r["id"] for r in rows if r["treat"] == t} for t in ("rIFN-g", "placebo")}
    infected = {
        t: {r["id"] for r in rows if r["treat"] == t and r["status"] == "1"} for t in patients
    }
    events = Counter(r["treat"] for r in rows if r["status"] == "1")
    assert {t: (len(infected[t]), len(patients[t])) for t in patients} == {
        "rIFN-g": (14, 63),
        "placebo": (30, 65),
    }
    # the abstract: "20 with interferon as compared with 56 with placebo" serious infections in all
    assert (events["rIFN-g"], events["placebo"]) == (20, 56)


def test_first_infections_after_day_365_explain_the_time_point() -> None:
    """One rIFN-g patient's first infection is on day 373: the 14 cover the whole blinded follow-up."""
    late = [p for p in _rows("cgd0.csv") if p["etime1"] != "NA" and float(p["etime1"]) > 365]
    assert [(p["treat"], p["etime1"]) for p in late] == [("1", "373")]
    assert max(float(p["futime"]) for p in _rows("cgd0.csv")) == 439


def test_the_question_is_verified_only_with_its_second_source() -> None:
    q = _question()
    assert q["verified"] is True and "survival_cgd" in q["checked_by"]
    trials = yaml.safe_load(
        (data_dir() / "trials" / "publications-interferons.yaml").read_text(encoding="utf-8")
    )["trials"]
    (trial,) = [t for t in trials if t["id"] == "icgdsg-1991-ifn-gamma-cgd"]
    assert {s["file"] for s in trial["more_sources"]} == {
        "trials/survival_cgd/cgd0.csv",
        "trials/survival_cgd/cgd.csv",
    }
    assert trial["verified"] is True and trial["n_randomised"] == len(_rows("cgd0.csv")) == 128

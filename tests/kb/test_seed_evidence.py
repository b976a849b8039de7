"""The evidence seed (data/questions, data/trials) equals its sources and its generator.

Every number in a question's ``data`` is re-read here from the shared CSV row it cites, with the column
mapping written out independently of tools/seed_evidence*.py, so the files cannot drift from the source.
The generator is re-run in memory and must reproduce the committed files byte for byte.
"""

from __future__ import annotations

import csv
import math
import statistics
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

from immunograde.settings import data_dir, project_home, shared_data_dir

QUESTIONS = sorted((data_dir() / "questions").glob("*.yaml"))
SEEDED = [p for p in QUESTIONS if "script:tools/seed_evidence.py" in p.read_text(encoding="utf-8")]

P70 = {
    "binary": {
        "ai": "Experimental.cases",
        "n1i": "Experimental.N",
        "ci": "Control.cases",
        "n2i": "Control.N",
    },
    "continuous": {
        "m1i": "Experimental.mean",
        "sd1i": "Experimental.SD",
        "n1i": "Experimental.N",
        "m2i": "Control.mean",
        "sd2i": "Control.SD",
        "n2i": "Control.N",
    },
    "generic": {"yi": "GIV.Mean", "sei": "GIV.SE", "n1i": "Experimental.N", "n2i": "Control.N"},
}
BINARY_ARMS = {
    "ai": "trt_events",
    "n1i": "trt_total",
    "ci": "control_events",
    "n2i": "control_total",
}
CRINS = {
    "acute-rejection": ("exp_AR_events", "cont_AR_events"),
    "steroid-resistant-rejection": ("exp_SRR_events", "cont_SRR_events"),
    "ptld": ("exp_PTLD_events", "cont_PTLD_events"),
    "death": ("exp_deaths", "cont_deaths"),
}

# shared file -> {OutcomeData field: source column}, for the non-Cochrane files
FIXED = {
    "trials/metadat/dat.bcg.csv": {"ai": "tpos", "bi": "tneg", "ci": "cpos", "di": "cneg"},
    "trials/metadat/dat.axfors2021.csv": {
        "ai": "hcq_arm_event",
        "n1i": "hcq_arm_total",
        "ci": "control_arm_event",
        "n2i": "control_arm_total",
    },
    "trials/metadat/dat.bauer2002.csv": {
        "yi": "wmwstat",
        "sei": "stderr",
        "n1i": "n.treat",
        "n2i": "n.control",
    },
    "trials/covid_il6_jak_steroids/albuquerque2022_toci_sari_bari_mortality_on_steroids.csv": BINARY_ARMS,
    "trials/covid_il6_jak_steroids/who_react_il6_by_oxygen_corticosteroid_albuquerque2022.csv": BINARY_ARMS,
    "trials/covid_il6_jak_steroids/corticosteroids_severe_CAP_mortality_2023.csv": {
        "ai": "ai",
        "n1i": "n1i",
        "ci": "ci",
        "n2i": "n2i",
    },
}
VALUE_KEYS = ("ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "sd1i", "m2i", "sd2i", "yi", "vi", "sei")


@cache
def source_rows(rel: str) -> list[dict[str, str]]:
    with open(shared_data_dir() / rel, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def spec_dataset(qid: str) -> dict:
    path = data_dir() / "specs" / "questions" / f"{qid}.yaml"
    return load(path)["dataset"] if path.exists() else {}


def mapping_for(qid: str, file: str, row: dict, values: dict) -> dict[str, str]:
    if file.startswith("trials/cochrane_pairwise70/"):
        form = "generic" if "yi" in values else "continuous" if "m1i" in values else "binary"
        if spec_dataset(qid).get("swap_arms"):  # group 1 is the review's control arm
            return {k: v.replace("Experimental.", "@").replace("Control.", "Experimental.").replace(
                "@", "Control.") for k, v in P70[form].items()}  # fmt: skip
        return P70[form]
    if file.endswith("CrinsEtAl2014_IL2RA_pediatric_liver_tx.csv"):
        exp, cont = CRINS[qid.removeprefix("il2ra-paediatric-liver-transplant-")]
        return {"ai": exp, "n1i": "exp_total", "ci": cont, "n2i": "cont_total"}
    return FIXED[file]


@pytest.mark.parametrize("path", SEEDED, ids=lambda p: p.stem)
def test_every_number_equals_its_source_row(path: Path) -> None:
    q = load(path)
    assert q["id"] == path.stem
    for i, d in enumerate(q["data"]):
        where = d["source"]
        file = where.get("file")
        # hand extraction from a publication: cited, and verified only after a second person's check
        if file is None:
            assert where.get("url") or where.get("pmid") or where.get("doi"), f"{q['id']} data.{i}"
            assert where.get("locator"), f"{q['id']} data.{i}"
            assert q["verified"] is False or q["checked_by"], f"{q['id']} data.{i}"
            continue
        values = {k: d[k] for k in VALUE_KEYS if k in d}
        assert values, f"{q['id']} data.{i} has no numbers"
        if file.endswith("dat.huber2000.csv"):
            check_huber(where, values)
            continue
        row = source_rows(file)[where["row"] - 1]
        for key, column in mapping_for(q["id"], file, row, values).items():
            if key not in values:  # a generic row's N of 0 is a placeholder of the review software
                assert key in ("n1i", "n2i") and float(row[column] or 0) == 0, (
                    f"{q['id']} data.{i}.{key}"
                )
                continue
            # exact equality: the source cell is the number (counts may be written '6.0')
            assert values[key] == float(row[column]), (
                f"{q['id']} data.{i}.{key} != {file}:{where['row']} {column}"
            )
        assert set(values) <= set(mapping_for(q["id"], file, row, values)), (
            f"{q['id']} data.{i}: unmapped value"
        )


def check_huber(where: dict, values: dict) -> None:
    first, last = (int(x) for x in where["locator"].split()[1].split("-"))
    rows = source_rows(where["file"])[first - 1 : last]
    assert len({r["study"] for r in rows}) == 1
    t = [float(r["recurrences"]) for r in rows if r["treatment"] == "Uro-Vaxom"]
    c = [float(r["recurrences"]) for r in rows if r["treatment"] == "Placebo"]
    assert (values["n1i"], values["n2i"]) == (len(t), len(c))
    # the YAML stores means/SDs rounded to 10 decimals
    for got, want in (
        (values["m1i"], statistics.mean(t)),
        (values["m2i"], statistics.mean(c)),
        (values["sd1i"], statistics.stdev(t)),
        (values["sd2i"], statistics.stdev(c)),
    ):
        assert math.isclose(got, want, abs_tol=1e-10)


def cochrane_analysis(q: dict) -> tuple[str, str]:
    locator = q["source"]["locator"]  # "Analysis 1.1: name"
    return q["source"]["file"], locator.split()[1].rstrip(":")


@pytest.mark.parametrize(
    "path",
    [p for p in SEEDED if "cochrane_pairwise70" in p.read_text(encoding="utf-8")],
    ids=lambda p: p.stem,
)
def test_cochrane_questions_hold_the_whole_analysis(path: Path) -> None:
    """Every row of the analysis, or of the subgroups the spec names, less the studies it leaves out."""
    q = load(path)
    file, key = cochrane_analysis(q)
    ds = load(data_dir() / "specs" / "questions" / path.name)["dataset"]
    keep, drop = set(ds.get("subgroups", ())), set(ds.get("exclude_studies", ()))
    only = set(ds.get("studies", ()))
    expected = [
        n
        for n, r in enumerate(source_rows(file), start=1)
        if f"{r['Analysis.group']}.{r['Analysis.number']}" == key
        and (not keep or " ".join(r["Subgroup"].split()) in keep)
        and r["Study"] not in drop
        and (not only or r["Study"] in only)
    ]
    assert [d["source"]["row"] for d in q["data"]] == expected
    assert expected, "no rows selected"
    name = source_rows(file)[expected[0] - 1]["Analysis.name"].strip()
    assert q["source"]["locator"] == f"Analysis {key}: {name}"
    for d in q["data"]:
        study = source_rows(file)[d["source"]["row"] - 1]["Study"]
        assert trial_labels()[d["trial"]] == study


@cache
def trial_labels() -> dict[str, str]:
    out = {}
    for path in sorted((data_dir() / "trials").glob("*.yaml")):
        for t in load(path)["trials"]:
            out[t["id"]] = t["label"]
    return out


def test_data_rows_cover_the_source_files() -> None:
    """Whole-file sources: every data row of the file is used (bcg 13, axfors 33, bauer 5, CAP 7)."""
    used: dict[str, set[int]] = {}
    for path in SEEDED:
        for d in load(path)["data"]:
            if "file" in d["source"]:
                used.setdefault(d["source"]["file"], set()).add(d["source"].get("row", 0))
    for rel, n in (
        ("trials/metadat/dat.bcg.csv", 13),
        ("trials/metadat/dat.axfors2021.csv", 33),
        ("trials/metadat/dat.bauer2002.csv", 5),
        ("trials/covid_il6_jak_steroids/corticosteroids_severe_CAP_mortality_2023.csv", 7),
    ):
        assert len(source_rows(rel)) == n
        assert used[rel] == set(range(1, n + 1))


def test_cap_rob_maps_the_source_symbols() -> None:
    """rb.a..rb.f: '+' -> low, '?' -> some_concerns, '-' -> high (RoB 2 legend of the source script)."""
    rel = "trials/covid_il6_jak_steroids/corticosteroids_severe_CAP_mortality_2023.csv"
    trials = {
        t["id"]: t for t in load(data_dir() / "trials" / "cap-corticosteroids.yaml")["trials"]
    }
    sym = {"+": "low", "?": "some_concerns", "-": "high"}
    doms = (
        "d1_randomisation",
        "d2_deviations",
        "d3_missing",
        "d4_measurement",
        "d5_selection",
        "overall",
    )
    for t in trials.values():
        row = source_rows(rel)[t["source"]["row"] - 1]
        (rob,) = t["rob"]
        assert [rob[d] for d in doms] == [sym[row[f"rb.{x}"]] for x in "abcdef"]


def test_generator_reproduces_the_committed_files() -> None:
    sys.path.insert(0, str(project_home() / "tools"))
    try:
        import seed_evidence
    finally:
        sys.path.pop(0)
    files = seed_evidence.render()
    assert seed_evidence.differences(files, data_dir()) == []
    assert seed_evidence.render() == files  # deterministic within a run too


def test_hand_extracted_interferon_numbers() -> None:
    """Transcribed from the abstracts cited in the files (ICGDSG 1991 Results; PRISMS Findings)."""
    cgd = load(
        data_dir()
        / "questions"
        / "interferon-gamma-chronic-granulomatous-disease-serious-infection.yaml"
    )
    (row,) = cgd["data"]
    # "Of the 63 patients assigned to interferon, 14 had serious infections, as compared with 30 of the 65"
    assert (row["ai"], row["n1i"], row["ci"], row["n2i"]) == (14, 63, 30, 65)
    # "(274/511 [54%]) than in the lower-dose peginterferon (244/514 [47%]) or interferon (235/505 [47%])"
    for dose, (a, n1) in {"high": (274, 511), "low": (244, 514)}.items():
        q = load(
            data_dir()
            / "questions"
            / f"peginterferon-alfa-2b-{dose}-dose-ribavirin-hepatitis-c-svr.yaml"
        )
        (row,) = q["data"]
        assert (row["ai"], row["n1i"], row["ci"], row["n2i"]) == (a, n1, 235, 505)
        assert q["verified"] is False
    for dose, (reduction, lo, hi) in {"22": (27, 14, 39), "44": (33, 21, 44)}.items():
        q = load(
            data_dir()
            / "questions"
            / f"interferon-beta-1a-sc-{dose}ug-relapsing-ms-relapse-rate.yaml"
        )
        (row,) = q["data"]
        # risk reduction r% (CI lo-hi) -> rate ratio 1 - r/100 (CI 1 - hi/100 to 1 - lo/100)
        assert math.isclose(row["estimate"], 1 - reduction / 100)
        assert math.isclose(row["ci_low"], 1 - hi / 100) and math.isclose(
            row["ci_high"], 1 - lo / 100
        )
        assert q["verified"] is False


def _ratio_or_difference(measure: str, d: dict) -> float | None:
    """The per-study estimate from our numbers, RevMan-style (0.5 added to all cells when a cell is 0)."""
    if measure in ("RR", "OR"):
        a, b, c, e = d["ai"], d["n1i"] - d["ai"], d["ci"], d["n2i"] - d["ci"]
        if a == 0 and c == 0:
            return None  # not estimable in RevMan
        if 0 in (a, b, c, e):
            a, b, c, e = a + 0.5, b + 0.5, c + 0.5, e + 0.5
        return (a / (a + b)) / (c / (c + e)) if measure == "RR" else (a * e) / (b * c)
    if measure == "MD":
        return d["m1i"] - d["m2i"]
    if measure == "RD":
        return d["ai"] / d["n1i"] - d["ci"] / d["n2i"]
    return math.exp(d["yi"])  # HR: GIV.Mean is the log hazard ratio


@pytest.mark.parametrize(
    "path",
    [p for p in SEEDED if "cochrane_pairwise70" in p.read_text(encoding="utf-8")],
    ids=lambda p: p.stem,
)
def test_cochrane_counts_reproduce_the_reviews_own_study_estimates(path: Path) -> None:
    """Spot-check of the third-party extraction: the review's per-study estimate (column Mean, printed
    to 6 significant digits) equals the estimate computed from the extracted numbers with the question's
    measure.  This also pins the measure (CD013874 analyses 1.1 and 1.3 are odds ratios)."""
    q = load(path)
    for d in q["data"]:
        row = source_rows(d["source"]["file"])[d["source"]["row"] - 1]
        ours = _ratio_or_difference(q["outcome"]["measure"], d)
        if ours is None:
            assert row["Mean"] in ("", "0.0")
            continue
        theirs = float(row["Mean"])
        if spec_dataset(q["id"]).get("swap_arms"):  # the review's control arm is our group 1
            theirs = -theirs if q["outcome"]["measure"] in ("MD", "RD") else 1 / theirs
        assert math.isclose(ours, theirs, rel_tol=1e-4, abs_tol=1e-5), row["Study"]


EXPECTED_QUESTIONS = {
    # metadat / bayesmeta
    "bcg-vaccine-tuberculosis",
    "hydroxychloroquine-covid19-mortality",
    "chloroquine-covid19-mortality",
    "om-89-recurrent-uti-wmw",
    "om-89-recurrent-uti-recurrences",
    "il2ra-paediatric-liver-transplant-acute-rejection",
    "il2ra-paediatric-liver-transplant-steroid-resistant-rejection",
    "il2ra-paediatric-liver-transplant-ptld",
    "il2ra-paediatric-liver-transplant-death",
    # COVID-19 IL-6 / JAK and severe CAP
    "tocilizumab-covid19-mortality-on-corticosteroids",
    "sarilumab-covid19-mortality-on-corticosteroids",
    "baricitinib-covid19-mortality-on-corticosteroids",
    "tocilizumab-covid19-mortality-by-oxygen-and-corticosteroids",
    "tocilizumab-covid19-discharge-by-oxygen-and-corticosteroids",
    "corticosteroids-severe-cap-mortality",
    # Cochrane (Pairwise70)
    "corticosteroids-sepsis-28day-mortality",
    # split by form on 2026-12-07: was zinc-common-cold-prevention (lozenges, intranasal gel and daily
    # oral supplements pooled)
    "zinc-lozenges-common-cold-prevention",
    "zinc-intranasal-common-cold-prevention",
    "zinc-oral-supplement-common-cold-prevention",
    "zinc-unstated-form-common-cold-prevention",
    # split by route on 2026-12-07 (lozenges and intranasal zinc are never pooled): was
    # zinc-common-cold-treatment-duration
    "zinc-lozenges-common-cold-treatment-duration",
    "zinc-intranasal-common-cold-treatment-duration",
    "rituximab-ms-first-choice-disability-worsening",
    "rituximab-ms-first-choice-relapse",
    "rituximab-progressive-ms-disability-worsening",
    "zoster-vaccine-immunocompromised-herpes-zoster-cd015530",
    "zoster-vaccine-immunocompromised-herpes-zoster-cd015551",
    "rsv-vaccine-rsv-lower-respiratory-illness",
    "rsv-maternal-vaccine-infant-rsv-lrti",
    "baricitinib-alopecia-areata-short-term-regrowth",
    "baricitinib-alopecia-areata-long-term-regrowth",
    "baricitinib-alopecia-areata-serious-adverse-events",
    "oral-immunosuppressants-alopecia-areata-short-term-regrowth",
    "dupilumab-alopecia-areata-short-term-regrowth",
    "topical-ruxolitinib-alopecia-areata-short-term-regrowth",
    # interferons (publications; two without data)
    "interferon-gamma-chronic-granulomatous-disease-serious-infection",
    "interferon-beta-1a-sc-22ug-relapsing-ms-relapse-rate",
    "interferon-beta-1a-sc-44ug-relapsing-ms-relapse-rate",
    "interferon-beta-covid19-hospitalised-mortality",
    # (interferon-alfa-2b-rectal-children-acute-respiratory-infection: superseded by the hand-curated
    # interferon-alfa-2b-rectal-arvi-children-time-to-recovery, which holds the 260-child trial)
    "peginterferon-alfa-2b-high-dose-ribavirin-hepatitis-c-svr",
    "peginterferon-alfa-2b-low-dose-ribavirin-hepatitis-c-svr",
    "interferon-beta-1b-sc-8miu-relapsing-ms-exacerbation-rate",
    "interferon-beta-1b-sc-1-6miu-relapsing-ms-exacerbation-rate",
}


def test_the_seeded_question_set_is_complete() -> None:
    """One generated question per spec file, and the questions seeded before the spec files still are."""
    specs = {p.stem for p in (data_dir() / "specs" / "questions").glob("*.yaml")}
    assert {p.stem for p in SEEDED} == specs
    assert specs >= EXPECTED_QUESTIONS


def test_sepsis_trial_design_follows_analysis_1_2_membership() -> None:
    rel = "trials/cochrane_pairwise70/CD002243_pub5_data.csv"
    groups: dict[str, set[str]] = {}
    for r in source_rows(rel):
        if (r["Analysis.group"], r["Analysis.number"]) == ("1", "2"):
            groups.setdefault(r["Study"], set()).add(r["Subgroup"].strip())
    trials = load(data_dir() / "trials" / "cochrane-cd002243.yaml")["trials"]
    assert trials
    for t in trials:
        listed = groups.get(t["label"], set())
        want = "adequate" if "Adequate allocation concealment" in listed else "unknown"
        assert t["design"]["allocation_concealment"] == want, t["id"]
        low = [r for r in t.get("rob", []) if r.get("overall") == "low"]
        assert bool(low) == ("Studies judged at low risk of bias" in listed), t["id"]


def test_published_results_as_transcribed() -> None:
    """Published pooled results, as read in the cited abstracts / summaries (all verified: false)."""
    want = {
        # Crins 2014 abstract (PMID 25283839): AR RR 0.38 (0.22-0.66); SRR RR 0.32 (0.19-1.03)
        "il2ra-paediatric-liver-transplant-acute-rejection": ("RR", 0.38, 0.22, 0.66),
        "il2ra-paediatric-liver-transplant-steroid-resistant-rejection": ("RR", 0.32, 0.19, 1.03),
        # Annane 2025 (PMID 40470636) as summarised by Epocrates: RR 0.89 (0.84-0.95), moderate
        "corticosteroids-sepsis-28day-mortality": ("RR", 0.89, 0.84, 0.95),
        # Albuquerque 2023 CMI abstract: OR 0.78 (CrI 0.65-0.94) tocilizumab; 0.78 (0.56-1.03)
        # baricitinib; 0.91 (0.60-1.40) sarilumab
        "tocilizumab-covid19-mortality-on-corticosteroids": ("OR", 0.78, 0.65, 0.94),
        "baricitinib-covid19-mortality-on-corticosteroids": ("OR", 0.78, 0.56, 1.03),
        "sarilumab-covid19-mortality-on-corticosteroids": ("OR", 0.91, 0.60, 1.40),
    }
    for qid, (measure, est, lo, hi) in want.items():
        # a question may carry several sources' ratings: the transcribed result is one of them
        published = load(data_dir() / "questions" / f"{qid}.yaml")["published"]
        (p,) = [
            p
            for p in published
            if (p["measure"], p.get("estimate"), p.get("ci_low"), p.get("ci_high"))
            == (measure, est, lo, hi)
        ]
        assert p["verified"] is False and p["source"]
    for path in SEEDED:
        for p in load(path).get("published", []):
            assert p["verified"] is False, path.stem


#: shared file -> column naming the study, for the label check below
STUDY_COLUMN = {
    "trials/metadat/dat.bcg.csv": "author",
    "trials/metadat/dat.axfors2021.csv": "acronym",
    "trials/metadat/dat.bauer2002.csv": "study",
    "trials/bayesmeta/CrinsEtAl2014_IL2RA_pediatric_liver_tx.csv": "publication",
    "trials/covid_il6_jak_steroids/corticosteroids_severe_CAP_mortality_2023.csv": "author",
}


@pytest.mark.parametrize("path", SEEDED, ids=lambda p: p.stem)
def test_each_row_names_the_trial_of_its_source_row(path: Path) -> None:
    for d in load(path)["data"]:
        column = STUDY_COLUMN.get(d["source"].get("file", ""))
        if column is None:
            continue
        study = source_rows(d["source"]["file"])[d["source"]["row"] - 1][column]
        assert trial_labels()[d["trial"]].startswith(study), (d["trial"], study)


def test_hand_read_trial_design_facts_reach_their_trials() -> None:
    """Each fact of data/specs/trials/<group>.yaml is the generated trial's (design, funding, population), with its
    quoted source."""
    specs = sorted((data_dir() / "specs" / "trials").glob("*.yaml"))
    assert specs
    for spec_path in specs:
        spec = load(spec_path)
        trials = {t["id"]: t for t in load(data_dir() / "trials" / spec_path.name)["trials"]}
        for facts in spec["trials"]:
            trial = trials[facts["trial"]]
            for name in ("randomised", "blinding", "allocation_concealment"):
                if name in facts:
                    assert trial["design"][name] == facts[name], (facts["trial"], name)
            for name in ("funding", "population"):
                if name in facts:
                    assert trial[name] == facts[name], (facts["trial"], name)
            assert facts["source"] in trial["more_sources"]
            assert facts["source"]["quote"]

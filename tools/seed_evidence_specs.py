"""The written part of each evidence question: PICO, outcome, preferred analysis, published results.

Facts here are either sourced (the ``source``/``notes`` say where) or explicitly unknown (None).  MIDs are
None throughout: none of the source files gives a minimal important difference.
"""

from __future__ import annotations

from seed_evidence_common import Spec, src
from seed_evidence_pico import _SPECS, NO_MID, NO_ROUTE, ORAL_ONLY, P70, iv, oc, pub, spec

# ------------------------------------------------------------------ metadat / bayesmeta

spec(
    id="bcg-vaccine-tuberculosis",
    title="BCG vaccine for preventing tuberculosis",
    population="people in 13 BCG vaccine trials (populations as in Colditz 1994; not in the data file)",
    indication="tuberculosis prevention",
    intervention=iv(
        "bcg-vaccine",
        "unknown",
        description="BCG vaccination (strain, dose and route not in dat.bcg)",
    ),
    comparator="no BCG vaccination",
    outcome=oc("tuberculosis cases", "binary", "RR", "critical", None, False),
    source=src(
        "trials/metadat/dat.bcg.csv", ref="metadat-dat-bcg", doi="10.1001/jama.1994.03510330076038"
    ),
    subgroup_by="allocation method (dat.bcg 'alloc': random / alternate / systematic)",
    notes=(
        "absolute latitude (ablat) is a trial-level moderator; it is in each trial record's notes",
        NO_MID,
        "follow-up time is not in dat.bcg (time_point unknown)",
    ),
    verified=True,
)

for drug, kind in (("hydroxychloroquine", "hcq"), ("chloroquine", "cq")):
    spec(
        id=f"{drug}-covid19-mortality",
        title=f"{drug.capitalize()} for COVID-19: all-cause mortality",
        population="people with confirmed or suspected COVID-19 in randomised trials (inpatient, outpatient, ICU)",
        indication="COVID-19 (treatment or prophylaxis, as in the trials)",
        intervention=iv(
            drug, "oral", description=f"{drug} (dat.axfors2021 hcq_cq == '{kind}'), any dose"
        ),
        comparator="placebo or standard of care (dat.axfors2021 'Control')",
        outcome=oc("all-cause mortality", "binary", "OR", "critical", None, False, objective=True),
        source=src("trials/metadat/dat.axfors2021.csv", ref="metadat-dat-axfors2021"),
        subgroup_by="patient setting (dat.axfors2021 'patient_setting')",
        model="random",
        method="REML",
        notes=(
            "one row per randomised comparison; trials with several comparisons (PROTECT A/B/C, "
            "NCT04335552 A/B, ARCHAIC and ChiCTR2000030054 with hcq and cq arms) have one record each",
            "the mortality time point is not in dat.axfors2021 (time_point unknown)",
            ORAL_ONLY,
            NO_MID,
        ),
        verified=True,
    )

spec(
    id="om-89-recurrent-uti-wmw",
    title="OM-89 (Uro-Vaxom, E. coli lysate) for recurrent urinary tract infection: WMW effect size",
    population="patients with recurrent urinary tract infections in 5 placebo-controlled double-blind RCTs",
    indication="prevention of recurrent urinary tract infection",
    intervention=iv("om-89", "oral", description="OM-89 (Uro-Vaxom) bacterial lysate, oral"),
    comparator="placebo",
    outcome=oc(
        "UTI recurrences: Wilcoxon-Mann-Whitney probability that a treated patient has fewer "
        "recurrences than a control patient (common language effect size; 0.5 = no effect)",
        "continuous",
        "GEN",
        "critical",
        None,
        False,
        higher_is_better=True,
    ),
    source=src(
        "trials/metadat/dat.bauer2002.csv",
        ref="metadat-dat-bauer2002",
        doi="10.1016/s0924-8579(02)00106-1",
    ),
    model="random",
    method="PM",
    notes=(
        "yi = wmwstat, sei = stderr; metadat's example analyses use measure 'CLES' (or its logit) with "
        "method 'PM'",
        ORAL_ONLY,
        NO_MID,
    ),
    verified=True,
)

spec(
    id="om-89-recurrent-uti-recurrences",
    title="OM-89 (Uro-Vaxom) for recurrent urinary tract infection: number of recurrences",
    population="patients with recurrent urinary tract infections (601 patients, 5 RCTs, individual data)",
    indication="prevention of recurrent urinary tract infection",
    intervention=iv("om-89", "oral", description="OM-89 (Uro-Vaxom) bacterial lysate"),
    comparator="placebo",
    outcome=oc(
        "number of UTI recurrences per patient", "continuous", "MD", "critical", None, False
    ),
    source=src(
        "trials/metadat/dat.huber2000.csv",
        ref="metadat-dat-huber2000",
        doi="10.1016/s0192-0561(00)00070-9",
    ),
    notes=(
        ORAL_ONLY,
        "means and SDs are computed by the script from the individual patient rows of dat.huber2000 "
        "(counts are skewed; the MD is a crude summary)",
        NO_MID,
    ),
    verified=True,
)

_CRINS_PUB = src(url="https://www.pubmed.gov/pubmed/25283839", pmid="25283839", locator="abstract")
_CRINS_NOTE = "as in the abstract (random-effects model); k and participants not stated there"
#: checks by K2 with metafor 3.8-1 on the shared CSV (not a source; recorded so the gap is visible)
_CRINS_CHECK = {
    "acute-rejection": "; metafor rma(measure='RR', method='DL') gives 0.383 (0.223-0.656): matches",
    "steroid-resistant-rejection": "; NOT reproduced: metafor rma(measure='RR') on the 3 studies with SRR "
    "data gives 0.332 (0.124-0.889) with DL and 0.323 (0.112-0.930) with REML; the published interval "
    "(0.19-1.03) is not symmetric around 0.32 on the log scale",
}
#: key -> (outcome name, importance, published RR / CI from the Crins 2014 abstract, or None)
_CRINS: dict[str, tuple[str, str, tuple[float, float, float] | None]] = {
    "acute-rejection": ("acute rejection", "critical", (0.38, 0.22, 0.66)),
    "steroid-resistant-rejection": ("steroid-resistant rejection", "critical", (0.32, 0.19, 1.03)),
    "ptld": ("post-transplant lymphoproliferative disorder (PTLD)", "critical", None),
    "death": ("death", "critical", None),
}
for key, (name, imp, published) in _CRINS.items():
    spec(
        id=f"il2ra-paediatric-liver-transplant-{key}",
        title=f"IL-2 receptor antagonists in paediatric liver transplantation: {name}",
        population="children receiving a liver transplant (6 controlled studies, Crins 2014)",
        indication="induction immunosuppression after paediatric liver transplantation",
        intervention=iv(
            None,
            "unknown",
            substances=("basiliximab", "daclizumab"),
            description="IL-2 receptor antagonist induction (basiliximab or daclizumab)",
        ),
        comparator="no IL-2RA induction (concurrent or historical controls; 2 of 6 studies randomised)",
        outcome=oc(name, "binary", "RR", imp, "study follow-up (6-36 months, per study)", False),
        source=src(
            "trials/bayesmeta/CrinsEtAl2014_IL2RA_pediatric_liver_tx.csv",
            ref="bayesmeta-crins2014",
            doi="10.1111/petr.12362",
        ),
        subgroup_by="randomised vs non-randomised (CrinsEtAl2014 'randomized')",
        published=()
        if published is None
        else (
            pub(
                "RR",
                _CRINS_PUB,
                model="random",
                estimate=published[0],
                ci_low=published[1],
                ci_high=published[2],
                note=_CRINS_NOTE
                + (
                    "; the abstract says 'acute rejection at six months or later'"
                    if key == "acute-rejection"
                    else ""
                )
                + _CRINS_CHECK[key],
            ),
        ),
        notes=("route: not stated in the data file (unknown)", NO_MID),
        verified=True,
    )

# ------------------------------------------------------------------ COVID-19 and CAP

_TSB = "trials/covid_il6_jak_steroids/albuquerque2022_toci_sari_bari_mortality_on_steroids.csv"
_CMI = src(
    url="https://journalclub.wustl.edu/2022/07/21/effect-of-tocilizumab-sarilumab-and-baricitinib-on-"
    "mortality-among-patients-hospitalized-for-covid-19-treated-with-corticosteroids-a-systematic-review-"
    "and-meta-analysis/",
    doi="10.1016/j.cmi.2022.07.008",
    locator="abstract, Data synthesis",
)
#: Albuquerque 2023 (CMI) abstract: average odds ratio for mortality (95% credible interval)
_CMI_OR = {
    "tocilizumab": (0.78, 0.65, 0.94),
    "baricitinib": (0.78, 0.56, 1.03),
    "sarilumab": (0.91, 0.60, 1.40),
}
for drug, route in (("tocilizumab", "unknown"), ("sarilumab", "unknown"), ("baricitinib", "oral")):
    est, lo, hi = _CMI_OR[drug]
    spec(
        id=f"{drug}-covid19-mortality-on-corticosteroids",
        title=f"{drug.capitalize()} for hospitalised COVID-19 patients on corticosteroids: 28-day mortality",
        population="adults hospitalised for COVID-19 and treated with corticosteroids (Albuquerque 2023 "
        "eligibility criteria)",
        indication="COVID-19 (hospitalised)",
        intervention=iv(drug, route, description=f"{drug} added to corticosteroids and usual care"),
        comparator="standard of care or placebo, with corticosteroids (Albuquerque 2023 eligibility criteria)",
        outcome=oc(
            "all-cause mortality", "binary", "OR", "critical", "28 days", False, objective=True
        ),
        source=src(_TSB, ref="albuquerque2022-toci-sari-bari"),
        published=(
            pub(
                "OR",
                _CMI,
                model="random",
                method="Bayesian",
                estimate=est,
                ci_low=lo,
                ci_high=hi,
                note="Bayesian pairwise meta-analysis; the interval is a 95% credible interval; the abstract "
                "gives GRADE certainty 'moderate to low' across treatments and 27 RCTs / 13549 patients "
                "in total (not per treatment)",
            ),
        ),
        notes=(
            "patients on corticosteroids only (source README)"
            + ("; IL-6 trial counts come from WHO REACT" if drug != "baricitinib" else ""),
            "measure OR as in the published analysis",
            ORAL_ONLY if route == "oral" else NO_ROUTE,
            NO_MID,
        ),
    )

spec(
    id="tocilizumab-covid19-mortality-by-oxygen-and-corticosteroids",
    title="Tocilizumab for hospitalised COVID-19: mortality by oxygen support and corticosteroid use",
    population="patients hospitalised for COVID-19 in the WHO REACT tocilizumab trials",
    indication="COVID-19 (hospitalised)",
    intervention=iv(
        "tocilizumab",
        "unknown",
        description="tocilizumab (WHO REACT trials reanalysed by Albuquerque 2022)",
    ),
    comparator="control (usual care or placebo; not named in the data file)",
    outcome=oc("all-cause mortality", "binary", "OR", "critical", None, False, objective=True),
    source=src(
        "trials/covid_il6_jak_steroids/who_react_il6_by_oxygen_corticosteroid_albuquerque2022.csv",
        ref="albuquerque2022-react-reanalysis",
    ),
    subgroup_by="baseline oxygen support (low = simple oxygen, NIV, IMV) x corticosteroid use",
    notes=(
        "WHO REACT's primary outcome was all-cause mortality at 28 days (JAMA 2021 abstract, "
        "https://www.unboundmedicine.com/medline/citation/34228774/), but the data file says only "
        "'mortality' (time_point left unknown); the trials are "
        "identified as tocilizumab trials by the reanalysis title",
        NO_ROUTE,
        NO_MID,
    ),
)

spec(
    id="tocilizumab-covid19-discharge-by-oxygen-and-corticosteroids",
    title="Tocilizumab for hospitalised COVID-19: hospital discharge by oxygen support and corticosteroid use",
    population="patients hospitalised for COVID-19 in the WHO REACT tocilizumab trials",
    indication="COVID-19 (hospitalised)",
    intervention=iv(
        "tocilizumab",
        "unknown",
        description="tocilizumab (WHO REACT trials reanalysed by Albuquerque 2022)",
    ),
    comparator="control (usual care or placebo; not named in the data file)",
    outcome=oc(
        "hospital discharge", "binary", "OR", "important", None, False, higher_is_better=True
    ),
    source=src(
        "trials/covid_il6_jak_steroids/who_react_il6_by_oxygen_corticosteroid_albuquerque2022.csv",
        ref="albuquerque2022-react-reanalysis",
    ),
    subgroup_by="baseline oxygen support (low = simple oxygen, NIV, IMV) x corticosteroid use",
    notes=(
        "the data file says 'discharge' without a time point (time_point unknown)",
        NO_ROUTE,
        NO_MID,
    ),
)

spec(
    id="corticosteroids-severe-cap-mortality",
    title="Corticosteroids for severe community-acquired pneumonia: mortality",
    population="adults with severe community-acquired pneumonia in 7 RCTs (2005-2023)",
    indication="severe community-acquired pneumonia",
    intervention=iv(
        None,
        "unknown",
        drug_class="h02ab",
        description="systemic corticosteroid (agent and dose per trial; not in the data file)",
    ),
    comparator="control (placebo or no corticosteroid; not in the data file)",
    outcome=oc("all-cause mortality", "binary", "RR", "critical", None, False, objective=True),
    source=src(
        "trials/covid_il6_jak_steroids/corticosteroids_severe_CAP_mortality_2023.csv",
        ref="albuquerque2023-steroids-cap",
    ),
    notes=(
        "risk of bias: columns rb.a-rb.f are RoB 2 judgements; the source script (analysis/01.R in "
        "arthur-albuquerque/steroids_pneumonia_2023) labels them (A) randomisation process, (B) deviations "
        "from intended intervention, (C) missing outcome data, (D) outcome measurement, (E) selection of "
        "the reported result, (F) overall, and colours '+' green, '?' yellow, '-' red; we map '+' -> low, "
        "'?' -> some_concerns (RoB 2's middle level; the shared README calls it 'unclear'), '-' -> high",
        "the source analysis judged an absolute risk reduction of 4 points (RR 14/18 at an 18% control "
        "risk) important; this is the reanalysis authors' threshold, not a published MID (mid: null)",
        "time point of mortality not in the file",
    ),
)


import seed_evidence_specs_cochrane  # noqa: E402,F401  (registers the Cochrane specs)

SPECS: dict[str, Spec] = {s.id: s for s in _SPECS}
if len(SPECS) != len(_SPECS):
    raise ValueError("duplicate question id in seed_evidence_specs")

__all__ = ["NO_MID", "P70", "SPECS", "iv", "oc"]

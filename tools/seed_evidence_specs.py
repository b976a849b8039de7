"""The written part of each evidence question: PICO, outcome, preferred analysis, published results.

Facts here are either sourced (the ``source``/``notes`` say where) or explicitly unknown (None).  MIDs are
None throughout: none of the source files gives a minimal important difference.
"""

from __future__ import annotations

from typing import Any

from seed_evidence_common import Spec, slug, src

P70 = "trials/cochrane_pairwise70/"
NO_MID = "no source file gives a minimal important difference (mid: null)"
ORAL_ONLY = "route: the data file does not state it; the question is defined for the oral form"
NO_ROUTE = "route: not stated in the data file (unknown); the drug exists in more than one form"


def oc(
    name: str,
    type_: str,
    measure: str,
    importance: str,
    time_point: str | None,
    surrogate: bool,
    higher_is_better: bool = False,
) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "measure": measure,
        "time_point": time_point,
        "importance": importance,
        "higher_is_better": higher_is_better,
        "mid": None,
        "surrogate": surrogate,
    }


def iv(
    substance: str | None,
    route: str,
    *,
    substances: tuple[str, ...] = (),
    dose_form: str | None = None,
    dose: str | None = None,
    description: str | None = None,
    drug_class: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "substance": substance,
        "substances": substances or None,
        "drug_class": drug_class,
        "route": route,
        "dose_form": dose_form,
        "dose": dose,
        "description": description,
    }
    return out


def cochrane(review: str, file: str, analysis: str, name: str) -> dict[str, Any]:
    return src(
        P70 + file,
        ref=f"cochrane-{slug(review)}",
        doi=f"10.1002/14651858.{review}",
        locator=f"Analysis {analysis}: {name}",
    )


def pub(measure: str, source: dict[str, Any], **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"measure": measure}
    out.update({k: v for k, v in kw.items() if v is not None})
    out["source"] = source
    out["verified"] = False
    return out


_SPECS: list[Spec] = []


def spec(**kw: Any) -> None:
    _SPECS.append(Spec(**kw))


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
        outcome=oc("all-cause mortality", "binary", "OR", "critical", None, False),
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

_CRINS = {
    "acute-rejection": ("acute rejection", "critical"),
    "steroid-resistant-rejection": ("steroid-resistant rejection", "critical"),
    "ptld": ("post-transplant lymphoproliferative disorder (PTLD)", "critical"),
    "death": ("death", "critical"),
}
for key, (name, imp) in _CRINS.items():
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
        outcome=oc(name, "binary", "OR", imp, "study follow-up (6-36 months, per study)", False),
        source=src(
            "trials/bayesmeta/CrinsEtAl2014_IL2RA_pediatric_liver_tx.csv",
            ref="bayesmeta-crins2014",
            doi="10.1111/petr.12362",
        ),
        subgroup_by="randomised vs non-randomised (CrinsEtAl2014 'randomized')",
        notes=("route: not stated in the data file (unknown)", NO_MID),
        verified=True,
    )

# ------------------------------------------------------------------ COVID-19 and CAP

_TSB = "trials/covid_il6_jak_steroids/albuquerque2022_toci_sari_bari_mortality_on_steroids.csv"
for drug, route in (("tocilizumab", "unknown"), ("sarilumab", "unknown"), ("baricitinib", "oral")):
    spec(
        id=f"{drug}-covid19-mortality-on-corticosteroids",
        title=f"{drug.capitalize()} for hospitalised COVID-19 patients on corticosteroids: 28-day mortality",
        population="patients hospitalised for COVID-19 and receiving corticosteroids",
        indication="COVID-19 (hospitalised)",
        intervention=iv(drug, route, description=f"{drug} added to corticosteroids and usual care"),
        comparator="control with corticosteroids (usual care or placebo; not named in the data file)",
        outcome=oc("all-cause mortality", "binary", "RR", "critical", "28 days", False),
        source=src(_TSB, ref="albuquerque2022-toci-sari-bari"),
        notes=(
            "patients on corticosteroids only (source README)"
            + ("; IL-6 trial counts come from WHO REACT" if drug != "baricitinib" else ""),
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
    outcome=oc("all-cause mortality", "binary", "OR", "critical", None, False),
    source=src(
        "trials/covid_il6_jak_steroids/who_react_il6_by_oxygen_corticosteroid_albuquerque2022.csv",
        ref="albuquerque2022-react-reanalysis",
    ),
    subgroup_by="baseline oxygen support (low = simple oxygen, NIV, IMV) x corticosteroid use",
    notes=(
        "the data file says 'mortality' without a time point (time_point unknown); the trials are "
        "identified as tocilizumab trials by the reanalysis title",
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
        drug_class="glucocorticoids",
        description="systemic corticosteroid (agent and dose per trial; not in the data file)",
    ),
    comparator="control (placebo or no corticosteroid; not in the data file)",
    outcome=oc("all-cause mortality", "binary", "RR", "critical", None, False),
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

# ------------------------------------------------------------------ Cochrane (Pairwise70 extraction)

P70_NOTE = (
    "numbers come from the third-party Pairwise70 extraction of the review's analysis tables; "
    "verified: false until checked against the review's forest plot"
)
OR_NOTE = (
    "measure OR: the review's own per-study estimate in the file (column Mean) equals the odds ratio "
    "of the counts, not the risk ratio"
)
NOT_IN_FILE = "the comparator of this review comparison is not named in the data file"


def cspec(qid: str, review: str, analysis: str, name: str, **kw: Any) -> None:
    file = review.replace(".", "_") + "_data.csv"
    notes = (*tuple(kw.pop("notes", ())), P70_NOTE, NO_MID)
    spec(id=qid, source=cochrane(review, file, analysis, name), notes=notes, **kw)


cspec(
    "corticosteroids-sepsis-28day-mortality",
    "CD002243.pub5",
    "1.1",
    "28-day all-cause mortality",
    title="Corticosteroids for sepsis in children and adults: 28-day all-cause mortality",
    population="children and adults with sepsis (incl. septic shock, sepsis with ARDS or CAP, COVID-19)",
    indication="sepsis",
    intervention=iv(
        None,
        "unknown",
        drug_class="glucocorticoids",
        substances=("hydrocortisone", "methylprednisolone", "dexamethasone"),
        description="systemic corticosteroids (agent per trial: Analysis 1.3 subgroups)",
    ),
    comparator="placebo or usual care",
    outcome=oc("28-day all-cause mortality", "binary", "RR", "critical", "28 days", False),
    subgroup_by="study drug, as grouped in the review's Analysis 1.3 (taken from the 1.3 rows by study name)",
    published=(
        pub(
            "RR",
            src(
                url="https://www.epocrates.com/online/article/corticosteroids-likely-reduce-"
                "short-term-mortality-in-sepsis",
                pmid="40470636",
            ),
            estimate=0.89,
            ci_low=0.84,
            ci_high=0.95,
            certainty="moderate",
            note=(
                "as summarised by Epocrates (June 2025) for Annane 2025, PMID 40470636; that this "
                "is the .pub5 version of CD002243 is inferred from the date, not confirmed; k and "
                "model not given there"
            ),
        ),
    ),
)

cspec(
    "zinc-common-cold-prevention",
    "CD014914.pub2",
    "1.1",
    "Proportion of participants developing colds/URTI: primary analysis",
    title="Zinc for preventing the common cold: participants developing a cold",
    population="healthy children and adults (prevention trials of zinc for the common cold)",
    indication="common cold / upper respiratory tract infection prevention",
    intervention=iv(
        "zinc", "unknown", description="zinc supplementation (salt, dose and form per trial)"
    ),
    comparator="placebo",
    outcome=oc(
        "participants developing at least one cold/URTI",
        "binary",
        "RR",
        "critical",
        "end of study",
        False,
    ),
    notes=(
        "comparator 'placebo' from the review's earlier versions' selection criteria is not in the file: "
        "treat as unverified",
    ),
)

cspec(
    "zinc-common-cold-treatment-duration",
    "CD014914.pub2",
    "9.1",
    "Mean duration of colds/URTIs (treatment): primary analysis",
    title="Zinc for treating the common cold: duration of the cold (days)",
    population="children and adults with a common cold (treatment trials)",
    indication="common cold / upper respiratory tract infection treatment",
    intervention=iv(
        "zinc",
        "unknown",
        description="zinc lozenges or intranasal zinc (route per trial: Analysis 9.2 subgroups)",
    ),
    comparator="placebo (not named in the data file)",
    outcome=oc(
        "duration of cold/URTI (days)", "continuous", "MD", "critical", "end of cold", False
    ),
    subgroup_by="route of administration, as grouped in the review's Analysis 9.2 (by study name)",
)

_RTX = (
    "rituximab as first-choice treatment (review comparison 1 = first-choice rituximab in relapsing MS "
    "per the review protocol's comparison order; inferred, not stated in the data file)"
)
cspec(
    "rituximab-ms-first-choice-disability-worsening",
    "CD013874.pub3",
    "1.1",
    "Disability worsening over 24 months",
    title="Rituximab as first-choice treatment for relapsing MS: disability worsening over 24 months",
    population="adults with relapsing multiple sclerosis (review comparison 1; see notes)",
    indication="multiple sclerosis",
    intervention=iv("rituximab", "unknown", description=_RTX),
    comparator="placebo or another disease-modifying treatment (not named in the data file)",
    outcome=oc("disability worsening", "binary", "OR", "critical", "24 months", False),
    notes=(NOT_IN_FILE, "route: not in the data file (unknown)", OR_NOTE),
)
cspec(
    "rituximab-ms-first-choice-relapse",
    "CD013874.pub3",
    "1.3",
    "Relapse over 24 months",
    title="Rituximab as first-choice treatment for relapsing MS: relapse over 24 months",
    population="adults with relapsing multiple sclerosis (review comparison 1; see notes)",
    indication="multiple sclerosis",
    intervention=iv("rituximab", "unknown", description=_RTX),
    comparator="placebo or another disease-modifying treatment (not named in the data file)",
    outcome=oc("relapse", "binary", "OR", "critical", "24 months", False),
    notes=(NOT_IN_FILE, "route: not in the data file (unknown)", OR_NOTE),
)
cspec(
    "rituximab-progressive-ms-disability-worsening",
    "CD013874.pub3",
    "3.1",
    "Disability worsening over 24 months",
    title="Rituximab as first-choice treatment for progressive MS: disability worsening over 24 months",
    population="adults with progressive multiple sclerosis (review comparison 3; see notes)",
    indication="multiple sclerosis",
    intervention=iv(
        "rituximab",
        "unknown",
        description="rituximab as first-choice treatment "
        "(comparison 3 = progressive MS per the protocol's order; inferred)",
    ),
    comparator="placebo or another disease-modifying treatment (not named in the data file)",
    outcome=oc(
        "disability worsening (time to event; log hazard ratio)",
        "time_to_event",
        "HR",
        "critical",
        "24 months",
        False,
    ),
    notes=(
        NOT_IN_FILE,
        "yi = GIV.Mean (log HR), sei = GIV.SE as entered in the review; the event "
        "counts in this row are 0/0 placeholders and are not used",
    ),
)

for rev, label in (
    ("CD015530.pub2", "up to 21 months after final dose"),
    ("CD015551.pub2", "up to 29.4 months after final dose"),
):
    cspec(
        f"zoster-vaccine-immunocompromised-herpes-zoster-{rev.split('.')[0].lower()}",
        rev,
        "1.1",
        f"Incidence of herpes zoster ({label})",
        title=f"Herpes zoster vaccines in immunocompromised adults ({rev}): incidence of herpes zoster",
        population=f"immunocompromised adults as defined by Cochrane review {rev} (title not confirmed)",
        indication="herpes zoster prevention",
        intervention=iv(
            "herpes-zoster-vaccine",
            "unknown",
            description="herpes zoster vaccine (vaccine type per trial is not in the data file)",
        ),
        comparator="placebo or no vaccine (not named in the data file)",
        outcome=oc(
            "herpes zoster (confirmed by lesion PCR or adjudication, per the review footnote)",
            "binary",
            "RR",
            "critical",
            label,
            False,
        ),
    )

cspec(
    "rsv-vaccine-rsv-lower-respiratory-illness",
    "CD016131",
    "1.1",
    "RSV-associated lower respiratory tract illness",
    title="RSV vaccines: RSV-associated lower respiratory tract illness (review comparison 1)",
    population="participants of review comparison 1 (older adults per the review's press summary; the "
    "data file does not name the population)",
    indication="RSV disease prevention",
    intervention=iv(
        "rsv-vaccine", "unknown", description="RSV vaccine (authorised or not, per subgroup)"
    ),
    comparator="placebo (not named in the data file)",
    outcome=oc(
        "RSV-associated lower respiratory tract illness", "binary", "RR", "critical", None, False
    ),
    subgroup_by="vaccine authorisation status (review subgroup)",
    notes=("route: not in the data file (unknown)",),
)

cspec(
    "rsv-maternal-vaccine-infant-rsv-lrti",
    "CD016131",
    "3.1",
    "Medically attended RSV-associated lower respiratory tract illness in infants",
    title="RSV vaccination in pregnancy: medically attended RSV lower respiratory illness in infants",
    population="infants of women vaccinated in pregnancy (review comparison 3)",
    indication="RSV disease prevention in infants",
    intervention=iv(
        "rsv-vaccine",
        "unknown",
        description="maternal RSV F protein-based vaccine "
        "(prefusion F authorised; nanoparticle F unauthorised, per subgroup)",
    ),
    comparator="placebo (not named in the data file)",
    outcome=oc(
        "medically attended RSV-associated lower respiratory tract illness in infants",
        "binary",
        "RR",
        "critical",
        None,
        False,
    ),
    subgroup_by="vaccine type / authorisation status (review subgroup)",
    notes=("route: not in the data file (unknown)",),
)

_AA_POP = "children and adults with alopecia areata, totalis or universalis (CD013719 abstract)"
_AA_PUB = src(url="https://nzdoctor.co.nz/node/29604", doi="10.1002/14651858.CD013719.pub2")
_AA_RCT = "all trials are RCTs (review abstract, PMID 37870096: 'We included randomised controlled trials')"
for key, an, name, tp, oname, imp, cert in (
    (
        "short-term-regrowth",
        "5.1",
        "Short-term hair regrowth ≥ 75%",
        "12-26 weeks",
        "hair regrowth ≥ 75%",
        "critical",
        "high",
    ),
    (
        "long-term-regrowth",
        "5.3",
        "Long-term hair regrowth ≥ 75%",
        "> 26 weeks",
        "hair regrowth ≥ 75%",
        "critical",
        "high",
    ),
    (
        "serious-adverse-events",
        "5.2",
        "Incidence of serious adverse events",
        None,
        "serious adverse events",
        "critical",
        "low",
    ),
):
    cspec(
        f"baricitinib-alopecia-areata-{key}",
        "CD013719.pub2",
        an,
        name,
        title=f"Oral baricitinib for alopecia areata: {oname}" + (f" ({tp})" if tp else ""),
        population=_AA_POP,
        indication="alopecia areata",
        intervention=iv(
            "baricitinib",
            "oral",
            dose="2 mg or 4 mg daily (arms pooled, per the review footnote)",
            description="oral JAK inhibitor",
        ),
        comparator="placebo (review sensitivity analysis 13.5 names 'baricitinib vs placebo')",
        outcome=oc(
            oname, "binary", "RR", imp, tp, False, higher_is_better=key != "serious-adverse-events"
        ),
        published=(
            pub(
                "RR",
                _AA_PUB,
                certainty=cert,
                note="GRADE certainty as summarised in NZ Doctor PEARLS no. 735 (Cochrane review "
                "Mateos-Haro 2023); no estimate recorded",
            ),
        ),
        notes=(_AA_RCT, "time point from the review abstract's outcome definitions"),
    )

_ORAL_ETC: tuple[tuple[str, str, str | None, str, str, str], ...] = (
    (
        "oral-immunosuppressants-alopecia-areata-short-term-regrowth",
        "1.1",
        None,
        "oral",
        "Oral classical immunosuppressants (prednisolone, ciclosporin) for alopecia areata",
        "placebo",
    ),
    (
        "dupilumab-alopecia-areata-short-term-regrowth",
        "4.1",
        "dupilumab",
        "subcutaneous",
        "Subcutaneous dupilumab for alopecia areata",
        "placebo",
    ),
    (
        "topical-ruxolitinib-alopecia-areata-short-term-regrowth",
        "7.1",
        "ruxolitinib",
        "topical",
        "Topical ruxolitinib for alopecia areata",
        "placebo (vehicle)",
    ),
)
for qid, an, agent, route, title, comp in _ORAL_ETC:
    cspec(
        qid,
        "CD013719.pub2",
        an,
        "Short-term hair regrowth ≥ 75%",
        title=f"{title}: short-term hair regrowth ≥ 75%",
        population=_AA_POP,
        indication="alopecia areata",
        intervention=iv(
            agent,
            route,
            substances=("prednisolone", "ciclosporin") if agent is None else (),
            description=title,
        ),
        comparator=comp + " (from the name of the matching sensitivity analysis in group 13)",
        outcome=oc(
            "hair regrowth ≥ 75%",
            "binary",
            "RR",
            "critical",
            "12-26 weeks",
            False,
            higher_is_better=True,
        ),
        notes=(
            _AA_RCT,
            "comparison names come from the review's sensitivity analyses 13.1, 13.4 and 13.7, "
            "matched by order to groups 1, 4 and 7 (inferred)",
        ),
    )


SPECS: dict[str, Spec] = {s.id: s for s in _SPECS}
if len(SPECS) != len(_SPECS):
    raise ValueError("duplicate question id in seed_evidence_specs")

"""Specs of the questions built from Cochrane reviews (Pairwise70 extraction)."""

from __future__ import annotations

from seed_evidence_common import src
from seed_evidence_pico import NOT_IN_FILE, OR_NOTE, cspec, iv, oc, pub

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
        drug_class="h02ab",
        substances=("hydrocortisone", "methylprednisolone", "dexamethasone"),
        description="systemic corticosteroids (agent per trial: Analysis 1.3 subgroups)",
    ),
    comparator="placebo or usual care",
    outcome=oc(
        "28-day all-cause mortality", "binary", "RR", "critical", "28 days", False, objective=True
    ),
    subgroup_by="study drug, as grouped in the review's Analysis 1.3 (taken from the 1.3 rows by study name)",
    notes=(
        "trial design: allocation_concealment 'adequate' and RoB 'overall: low' mean the trial is listed "
        "under 'Adequate allocation concealment' / 'Studies judged at low risk of bias' in Analysis 1.2 "
        "(which RoB tool the review used is not in the file); trials not listed stay unknown/not_assessed",
    ),
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
                "as summarised by Epocrates (June 2025) for Annane 2025, PMID 40470636; k and model "
                "are not given there.  Check by K2 (not a source): metafor rma(measure='RR', "
                "method='DL') on the 72 Analysis 1.1 rows gives 0.895 (0.840-0.954), so the summary "
                "matches this analysis; that PMID 40470636 is the .pub5 version is inferred, not confirmed"
            ),
        ),
    ),
)

ZINC_RCT = (
    "randomised, placebo-controlled: the review's selection criteria ('We included randomised controlled "
    "trials (RCTs) in children or adults that tested any form of zinc against placebo'), "
    "https://cochranelibrary.com/cdsr/doi/10.1002/14651858.CD014914.pub2/full/hi"
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
    comparator="placebo (review selection criteria: RCTs testing any form of zinc against placebo)",
    outcome=oc(
        "participants developing at least one cold/URTI",
        "binary",
        "RR",
        "critical",
        "end of study",
        False,
    ),
    notes=(ZINC_RCT,),
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
    comparator="placebo (review selection criteria: RCTs testing any form of zinc against placebo)",
    outcome=oc(
        "duration of cold/URTI (days)", "continuous", "MD", "critical", "end of cold", False
    ),
    subgroup_by="route of administration, as grouped in the review's Analysis 9.2 (by study name)",
    notes=(ZINC_RCT,),
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
        "not named in the data file (sensitivity analysis 13.7 is 'Topical small molecule inhibitors')",
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
        comparator=comp
        if comp.startswith("not named")
        else comp + " (from the name of the matching sensitivity analysis in group 13)",
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

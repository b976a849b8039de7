"""Interferon questions.  Numbers are hand-extracted from publication abstracts read through the project's
search tool (URL + locator recorded); every such record stays ``verified: false`` until a second person
checks it against the paper.  Where no readable source with numbers was found, the question has no data.
"""

from __future__ import annotations

from typing import Any

from seed_evidence_common import (
    Out,
    Spec,
    arm,
    data_row,
    design,
    publication_sources,
    question,
    src,
    trial_record,
)
from seed_evidence_specs import NO_MID, iv, oc

CGD_URL = "http://a.xueshu.baidu.com/usercenter/paper/show?paperid=0599f7b10b9eee40b791b3a0316a6261"
CGD_CITE = (
    "International Chronic Granulomatous Disease Cooperative Study Group. A controlled trial of "
    "interferon gamma to prevent infection in chronic granulomatous disease. N Engl J Med "
    "1991;324(8):509-516."
)
PRISMS_URL = "https://search.isc.ac/inventory/10/578749.htm"
PRISMS_CITE = (
    "PRISMS Study Group. Randomised double-blind placebo-controlled study of interferon beta-1a in "
    "relapsing/remitting multiple sclerosis. Lancet (year not shown on the source page)."
)
HAND = "hand-extracted from the abstract text at the source URL; verified: false until checked"

#: PRISMS abstract, Findings: relapse-rate risk reductions vs placebo, percent (95% CI).
PRISMS_REDUCTION = {"22": (27, 14, 39), "44": (33, 21, 44)}
PRISMS_N = {"22": 189, "44": 184, "placebo": 187}


def _sources() -> list[dict[str, Any]]:
    return publication_sources(
        (
            ("icgdsg-1991-ifn-gamma-cgd", CGD_CITE, CGD_URL),
            ("prisms-ifn-beta-1a", PRISMS_CITE, PRISMS_URL),
        )
    )


def _cgd(out: Out) -> None:
    where = src(url=CGD_URL, ref="icgdsg-1991-ifn-gamma-cgd", locator="abstract, Results")
    out.trial(
        "publications-interferons",
        trial_record(
            "icgdsg-1991-ifn-gamma-cgd",
            "ICGDSG 1991 (interferon gamma in CGD)",
            where,
            False,
            year=1991,
            design=design(randomised=True, blinding="double", control="placebo"),
            n_randomised=128,
            arms=[
                arm(
                    "interferon gamma",
                    "interferon-gamma",
                    dose="50 µg per m² body-surface area, three times a week, up to a year",
                    route="subcutaneous",
                    n=63,
                ),
                arm("placebo", control=True, route="subcutaneous", n=65),
            ],
            notes="design, dose, route and n from the abstract (Methods, Results); " + HAND,
        ),
    )
    spec = Spec(
        id="interferon-gamma-chronic-granulomatous-disease-serious-infection",
        title="Interferon gamma (subcutaneous) to prevent serious infections in chronic granulomatous disease",
        population="patients with chronic granulomatous disease (median age 15 years)",
        indication="chronic granulomatous disease: infection prophylaxis",
        intervention=iv(
            "interferon-gamma",
            "subcutaneous",
            dose="50 µg/m² three times a week",
            description="interferon gamma added to usual care (incl. prophylactic antibiotics "
            "when used)",
        ),
        comparator="placebo",
        outcome=oc(
            "patients with at least one serious infection (hospitalisation and parenteral "
            "antibiotics)",
            "binary",
            "RR",
            "critical",
            "up to 1 year",
            False,
        ),
        source=src(url=CGD_URL, ref="icgdsg-1991-ifn-gamma-cgd", locator="abstract"),
        notes=(
            HAND,
            "the abstract names the drug 'interferon gamma' (which recombinant form is not stated there)",
            NO_MID,
        ),
    )
    data = [data_row("icgdsg-1991-ifn-gamma-cgd", where, ai=14, n1i=63, ci=30, n2i=65)]
    out.questions.append(question(spec, data))


def _prisms(out: Out) -> None:
    where = src(url=PRISMS_URL, ref="prisms-ifn-beta-1a", locator="abstract, Findings")
    out.trial(
        "publications-interferons",
        trial_record(
            "prisms-ifn-beta-1a",
            "PRISMS",
            src(url=PRISMS_URL, ref="prisms-ifn-beta-1a", locator="abstract, Methods"),
            False,
            design=design(randomised=True, blinding="double", control="placebo"),
            n_randomised=560,
            multicentre=True,
            arms=[
                arm(
                    f"interferon beta-1a {d} µg",
                    "interferon-beta-1a",
                    dose=f"{d} µg three times a week, 2 years",
                    route="subcutaneous",
                    n=PRISMS_N[d],
                )
                for d in ("22", "44")
            ]
            + [arm("placebo", control=True, n=PRISMS_N["placebo"])],
            notes="'22 centres in nine countries' (countries not named); " + HAND,
        ),
    )
    for dose, (rr, lo, hi) in PRISMS_REDUCTION.items():
        spec = Spec(
            id=f"interferon-beta-1a-sc-{dose}ug-relapsing-ms-relapse-rate",
            title=f"Subcutaneous interferon beta-1a {dose} µg three times weekly in relapsing-remitting MS: "
            "relapse rate",
            population="adults with relapsing-remitting MS, EDSS 0-5.0 (PRISMS)",
            indication="relapsing-remitting multiple sclerosis",
            intervention=iv(
                "interferon-beta-1a", "subcutaneous", dose=f"{dose} µg three times a week"
            ),
            comparator="placebo",
            outcome=oc(
                "relapse rate (relapses per patient)",
                "continuous",
                "IRR",
                "critical",
                "2 years",
                False,
            ),
            source=where,
            model=None,
            method=None,
            notes=(
                HAND,
                f"the abstract gives a relapse-rate risk reduction of {rr}% (95% CI {lo}-{hi}) vs "
                "placebo; the script stores it as a rate ratio 1 - reduction (CI 1 - upper, 1 - lower)",
                "both doses share one placebo arm: do not pool the two dose questions",
                NO_MID,
            ),
        )
        est = dict(
            estimate=round(1 - rr / 100, 2),
            ci_low=round(1 - hi / 100, 2),
            ci_high=round(1 - lo / 100, 2),
        )
        data = [
            data_row(
                "prisms-ifn-beta-1a",
                where,
                None,
                n1i=PRISMS_N[dose],
                n2i=PRISMS_N["placebo"],
                **est,
            )
        ]
        out.questions.append(question(spec, data))


NO_DATA = (
    (
        "interferon-beta-covid19-hospitalised-mortality",
        "Interferon beta for hospitalised COVID-19: mortality",
        "patients hospitalised for COVID-19",
        "interferon-beta-1a",
        "unknown",
        None,
        "usual care",
        "in-hospital mortality",
        src(file="trials/covid_il6_jak_steroids/README.md", locator="'Not found offline'"),
        "WHO Solidarity interferon-beta arm counts were not found offline (shared covid README)",
    ),
    (
        "interferon-alfa-2b-rectal-children-acute-respiratory-infection",
        "Interferon alfa-2b rectal suppositories for acute respiratory infections in children",
        "children with acute respiratory viral infections",
        "interferon-alfa-2b",
        "rectal",
        "suppositories",
        "placebo or no treatment",
        "duration of illness",
        src(file="unproven_lists/fuflomycin_rsp_fk_flat.csv", row=157, locator="Viferon entry"),
        "no readable trial report with numbers was found with the search tool; the question is prompted by the "
        "Viferon entry of the unproven-drug list (that file does not state Viferon's composition) and keeps the "
        "rectal form apart from injected interferon alfa",
    ),
)


def _no_data(out: Out) -> None:
    for qid, title, pop, sub, route, form, comp, name, where, why in NO_DATA:
        binary = "mortality" in name
        spec = Spec(
            id=qid,
            title=title,
            population=pop,
            intervention=iv(sub, route, dose_form=form),
            comparator=comp,
            source=where,
            notes=(f"no outcome data: {why}", NO_MID),
            outcome=oc(
                name,
                "binary" if binary else "continuous",
                "RR" if binary else "MD",
                "critical",
                None,
                False,
            ),
        )
        out.questions.append(question(spec, []))


def read_interferons(out: Out) -> None:
    _cgd(out)
    _prisms(out)
    _no_data(out)
    out.sources.extend(_sources())

"""Interferon questions.  Numbers are hand-extracted from publication abstracts read through the project's
search tool (URL + locator recorded); every such record stays ``verified: false`` until a second person
checks it against the paper.  The question texts are in ``data/specs/questions/``.
"""

from __future__ import annotations

from typing import Any

from seed_evidence_common import (
    Out,
    arm,
    data_row,
    design,
    publication_sources,
    question,
    src,
    trial_record,
)
from seed_evidence_specs import spec

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


#: The abstract's Results sentence holding the four numbers of the outcome row.
CGD_QUOTE = (
    "Of the 63 patients assigned to interferon, 14 had serious infections, as compared with 30 of the 65 "
    "patients assigned to placebo (P = 0.002)."
)
#: The trial's patient-level data (survival_cgd/README.md): the second source the row was checked with.
CGD_IPD = (
    (
        "trials/survival_cgd/cgd0.csv",
        "one row per patient: treat 1 = rIFN-g (63 rows), 0 = placebo "
        "(65 rows); patients with non-missing etime1 (a first serious infection): 14 and 30",
    ),
    (
        "trials/survival_cgd/cgd.csv",
        "counting-process rows: patients with a status = 1 interval: "
        "rIFN-g 14 of 63, placebo 30 of 65; serious infections (status = 1 rows): 20 and 56",
    ),
)


def _cgd(out: Out) -> None:
    qspec = spec("interferon-gamma-chronic-granulomatous-disease-serious-infection").spec
    where = src(
        url=CGD_URL, ref="icgdsg-1991-ifn-gamma-cgd", locator="abstract, Results", quote=CGD_QUOTE
    )
    trial = out.trial(
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
            more_sources=[src(file, locator=what) for file, what in CGD_IPD],
            notes="design, dose, route and n from the abstract (Methods, Results); " + HAND,
        ),
    )
    if qspec.checked_by and qspec.verified:  # the spec's notes say what was compared and matched
        trial["checked_by"], trial["verified"] = qspec.checked_by, True
        trial["notes"] = trial["notes"].replace(
            "verified: false until checked", "checked against the patient-level data (more_sources)"
        )
    data = [data_row("icgdsg-1991-ifn-gamma-cgd", where, ai=14, n1i=63, ci=30, n2i=65)]
    out.questions.append(
        question(spec("interferon-gamma-chronic-granulomatous-disease-serious-infection"), data)
    )


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
        qid = f"interferon-beta-1a-sc-{dose}ug-relapsing-ms-relapse-rate"
        out.questions.append(question(spec(qid), data))


def read_interferons(out: Out) -> None:
    _cgd(out)
    _prisms(out)
    out.sources.extend(_sources())

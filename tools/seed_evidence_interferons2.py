"""More interferon questions from publication abstracts (hand extraction: verified: false).

- peginterferon alfa-2b + ribavirin vs interferon alfa-2b + ribavirin in chronic hepatitis C: sustained
  virological response, one question per peginterferon dose (the form and the dose are the question).

The question texts are in ``data/specs/questions/``; questions with no data (e.g. interferon beta-1b,
whose abstract gives rates without intervals or arm sizes) are specs with ``reader: none``.
"""

from __future__ import annotations

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

HEPC_URL = "https://tokyo-2-qrcode.vukou.com/11583749"
HEPC_TID = "pegifn-alfa-2b-ribavirin-hcv-trial-11583749"
HEPC_CITE = (
    "Randomised trial of peginterferon alfa-2b plus ribavirin vs interferon alfa-2b plus ribavirin in "
    "chronic hepatitis C (1530 patients); abstract read at the source URL (the page address carries the "
    "id 11583749; authors and journal are not shown on that page)."
)
IFNB_URL = "https://www.scienceopen.com/document?id=ded65dd5-bbd9-4378-bc57-06d701de20b8"
IFNB_CITE = (
    "The IFNB Multiple Sclerosis Study Group. Interferon beta-1b is effective in relapsing-remitting "
    "multiple sclerosis. I. Clinical results of a multicenter, randomized, double-blind, placebo-controlled "
    "trial. Neurology 1993;43(4):655-661."
)
HAND = "hand-extracted from the abstract text at the source URL; verified: false until checked"
#: SVR (undetectable HCV RNA 24 weeks after treatment): events / patients who received >= 1 dose
HEPC_SVR = {"high": (274, 511), "low": (244, 514), "control": (235, 505)}
HEPC_DOSE = {
    "high": "1.5 µg/kg per week plus ribavirin 800 mg/day",
    "low": "1.5 µg/kg per week for 4 weeks then 0.5 µg/kg per week, plus ribavirin 1000-1200 mg/day, 48 weeks",
}


def _sources() -> list[dict]:
    return publication_sources(
        (
            ("hcv-pegifn-alfa-2b-trial-11583749", HEPC_CITE, HEPC_URL),
            ("ifnb-ms-study-group-1993", IFNB_CITE, IFNB_URL),
        )
    )


def _hepc_trial(out: Out) -> None:
    where = src(url=HEPC_URL, ref="hcv-pegifn-alfa-2b-trial-11583749", locator="abstract, Methods")
    arms = [
        arm(
            f"peginterferon alfa-2b ({k} dose)",
            "peginterferon-alfa-2b",
            dose=HEPC_DOSE[k],
            n=HEPC_SVR[k][1],
        )
        for k in ("high", "low")
    ]
    arms.append(
        arm(
            "interferon alfa-2b plus ribavirin",
            "interferon-alfa-2b",
            dose="3 MU three times per week plus ribavirin 1000-1200 mg/day",
            route="subcutaneous",
            n=HEPC_SVR["control"][1],
            control=True,
        )
    )
    out.trial(
        "publications-interferons",
        trial_record(
            HEPC_TID,
            "PEG-IFN alfa-2b + ribavirin trial (id 11583749)",
            where,
            False,
            design=design(randomised=True, control="active"),
            n_randomised=1530,
            arms=arms,
            notes="'In this randomised trial'; arm n = patients who received at least one dose (the "
            "analysis set); blinding not stated in the abstract; " + HAND,
        ),
    )


def _hepc(out: Out) -> None:
    _hepc_trial(out)
    where = src(url=HEPC_URL, ref="hcv-pegifn-alfa-2b-trial-11583749", locator="abstract, Findings")
    for key in ("high", "low"):
        (a, n1), (c, n2) = HEPC_SVR[key], HEPC_SVR["control"]
        data = [data_row(HEPC_TID, where, None, ai=a, n1i=n1, ci=c, n2i=n2)]
        qid = f"peginterferon-alfa-2b-{key}-dose-ribavirin-hepatitis-c-svr"
        out.questions.append(question(spec(qid), data))


def read_interferons_more(out: Out) -> None:
    _hepc(out)
    out.sources.extend(_sources())

"""Bibliography entries (data/sources/evidence.yaml) for the evidence seed, and the build entry point.

Citations are copied from the shared READMEs (../shared/data/trials/*/README.md) or from the pages named in
each entry's source; nothing is typed from memory.
"""

from __future__ import annotations

from typing import Any

from seed_evidence_common import Out, question, review, src
from seed_evidence_specs import for_reader, specs, trial_facts

from immunograde.kb.model_specs import FACTS, TRIAL_FACTS

README = {
    "metadat": "trials/metadat/README.md",
    "bayesmeta": "trials/bayesmeta/README.md",
    "covid": "trials/covid_il6_jak_steroids/README.md",
    "p70": "trials/cochrane_pairwise70/README.md",
}

_P70_LICENCE = (
    "Pairwise70: MIT for code; data derived from Cochrane Reviews (check each review's licence "
    "via its DOI before commercial use)"
)
_NO_LICENCE = (
    "repository has no licence file; per-trial counts are factual data from the cited trials"
)

ENTRIES: tuple[tuple[str, str, str, str | None, dict[str, Any]], ...] = (
    (
        "metadat-dat-bcg",
        "dataset",
        "metadat dat.bcg (R package metadat 1.7-2, wviechtb/metadat commit "
        "0cb96ce). Original: Colditz GA et al. JAMA 1994;271:698-702.",
        "GPL (>= 2)",
        src(README["metadat"], doi="10.1001/jama.1994.03510330076038"),
    ),
    (
        "metadat-dat-axfors2021",
        "dataset",
        "metadat dat.axfors2021. Original: Axfors C et al. Nat Commun "
        "2021;12:2349 (preprint OSF doi:10.17605/OSF.IO/QESV4).",
        "GPL (>= 2)",
        src(README["metadat"], doi="10.17605/OSF.IO/QESV4"),
    ),
    (
        "metadat-dat-bauer2002",
        "dataset",
        "metadat dat.bauer2002. Original: Bauer HW et al. Int J Antimicrob Agents 2002;19:451-6.",
        "GPL (>= 2)",
        src(README["metadat"], doi="10.1016/s0924-8579(02)00106-1"),
    ),
    (
        "metadat-dat-huber2000",
        "dataset",
        "metadat dat.huber2000. Original: Huber M et al. Int J Immunopharmacol 2000;22:1103-11.",
        "GPL (>= 2)",
        src(README["metadat"], doi="10.1016/s0192-0561(00)00070-9"),
    ),
    (
        "bayesmeta-crins2014",
        "dataset",
        "bayesmeta CrinsEtAl2014 (cran/bayesmeta commit e7eaba2, bayesmeta "
        "3.4). Original: Crins ND, Röver C, Goralczyk AD, Friede T. Pediatr Transplant 2014;18(8):839-850.",
        "GPL (>= 2)",
        src(README["bayesmeta"], doi="10.1111/petr.12362"),
    ),
    (
        "albuquerque2022-toci-sari-bari",
        "dataset",
        "arthur-albuquerque/toci_sari_bari commit dbe8c35, "
        "data/data.xlsx. Publication: Albuquerque AM et al. Clin Microbiol Infect 2023;29(1):13-21. PROSPERO "
        "CRD42022297413.",
        _NO_LICENCE,
        src(README["covid"], doi="10.1016/j.cmi.2022.07.008"),
    ),
    (
        "albuquerque2022-react-reanalysis",
        "dataset",
        "arthur-albuquerque/tocilizumab_reanalysis commit "
        "6b543fc, oxygen_and_corticosteroids_who_ma.xlsx. Publication: Albuquerque AM et al. JAMA Netw Open "
        "2022;5(2):e220548. Data: WHO REACT Working Group, JAMA 2021;326:499-518.",
        _NO_LICENCE,
        # the repository and commit the shared README names ("GitHub `arthur-albuquerque/...`, commit `...`")
        src(
            README["covid"],
            url="https://github.com/arthur-albuquerque/tocilizumab_reanalysis/tree/"
            "6b543fc7c56dc491a53085821ecf2d74760207ef",
        ),
    ),
    (
        "albuquerque2023-steroids-cap",
        "dataset",
        "arthur-albuquerque/steroids_pneumonia_2023 commit f801222, "
        "data/data.xlsx (risk-of-bias legend in analysis/01.R).",
        _NO_LICENCE,
        src(
            README["covid"],
            url="https://github.com/arthur-albuquerque/steroids_pneumonia_2023/tree/"
            "f801222c1489120d7aec00fafd394ef30ad9e6a5",
        ),
    ),
)

COCHRANE = (
    ("CD002243.pub5", "Corticosteroids for treating sepsis in children and adults."),
    (
        "CD014914.pub2",
        "Zinc for prevention and treatment of the common cold (Nault D et al., 2024).",
    ),
    ("CD013874.pub3", "Rituximab for people with multiple sclerosis."),
    ("CD015530.pub2", "Herpes zoster vaccines in immunocompromised adults (title not confirmed)."),
    ("CD015551.pub2", "Herpes zoster vaccines in immunocompromised adults (title not confirmed)."),
    ("CD016131", "RSV vaccines (title not confirmed)."),
    (
        "CD013719.pub2",
        "Mateos-Haro M et al. Treatments for alopecia areata: a network meta-analysis. 2023.",
    ),
    (
        "CD011381.pub3",
        "Immunomodulators and immunosuppressants for relapsing-remitting multiple sclerosis: a network "
        "meta-analysis.",
    ),
    (
        "CD012186.pub2",
        "Adverse effects of immunotherapies for multiple sclerosis: a network meta-analysis.",
    ),
    (
        "CD011535.pub7",
        "Systemic pharmacological treatments for chronic plaque psoriasis: a network meta-analysis.",
    ),
    (
        "CD015123.pub2",
        "Natalizumab for multiple sclerosis (protocol title; the review's title not confirmed).",
    ),
    (
        "CD013614.pub2",
        "Tumor necrosis factor (TNF) inhibitors for the treatment of psoriatic arthritis (protocol title).",
    ),
    (
        "CD013715.pub2",
        "Cagnotto G et al. Tumor necrosis factor (TNF) inhibitors for juvenile idiopathic arthritis. 2025.",
    ),
    (
        "CD007572.pub4",
        "Hasskamp J et al. Anti-IL-12/23p40 antibodies for induction of remission in Crohn's disease. 2025.",
    ),
    (
        "CD000478.pub5",
        "Azathioprine and 6-mercaptopurine for maintenance of remission in ulcerative colitis (title of .pub4).",
    ),
    (
        "CD014741.pub2",
        "Marti-Carvajal AJ et al. Interleukin-receptor antagonist and tumour necrosis factor inhibitors for the "
        "primary and secondary prevention of atherosclerotic cardiovascular diseases. 2024.",
    ),
    ("CD013474.pub2", "Maintenance therapy for chronic lymphocytic leukaemia."),
    ("CD014574.pub2", "Rituximab for myasthenia gravis. 2025."),
    (
        "CD015854",
        "Targeted immunosuppressive and immunomodulatory therapies for idiopathic inflammatory myopathies "
        "(title not confirmed).",
    ),
    (
        "CD015443.pub2",
        "Ridley B et al. Immunomodulators and immunosuppressants for progressive multiple sclerosis: a "
        "network meta-analysis. 2024.",
    ),
    # added 2026-12-07 (cochrane2): titles as read on Cochrane Library and PubMed-mirror pages (search tool)
    (
        "CD008858.pub5",
        "de Oliveira Gomes J, Gagliardi AMZ, et al. Vaccines for preventing herpes zoster in older adults. 2023.",
    ),
    ("CD015219.pub2", "Favipiravir for treating COVID-19. 2024."),
    (
        "CD005187.pub6",
        "Thomas RE, Jefferson T, Lasserson TJ, Earnshaw S. Influenza vaccination for healthcare workers who "
        "care for people aged 60 or older living in long-term care institutions.",
    ),
    (
        "CD005566.pub4",
        "Abbasciano RG et al. Prophylactic corticosteroids for cardiopulmonary bypass in adult cardiac "
        "surgery. 2024.",
    ),
    (
        "CD013396.pub2",
        "Patchen BK et al. Vitamin D supplementation in pregnant or breastfeeding women or young children "
        "for preventing asthma.",
    ),
    ("CD011806.pub2", "Vitamin D for the treatment of inflammatory bowel disease."),
    (
        "CD013284.pub2",
        "Martineau AR et al. Vitamin D for the management of chronic obstructive pulmonary disease. 2024.",
    ),
    (
        "CD006475.pub3",
        "Probiotics in infants for prevention of allergic disease (title of .pub2 'Probiotics in infants for "
        "prevention of allergic disease and food hypersensitivity'; the .pub3 title not confirmed).",
    ),
)


def sources() -> list[dict[str, Any]]:
    out = []
    for sid, kind, citation, licence, where in ENTRIES:
        out.append(_entry(sid, kind, citation, licence, where, verified=False))
    for review_id, title in COCHRANE:
        sid = "cochrane-" + review_id.lower().replace(".", "-")
        citation = (
            f"Cochrane Database Syst Rev, {review_id}: {title} Per-analysis data from the Pairwise70 R "
            "package (mahmood789/Pairwise70 commit 5230e0e), third-party extraction."
        )
        out.append(
            _entry(
                sid,
                "publication",
                citation,
                _P70_LICENCE,
                src(README["p70"], doi=f"10.1002/14651858.{review_id}"),
                verified=False,
            )
        )
    return out


def _entry(
    sid: str, kind: str, citation: str, licence: str | None, where: dict[str, Any], verified: bool
) -> dict[str, Any]:
    rec: dict[str, Any] = {"id": sid, "kind": kind, "citation": citation}
    if licence:
        rec["licence"] = licence
    rec["source"] = where
    rec.update(review(verified))
    return rec


def build_all() -> Out:
    """Run every reader; the order is fixed so output is deterministic."""
    from seed_evidence_cochrane import read_cochrane
    from seed_evidence_covid import read_cap, read_react, read_tsb
    from seed_evidence_interferons import read_interferons
    from seed_evidence_interferons2 import read_interferons_more
    from seed_evidence_readers import read_axfors, read_bauer, read_bcg, read_crins, read_huber

    out = Out()
    for reader in (
        read_bcg,
        read_axfors,
        read_bauer,
        read_huber,
        read_crins,
        read_tsb,
        read_react,
        read_cap,
        read_cochrane,
        read_interferons,
        read_interferons_more,
        read_none,
    ):
        reader(out)
    _every_spec_used_once(out)
    _apply_trial_facts(out)
    out.sources = sources() + out.sources
    return out


def _apply_trial_facts(out: Out) -> None:
    """Write the hand-read facts of ``data/specs/trials/<group>.yaml`` into the generated trials: the
    ``design`` fields and ``funding`` given, each source (with its quote) appended to ``more_sources``,
    and one note per trial naming the facts and who read them."""
    for t in trial_facts():
        group = out.trials.get(t.spec.id, {})
        named: dict[str, list[str]] = {}
        for i, facts in enumerate(t.spec.trials):
            record = group.get(facts.trial)
            if record is None:
                raise ValueError(
                    f"{t.file}: trials.{i}.trial: no trial {facts.trial!r} in {t.spec.id}"
                )
            raw = t.raw["trials"][i]
            for name in FACTS:
                if name in raw:
                    record.setdefault("design", {})[name] = raw[name]
            for name in TRIAL_FACTS:
                if name in raw:
                    record[name] = raw[name]
            record.setdefault("more_sources", []).append(raw["source"])
            named.setdefault(facts.trial, []).extend(n for n in (*FACTS, *TRIAL_FACTS) if n in raw)
        for tid, names in named.items():
            record = group[tid]
            said = (
                f"{', '.join(dict.fromkeys(names))} read by hand by {t.spec.extracted_by} from the"
                " sources quoted with them"
            )
            record["notes"] = f"{record['notes']}; {said}" if record.get("notes") else said


def read_none(out: Out) -> None:
    """Questions whose spec says ``reader: none``: no outcome data (the notes say why)."""
    for s in for_reader("none"):
        out.questions.append(question(s, []))


def _every_spec_used_once(out: Out) -> None:
    made = [q["id"] for q in out.questions]
    dupes = sorted({q for q in made if made.count(q) > 1})
    missing = sorted(set(specs()) - set(made))
    if dupes or missing:
        raise ValueError(f"question specs made twice: {dupes}; specs no reader took: {missing}")

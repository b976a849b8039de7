"""COVID-19 IL-6 / JAK files and the severe-CAP corticosteroid file (Albuquerque et al. repositories)."""

from __future__ import annotations

from typing import Any

from seed_evidence_common import (
    Out,
    Selected,
    arm,
    count,
    data_row,
    design,
    numbered,
    question,
    selected,
    slug,
    src,
    trial_record,
)
from seed_evidence_specs import for_reader

TSB = "trials/covid_il6_jak_steroids/albuquerque2022_toci_sari_bari_mortality_on_steroids.csv"
REACT = "trials/covid_il6_jak_steroids/who_react_il6_by_oxygen_corticosteroid_albuquerque2022.csv"
CAP = "trials/covid_il6_jak_steroids/corticosteroids_severe_CAP_mortality_2023.csv"
GROUP = "covid-il6-jak"

#: Study labels in the two files that name the same randomised comparison.
ALIASES = {"RECOVERY Toci": "RECOVERY", "RECOVERY Bari": "RECOVERY"}
#: Rows the source README says are alternative versions / later additions.
ALTERNATIVE = {"RECOVERY Bari (No Toci)"}
LATER = {"CORIMUNO-TOCI-DEX", "Lescure et al."}

#: RoB 2 symbols in steroids_pneumonia_2023 (analysis/01.R: '+' green, '-' red, '?' yellow).
ROB2 = {"+": "low", "?": "some_concerns", "-": "high"}
ROB_DOMAINS = (
    "d1_randomisation",
    "d2_deviations",
    "d3_missing",
    "d4_measurement",
    "d5_selection",
    "overall",
)


def covid_tid(study: str, drug: str) -> str:
    base = ALIASES.get(study, study)
    return f"{slug(base)}-{drug}"


def _covid_trial(out: Out, study: str, drug: str, source: dict[str, Any], ref: str) -> str:
    tid = covid_tid(study, drug)
    label = f"{ALIASES.get(study, study)} ({drug})"
    out.trial(
        GROUP,
        trial_record(
            tid,
            label,
            {**source, "ref": ref},
            False,
            design=design(randomised=True),
            arms=[arm(drug, drug), arm("control", control=True)],
            notes=(
                "randomised: both source analyses include only RCTs (Albuquerque 2023 abstract: 'Eligible "
                "RCTs'; WHO REACT 2021 abstract: 'Eligible trials randomly assigned patients'); blinding, "
                "registry ids, countries and funding are not in the data files (unknown)"
            ),
        ),
    )
    return tid


def read_tsb(out: Out) -> None:
    """28-day mortality on corticosteroids, per trial, for tocilizumab / sarilumab / baricitinib."""
    for s in for_reader("albuquerque-tsb", TSB):
        data: list[dict[str, Any]] = []
        extra: list[str] = []
        for n, r in numbered(TSB):
            if not selected(s, r):
                continue
            drug = r["treatment"].strip()
            if r["study"] in ALTERNATIVE:
                extra.append(
                    f"left out: row {n} '{r['study']}', an alternative version of RECOVERY "
                    "Bari (source README: use only one)"
                )
                continue
            tid = _covid_trial(out, r["study"], drug, src(TSB, n), "albuquerque2022-toci-sari-bari")
            note = None
            if r["study"] in LATER:
                note = "later addition used in sensitivity analyses (source README)"
                extra.append(f"row {n} ({tid}): {note}")
            data.append(
                data_row(
                    tid,
                    src(TSB, n),
                    note=note,
                    ai=count(r["trt_events"]),
                    n1i=count(r["trt_total"]),
                    ci=count(r["control_events"]),
                    n2i=count(r["control_total"]),
                )
            )
        out.questions.append(question(s, data, tuple(extra)))


def read_react(out: Out) -> None:
    """WHO REACT tocilizumab trials by baseline oxygen support and corticosteroid use (both outcomes)."""
    for s in for_reader("who-react", REACT):
        data, empty = [], []
        for n, r in numbered(REACT):
            if not selected(s, r):
                continue
            t, c = count(r["trt_total"]), count(r["control_total"])
            if not t or not c:
                empty.append(f"{n}")
                continue
            steroid = "yes" if r["corticoid"] == "1" else "no"
            tid = _covid_trial(
                out, r["study"], "tocilizumab", src(REACT, n), "albuquerque2022-react-reanalysis"
            )
            data.append(
                data_row(
                    tid,
                    src(REACT, n),
                    subgroup=f"oxygen: {r['oxygen']}; corticosteroids: {steroid}",
                    ai=count(r["trt_events"]),
                    n1i=t,
                    ci=count(r["control_events"]),
                    n2i=c,
                )
            )
        extra = (
            "rows with no patients in one arm (trt_total or control_total = 0) are not data and "
            f"were left out: rows {', '.join(empty)}",
        )
        out.questions.append(question(s, data, extra))


def read_cap(out: Out) -> None:
    """Corticosteroids vs control in severe CAP: 7 RCTs with RoB 2 judgements (rb.a..rb.f)."""
    sel = Selected(for_reader("albuquerque-cap", CAP))
    for n, r in numbered(CAP):
        tid = f"cap-{slug(r['author'])}-{r['year']}"
        levels = {
            dom: ROB2[r[f"rb.{letter}"]] for dom, letter in zip(ROB_DOMAINS, "abcdef", strict=True)
        }
        where = src(CAP, n, ref="albuquerque2023-steroids-cap", locator="columns rb.a-rb.f")
        rob = [{"question": s.spec.id, **levels, "source": where} for s in sel.specs]
        out.trial(
            "cap-corticosteroids",
            trial_record(
                tid,
                f"{r['author']} {r['year']}",
                src(CAP, n, ref="albuquerque2023-steroids-cap"),
                False,
                year=int(r["year"]),
                design=design(randomised=True),
                n_randomised=count(r["n1i"]) + count(r["n2i"]),  # type: ignore[operator]
                arms=[
                    arm("corticosteroid", n=count(r["n1i"])),
                    arm("control", control=True, n=count(r["n2i"])),
                ],
                rob=rob,
                notes=(
                    "RCT per the source README ('7 RCTs'); n1i/n2i = randomised per the README; the "
                    "corticosteroid used and the control (placebo or not) are not in the file"
                ),
            ),
        )
        row = data_row(
            tid,
            src(CAP, n),
            ai=count(r["ai"]),
            n1i=count(r["n1i"]),
            ci=count(r["ci"]),
            n2i=count(r["n2i"]),
        )
        sel.add(r, row)
    sel.emit(out)

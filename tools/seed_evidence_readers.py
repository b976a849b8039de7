"""Per-source readers for tools/seed_evidence.py: metadat, bayesmeta and the COVID-19 files.

Each reader turns rows of one shared CSV into trial records and one or more questions.  Design
attributes are set only where the source states them; everything else stays ``unknown``/None.
"""

from __future__ import annotations

from statistics import mean, stdev
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
    real,
    slug,
    src,
    trial_record,
)
from seed_evidence_specs import for_reader

BCG = "trials/metadat/dat.bcg.csv"
AXFORS = "trials/metadat/dat.axfors2021.csv"
BAUER = "trials/metadat/dat.bauer2002.csv"
HUBER = "trials/metadat/dat.huber2000.csv"
CRINS = "trials/bayesmeta/CrinsEtAl2014_IL2RA_pediatric_liver_tx.csv"


def read_bcg(out: Out) -> None:
    """dat.bcg: 13 BCG trials; `alloc` (random / alternate / systematic) gives randomisation."""
    sel = Selected(for_reader("metadat-bcg", BCG))
    for n, r in numbered(BCG):
        tid = f"bcg-{slug(r['author'])}-{r['year']}"
        randomised = {"random": True, "alternate": False, "systematic": False}[r["alloc"]]
        out.trial(
            "metadat-bcg",
            trial_record(
                tid,
                f"{r['author']} {r['year']}",
                src(BCG, n, ref="metadat-dat-bcg"),
                True,
                year=int(r["year"]),
                design=design(randomised=randomised),
                arms=[arm("BCG vaccine", "bcg-vaccine"), arm("no vaccine (control)", control=True)],
                notes=(
                    f"allocation in dat.bcg: {r['alloc']} (alternate/systematic allocation = not "
                    f"randomised); absolute latitude of the trial site (ablat): {r['ablat']} degrees"
                ),
            ),
        )
        row = data_row(
            tid,
            src(BCG, n),
            subgroup=f"allocation: {r['alloc']}",
            ai=count(r["tpos"]),
            bi=count(r["tneg"]),
            ci=count(r["cpos"]),
            di=count(r["cneg"]),
        )
        sel.add(r, row)
    sel.emit(out)


def _axfors_blinding(text: str) -> str:
    parties = [p for p in (x.strip() for x in text.split(",")) if p and p.lower() != "none"]
    if not parties:
        return "open"
    return "double" if len(parties) >= 2 else "single"


def _axfors_tid(r: dict[str, str]) -> str:
    return f"axfors-{slug(r['acronym'])}-{r['hcq_cq']}"


def read_axfors(out: Out) -> None:
    """dat.axfors2021: 33 RCT comparisons of (hydroxy)chloroquine in COVID-19 (one row = one comparison)."""
    sel = Selected(for_reader("metadat-axfors", AXFORS))
    for n, r in numbered(AXFORS):
        tid = _axfors_tid(r)
        drug = {"hcq": "hydroxychloroquine", "cq": "chloroquine"}[r["hcq_cq"]]
        control = {"Placebo": "placebo", "Standard of Care": "usual_care"}[r["Control"]]
        reg = r["id"]
        registry = [reg] if _known_registry(reg) else []
        note = [f"registry id in dat.axfors2021: {reg}"] if not registry else []
        note.append(
            f"setting: {r['patient_setting']}; COVID-19 status: {r['covid_status']}; "
            f"blinded (as given): {r['blinding_exact']}; high dose: {r['high_dose']}; "
            f"publication status (Axfors 2021): {r['Published']}"
        )
        out.trial(
            "metadat-axfors2021",
            trial_record(
                tid,
                f"{r['acronym']} ({drug})",
                src(AXFORS, n, ref="metadat-dat-axfors2021"),
                True,
                registry_ids=registry,
                design=design(
                    randomised=True, blinding=_axfors_blinding(r["blinding_exact"]), control=control
                ),
                n_randomised=count(r["hcq_arm_total"]) + count(r["control_arm_total"]),  # type: ignore[operator]
                arms=[
                    arm(drug, drug, n=count(r["hcq_arm_total"])),
                    arm(r["Control"], control=True, n=count(r["control_arm_total"])),
                ],
                notes="; ".join(note),
            ),
        )
        row = data_row(
            tid,
            src(AXFORS, n),
            subgroup=r["patient_setting"],
            ai=count(r["hcq_arm_event"]),
            n1i=count(r["hcq_arm_total"]),
            ci=count(r["control_arm_event"]),
            n2i=count(r["control_arm_total"]),
        )
        sel.add(r, row)
    sel.emit(out)


def _known_registry(reg: str) -> bool:
    from immunograde.kb.models import registry_of

    return registry_of(reg) is not None


def read_bauer(out: Out) -> None:
    """dat.bauer2002: WMW effect sizes (CLES) of OM-89 vs placebo, 5 double-blind RCTs."""
    sel = Selected(for_reader("metadat-bauer", BAUER))
    for n, r in numbered(BAUER):
        tid = _om89_tid(r["study"])
        _om89_trial(
            out,
            tid,
            r["study"],
            r["year"],
            src(BAUER, n, ref="metadat-dat-bauer2002"),
            count(r["n.treat"]),
            count(r["n.control"]),
            r["threshold"],
        )
        row = data_row(
            tid,
            src(BAUER, n),
            yi=real(r["wmwstat"]),
            sei=real(r["stderr"]),
            n1i=count(r["n.treat"]),
            n2i=count(r["n.control"]),
        )
        sel.add(r, row)
    sel.emit(out)


def _om89_tid(study: str) -> str:
    return f"om89-{slug(study)}"


def _om89_trial(
    out: Out,
    tid: str,
    study: str,
    year: str,
    source: dict[str, Any],
    n1: int | None,
    n2: int | None,
    threshold: str,
) -> None:
    out.trial(
        "metadat-om89",
        trial_record(
            tid,
            f"{study} {year}".strip(),
            source,
            True,
            year=int(year) if year else None,
            design=design(randomised=True, blinding="double", control="placebo"),
            n_randomised=(n1 + n2) if n1 is not None and n2 is not None else None,
            arms=[
                arm("OM-89 (Uro-Vaxom)", "om-89", route="oral", n=n1),
                arm("placebo", control=True, n=n2),
            ],
            notes=(
                f"bacteriuria/UTI threshold (dat.bauer2002): {threshold}; design from Bauer 2002 title "
                "('five placebo-controlled double-blind studies') and the metadat documentation "
                "('randomized, placebo-controlled'); a blank year in dat.bauer2002 is left unknown "
                "(dat.huber2000 labels the same study with a year in parentheses)"
            ),
        ),
    )


def huber_summary() -> list[tuple[str, str, list[int], dict[str, list[float]]]]:
    """Per study (in file order): (study, year, data rows, recurrences by arm) from dat.huber2000 IPD."""
    order: dict[str, tuple[list[int], dict[str, list[float]]]] = {}
    for n, r in numbered(HUBER):
        rowlist, arms = order.setdefault(r["study"], ([], {"Uro-Vaxom": [], "Placebo": []}))
        rowlist.append(n)
        arms[r["treatment"]].append(float(r["recurrences"]))
    out = []
    for study, (rowlist, arms) in order.items():
        name, _, year = study.partition(" (")
        out.append((name, year.rstrip(")"), rowlist, arms))
    return out


def read_huber(out: Out) -> None:
    """dat.huber2000 IPD: mean (SD) recurrences per arm per study, computed here from the patient rows."""
    sel = Selected(for_reader("metadat-huber", HUBER))
    for name, _year, rowlist, arms in huber_summary():
        tid = _om89_tid(name)
        t, c = arms["Uro-Vaxom"], arms["Placebo"]
        where = src(
            HUBER,
            rowlist[0],
            locator=f"rows {rowlist[0]}-{rowlist[-1]} (patients of {name}): "
            "mean and SD of 'recurrences' per arm computed by the script",
        )
        row = data_row(
            tid,
            where,
            m1i=round(mean(t), 10),
            sd1i=round(stdev(t), 10),
            n1i=len(t),
            m2i=round(mean(c), 10),
            sd2i=round(stdev(c), 10),
            n2i=len(c),
        )
        sel.add({}, row)
    sel.emit(out)


def read_crins(out: Out) -> None:
    """Crins 2014: 6 controlled studies of basiliximab/daclizumab; 2 randomised, 4 not."""
    for n, r in numbered(CRINS):
        out.trial("bayesmeta-crins2014", _crins_trial(n, r))
    for s in for_reader("bayesmeta-crins", CRINS):
        cols = s.spec.dataset.columns  # outcome-data field -> source column
        data, skipped = [], []
        for n, r in numbered(CRINS):
            values: dict[str, Any] = {key: count(r[col]) for key, col in cols.items()}
            if None in values.values():
                skipped.append(r["publication"])
                continue
            sub = f"randomized: {r['randomized']}"
            data.append(data_row(_crins_tid(r), src(CRINS, n), None, subgroup=sub, **values))
        extra = (f"not reported (empty cells) in: {', '.join(skipped)}",) if skipped else ()
        out.questions.append(question(s, data, extra))


def _crins_tid(r: dict[str, str]) -> str:
    return f"crins-{slug(r['publication'])}"


def _crins_trial(n: int, r: dict[str, str]) -> dict[str, Any]:
    rand = {"yes": True, "no": False}[r["randomized"]]
    return trial_record(
        _crins_tid(r),
        r["publication"],
        src(CRINS, n, ref="bayesmeta-crins2014"),
        True,
        year=int(r["year"]),
        design=design(randomised=rand),
        n_randomised=None,
        arms=[
            arm(f"{r['IL2RA']} induction", r["IL2RA"], n=count(r["exp_total"])),
            arm("control (no IL-2RA)", control=True, n=count(r["cont_total"])),
        ],
        notes=(
            f"control type: {r['control_type']}; comparison: {r['comparison']}; calcineurin "
            f"inhibitor: {r['CNI']}; MMF: {r['MMF']}; follow-up {r['followup_months']} months "
            "(all from CrinsEtAl2014)"
        ),
    )

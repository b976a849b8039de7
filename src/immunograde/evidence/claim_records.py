"""Every claim record, assessed: the knowledge base's claims (``data/claims``) and the rows of
``../shared/data/claims_published/`` that no record covers (issue 17).

A record's statement is read sentence by sentence (the parts of a published row are separated by " / ");
its substances are the record's own, whether or not a sentence names them.  What the claimant is decides
how it is read:

- a regulator's ruling (``claimant_kind: regulator``, or a row of ``regulator_statements.csv``) is shown as
  a ruling: it judges conformity with the label and the law, not efficacy (the vocabulary's ``rulings``
  say what each body judges); the trials on what the advert claimed are shown beside it;
- a list of unproven drugs (professional body, activist, satirical wiki) asserts that efficacy is
  unproven, for the indications its text names (any indication when it names none);
- a label, maker or advertisement asserts a benefit for each sentence that names an indication (a label's
  list of indications reads as "indicated for").

The claim's assessment is the most telling of its sentences' (contradicted, supported, not supported, no
evidence); a claim none of whose sentences can be tested is "not testable as stated".
"""

from __future__ import annotations

import csv
import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from immunograde.evidence.answers import Answers
from immunograde.evidence.claim_assess import LABELS, PRIORITY, Assessment, assess
from immunograde.evidence.claim_vocab import Vocabulary, load_vocabulary
from immunograde.evidence.claims import NameIndex, Reading, read_claim
from immunograde.kb.models import Claim

LISTS = frozenset({"professional_body", "activist", "satirical_wiki"})
_SENTENCE = re.compile(r"(?<=[.!?;])\s+")
RULING_CSV = "claims_published/regulator_statements.csv"


@dataclass(frozen=True)
class SentenceAssessment:
    """One sentence of a claim: how it was read and what the evidence says."""

    text: str
    reading: dict[str, Any]
    assessment: Assessment


@dataclass(frozen=True)
class ClaimAssessment:
    """A claim record with its assessment and reasons."""

    id: str
    substances: list[str]
    subject_name: str
    claimant: str
    claimant_kind: str
    claim_kind: str
    language: str
    date: str | None
    url: str | None
    source_file: str | None
    source_row: int | None
    statement: str
    category: str
    label: str
    reasons: list[str]
    permitted_wording: str | None
    sentences: list[SentenceAssessment]
    #: for a ruling: what the body judges, by language (``en``, ``ru``)
    ruling: dict[str, str] | None = None


def reading_dict(r: Reading, vocab: Vocabulary | None = None) -> dict[str, Any]:
    """A reading as the surfaces show it (concept ids with their English labels)."""
    vocab = vocab or load_vocabulary()
    return {
        "substance": list(r.substances),
        "product": list(r.products),
        "names": list(
            {
                (m.text, m.substance_id): {
                    "text": m.text,
                    "name": m.name,
                    "substance_id": m.substance_id,
                }
                for m in r.names
            }.values()
        ),
        "indication": list(r.indications),
        "indication_labels": [vocab.label("indications", i) for i in r.indications],
        "purpose": r.purpose,
        "outcome": list(r.outcomes),
        "outcome_labels": [vocab.label("outcomes", o) for o in r.outcomes],
        "direction": r.direction,
        "effects": list(r.effects),
        "size": r.size,
        "mechanisms": list(r.mechanisms),
        "statuses": list(r.statuses),
        "routes": list(r.routes),
    }


def sentences(statement: str) -> list[str]:
    return [
        s.strip() for part in statement.split(" / ") for s in _SENTENCE.split(part) if s.strip()
    ]


def ruling_texts(body: str, vocab: Vocabulary) -> dict[str, str]:
    """What a regulator's, court's or academy's statement judges, by language (the vocabulary's
    ``rulings``, first body that matches)."""
    for r in vocab.rulings:
        if re.search(r.body, body, re.IGNORECASE):
            return dict(r.judges)
    return {"en": "A ruling judges conformity with a law or code, not whether the product works."}


def ruling_reason(body: str, vocab: Vocabulary, lang: str = "en") -> str:
    texts = ruling_texts(body, vocab)
    return texts.get(lang) or texts["en"]


def claim_substances(answers: Answers, c: Claim) -> tuple[str, ...]:
    """The claim's substances, else its products' substances."""
    if c.substances:
        return tuple(c.substances)
    return tuple(dict.fromkeys(s for p in c.products for s in answers.kb.get_product(p).substances))


def _read(text: str, c: Claim, names: NameIndex, vocab: Vocabulary) -> Reading:
    r = read_claim(text, names, vocab)
    direction = r.direction
    if c.claimant_kind in LISTS and c.claim_kind in ("unproven", "not_recommended", "homeopathic"):
        direction = "no_benefit"
    elif direction is None and r.indications and c.claim_kind == "effective":
        direction = "benefit"
    products = tuple(c.products) or r.products
    return dataclasses.replace(
        r, substances=tuple(c.substances), products=products, direction=direction
    )


def _list_reading(c: Claim, names: NameIndex, vocab: Vocabulary) -> Reading:
    whole = _read(c.statement, c, names, vocab)
    return dataclasses.replace(whole, outcomes=(), purpose=None)


def _overall(parts: list[SentenceAssessment]) -> Assessment:
    return min((p.assessment for p in parts), key=lambda a: PRIORITY.index(a.category))


def assess_claim(
    answers: Answers, c: Claim, names: NameIndex, vocab: Vocabulary | None = None
) -> ClaimAssessment:
    """One claim record's assessment (module docstring)."""
    vocab = vocab or load_vocabulary()
    c = c.model_copy(update={"substances": claim_substances(answers, c)})
    ruling = c.claimant_kind == "regulator" or (c.source.file or "").endswith(
        "regulator_statements.csv"
    )
    if c.claimant_kind in LISTS:
        reading = _list_reading(c, names, vocab)
        if not reading.indications:
            reading = dataclasses.replace(reading, indications=("any",))
        parts = [
            SentenceAssessment(
                c.statement,
                reading_dict(_visible(reading), vocab),
                _assess_list(answers, reading, vocab),
            )
        ]
    else:
        parts = [
            SentenceAssessment(t, reading_dict(r, vocab), assess(answers, r, vocab))
            for t in sentences(c.statement)
            for r in [_read(t, c, names, vocab)]
        ]
    overall = _overall(parts)
    reasons = [r for p in parts if p.assessment is overall for r in p.assessment.reasons]
    category = overall.category
    if ruling:
        reasons = [
            ruling_reason(c.claimant, vocab),
            *[
                f"On what the advertising claimed: {r}"
                for r in reasons
                if overall.category != "not_testable"
            ],
        ]
        category = "ruling"
    return ClaimAssessment(
        id=c.id, substances=list(c.substances), subject_name=c.subject_name, claimant=c.claimant,
        claimant_kind=c.claimant_kind, claim_kind=c.claim_kind, language=c.language,
        date=c.date.isoformat() if c.date else None, url=c.source.url, source_file=c.source.file,
        source_row=c.source.row, statement=c.statement, category=category, label=LABELS[category],
        reasons=reasons, permitted_wording=overall.permitted_wording, sentences=parts,
        ruling=ruling_texts(c.claimant, vocab) if ruling else None,
    )  # fmt: skip


def _visible(r: Reading) -> Reading:
    return dataclasses.replace(r, indications=tuple(i for i in r.indications if i != "any"))


def _assess_list(answers: Answers, reading: Reading, vocab: Vocabulary) -> Assessment:
    """A list's "unproven" against the substance's verdicts for the indications it names (every
    indication when it names none)."""
    return assess(answers, reading, vocab)


def uncovered_rulings(
    shared: Path, covered: set[tuple[str, int]], vocab: Vocabulary | None = None
) -> list[ClaimAssessment]:
    """Rows of ``regulator_statements.csv`` no claim record covers, shown as rulings (their own words
    were not read: ``what_it_says`` is the compiler's summary, and is labelled so)."""
    vocab = vocab or load_vocabulary()
    path = shared / RULING_CSV
    if not path.exists():
        return []
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for row_no, row in enumerate(csv.DictReader(f), 1):
            if (RULING_CSV, row_no) in covered:
                continue
            out.append(
                ClaimAssessment(
                    id=f"published-{row['statement_id'].lower()}", substances=[],
                    subject_name=row["subject"], claimant=row["body"], claimant_kind="regulator",
                    claim_kind="other", language="en", date=row["date"] or None, url=row["source_url"],
                    source_file=RULING_CSV, source_row=row_no,
                    statement=f"(compiler's summary) {row['what_it_says']}", category="ruling",
                    label=LABELS["ruling"], reasons=[ruling_reason(row["body"], vocab)],
                    permitted_wording=None, sentences=[], ruling=ruling_texts(row["body"], vocab),
                )
            )  # fmt: skip
    return out


def all_claims(answers: Answers, names: NameIndex, shared: Path | None) -> list[ClaimAssessment]:
    """Every claim record of the knowledge base, then the uncovered shared rulings."""
    vocab = load_vocabulary()
    claims = answers.kb.list_claims()
    out = [assess_claim(answers, c, names, vocab) for c in claims]
    covered = {(f"{c.source.file}", c.source.row or 0) for c in claims if c.source.file}
    return out + (uncovered_rulings(shared, covered, vocab) if shared else [])


def substance_claims(
    answers: Answers, names: NameIndex, substance_id: str
) -> dict[str, ClaimAssessment]:
    """The substance's claim records, assessed, by claim id (what its page shows beside each claim)."""
    vocab = load_vocabulary()
    return {
        c.id: assess_claim(answers, c, names, vocab) for c in answers.kb.claims_for(substance_id)
    }

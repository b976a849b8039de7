"""The route a prescribing or spending row states, read from its own description (never guessed).

Evidence attaches to the form that was tested, so a spending figure needs the form it paid for.  Only two
of the files say it: Medicare Part B's HCPCS descriptions ("Injection, interferon beta-1a, 1 mcg for
intramuscular use", "...for injection beneath the skin") and the NHS BNF presentation names
("Methotrexate_Tab 2.5mg", "Ciclosporin_Inj 50mg/ml").  Everything else is ``unknown`` ("not stated").
Routes use the knowledge base's vocabulary (data/README.md).
"""

from __future__ import annotations

import re

#: phrases of the CMS plain-language HCPCS descriptions -> route (checked in order, all found are kept)
_HCPCS_PHRASES: tuple[tuple[str, str], ...] = (
    (r"intramuscular|into (?:the )?muscle", "intramuscular"),
    (r"subcutaneous|beneath the skin|under the skin", "subcutaneous"),
    (r"intravenous|into (?:a |the )?vein", "intravenous"),
    (r"intradermal|into (?:the )?skin", "intradermal"),
    (r"urinary bladder|intravesical", "intravesical"),
    (r"inhalation|inhaled", "inhalation"),
    (r"intranasal|nasal", "intranasal"),
    (r"\boral\b|by mouth", "oral"),
    (r"ophthalmic|into the eye|intravitreal", "ophthalmic"),
)
_INJECTED = {"intramuscular", "subcutaneous", "intravenous", "intradermal"}

#: BNF presentation-name dose-form abbreviations -> route
_BNF_FORMS: tuple[tuple[str, str], ...] = (
    (r"\b(?:eye|ear/eye|eye/ear)\b", "ophthalmic"),
    (r"\binj\b|\binf\b|\binfusion\b|pfs\b|\bpf pen\b", "parenteral"),
    (r"\binh\b|\binha\b|\bnebs?\b|\bneb soln\b|\binhaler\b", "inhalation"),
    (r"\bnsl\b|\bnasal\b", "intranasal"),
    (r"\bsupp\b|\benema\b|\brectal\b|\brect\b", "rectal"),
    (r"\bpess\b|\bvag\b", "vaginal"),
    (r"\bcrm\b|\boint\b|\bgel\b|\blot\b|\bscalp\b|\bcutaneous\b|\bpaint\b|\bshampoo\b", "topical"),
    (r"\btab\b|\bcap\b|\boral\b|\bliq\b|\bsyr\b|\bgran\b|\bsach\b|\bchewtab\b|\bsusp\b|\belix\b|"
     r"\bdisper\b|\borodisper\b|\blozenge\b|\bmouthwash\b", "oral"),
)  # fmt: skip


def route_from_hcpcs(description: str | None) -> str:
    """Route from a Part B HCPCS description; several injected routes -> ``parenteral``."""
    text = (description or "").lower()
    found = [route for pattern, route in _HCPCS_PHRASES if re.search(pattern, text)]
    if len(found) == 1:
        return found[0]
    if found and set(found) <= _INJECTED:
        return "parenteral"
    if not found and re.search(r"\binjection\b|\binjectable\b|\binfusion\b|\bparenteral\b", text):
        return "parenteral"
    return "unknown"


def route_from_bnf(description: str | None) -> str:
    """Route from a BNF presentation name ("Methotrexate_Tab 2.5mg" -> oral); the first form found."""
    text = (description or "").lower()
    form = text.split("_", 1)[1] if "_" in text else text
    for pattern, route in _BNF_FORMS:
        if re.search(pattern, form):
            return route
    return "unknown"


def bnf_name(description: str | None) -> str:
    """The drug part of a BNF presentation name: "Ciclosporin_Cap 25mg" -> "Ciclosporin"."""
    text = (description or "").strip()
    return text.split("_", 1)[0].strip() if "_" in text else text

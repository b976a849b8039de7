"""A GRADE downgrade's reason (the Summary of Findings footnotes, the question page's domains) in the
reader's language, at render time.  (A literal ``%`` in a message is written ``%%``: every message is
%-formatted.)

The reasons are written in English by the grading code (grading/imprecision.py, thresholds.py,
risk_of_bias.py, inconsistency.py, publication_bias.py, indirectness.py, evidence/tsa.py) from a few fixed
sentence forms; each form that matches exactly is put into the catalogue's sentence with the same values.
A sentence of another form stays as written (the template marks it ``lang="en"``).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from immunograde.web import i18n

N = r"[\d,]+"
F = r"-?[\d.]+(?:e-?\d+)?"
#: what the 95% CI crosses (grading/imprecision.py ci_check), in the order written there
CROSSED = ("null", "appreciable benefit and harm", "important benefit", "MID (lower)", "MID (upper)",
           "MID", "MID in the other direction")  # fmt: skip
REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Target: whether a reduction exists \(threshold: the null; no sourced MID for this "
                r"outcome\)\."),
     "Target: whether a reduction exists (threshold: the null; no sourced MID for this outcome)."),
    (re.compile(r"Target: whether an increase exists \(threshold: the null; no sourced MID for this "
                r"outcome\)\."),
     "Target: whether an increase exists (threshold: the null; no sourced MID for this outcome)."),
    (re.compile(r"Target: no important benefit \(the 95% CI excludes (?P<shown>[^;()]+); "
                r"(?P<source>[^()]+)\)\."),
     "Target: no important benefit (the 95%% CI excludes %(shown)s; %(source)s)."),
    (re.compile(r"The 95% CI crosses the (?P<crossed>(?:null|appreciable benefit and harm|important benefit"
                r"|MID(?: \((?:lower|upper)\)| in the other direction)?)(?: and the (?:null|appreciable "
                r"benefit and harm|important benefit|MID(?: \((?:lower|upper)\)| in the other direction)?))*)"
                r"(?=[;.])"),
     "The 95%% CI crosses %(crossed)s"),
    (re.compile(r"The 95% CI does not cross the threshold and the information size is met"),
     "The 95%% CI does not cross the threshold and the information size is met"),
    (re.compile(r"The 95% CI does not cross the threshold"), "The 95%% CI does not cross the threshold"),
    (re.compile(rf"The effect is large and (?P<n>{N}) participants are (?P<pct>\d+%) of the optimal "
                rf"information size \((?P<size>{N})\)"),
     "The effect is large and %(n)s participants are %(pct)s of the optimal information size (%(size)s)"),
    (re.compile(rf"The effect is large and (?P<n>{N}) participants are (?P<pct>\d+%) of the required "
                rf"information size from (?P<source>[^()]+) \((?P<size>{N})\)"),
     "The effect is large and %(n)s participants are %(pct)s of the required information size from "
     "%(source)s (%(size)s)"),
    (re.compile(rf"Trial sequential analysis: (?P<n>{N}) of (?P<ris>{N}) required participants \(information "
                rf"fraction (?P<f>{F}), D2 (?P<d>\d+%), (?P<target>[^,]+), alpha (?P<alpha>{F}), beta "
                rf"(?P<beta>{F})\); cumulative Z (?P<z>{F}) has not crossed the O'Brien-Fleming monitoring "
                rf"boundary(?: \((?P<b>{F})\))?: (?P<conclusion>[a-z ]+)(?=\.)"),
     "Trial sequential analysis: %(n)s of %(ris)s required participants (information fraction %(f)s, "
     "D² %(d)s, %(target)s, alpha %(alpha)s, beta %(beta)s); the cumulative Z %(z)s has not crossed the "
     "O'Brien-Fleming monitoring boundary%(b)s: %(conclusion)s"),
    (re.compile(rf"Trial sequential analysis: (?P<n>{N}) of (?P<ris>{N}) required participants \(information "
                rf"fraction (?P<f>{F}), D2 (?P<d>\d+%), (?P<target>[^,]+), alpha (?P<alpha>{F}), beta "
                rf"(?P<beta>{F})\); cumulative Z (?P<z>{F}) crossed or reached the O'Brien-Fleming "
                rf"monitoring boundary(?: \((?P<b>{F})\))?: (?P<conclusion>[a-z ]+)(?=\.)"),
     "Trial sequential analysis: %(n)s of %(ris)s required participants (information fraction %(f)s, "
     "D² %(d)s, %(target)s, alpha %(alpha)s, beta %(beta)s); the cumulative Z %(z)s crossed or reached "
     "the O'Brien-Fleming monitoring boundary%(b)s: %(conclusion)s"),
    (re.compile(r"Trials at high risk of bias carry (?P<pct>[\d.]+%) of the weight and the trials at lower "
                r"risk give a different result\."),
     "Trials at high risk of bias carry %(pct)s of the weight and the trials at lower risk give a "
     "different result."),
    (re.compile(r"Trials at high risk of bias carry (?P<pct>[\d.]+%) of the weight and no trial at lower "
                r"risk to compare\."),
     "Trials at high risk of bias carry %(pct)s of the weight and no trial at lower risk to compare."),
    (re.compile(r"Trials at high risk of bias carry (?P<pct>[\d.]+%) of the weight, but the trials at lower "
                r"risk give a similar result\."),
     "Trials at high risk of bias carry %(pct)s of the weight, but the trials at lower risk give a "
     "similar result."),
    (re.compile(r"Trials at high risk of bias carry (?P<pct>[\d.]+%) of the weight\."),
     "Trials at high risk of bias carry %(pct)s of the weight."),
    (re.compile(rf"Egger's test p = (?P<p>{F}) with (?P<k>\d+) trials\."),
     "Egger's test p = %(p)s with %(k)s trials."),
    (re.compile(rf"Peters's test p = (?P<p>{F}) with (?P<k>\d+) trials\."),
     "Peters's test p = %(p)s with %(k)s trials."),
    (re.compile(rf"I[²2] = (?P<i2>{F}%)(?: \(from Q; (?P<re>{F}%) from the random-effects tau2\))?, "
                rf"Q p = (?P<p>{F}); (?P<k>\d+) pair\(s\) of trials with non-overlapping "
                r"CIs on opposite sides of the threshold \((?P<names>[^()]*)\)\."),
     "I² = %(i2)s%(re)s, Q p = %(p)s; %(k)s pair(s) of trials with non-overlapping CIs on opposite sides "
     "of the threshold (%(names)s)."),
)  # fmt: skip
CROSSED_MSG = {c: f"crossed: {c}" for c in CROSSED}
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def _value(name: str, value: str | None) -> str:
    from immunograde.web import i18n_glossary

    if value is None:
        return ""
    if name == "crossed":
        names = [i18n.gettext(CROSSED_MSG[c]) for c in value.split(" and the ")]
        out = names[0]
        for more in names[1:]:
            out = i18n.gettext("%(first)s and %(second)s") % {"first": out, "second": more}
        return out
    if name == "target":
        return i18n_glossary.tsa_target(value)
    if name == "conclusion":
        return i18n.tr(f"TSA: {value}")
    if name == "b":
        return f" ({i18n.localise_numbers(value)})"
    if name == "re":
        return (
            " (" + i18n.gettext("from Q; %(re)s from the random-effects tau²") % {"re": value} + ")"
        )
    if name in ("shown", "source"):
        return _no_benefit(name, value)
    return i18n.localise_numbers(THOUSANDS.sub("\u00a0", value))  # 14,631 -> 14 631; 0.05 -> 0,05


def _no_benefit(name: str, value: str) -> str:
    """The threshold a "no important benefit" target names, as the verdict's paragraph says it."""
    from immunograde.web import i18n_statements

    parts = (
        i18n_statements.translated_cells(i18n.current()).get("explanation", {}).get("no_benefit")
    )
    if not parts:
        return value
    if name == "shown":
        ratio = i18n_statements.SHOWN.match(value)
        return str(parts["ratio"].format(value=i18n.number(ratio["value"]))) if ratio else value
    for pattern, key in i18n_statements.SOURCES:
        found = pattern.match(value)
        if found:
            return str(
                parts[key].format(**{k: i18n.number(v) for k, v in found.groupdict().items()})
            )
    return value


def _sentence(msgid: str, found: re.Match[str]) -> str:
    values = {k: _value(k, v) for k, v in found.groupdict().items()}
    return i18n.gettext(msgid) % values


def translate(text: Any) -> Any:
    """A downgrade's reason in the reader's language, sentence by sentence (others as written)."""
    if not isinstance(text, str) or i18n.current() == i18n.DEFAULT:
        return text
    for pattern, msgid in REASONS:
        text = pattern.sub(partial(_sentence, msgid), text)
    return text


def messages() -> list[tuple[str, str]]:
    """The catalogue's messages for the reasons (msgid, comment)."""
    out = [
        (msgid, "a GRADE downgrade's reason (Summary of Findings footnote)")
        for _p, msgid in REASONS
    ]
    out += [
        (m, "what the 95% CI crosses (after 'The 95% CI crosses')") for m in CROSSED_MSG.values()
    ]
    out += [("%(first)s and %(second)s", "joins what the 95% CI crosses")]
    out += [
        (
            "from Q; %(re)s from the random-effects tau²",
            "I² computed two ways (inconsistency reason)",
        )
    ]
    return out

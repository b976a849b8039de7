"""Every sentence (or ``; ``-joined clause) form the grading code writes into a domain judgement's reason,
as a pattern and the catalogue's message that says it in another language (web/i18n_reasons.py applies
them).  Where each form is written:

- imprecision (grading/imprecision.py, thresholds.py: the target; evidence/tsa.py: the TSA clause);
- risk of bias (grading/risk_of_bias.py);
- inconsistency (grading/inconsistency.py);
- publication bias (grading/publication_bias.py: clauses joined by ``; ``, the first capitalised);
- indirectness (grading/indirectness.py: clauses as above);
- rating up (grading/upgrading.py: clauses as above).

A clause is matched in either case of its first letter; the translation is capitalised when the English
was.  A literal ``%`` in a message is written ``%%`` (every message is %-formatted).
"""

from __future__ import annotations

import re

N = r"[\d,]+"
F = r"-?[\d.]+(?:e-?\d+)?"
END = r"(?=[;.](?:\s|$))"  # the end of a clause: "; " or ". " or the final "."
#: what the 95% CI crosses (grading/imprecision.py ci_check), in the order written there
CROSSED = ("null", "appreciable benefit and harm", "important benefit", "MID (lower)", "MID (upper)",
           "MID", "MID in the other direction")  # fmt: skip
_ONE_CROSSED = r"(?:null|appreciable benefit and harm|important benefit|MID(?: \((?:lower|upper)\)| in the other direction)?)"  # fmt: skip
#: the trials a risk-of-bias reason speaks of (grading/risk_of_bias.py ``label``)
LABELS = ("high risk of bias", "high risk of bias or with some concerns in the review's judgement")
_LABEL = r"(?P<label>high risk of bias(?: or with some concerns in the review's judgement)?)"
_TSA = (rf"Trial sequential analysis: (?P<n>{N}) of (?P<ris>{N}) required participants \(information "
        rf"fraction (?P<f>{F}), D2 (?P<d>\d+%), (?P<target>[^,]+), alpha (?P<alpha>{F}), beta "
        rf"(?P<beta>{F})\); cumulative Z (?P<z>{F}) ")  # fmt: skip
_TSA_END = (
    rf" the O'Brien-Fleming monitoring boundary(?: \((?P<b>{F})\))?: (?P<conclusion>[a-z ]+)(?=\.)"
)
_TSA_MSG = ("Trial sequential analysis: %(n)s of %(ris)s required participants (information fraction "
            "%(f)s, D² %(d)s, %(target)s, alpha %(alpha)s, beta %(beta)s); the cumulative Z %(z)s ")  # fmt: skip


def _c(pattern: str) -> re.Pattern[str]:
    """A clause: its first letter in either case."""
    first = pattern[0]
    return re.compile(
        f"[{first.upper()}{first.lower()}]{pattern[1:]}" if first.isalpha() else pattern
    )


FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    # imprecision: the target (grading/thresholds.py choose_target, benefit_excluded)
    (re.compile(r"Target: whether a reduction exists \(threshold: the null; no sourced MID for this "
                r"outcome\)\."),
     "Target: whether a reduction exists (threshold: the null; no sourced MID for this outcome)."),
    (re.compile(r"Target: whether an increase exists \(threshold: the null; no sourced MID for this "
                r"outcome\)\."),
     "Target: whether an increase exists (threshold: the null; no sourced MID for this outcome)."),
    (re.compile(r"Target: an important reduction \(threshold: (?P<source>sourced MID: [^()]+)\)\."),
     "Target: an important reduction (threshold: %(source)s)."),
    (re.compile(r"Target: an important increase \(threshold: (?P<source>sourced MID: [^()]+)\)\."),
     "Target: an important increase (threshold: %(source)s)."),
    (re.compile(r"Target: little or no important effect \((?P<source>sourced MID: [^()]+)\)\."),
     "Target: little or no important effect (%(source)s)."),
    (re.compile(r"Target: no important benefit \(the 95% CI excludes (?P<shown>[^;()]+); "
                r"(?P<source>[^()]+)\)\."),
     "Target: no important benefit (the 95%% CI excludes %(shown)s; %(source)s)."),
    # imprecision: the CI and the information size (grading/imprecision.py)
    (re.compile(rf"The 95% CI crosses the (?P<crossed>{_ONE_CROSSED}(?: and the {_ONE_CROSSED})*)(?=[;.])"),
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
    # imprecision: the TSA (evidence/tsa.py imprecision_input)
    (re.compile(_TSA + "has not crossed" + _TSA_END),
     _TSA_MSG + "has not crossed the O'Brien-Fleming monitoring boundary%(b)s: %(conclusion)s"),
    (re.compile(_TSA + "crossed or reached" + _TSA_END),
     _TSA_MSG + "crossed or reached the O'Brien-Fleming monitoring boundary%(b)s: %(conclusion)s"),
    # risk of bias (grading/risk_of_bias.py)
    (re.compile(rf"Trials at {_LABEL} carry (?P<pct>[\d.]+%) of the weight and the trials at lower "
                r"risk give a different result\."),
     "Trials at %(label)s carry %(pct)s of the weight and the trials at lower risk give a different "
     "result."),
    (re.compile(rf"Trials at {_LABEL} carry (?P<pct>[\d.]+%) of the weight and no trial at lower "
                r"risk to compare\."),
     "Trials at %(label)s carry %(pct)s of the weight and no trial at lower risk to compare."),
    (re.compile(rf"Trials at {_LABEL} carry (?P<pct>[\d.]+%) of the weight, but the trials at lower "
                r"risk give a similar result\."),
     "Trials at %(label)s carry %(pct)s of the weight, but the trials at lower risk give a similar "
     "result."),
    (re.compile(rf"Trials at {_LABEL} carry (?P<pct>[\d.]+%) of the weight\."),
     "Trials at %(label)s carry %(pct)s of the weight."),
    (re.compile(r"(?P<own>\d+) of (?P<n>\d+) judgements are ImmunoGrade's own from the recorded design "
                r"\(not verified\)\."),
     "%(own)s of %(n)s judgements are ImmunoGrade's own from the recorded design (not verified)."),
    (re.compile(r"Risk of bias could not be assessed for any trial; not rated down for a missing "
                r"record\."),
     "Risk of bias could not be assessed for any trial; not rated down for a missing record."),
    # inconsistency (grading/inconsistency.py; rated down)
    (re.compile(rf"I[²2] = (?P<i2>{F}%)(?: \(from Q; (?P<re>{F}%) from the random-effects tau2\))?, "
                rf"Q p = (?P<p>{F}); (?P<k>\d+) pair\(s\) of trials with non-overlapping "
                r"CIs on opposite sides of the threshold \((?P<names>[^()]*)\)\."),
     "I² = %(i2)s%(re)s, Q p = %(p)s; %(k)s pair(s) of trials with non-overlapping CIs on opposite sides "
     "of the threshold (%(names)s)."),
    # publication bias (grading/publication_bias.py)
    (_c(rf"Egger's test p = (?P<p>{F}) with (?P<k>\d+) trials{END}"),
     "Egger's test p = %(p)s with %(k)s trials"),
    (_c(rf"Peters's test p = (?P<p>{F}) with (?P<k>\d+) trials{END}"),
     "Peters's test p = %(p)s with %(k)s trials"),
    (_c(rf"small trials \(< (?P<n>{N}) participants\) carry (?P<pct>\d+%) of the weight, "
        rf"(?P<funded>\d+%) of it industry-funded{END}"),
     "small trials (< %(n)s participants) carry %(pct)s of the weight, %(funded)s of it industry-funded"),
    (_c(rf"registered trials without results \((?P<ids>[^;()]+); (?P<n>{N}) planned participants, "
        rf"(?P<pct>\d+%) of those analysed\){END}"),
     "registered trials without results (%(ids)s; %(n)s planned participants, %(pct)s of those "
     "analysed)"),
    # indirectness (grading/indirectness.py)
    (_c(rf"the outcome \((?P<outcome>.+?)\) is a surrogate{END}"),
     "the outcome (%(outcome)s) is a surrogate"),
    (_c(rf"the trials' population differs from the question's{END}"),
     "the trials' population differs from the question's"),
    (_c(rf"the trials' comparator differs from the question's{END}"),
     "the trials' comparator differs from the question's"),
    (_c(rf"(?P<pct>\d+%) of the weight comes from trials of another form \((?P<forms>.+?); "
        rf"question: (?P<form>.+?)\){END}"),
     "%(pct)s of the weight comes from trials of another form (%(forms)s; question: %(form)s)"),
    # rating up (grading/upgrading.py)
    (_c(rf"very large effect \(ratio (?P<ratio>{F})\){END}"), "very large effect (ratio %(ratio)s)"),
    (_c(rf"large effect \(ratio (?P<ratio>{F})\){END}"), "large effect (ratio %(ratio)s)"),
    (_c(rf"dose-response gradient{END}"), "dose-response gradient"),
    (_c(rf"plausible confounding would reduce the effect{END}"),
     "plausible confounding would reduce the effect"),
)  # fmt: skip

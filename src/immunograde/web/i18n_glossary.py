"""Indications and class names in the reader's language, from reviewed data
(``locale/<lang>/indications.yaml``, ``classes.yaml``, ``substances.yaml``).

An indication is the data's own text; it is shown translated only when that exact text has an entry,
otherwise as written; a class and a substance by their id.  The data and the JSON twins keep the English text.
"""

from __future__ import annotations

import re
from functools import cache, partial
from typing import Any

import yaml
from markupsafe import Markup, escape

from immunograde.web import i18n


@cache
def _glossary(lang: str, name: str, file: str = "") -> dict[str, str]:
    """The ``name`` mapping of ``locale/<lang>/<file or name>.yaml`` (empty for English or no file)."""
    path = i18n.LOCALE_DIR / lang / f"{file or name}.yaml"
    if lang == i18n.DEFAULT or not path.exists():
        return {}
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return dict(data.get(name) or {})


def indications(lang: str) -> dict[str, str]:
    return _glossary(lang, "indications")


def class_names(lang: str) -> dict[str, str]:
    return _glossary(lang, "classes")


def substance_name(name: Any, substance_id: Any) -> Any:
    """Template filter ``substance_name(id)``: a substance's name in the reader's language, if known."""
    return _glossary(i18n.current(), "substances").get(str(substance_id), name)


def substance_named(name: Any) -> Any:
    """A substance named in a stored sentence (its English catalogue name, e.g. "Hydrocortisone") in the
    reader's language, when the name is its id's words (ids are the names in lower case, words joined by
    ``-``); otherwise as written."""
    if not isinstance(name, str) or i18n.current() == i18n.DEFAULT:
        return name
    return _glossary(i18n.current(), "substances").get(
        re.sub(r"\s+", "-", name.strip().casefold()), name
    )


def class_name(cls: Any) -> str:
    """Template filter ``class_name``: a class (id and name) by its name in the reader's language; the
    English ATC names written in capitals are shown capitalised."""
    get = cls.get if isinstance(cls, dict) else lambda k: getattr(cls, k, None)
    translated = class_names(i18n.current()).get(str(get("id")))
    if translated:
        return translated
    name = str(get("name") or get("id") or "")
    return name.capitalize() if name.isupper() else name


def indication(text: Any) -> Any:
    """Template filter ``indication``."""
    if not isinstance(text, str):
        return text
    if text == "any indication":  # web/evidence.py: a verdict for no stated indication
        return i18n.gettext(text)
    lang = i18n.current()
    known = indications(lang).get(text)
    if known is not None or lang == i18n.DEFAULT:
        return known or text
    return claim_topic(text, lang) or text


def claim_topic(text: str, lang: str) -> str | None:
    """A claim's topic -- the claim vocabulary's indication labels joined by " and "
    (evidence/claim_assess.py) -- with each label in ``lang`` from the vocabulary's own reviewed
    labels (claim_vocabulary.yaml); None when a part is not an indication label there."""
    labels = _claim_labels(lang)
    parts = text.split(" and ")
    i = 0
    words: list[str] = []
    while i < len(parts):  # a label may itself hold " and " ("aches and pains"): the longest first
        for j in range(len(parts), i, -1):
            label = labels.get(" and ".join(parts[i:j]))
            if label is not None:
                words.append(label)
                i = j
                break
        else:
            return None
    if len(words) == 1:
        return words[0]
    return i18n.translations(lang).gettext("%(first)s and %(second)s") % {
        "first": ", ".join(words[:-1]), "second": words[-1]}  # fmt: skip


@cache
def _claim_labels(lang: str) -> dict[str, str]:
    from immunograde.evidence.claim_vocab import load_vocabulary

    vocab = load_vocabulary()
    return {c.label["en"]: vocab.label("indications", cid, lang)
            for cid, c in vocab.concepts["indications"].items()}  # fmt: skip


UNITS = {"day": "дн.", "days": "дн.", "week": "нед.", "weeks": "нед.", "month": "мес.", "months": "мес.",
         "year": "г.", "years": "г.", "hour": "ч", "hours": "ч"}  # fmt: skip
PREFIXES = {"": "", "> ": "> ", "mean ": "в среднем ", "up to ": "до ", "at least ": "не менее ",
            "day ": "день "}  # fmt: skip
TIME = re.compile(
    r"^(?P<prefix>> |mean |up to |at least )?(?P<n>\d+(?:\.\d+)?(?:\s*(?:-|–|to)\s*\d+)?)\s+(?P<unit>\w+)$"
)
DAY = re.compile(r"^day (?P<n>\d+(?:±\d+)?)$")
WITH_TIME = re.compile(r"^(?P<name>.+) \((?P<time>[^()]*)\)$")


def time_point(text: Any) -> Any:
    """Template filter ``time_point``: a follow-up time in the reader's language, when its form is known."""
    if not isinstance(text, str) or i18n.current() == i18n.DEFAULT:
        return text
    known = _glossary(i18n.current(), "time_points", "outcomes").get(text)
    if known:
        return known
    day = DAY.match(text)
    if day:
        return f"{day['n']}-й день"
    found = TIME.match(text)
    if found and found["unit"] in UNITS:
        n = i18n.localise_numbers(re.sub(r"\s*(?:-|to)\s*", "–", found["n"]))  # "3.1" -> «3,1»
        return f"{PREFIXES[found['prefix'] or '']}{n} {UNITS[found['unit']]}"
    return text


def outcome(text: Any) -> Any:
    """Template filter ``outcome``: an outcome, or "outcome (time)", in the reader's language if known."""
    if not isinstance(text, str) or i18n.current() == i18n.DEFAULT:
        return text
    names = _glossary(i18n.current(), "outcomes")
    if text in names:
        return names[text]
    found = WITH_TIME.match(text)
    if found and found["name"] in names:
        return f"{names[found['name']]} ({time_point(found['time'])})"
    name, time = _last_group(text)
    if (
        time is not None and name in names
    ):  # a time point with its own brackets: "x (end of study (y))"
        return f"{names[name]} ({time_point(time)})"
    return text


def _last_group(text: str) -> tuple[str, str | None]:
    """``("name", "time")`` of "name (time)" where the time may hold brackets of its own."""
    if not text.endswith(")"):
        return text, None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            return (
                (text[:i].rstrip(), text[i + 1 : -1])
                if i > 0 and text[i - 1] == " "
                else (text, None)
            )
    return text, None


#: the evidence profile's notes (grading/profile.py) and the trial list's tail (web/evidence.py)
PROFILE_NOTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?P<n>\d+) trial\(s\) with a significant benefit, (?P<m>\d+) independently funded"),
     "%(n)s trial(s) with a significant benefit, %(m)s independently funded"),
    (re.compile(r", funding not recorded for (?P<n>\d+)"), ", funding not recorded for %(n)s"),
    (re.compile(r"\bOIS not computed\b"), "OIS not computed"),
    (re.compile(r"\bOIS (?P<n>\d+)\b"), "OIS %(n)s"),
    (re.compile(r"\bagencies: "), "agencies: "),
    (re.compile(r" and (?P<n>\d+) more\b"), " and %(n)s more"),
)  # fmt: skip


def profile_detail(text: Any) -> Any:
    """Template filter ``profile_detail``: the evidence profile's detail column in the reader's language
    (trial labels and agency names stay as written)."""
    if not isinstance(text, str) or i18n.current() == i18n.DEFAULT:
        return text
    for pattern, msgid in PROFILE_NOTES:
        text = pattern.sub(partial(_note, msgid), text)
    # what stays as written (trial labels, product names) is marked with its language
    parts = [escape(p) if CYRILLIC.search(p) else Markup('<span lang="en">{}</span>').format(p)
             for p in text.split("; ")]  # fmt: skip
    return Markup("; ").join(parts)


def _note(msgid: str, found: re.Match[str]) -> str:
    return i18n.gettext(msgid) % found.groupdict()


#: a trial's design as web/evidence.py writes it: "randomised, double blind, control: placebo"
DESIGN_PARTS = ("randomised", "not randomised", "randomisation unknown", "double blind", "single blind",
                "blinding open", "blinding unknown")  # fmt: skip
CONTROLS = ("placebo", "active", "usual care", "none", "unknown")


def design(text: Any) -> Any:
    """Template filter ``design``: a trial's design in the reader's language, part by part."""
    if not isinstance(text, str) or i18n.current() == i18n.DEFAULT:
        return text
    out = []
    for part in text.split(", "):
        what = part.removeprefix("control: ")
        if part in DESIGN_PARTS:
            out.append(i18n.tr(part))
        elif what != part and what in CONTROLS:
            out.append(i18n.gettext("control: %(what)s") % {"what": i18n.tr(f"control {what}")})
        else:
            out.append(part)
    return ", ".join(out)


#: the trial sequential analysis's summary (web/history.py, evidence/tsa.py), sentence by sentence
N = r"[\d,]+"
F = r"[\d.]+"
TSA_SENTENCES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"Conclusion \((?P<target>[^)]+)\): (?P<conclusion>[a-z ]+)\. Information fraction (?P<f>{F}) "
                rf"of a required information size of (?P<ris>{N}) participants \(diversity D² = (?P<d>{F})\)\."),
     "Conclusion (%(target)s): %(conclusion)s. Information fraction %(f)s of a required information size of "
     "%(ris)s participants (diversity D² = %(d)s)."),
    (re.compile(rf"The monitoring boundary for benefit was crossed at (?P<at>{N}) participants \(information "
                rf"fraction (?P<f>{F})\): no further participants are needed for this conclusion\."),
     "The monitoring boundary for benefit was crossed at %(at)s participants (information fraction %(f)s): "
     "no further participants are needed for this conclusion."),
    (re.compile(rf"The monitoring boundary for harm was crossed at (?P<at>{N}) participants \(information "
                rf"fraction (?P<f>{F})\): no further participants are needed for this conclusion\."),
     "The monitoring boundary for harm was crossed at %(at)s participants (information fraction %(f)s): "
     "no further participants are needed for this conclusion."),
    (re.compile(rf"The required information size \((?P<ris>{N})\) is reached \((?P<n>{N}) participants\) "
                r"without the Z curve crossing a monitoring boundary: an effect as large as assumed is unlikely\."),
     "The required information size (%(ris)s) is reached (%(n)s participants) without the Z curve crossing "
     "a monitoring boundary: an effect as large as assumed is unlikely."),
    (re.compile(rf"The futility boundary was crossed at (?P<at>{N}) participants: an effect as large as "
                r"assumed is unlikely; no further participants are needed to show it\."),
     "The futility boundary was crossed at %(at)s participants: an effect as large as assumed is unlikely; "
     "no further participants are needed to show it."),
    (re.compile(rf"(?P<needed>{N}) more participants are needed to reach the required information size "
                rf"\((?P<ris>{N})\)\."),
     "%(needed)s more participants are needed to reach the required information size (%(ris)s)."),
    (re.compile(rf"The (?P<k>\d+) registered trials? without results would bring the information fraction "
                rf"from (?P<a>{F}) to (?P<b>{F})\."),
     "The registered trials without results (%(k)s) would bring the information fraction from %(a)s to %(b)s."),
    (re.compile(r"No registered trial without results was found for this question\."),
     "No registered trial without results was found for this question."),
)  # fmt: skip
TSA_CONCLUSIONS = ("not yet", "benefit established", "harm established", "futility established")
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


TSA_TARGETS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"relative risk reduction (?P<rrr>\d+%)"), "relative risk reduction %(rrr)s"),
    (re.compile(r"(?P<rrr>\d+%) relative reduction in not achieving the outcome"),
     "%(rrr)s relative reduction in not achieving the outcome"),
    (re.compile(r"mean difference (?P<mid>[-\d.e+]+)"), "mean difference %(mid)s"),
    (re.compile(r"mean difference"), "mean difference"),
)  # fmt: skip


def tsa_target(text: str) -> str:
    """What the TSA assumed ("relative risk reduction 25%") in the reader's language."""
    for pattern, msgid in TSA_TARGETS:
        found = pattern.fullmatch(text)
        if found:
            return i18n.gettext(msgid) % found.groupdict()
    return text


def _tsa_sentence(msgid: str, found: re.Match[str]) -> str:
    values = {
        k: v if k == "target" else i18n.localise_numbers(THOUSANDS.sub("\u00a0", v))
        for k, v in found.groupdict().items()
    }  # 14,631 -> 14 631; 0.38 -> 0,38
    if "conclusion" in values:
        values["conclusion"] = i18n.tr(f"TSA: {values['conclusion']}")
    if "target" in values:
        values["target"] = i18n.localise_numbers(tsa_target(values["target"]))
    return i18n.gettext(msgid) % values


def tsa_summary(text: Any) -> Any:
    """Template filter ``tsa_summary``: the TSA summary in the reader's language, sentence by sentence
    (a sentence of another form stays as written)."""
    if not isinstance(text, str) or i18n.current() == i18n.DEFAULT:
        return text
    for pattern, msgid in TSA_SENTENCES:
        text = pattern.sub(partial(_tsa_sentence, msgid), text)
    for pattern, msgid in reconcile_sentences():
        text = pattern.sub(partial(_reconcile, msgid), text)
    return text


#: a trial's summary as evidence/known.py writes it: "randomised; placebo-controlled; blinding: double;
#: 120 participants; NCT01234567" (the substance page's trial list)
TRIAL_SUMMARY_WORDS = ("randomisation not stated", "placebo-controlled", "active comparator",
                       "usual-care control", "no-treatment control", "no question holds its outcome numbers")  # fmt: skip
SUMMARY_MESSAGES: tuple[str | tuple[str, str], ...] = (
    ("%(count)s participant", "%(count)s participants"),
)
BLINDED = {"double": "double blind", "single": "single blind", "open": "blinding open"}
PARTICIPANTS = re.compile(r"^(?P<n>\d+) participants$")
BLINDING = re.compile(r"^blinding: (?P<what>\w+)$")


def trial_summary(text: Any) -> Any:
    """Template filter ``trial_summary``: a trial's summary in the reader's language, part by part
    (registry numbers and parts of another form stay as written)."""
    if not isinstance(text, str) or i18n.current() == i18n.DEFAULT:
        return text
    out = []
    for part in text.split("; "):
        n = PARTICIPANTS.match(part)
        blinding = BLINDING.match(part)
        if part in DESIGN_PARTS or part in TRIAL_SUMMARY_WORDS:
            out.append(i18n.tr(part))
        elif n:
            count = int(n["n"])
            out.append(i18n.ngettext("%(count)s participant", "%(count)s participants", count)
                       % {"count": count})  # fmt: skip
        elif blinding and blinding["what"] in BLINDED:
            out.append(i18n.tr(BLINDED[blinding["what"]]))
        else:
            out.append(part)
    return "; ".join(out)


def dose_form(text: Any) -> Any:
    """Template filter ``dose_form``: a product's dose form in the reader's language when that exact text
    has an entry in ``locale/<lang>/forms.yaml``, otherwise as written."""
    if not isinstance(text, str) or i18n.current() == i18n.DEFAULT:
        return text
    return _glossary(i18n.current(), "dose_forms", "forms").get(text, text)


def form_detail(text: str) -> str:
    """The detail after a form's route ("capsules" in "oral, capsules") in the reader's language, when
    ``forms.yaml`` has it (``form_details``, else ``dose_forms``); otherwise as written."""
    lang = i18n.current()
    return _glossary(lang, "form_details", "forms").get(text) or _glossary(
        lang, "dose_forms", "forms"
    ).get(text, text)


def agency(text: Any) -> Any:
    """Template filter ``agency``: a regulator's name in the reader's language (``forms.yaml``
    ``agencies``), otherwise as written (EMA, FDA: the acronyms readers know)."""
    if not isinstance(text, str) or i18n.current() == i18n.DEFAULT:
        return text
    return _glossary(i18n.current(), "agencies", "forms").get(text, text)


def routes(text: Any) -> Any:
    """ "subcutaneous, intravenous" (a list of routes in a sentence) in the reader's language."""
    if not isinstance(text, str) or i18n.current() == i18n.DEFAULT:
        return text
    out = []
    for part in text.split(", "):
        either = [_form_word(w) for w in part.split(" or ")]
        if None in either:  # not a list of routes: a form with its detail ("oral, syrup (A, B)")
            return i18n.term(text)
        word = str(either[0])
        for more in either[1:]:
            word = i18n.gettext("%(first)s or %(second)s") % {"first": word, "second": more}
        out.append(word)
    return ", ".join(out)


OTHER_ROUTE = (
    "another route"  #: the route "other" inside a form: "interferon alfa-2b (another route)"
)


def _form_word(word: str) -> str | None:
    """A route ("rectal": a catalogue entry) or a form's detail ("capsules": forms.yaml); None if
    neither knows it.  The route "other" is said as a route («другой путь введения»), not as the bare
    word the vocabularies share («другое»)."""
    if word == "other":
        return i18n.gettext(OTHER_ROUTE)
    for translated in (i18n.tr(word.replace("_", " ")), form_detail(word)):
        if translated != word.replace("_", " ") and translated != word:
            return str(translated)
    return None


CYRILLIC = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ]")
LATIN = re.compile(r"[A-Za-z]")


def lang_of(text: Any) -> str:
    """Template filter ``lang_of``: the language of a piece of the data's own text (a quote, a title) for
    its ``lang`` attribute: ``ru`` when it is mostly Cyrillic, else ``en``."""
    if not isinstance(text, str):
        return i18n.DEFAULT
    return "ru" if len(CYRILLIC.findall(text)) > len(LATIN.findall(text)) else "en"


@cache
def reconcile_sentences() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The verdict-and-TSA sentences of ``rules.yaml: reconciliation`` (grading/reconcile.py) as
    (pattern, msgid): ``{rrr:.0%}``, ``{verdict}``, ``{certainty}``, ``{why}`` become groups / ``%(x)s``."""
    from immunograde.evidence.rules import load_rules

    out = []
    fields = {"rrr:.0%": r"(?P<rrr>\d+%)", "verdict": r"(?P<verdict>[^']+)",
              "certainty": r"(?P<certainty>high|moderate|low|very low|unrated)", "why": r"(?P<why>[^.]+)"}  # fmt: skip
    for template in load_rules().reconciliation.sentences.values():
        parts = re.split(r"\{([^{}]+)\}", template)
        regex = "".join(fields[p] if i % 2 else re.escape(p) for i, p in enumerate(parts))
        msgid = "".join(f"%({p.split(':')[0]})s" if i % 2 else p for i, p in enumerate(parts))
        out.append((re.compile(regex), msgid))
    return tuple(out)


def reconcile_messages() -> list[tuple[str, str]]:
    """The catalogue's messages for the reconciliation sentences and their 'why' clauses."""
    from immunograde.evidence.rules import load_rules

    out = [
        (msgid, "a verdict beside a TSA conclusion (question page)")
        for _p, msgid in reconcile_sentences()
    ]
    out += [(why, "why a verdict and a TSA conclusion differ (after 'the verdict ... (certainty)')")
            for why in load_rules().reconciliation.why.values()]  # fmt: skip
    out += [("unrated (certainty)", "a verdict's certainty when it has none (TSA sentence)")]
    return out


def _reconcile(msgid: str, found: re.Match[str]) -> str:
    values = dict(found.groupdict())
    values["verdict"] = i18n.tr(values["verdict"])
    values["why"] = i18n.gettext(values["why"])
    certainty = values["certainty"]
    values["certainty"] = (i18n.gettext("unrated (certainty)") if certainty == "unrated"
                           else i18n.tr(certainty.capitalize()).lower())  # fmt: skip
    return i18n.gettext(msgid) % values

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
    return indications(i18n.current()).get(text, text)


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
        n = re.sub(r"\s*(?:-|to)\s*", "–", found["n"])
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
    return text


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
    return text


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


def _tsa_target(text: str) -> str:
    """What the TSA assumed ("relative risk reduction 25%") in the reader's language."""
    for pattern, msgid in TSA_TARGETS:
        found = pattern.fullmatch(text)
        if found:
            return i18n.gettext(msgid) % found.groupdict()
    return text


def _tsa_sentence(msgid: str, found: re.Match[str]) -> str:
    values = {
        k: THOUSANDS.sub("\u00a0", v) for k, v in found.groupdict().items()
    }  # 14,631 -> 14 631
    if "conclusion" in values:
        values["conclusion"] = i18n.tr(f"TSA: {values['conclusion']}")
    if "target" in values:
        values["target"] = _tsa_target(values["target"])
    return i18n.gettext(msgid) % values


def tsa_summary(text: Any) -> Any:
    """Template filter ``tsa_summary``: the TSA summary in the reader's language, sentence by sentence
    (a sentence of another form stays as written)."""
    if not isinstance(text, str) or i18n.current() == i18n.DEFAULT:
        return text
    for pattern, msgid in TSA_SENTENCES:
        text = pattern.sub(partial(_tsa_sentence, msgid), text)
    return text

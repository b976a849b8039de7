"""GRADE's plain-language statements in the reader's language, at render time.

A statement is stored in English, built from a cell of ``rules.yaml`` (``statements.cells``, Santesso
2020; or ``verdicts.no_evidence``) with its placeholders filled in.  For Russian, the English text is
matched against every cell (as a pattern: placeholders become groups) and, when one matches exactly, the
same values are put into the Russian cell of ``locale/<lang>/statements.yaml`` (reviewed data).  When
several cells match ("may reduce {outcome}" and "may reduce {outcome} slightly") the most specific one
(the most literal text) wins; when none does, the English text is shown.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup, escape

from immunograde.web import i18n, i18n_glossary

#: a name never spans a sentence or a label: "The verdict for X ...: Y may reduce Z." is not one statement
NAME = r"(?:(?!\.\s|:\s).)+?"
ANY = r".+?"
NAMES = {"intervention": NAME, "outcome": NAME, "subject": NAME}
Template = tuple[
    re.Pattern[str], int, str
]  # (English pattern, literal length, translated template)


def statements_file(lang: str) -> Path:
    return i18n.LOCALE_DIR / lang / "statements.yaml"


@cache
def translated_cells(lang: str) -> dict[str, Any]:
    path = statements_file(lang)
    if not path.exists():
        return {}
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def english_cells() -> list[tuple[tuple[str, ...], str, bool]]:
    """Every English template: (its key path, the template, whether the sentence is capitalised + '.')."""
    from immunograde.evidence.rules import load_rules

    rules = load_rules()
    out: list[tuple[tuple[str, ...], str, bool]] = []
    for level, cells in rules.statements["cells"].items():
        for cell, texts in cells.items():
            for direction in ("reduction", "increase"):
                out.append((("cells", level, cell, direction), texts[direction], True))
    for key, text in rules.verdicts.no_evidence.items():
        out.append((("no_evidence", key), text, False))
    return out


def _pattern(template: str, sentence: bool) -> tuple[re.Pattern[str], int]:
    parts = re.split(r"\{(\w+)\}", template)
    regex, literal, seen = "", 0, set()
    for i, part in enumerate(parts):
        if i % 2:
            regex += f"(?P={part})" if part in seen else f"(?P<{part}>{NAMES.get(part, ANY)})"
            seen.add(part)
        else:
            regex += re.escape(part)
            literal += len(part)
    if sentence:  # statement(): first letter upper-cased, a full stop added
        regex = (
            "(?i:" + regex[:1] + ")" + regex[1:] + r"\." if regex[:1].isalpha() else regex + r"\."
        )
    return re.compile(f"^{regex}$", re.S), literal


@cache
def templates(lang: str) -> tuple[tuple[Template, bool], ...]:
    ru = translated_cells(lang)
    out = []
    for path, english, sentence in english_cells():
        node: Any = ru
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, str):
            pattern, literal = _pattern(english, sentence)
            out.append(((pattern, literal, node), sentence))
    out.sort(key=lambda t: -t[0][1])  # most specific first
    return tuple(out)


def translate(text: Any, name: str | None = None, substance_id: str | None = None) -> Any:
    """Template filter ``statement(name, id)``: the statement in the reader's language if its cell is
    known; an intervention that is the page's substance (``name``) is given its name in that language."""
    lang = i18n.current()
    if lang == i18n.DEFAULT or not isinstance(text, str) or not text:
        return text
    for (pattern, _literal, target), sentence in templates(lang):
        found = pattern.match(text)
        if found:
            values: dict[str, Any] = found.groupdict()
            if "outcome" in values:
                values["outcome"] = i18n_glossary.outcome(values["outcome"])
            if "subject" in values:
                values["subject"] = subject(values["subject"], name, substance_id)
            if "routes" in values:
                values["routes"] = i18n_glossary.routes(values["routes"])
            for key in AS_WRITTEN:  # the data's own words inside the sentence
                if key in values:
                    values[key] = as_written(values[key])
            if name and values.get("intervention", "").casefold() == name.casefold():
                values["intervention"] = i18n_glossary.substance_name(
                    values["intervention"], substance_id
                )
            elif "intervention" in values:  # another substance than the page's (a claim's evidence)
                values["intervention"] = i18n_glossary.substance_named(values["intervention"])
            out = Markup(escape(target)).format(**values)
            return (out[:1].upper() + out[1:] + ".") if sentence else out
    return as_written(text)


#: values of a no-evidence sentence that are the data's own words (trial labels, sources, registry ids)
AS_WRITTEN = ("trials", "sources", "ids")


def as_written(text: Any) -> Any:
    """A piece of the data's own text inside a translated page, marked with its language (``lang``)."""
    if not isinstance(text, str) or i18n.current() == i18n.DEFAULT:
        return text
    return Markup('<span lang="{}">{}</span>').format(i18n_glossary.lang_of(text), text)


PARAGRAPH = re.compile(
    r"^The verdict for (?P<subject>.+?) rests on (?P<outcome>.+) \((?P<participants>\d+) participants\), "
    r"the best-supported of its (?P<n>\d+) (?P<importance>\w+) outcome\(s\)\.  "
    r"(?:The evidence shows (?P<effect>.+?), with (?P<certainty>high|moderate|low|very low) certainty: "
    r"|The claim rated is no important benefit \(the 95% CI excludes (?P<shown>[^;()]+); (?P<source>[^()]+)\), "
    r"with (?P<nb_certainty>high|moderate|low|very low) certainty\. )"
    r"(?P<statement>.+)  Under ImmunoGrade's rules that makes the verdict \"(?P<label>[^\"]+)\"\.$",
    re.S,
)
SUBJECT = re.compile(r"^(?P<name>.+?) \((?P<form>[^()]+)\) for (?P<indication>.+)$")


def split_subject(text: str) -> tuple[str, str | None, str | None] | None:
    """``(name, form, indication)`` of "Name (form[ (detail)]) for indication", "Name (form)" or "Name for
    indication" (grading/verdict.py's subjects), or None for another form."""
    start, named_for = text.find(" ("), text.find(" for ")
    if (
        start < 0 or 0 <= named_for < start
    ):  # "Name for indication (ARVI)": the bracket is the indication's
        name, sep, indication = text.partition(" for ")
        return (name, None, indication) if sep and name and indication else None
    depth = 0
    for i in range(start + 1, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            rest = text[i + 1 :]
            if not rest:
                return text[:start], text[start + 2 : i], None
            if rest.startswith(" for "):
                return text[:start], text[start + 2 : i], rest[5:]
            return None
    return None


def subject(text: str, name: str | None = None, substance_id: str | None = None) -> Any:
    """A verdict's subject, "Name (form) for indication", "Name (form)" or "Name for indication", in the
    reader's language (``explanation.subject_in_sentence`` of statements.yaml); another form stays as
    written (marked with its language)."""
    parts = translated_cells(i18n.current()).get("explanation") or {}
    found = split_subject(text)
    if not found or "subject_in_sentence" not in parts:
        return as_written(text)
    label, form, indication = found
    if name and label.casefold() == name.casefold():
        label = i18n_glossary.substance_name(label, substance_id)
    else:
        label = i18n_glossary.substance_named(label)
    if indication == "any indication":
        return str(
            parts["subject_any_indication"].format(
                name=f"{label} ({i18n_glossary.routes(form)})" if form else label
            )
        )
    where = i18n_glossary.indication(indication) if indication else None
    if form is None:
        return str(parts["subject_no_form"].format(name=label, indication=where))
    form = i18n_glossary.routes(form)
    if where:
        return str(parts["subject_in_sentence"].format(name=label, form=form, indication=where))
    return f"{label} ({form})"


def explanation(text: Any, name: str | None = None, substance_id: str | None = None) -> Any:
    """Template filter ``explanation(name, id)``: the verdict's explanation paragraph in the reader's
    language when it has the form grading/verdict.py writes and every part is known; else as written."""
    lang = i18n.current()
    parts = translated_cells(lang).get("explanation") if lang != i18n.DEFAULT else None
    found = PARAGRAPH.match(text) if isinstance(text, str) and parts else None
    if not found or not parts:
        return translate(text, name, substance_id)
    importance = parts["importance"].get(found["importance"])
    claim = _claim(found, parts)
    if claim is None or importance is None:
        return as_written(text)
    subject = found["subject"]
    who = SUBJECT.match(subject)
    if who:
        label = who["name"]
        if name and label.casefold() == name.casefold():
            label = i18n_glossary.substance_name(label, substance_id)
        subject = parts["subject"].format(name=label, form=i18n.term(who["form"]),
                                          indication=i18n_glossary.indication(who["indication"]))  # fmt: skip
    subject = subject[:1].upper() + subject[1:]  # it opens the paragraph
    return Markup(escape(parts["paragraph"])).format(
        subject=subject, outcome=i18n_glossary.outcome(found["outcome"]),
        participants=i18n.number(int(found["participants"]), ",d"), importance=importance, n=found["n"], claim=claim,
        statement=translate(found["statement"], name, substance_id), label=i18n.tr(found["label"]),
    )  # fmt: skip


#: the threshold a "no important benefit" claim names (grading/thresholds.py)
SHOWN = re.compile(r"^a ratio of (?P<value>[\d.]+)$")
SOURCES = (
    (re.compile(r"^sourced MID: ratio (?P<a>[\d.]+)$"), "sourced_ratio"),
    (re.compile(r"^sourced MID: (?P<a>[\d.]+)$"), "sourced"),
    (re.compile(r"^no sourced MID: appreciable ratio (?P<a>[\d.]+) / (?P<b>[\d.]+)$"), "appreciable_ratio"),
    (re.compile(r"^no sourced MID: appreciable SMD (?P<a>[\d.]+)$"), "appreciable_smd"),
)  # fmt: skip


def _claim(found: re.Match[str], parts: dict[str, Any]) -> str | None:
    """The paragraph's middle sentence in the reader's language, or None when a part is unknown."""
    if found["effect"] is not None:
        effect = parts["effects"].get(found["effect"])
        if effect is None:
            return None
        return str(
            parts["claim"].format(effect=effect, certainty=parts["certainty"][found["certainty"]])
        )
    ratio = SHOWN.match(found["shown"])
    shown = (parts["no_benefit"]["ratio"].format(value=i18n.number(ratio["value"])) if ratio
             else found["shown"])  # fmt: skip
    for pattern, key in SOURCES:
        source = pattern.match(found["source"])
        if source:
            values = {k: i18n.number(v) for k, v in source.groupdict().items()}  # 0.75 -> «0,75»
            basis = parts["no_benefit"][key].format(**values)
            return str(parts["no_benefit"]["claim"].format(
                shown=shown, source=basis, certainty=parts["certainty"][found["nb_certainty"]]))  # fmt: skip
    return None


def subject_named(text: Any, substance_id: Any = None) -> Any:
    """Template filter ``subject_named(id)``: "name" or "name (routes)" (a claim's subject) with the name
    and the routes in the reader's language."""
    if not isinstance(text, str) or i18n.current() == i18n.DEFAULT:
        return text
    label, form, _indication = split_subject(text) or (text, None, None)
    label = i18n_glossary.substance_name(label, substance_id)
    return f"{label} ({i18n_glossary.routes(form)})" if form else label

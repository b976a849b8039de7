"""Chart titles, axis titles and legends in the reader's language: the Vega-Lite spec the plots modules
build in English is translated before it is rendered (English: unchanged).

Only titles whose English form is fixed by the code are replaced (exactly, or by the patterns below);
the data in a chart (study labels, indications, question titles) keeps its own words.  The evidence
map's verdict legend shows the translated verdict labels through a Vega expression lookup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from immunograde.web import i18n

EXACT = ("Verdict", "Participants", "Study", "Intervention vs control", "Risk of bias", "RoB", "Weight",
         "Participants (cumulative)", "Cumulative Z", "favours control", "favours intervention",
         "Forest plot", "Leave-one-out", "Cumulative meta-analysis", "Standard error")  # fmt: skip
#: (English pattern, msgid with the pattern's groups as named values)
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?P<measure>\S+) \(log scale\)$"), "%(measure)s (log scale)"),
    (re.compile(r"^(?P<measure>\S+) \[95% CI\]$"), "%(measure)s [95%% CI]"),
    (re.compile(r"^Cumulative meta-analysis by year: (?P<title>.*)$"),
     "Cumulative meta-analysis by year: %(title)s"),
    (re.compile(r"^Trial sequential analysis: (?P<title>.*)$"), "Trial sequential analysis: %(title)s"),
)  # fmt: skip
FAVOURS = re.compile(r"^← (?P<left>.+?)(?P<gap>\s+\|\s+)(?P<right>.+?) →$")
MAP_LEGEND = "replace(datum.label, /_/g, ' ')"


def _title(text: str) -> str:
    if text in EXACT:
        return i18n.tr(text)
    favours = FAVOURS.match(text)
    if favours:
        return f"← {i18n.tr(favours['left'])}{favours['gap']}{i18n.tr(favours['right'])} →"
    for pattern, msgid in PATTERNS:
        found = pattern.match(text)
        if found:
            return i18n.gettext(msgid) % found.groupdict()
    return text


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "title" and isinstance(value, str):
                out[key] = _title(value)
            elif key == "title" and isinstance(value, list):
                out[key] = [_title(v) if isinstance(v, str) else v for v in value]
            elif key == "text" and isinstance(value, str):
                out[key] = _title(value)
            elif key == "labelExpr" and value == MAP_LEGEND:
                out[key] = _verdict_legend()
            elif key == "ci_text" and isinstance(value, str):  # a forest row's "0.85 [0.72, 0.99]"
                out[key] = _ci_text(value)
            else:
                out[key] = _walk(value)
        return out
    if isinstance(node, list):
        return [_walk(v) for v in node]
    return node


CI_TEXT = re.compile(r"^(?P<est>\S+) \[(?P<low>\S+), (?P<high>\S+)\]$")


def _ci_text(text: str) -> str:
    """A forest plot's estimate and interval with the reader's decimal sign: «0,85 [0,72; 0,99]» (a
    semicolon between the bounds, where the comma is the decimal sign)."""
    found = CI_TEXT.match(text)
    if not found:
        return i18n.localise_numbers(text)
    est, low, high = (i18n.localise_numbers(found[k]) for k in ("est", "low", "high"))
    return f"{est} [{low}; {high}]"


def _verdict_legend() -> str:
    from immunograde.evidence.rules import load_rules

    labels = {k: _lines(i18n.tr(v)) for k, v in load_rules().verdicts.labels.items()}
    return f"{json.dumps(labels, ensure_ascii=False)}[datum.label] || {MAP_LEGEND}"


LEGEND_LINE = (
    40  #: characters in a line of the map's verdict legend (about 250 px: shown whole at 400)
)


def _lines(label: str) -> str | list[str]:
    """A verdict label as the legend's lines (a list is a label over several lines in Vega): the
    longest Russian one, «неизвестно: путь введения не указан (испытания отнесены к другой форме)», was
    cut at the legend's 400 px."""
    import textwrap

    lines = textwrap.wrap(label, LEGEND_LINE, break_long_words=False, break_on_hyphens=False)
    return label if len(lines) <= 1 else lines


def translate(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with its fixed titles in the current language (a copy; English: the spec itself)."""
    if i18n.current() == i18n.DEFAULT:
        return spec
    result: dict[str, Any] = _walk(spec)
    # axis labels and formatted numbers with the reader's decimal sign and digit grouping (Vega's
    # number locale, d3-format's fields; the symbols from Babel's CLDR data as everywhere else)
    decimal, group = i18n.number_symbols()
    config = dict(result.get("config") or {})
    config["locale"] = {**config.get("locale", {}),
                        "number": {"decimal": decimal, "thousands": group, "grouping": [3],
                                   "currency": ["", ""]}}  # fmt: skip
    result["config"] = config
    return result


def translated(spec_fn: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    return lambda: translate(spec_fn())


def entries() -> list[tuple[str, str]]:
    """The messages :func:`translate` uses, for the catalogue (msgid, comment)."""
    return [(t, "chart title") for t in EXACT] + [(m, "chart title pattern") for _, m in PATTERNS]

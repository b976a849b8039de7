"""One-line plain explanations of the technical terms the pages use (issue 18): certainty levels, 95% CI,
PI, I², tau², RoB, MID, OIS, TSA, in the reader's language (catalogue messages).

A template calls ``terms("ois", ...)`` where the terms appear: a ``<details>`` box ("What do these
terms mean?") that a tap opens on a phone and a click on a wide screen, each term on one line.  Besides
the box, every page explains each term at its first use in the text (:func:`first_use`, applied to the
page's ``<main>`` by base.html).  The
abbreviations stay as the page and the charts write them; the explanation spells each out.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

from immunograde.web import i18n

# key -> (the term as the page writes it, its one-line explanation)
TERMS: dict[str, tuple[str, str]] = {
    "certainty": ("Certainty (⊕⊕⊕⊕ … ⊕◯◯◯)",
                  "how sure we are, by GRADE, that the true effect is close to the estimate - high: very "
                  "sure; moderate: probably close; low: it may be quite different; very low: it is likely "
                  "to be quite different."),
    "ci": ("95% CI",
           "confidence interval: the range of effects that the trials' data are compatible with."),
    "pi": ("95% PI",
           "prediction interval: where the effect in a new, similar trial would probably fall; wider "
           "than the confidence interval when the trials disagree."),
    "i2": ("I²",
           "how much of the disagreement between the trials' results is more than chance would give "
           "(0%: none; over 75%: a lot)."),
    "tau2": ("tau² (τ²)", "how much the true effect varies from trial to trial (0: the same in all)."),
    "rob": ("RoB",
            "risk of bias: how likely it is that a trial's design or conduct (no blinding, patients lost "
            "to follow-up) has made its result wrong."),
    "mid": ("MID",
            "minimal important difference: the smallest effect that patients would feel as a real "
            "benefit or harm."),
    "ois": ("OIS",
            "optimal information size: how many patients one adequately powered trial would need to "
            "show the effect; fewer in all the trials together means the result is imprecise."),
    "tsa": ("TSA",
            "trial sequential analysis: whether the trials so far hold enough patients to trust the "
            "pooled result, or whether more trials could still change it."),
}  # fmt: skip


def terms(*keys: str) -> Markup:
    """Template global ``terms(key, ...)``: the explanations of these terms in a details box."""
    rows = "".join(
        f"<li><b>{escape(i18n.gettext(TERMS[k][0]))}</b>: {escape(i18n.gettext(TERMS[k][1]))}</li>"
        for k in keys
    )
    title = escape(i18n.gettext("What do these terms mean?"))
    return Markup(f'<details class="terms"><summary>{title}</summary><ul>{rows}</ul></details>')


def messages() -> list[tuple[str, str]]:
    """The catalogue entries (msgid, comment)."""
    out = [("What do these terms mean?", "the box that explains a page's technical terms")]
    for label, text in TERMS.values():
        out += [(label, "a technical term as the pages write it"), (text, f"what {label} means")]
    return out


#: how each term appears in a page's text (both languages); the certainty symbols stand for "certainty"
FIRST_USE: dict[str, str] = {
    "certainty": r"[⊕◯]{4}", "ci": r"\b95% (?:CIs?|ДИ)\b", "pi": r"\b95% (?:PIs?|ПИ)\b", "i2": r"\bI²",
    "tau2": r"\btau²", "rob": r"\bRoB\b", "mid": r"\bMID\b", "ois": r"\bOIS\b", "tsa": r"\bTSA\b",
}  # fmt: skip
_FIRST = re.compile("|".join(f"(?P<{k}>{v})" for k, v in FIRST_USE.items()))
#: where a term is left as it is: links, form controls, code, charts, headings of the explanation box
_SKIP = {"a", "abbr", "button", "code", "option", "script", "select", "style", "summary", "svg",
         "textarea", "title", "details"}  # fmt: skip
_TAG = re.compile(r"(<!--.*?-->|<[^>]+>)", re.S)


def first_use(html: Any) -> Markup:
    """Template filter ``first_use``: the first time each term appears in the page's text it becomes an
    ``<abbr>`` with its explanation as ``title`` (a mouse's tooltip, and the accessible description
    screen readers announce), focusable: a tap or the Tab key focuses it and the explanation shows
    just after it (style.css, ``::after``: no text is added to the page itself).  Text inside links,
    form controls, code, charts and the explanation boxes is left alone; a term already explained
    stays as written after its first use."""
    parts = _TAG.split(str(html))
    seen: set[str] = set()
    open_tags: dict[
        str, list[bool]
    ] = {}  # per tag name: for each open element, whether it is skipped
    for i, part in enumerate(parts):
        if i % 2:  # a tag (or a comment)
            name = re.match(r"<(/?)\s*([a-zA-Z0-9]+)", part)
            if name and name[2].lower() in _SKIP and not part.endswith("/>"):
                tag, stack = name[2].lower(), open_tags.setdefault(name[2].lower(), [])
                if name[1]:
                    if stack:
                        stack.pop()
                else:  # a <details> is skipped only when it is the terms box itself
                    stack.append(tag != "details" or 'class="terms"' in part)
            continue
        if any(any(stack) for stack in open_tags.values()) or not part.strip():
            continue
        parts[i] = _FIRST.sub(lambda m: _abbr(m, seen), part)
    return Markup("".join(parts))


def _abbr(m: re.Match[str], seen: set[str]) -> str:
    key = m.lastgroup or ""
    if key in seen:
        return m.group(0)
    seen.add(key)
    text = i18n.gettext(TERMS[key][1])
    return f'<abbr class="term" tabindex="0" title="{escape(text)}">{m.group(0)}</abbr>'

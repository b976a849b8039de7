"""One-line plain explanations of the technical terms the pages use (issue 18): certainty levels, 95% CI,
PI, I², tau², RoB, MID, OIS, TSA, in the reader's language (catalogue messages).

A template calls ``terms("ois", ...)`` where the terms appear: a ``<details>`` box ("What do these
terms mean?") that a tap opens on a phone and a click on a wide screen, each term on one line.  The
abbreviations stay as the page and the charts write them; the explanation spells each out.
"""

from __future__ import annotations

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

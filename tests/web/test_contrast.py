"""WCAG 2.1 AA contrast (4.5:1 for normal-size text) for every badge and coloured text in style.css.

Colours are read from the style sheet itself: custom properties in ``:root``, each ``.v-<verdict>``
badge (text colour from its own rule, else ``.badge``'s) and each ``.c-<certainty>`` chip (text colour
from its rule, else the body's ink).  Every verdict of ``grading/rules.yaml`` and every market certainty
bucket must have its colour rule, so no badge falls back to an unchecked default.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from immunograde.grading.config import load_rules
from immunograde.market.verdicts import BUCKET_LABELS

CSS = Path(__file__).resolve().parents[2] / "src" / "immunograde" / "web" / "static" / "style.css"
AA_NORMAL_TEXT = (
    4.5  # WCAG 2.1 success criterion 1.4.3, text below 18pt (14pt bold): badges are .8-.9rem
)


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.1 relative luminance: L = 0.2126 R + 0.7152 G + 0.0722 B of the linearised sRGB channels,
    each c = c_srgb / 12.92 if c_srgb <= 0.04045 else ((c_srgb + 0.055) / 1.055) ** 2.4."""
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    srgb = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in srgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), L1 the lighter colour's relative luminance."""
    hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_formula_gives_wcag_reference_values() -> None:
    assert contrast_ratio("#000", "#fff") == pytest.approx(21.0)
    assert contrast_ratio("#fff", "#fff") == pytest.approx(1.0)
    # #767676 is the lightest grey passing AA on white (4.54:1); #777777 just fails (4.48:1)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#ffffff") < AA_NORMAL_TEXT


def _rules() -> dict[str, dict[str, str]]:
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        decls = dict(
            (k.strip(), v.strip())
            for k, _, v in (d.partition(":") for d in body.split(";"))
            if v.strip()
        )
        for sel in selectors.split(","):
            rules.setdefault(sel.strip(), {}).update(decls)
    return rules


RULES = _rules()
VARS = {k: v for k, v in RULES[":root"].items() if k.startswith("--")}


def _colour(value: str) -> str:
    found = re.fullmatch(r"var\((--[\w-]+)\)", value)
    value = VARS[found.group(1)] if found else value
    assert re.fullmatch(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}", value), value
    return value


def _pairs() -> list[tuple[str, str, str]]:
    """(selector, text colour, background) for every verdict badge and certainty chip."""
    ink = _colour(RULES["body"]["color"])
    badge_text = _colour(RULES[".badge"]["color"])
    out = []
    for sel, decls in RULES.items():
        kind = re.fullmatch(r"\.(v|c)-\w+", sel)
        if kind and "background" in decls:
            default = badge_text if kind.group(1) == "v" else ink
            out.append((sel, _colour(decls.get("color", default)), _colour(decls["background"])))
    return out


PAIRS = _pairs()


def test_every_verdict_and_certainty_has_a_checked_colour() -> None:
    selectors = {sel for sel, _, _ in PAIRS}
    verdicts = set(load_rules().verdicts.order)
    assert {f".v-{v}" for v in verdicts} <= selectors
    assert {f".c-{c}" for c in BUCKET_LABELS} <= selectors
    # and no colour rule for a verdict that no longer exists
    assert {s for s in selectors if s.startswith(".v-")} == {f".v-{v}" for v in verdicts}


@pytest.mark.parametrize(("selector", "text", "background"), PAIRS, ids=[p[0] for p in PAIRS])
def test_badge_contrast_meets_aa(selector: str, text: str, background: str) -> None:
    ratio = contrast_ratio(text, background)
    assert ratio >= AA_NORMAL_TEXT, f"{selector}: {text} on {background} is {ratio:.2f}:1"


@pytest.mark.parametrize(
    "selector", ["body", "a", ".small", ".muted", ".yes", ".no", ".unknown", "footer"]
)
@pytest.mark.parametrize("background", ["#ffffff", "--bg"])
def test_text_colours_meet_aa_on_page_backgrounds(selector: str, background: str) -> None:
    text = _colour(RULES[selector]["color"])
    bg = VARS[background] if background.startswith("--") else background
    ratio = contrast_ratio(text, bg)
    assert ratio >= AA_NORMAL_TEXT, f"{selector}: {text} on {bg} is {ratio:.2f}:1"

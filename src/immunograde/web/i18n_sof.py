"""The Summary-of-Findings table (built in English by :func:`immunograde.grading.sof.to_html` and stored
with the page) in the reader's language, at render time.

Only pieces whose English form is fixed by the code are replaced, by exact text: the column headings
(``grading.sof.HEADERS``), the certainty labels after their GRADE symbols (``rules.yaml``), "N per 1000",
"(low to high)", "N (k RCTs)", each footnote's "Domain (rated down n levels):", and the Comment column's
GRADE statement (web/i18n_statements.py).  Each footnote's reason
in a form the grading code writes (web/i18n_reasons.py); a reason of another form stays as written,
marked ``lang="en"``.
"""

from __future__ import annotations

import re
from html import unescape

from markupsafe import Markup, escape

from immunograde.web import i18n, i18n_glossary, i18n_reasons, i18n_statements

PER_1000 = re.compile(r"(?<=[>\s(])(\d+) per 1000\b")
RANGE = re.compile(r"\((-?[\d.]+) to (-?[\d.]+)\)")
#: the relative effect: "RR 0.85 (0.72 to 0.99)" (measure names as metafor's, grading/sof.py)
ESTIMATE = re.compile(r"(?<=>)([A-Z]{2,4}) (-?[\d.]+) \((-?[\d.]+) to (-?[\d.]+)\)")
ROW = re.compile(r'<th scope="row">([^<]*)</th>')  # the outcome, "name (follow-up: time)"
FOLLOW_UP = re.compile(r"^(?P<name>.+) \(follow-up: (?P<time>.+)\)$")
CELL = re.compile(r"<td>([^<]*)</td>")  # the Comment column holds the statement
TR = re.compile(r"<tr data-question-id=.*?</tr>", re.S)  # a body row
TD = re.compile(r"<td>")
DESIGN = re.compile(r"(?<=>)([\d,]+|—) \((\d+) (RCT|study|studies|RCTs)\)(?=[<\s])")
PLURALS = {
    "RCT": ("%(count)s RCT", "%(count)s RCTs"),
    "study": ("%(count)s study", "%(count)s studies"),
}
MOVED = {"rated down": ("rated down %(count)s level", "rated down %(count)s levels"),
         "rated up": ("rated up %(count)s level", "rated up %(count)s levels")}  # fmt: skip


FOOTNOTE = re.compile(r'(<li value="\d+"><b>[^<]*</b> )([^<]*?\):) ([^<]*)(</li>)')


def _footnote(m: re.Match[str]) -> str:
    """A footnote's reason in the reader's language; a reason of another form is marked as English."""
    reason = unescape(m.group(3))
    translated = i18n_reasons.translate(reason)
    body = (
        escape(translated)
        if translated != reason
        else Markup('<span lang="en">{}</span>').format(reason)
    )
    return f"{m.group(1)}{m.group(2)} {body}{m.group(4)}"


def _plural(pair: tuple[str, str], n: int) -> str:
    return i18n.ngettext(pair[0], pair[1], n) % {"count": n}


def _outcome(text: str) -> str:
    found = FOLLOW_UP.match(text)
    if found and i18n_glossary.outcome(found["name"]) != found["name"]:
        follow_up = i18n.gettext("follow-up: %(time)s") % {
            "time": i18n_glossary.time_point(found["time"])
        }
        return f"{i18n_glossary.outcome(found['name'])} ({follow_up})"
    return str(i18n_glossary.outcome(text))


def _design(m: re.Match[str]) -> str:
    kind = "RCT" if m.group(3).startswith("RCT") else "study"
    digits = m.group(1).replace(",", "")
    participants = (
        i18n.number(int(digits), ",d") if digits.isdigit() else m.group(1)
    )  # «16 954»; «—»
    return f"{participants} ({escape(_plural(PLURALS[kind], int(m.group(2))))})"


def translate(
    html: Markup | str, name: str | None = None, substance_id: str | None = None
) -> Markup:
    """Template filter ``sof(name, id)``: the stored SoF table in the reader's language (English:
    unchanged); ``name`` / ``id``: the page's substance, named in that language in the statements."""
    if not html:
        return Markup(html)
    if i18n.current() == i18n.DEFAULT:
        return Markup(_label_cells(str(html)))
    from immunograde.evidence.rules import SOF_HEADERS as HEADERS
    from immunograde.evidence.rules import load_rules
    from immunograde.evidence.sof_rows import DOMAIN_TITLES

    out = str(html)
    for h in HEADERS:
        out = out.replace(
            f'<th scope="col">{escape(h)}</th>', f'<th scope="col">{escape(i18n.tr(h))}</th>'
        )
    for level in load_rules().certainty_levels["levels"].values():
        out = out.replace(
            f"{level['symbol']} {level['label']}", f"{level['symbol']} {i18n.tr(level['label'])}"
        )
    out = PER_1000.sub(
        lambda m: str(escape(i18n.gettext("%(n)s per 1000") % {"n": m.group(1)})), out
    )
    out = ESTIMATE.sub(
        lambda m: f"{m.group(1)} {escape(i18n.estimate(m.group(2), m.group(3), m.group(4)))}", out
    )  # "RR 0,85 (0,72–0,99)": decimal commas, the interval with a dash
    out = RANGE.sub(
        lambda m: (
            "("
            + str(
                escape(
                    i18n.gettext("%(low)s to %(high)s")
                    % {"low": i18n.number(m.group(1)), "high": i18n.number(m.group(2))}
                )
            )
            + ")"
        ),
        out,
    )
    out = DESIGN.sub(_design, out)
    out = ROW.sub(lambda m: f'<th scope="row">{escape(_outcome(unescape(m.group(1))))}</th>', out)
    out = CELL.sub(
        lambda m: (
            f"<td>{escape(i18n_statements.translate(unescape(m.group(1)), name, substance_id))}</td>"
        ),
        out,
    )
    out = FOOTNOTE.sub(_footnote, out)
    for title in DOMAIN_TITLES.values():
        for moved, pair in MOVED.items():
            for n in (1, 2, 3):
                english = f"{title} ({moved} {n} level{'s' if n > 1 else ''}):"
                out = out.replace(
                    f"{escape(english)}", f"{escape(i18n.tr(title))} ({escape(_plural(pair, n))}):"
                )
    return Markup(_label_cells(out))  # from the stored (escaped) HTML and escaped translations


def _label_cells(html: str) -> str:
    """Each row's cells get their column's heading as ``data-label`` (in the reader's language): a phone
    shows the table one outcome at a time, each value after its label (style.css)."""
    from immunograde.evidence.rules import SOF_HEADERS as HEADERS

    labels = [str(escape(i18n.tr(h))) for h in HEADERS[1:]]

    def row(m: re.Match[str]) -> str:
        cells = iter(labels)
        return TD.sub(lambda _: f'<td data-label="{next(cells, "")}">', m.group(0))

    return TR.sub(row, html)


def entries() -> list[tuple[str | tuple[str, str], str]]:
    """The messages :func:`translate` uses, for the catalogue (msgid, comment)."""
    from immunograde.evidence.rules import SOF_HEADERS as HEADERS
    from immunograde.evidence.sof_rows import DOMAIN_TITLES

    out: list[tuple[str | tuple[str, str], str]] = [
        (h, "Summary of Findings column") for h in HEADERS
    ]
    out += [(t, "Summary of Findings footnote: domain") for t in DOMAIN_TITLES.values()]
    out += [("%(n)s per 1000", "Summary of Findings: absolute risk"),
            ("%(low)s to %(high)s", "a range (95% CI)")]  # fmt: skip
    out += [(pair, "Summary of Findings: participants (trials)") for pair in PLURALS.values()]
    out += [(pair, "Summary of Findings footnote: how the rating moved") for pair in MOVED.values()]
    out += [("follow-up: %(time)s", "Summary of Findings: the outcome's follow-up time")]
    return out

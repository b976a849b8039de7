"""Curators' notes and data sources in plain words: no repository file paths in page text (issue 18).

A substance's ``notes`` are written by tools/seed_catalogue.py for reviewers and name the files a name
or class came from.  On the page each sentence of a known form is said in plain words, in the
reader's language (catalogue messages); a sentence of another form is shown as written.  The JSON
twins keep the notes and the file paths as stored.

A trial's source is named on the page by its data set's citation (``data/sources``), shortened to
the publication (:func:`source_title`); the file and row stay in the JSON twin.
"""

from __future__ import annotations

import re
from typing import Any

from immunograde.web import i18n

# (pattern, message): the message takes the pattern's named groups
NOTES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), m)
    for p, m in (
        (r"^brand_names: EMA medicine names \(products/ema\.yaml, source rows there\)\.$",
         "Brand names: the names of the European Medicines Agency's medicines (see Products and "
         "forms)."),
        (r"^No WHO ATC code; class assigned by ImmunoGrade editors \([\w/.]+\)\.$",
         "No WHO ATC code: the class was assigned by ImmunoGrade's editors."),
        (r"^Composition as named by the source list only\.$",
         "Composition as named by the source list only."),
        (r"^Named after the product: the source does not name an active substance\.$",
         "Named after the product: the source does not name an active substance."),
        (r"^Producer \(source\): (?P<producer>.+)$", "Producer, as the source names it: %(producer)s"),
        (r"^US brand names: Medicare Part D spending by brand \([\w/.]+\), where the generic name is "
         r"this substance's\.$",
         "US brand names: from Medicare Part D spending by brand, where the generic name is this "
         "substance's."),
        (r"^Names from unproven_lists/[\w/.]+ row (?P<row>\d+) \((?P<name>'[^']*')\), matched by "
         r"INN/ATC name\.$",
         "Names from the lists of drugs with unproven efficacy (row %(row)s, %(name)s), matched by "
         "the INN or the ATC name."),
        (r"^Names from unproven_lists/[\w/.]+ row (?P<row>\d+) \((?P<name>'[^']*')\), linked to this "
         r"ATC substance by a quoted source (?P<quote>.+)$",
         "Names from the lists of drugs with unproven efficacy (row %(row)s, %(name)s), linked to "
         "this ATC substance by a quoted source %(quote)s"),
    )
)  # fmt: skip
SENTENCE = re.compile(r"(?<=\.)\s+(?=[A-ZА-Я])")
# a repository path in brackets after the name of what it holds: "Cochrane extraction (trials/x.csv)"
PATH_IN_BRACKETS = re.compile(
    r"\s*\((?:[\w.-]+/)*[\w.-]+\.(?:py|yaml|yml|csv|tsv|json|duckdb)(?:,? row \d+)?\)"
)


def without_paths(text: Any) -> Any:
    """Template filter ``without_paths``: data text (a search log's sources) without the bracketed
    repository paths after a source's name."""
    return PATH_IN_BRACKETS.sub("", text) if isinstance(text, str) else text


def substance_note(text: Any) -> Any:
    """Template filter ``note``: a curator's note in plain words and the reader's language."""
    if not isinstance(text, str) or not text:
        return text
    out = []
    for sentence in SENTENCE.split(text.strip()):
        for pattern, message in NOTES:
            found = pattern.match(sentence)
            if found:
                sentence = i18n.gettext(message) % found.groupdict()
                break
        out.append(without_paths(sentence))
    return " ".join(out)


def source_title(citation: str | None) -> str | None:
    """A data set's citation shortened to what a reader recognises: the publication after
    "Publication:" / "Original:" (authors, journal, year), a Cochrane review's number, else the
    citation's first sentence."""
    if not citation:
        return None
    published = re.search(r"(?:Publication|Original): (.+?)(?:;|\(|$)", citation)
    if published:
        return published.group(1).strip().rstrip(".,")
    cochrane = re.match(r"(Cochrane Database Syst Rev, CD\d+(?:\.pub\d+)?):", citation)
    if cochrane:
        return cochrane.group(1)
    return re.split(r"(?<=[a-z)])\. | commit ", citation, maxsplit=1)[0].rstrip(".,")


def messages() -> list[tuple[str, str]]:
    """The catalogue entries this module uses (msgid, comment)."""
    return [(m, "a curator's note on a substance page, in plain words") for _, m in NOTES]

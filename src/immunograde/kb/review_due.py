"""Records and spec files whose ``next_review`` date has passed: warnings, not errors.

A reviewed record stays valid after its review date, but someone should look at it again.
:func:`overdue` lists every such record (data files and ``data/specs``) with file, line and id; ``kb check``
prints them as warnings (``--format json``: the ``review_due`` list) and still exits 0 when there is no
error.  Today's date comes from the clock unless a date is passed (tests, ``kb check --today``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from immunograde.errors import Msg
from immunograde.kb.loader import Located


@dataclass(frozen=True)
class ReviewDue:
    """One record whose next review is due: where it is, what it is, and since when."""

    file: str
    line: int | None
    kind: str
    id: str
    next_review: dt.date

    def __str__(self) -> str:
        return self.render()

    def render(self, translate: Callable[[str], str] = str) -> str:
        """``file:line: kind id: next_review … has passed``, the sentence through ``translate`` (the
        reader's language: ``web/i18n.py message``)."""
        where = self.file + (f":{self.line}" if self.line is not None else "")
        passed = Msg("next_review %(date)s has passed", date=self.next_review.isoformat())
        return f"{where}: {self.kind} {self.id}: {translate(passed)}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "kind": self.kind,
            "id": self.id,
            "next_review": self.next_review.isoformat(),
        }


def record_id(record: Any) -> str:
    """A record's id; regulatory rows (no id) are named by substance, agency and country."""
    rid = getattr(record, "id", None)
    if rid is not None:
        return str(rid)
    return "/".join(str(getattr(record, k, "")) for k in ("substance", "agency", "country"))


def overdue(
    located: Iterable[tuple[str, Located[Any]]], today: dt.date | None = None
) -> list[ReviewDue]:
    """Every ``(kind, record)`` whose ``next_review`` is before ``today`` (default: the clock's date)."""
    day = today or dt.date.today()
    out = [
        ReviewDue(loc.file, loc.line_of("next_review"), kind, record_id(loc.record), due)
        for kind, loc in located
        if (due := loc.record.next_review) < day
    ]
    return sorted(out, key=lambda r: (r.file, r.line or 0, r.id))

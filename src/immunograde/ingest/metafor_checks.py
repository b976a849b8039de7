"""Value rules of the metafor-column CSV reader (:mod:`.metafor_csv`), vectorised over the rows.

Per column (every present cell): counts whole and >= 0, group sizes whole and >= 1, standard
deviations > 0, sampling variances and standard errors above a floor, correlations in [-1, 1].
Per row: the input form (the first complete column set of :data:`FORMS`), and within it events <=
group size, ``ai + bi >= 1``, ``n1i = ai + bi`` when both are given, and ``ci_low <= estimate <=
ci_high`` with ``ci_low < ci_high``.  Problems are appended with file, line and column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from immunograde.errors import Msg, Problem

FloatArray = NDArray[np.float64]
MAX_PROBLEMS = 50
VI_MIN = 1e-30  #: smallest sampling variance (a smaller one gives one study all the weight)
SEI_MIN = 1e-15  #: smallest standard error (``VI_MIN ** 0.5``)
FORMS: dict[str, tuple[tuple[str, ...], ...]] = {
    "binary": (("ai", "n1i", "ci", "n2i"), ("ai", "bi", "ci", "di")),
    "continuous": (("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),),
    "generic": (("yi", "vi"), ("yi", "sei")),
    "estimate": (("estimate", "ci_low", "ci_high"),),
    "correlation": (("ri", "ni"),),
}
FORM_NAMES = tuple(FORMS)
FORMS_TEXT = " | ".join(",".join(cols) for alts in FORMS.values() for cols in alts)

_Rule = tuple[Callable[[FloatArray], NDArray[np.bool_]], Msg]
_WHOLE = Msg("a count must be a whole number")
#: column -> rules (a cell is refused where the test is True), with the message
RULES: dict[str, tuple[_Rule, ...]] = {
    **{c: ((lambda x: x < 0, Msg("a count must not be negative")),
           (lambda x: x != np.floor(x), _WHOLE)) for c in ("ai", "bi", "ci", "di")},
    **{c: ((lambda x: x < 1, Msg("a group size must be at least 1")),
           (lambda x: x != np.floor(x), Msg("a group size must be a whole number")))
       for c in ("n1i", "n2i", "ni")},
    **{c: ((lambda x: x <= 0, Msg("a standard deviation must be > 0")),) for c in ("sd1i", "sd2i")},
    "vi": ((lambda x: x <= 0, Msg("a sampling variance must be > 0")),
           (lambda x: x < VI_MIN, Msg("a sampling variance below %(limit)s would give this study "
                                      "all the weight", limit=format(VI_MIN, "g")))),
    "sei": ((lambda x: x <= 0, Msg("a standard error must be > 0")),
            (lambda x: x < SEI_MIN, Msg("a standard error below %(limit)s would give this study "
                                        "all the weight", limit=format(SEI_MIN, "g")))),
    "ri": ((lambda x: np.abs(x) > 1, Msg("not a correlation (|ri| > 1)")),),
}  # fmt: skip


def check_values(
    numbers: dict[str, FloatArray],
    lines: Sequence[int],
    label: str,
    problems: list[Problem],
    skip: NDArray[np.bool_],
) -> NDArray[np.int8]:
    """Check every value and row; return each row's form (index into :data:`FORM_NAMES`, -1 none).

    Rows in ``skip`` (a cell already refused), and rows where a value breaks its column's rule, get
    no form check: one problem per cause.
    """
    flag = _Flagger(problems, lines, label)
    skip = skip.copy()
    for name, values in numbers.items():
        todo = ~np.isnan(values)  # each cell gets the first rule it breaks
        for test, message in RULES.get(name, ()):
            with np.errstate(invalid="ignore"):
                bad = todo & test(np.where(todo, values, 1.0))
            todo &= ~bad
            skip |= bad
            flag(
                bad,
                name,
                [
                    Msg("%(rule)s: %(value)s", rule=message, value=format(values[i], "g"))
                    for i in _first(bad, problems)
                ],
            )
    forms = row_forms(numbers)
    none = (forms < 0) & ~skip
    none_text = Msg("no complete set of outcome columns; need one of %(forms)s", forms=FORMS_TEXT)
    flag(none, None, [none_text] * _n(none))
    _cross(numbers, np.where(skip, np.int8(-1), forms), flag)
    return forms


def row_forms(numbers: dict[str, FloatArray]) -> NDArray[np.int8]:
    """Each row's input form: the first complete column set in :data:`FORMS` (-1: none)."""
    k = len(next(iter(numbers.values()))) if numbers else 0
    present = {c: ~np.isnan(a) for c, a in numbers.items()}
    out = np.full(k, -1, dtype=np.int8)
    for code, alternatives in enumerate(FORMS.values()):
        for cols in alternatives:
            if all(c in present for c in cols):
                full = np.logical_and.reduce([present[c] for c in cols])
                out[(out < 0) & full] = code
    return out


def _first(mask: NDArray[np.bool_], problems: list[Problem]) -> NDArray[np.intp]:
    """The rows of ``mask`` that still fit under the cap of reported problems."""
    return np.flatnonzero(mask)[: max(0, MAX_PROBLEMS - len(problems))]


def _n(mask: NDArray[np.bool_]) -> int:
    return int(np.count_nonzero(mask))


class _Flagger:
    """Appends one problem per flagged row (up to the cap), with its line and column."""

    def __init__(self, problems: list[Problem], lines: Sequence[int], label: str) -> None:
        self.problems, self.lines, self.label = problems, lines, label

    def __call__(self, mask: NDArray[np.bool_], field: str | None, messages: list[Msg]) -> None:
        for i, message in zip(_first(mask, self.problems), messages, strict=False):
            self.problems.append(Problem(message, self.label, self.lines[int(i)], field))


def _cross(n: dict[str, FloatArray], forms: NDArray[np.int8], flag: _Flagger) -> None:
    """Rules between the columns of the form each row uses."""
    nan = np.full(forms.size, np.nan)
    binary = forms == FORM_NAMES.index("binary")
    with np.errstate(invalid="ignore"):
        for e, r, t in (("ai", "bi", "n1i"), ("ci", "di", "n2i")):
            ev, rest, tot = n.get(e, nan), n.get(r, nan), n.get(t, nan)
            over = binary & (ev > tot)
            flag(over, e, [Msg("%(e)s (%(ev)s) is larger than %(t)s (%(tot)s)", e=e,
                               ev=format(ev[i], "g"), t=t, tot=format(tot[i], "g"))
                           for i in np.flatnonzero(over)])  # fmt: skip
            sums = binary & ~over & ~np.isnan(tot) & ~np.isnan(rest) & (tot != ev + rest)
            flag(sums, t, [Msg("%(t)s (%(tot)s) is not %(e)s + %(r)s (%(sum)s)", t=t,
                               tot=format(tot[i], "g"), e=e, r=r, sum=format(ev[i] + rest[i], "g"))
                           for i in np.flatnonzero(sums)])  # fmt: skip
            nobody = binary & np.isnan(tot) & (ev + rest < 1)
            flag(nobody, r, [Msg("the group has no participants (%(e)s + %(r)s = 0)", e=e, r=r)]
                 * _n(nobody))  # fmt: skip
        est = forms == FORM_NAMES.index("estimate")
        x, lo, hi = n.get("estimate", nan), n.get("ci_low", nan), n.get("ci_high", nan)
        outside = est & ~((lo <= x) & (x <= hi))
        flag(outside, "estimate", [
            Msg("estimate (%(x)s) is not inside [ci_low, ci_high] = [%(lo)s, %(hi)s]",
                x=format(x[i], "g"), lo=format(lo[i], "g"), hi=format(hi[i], "g"))
            for i in np.flatnonzero(outside)])  # fmt: skip
        flat = est & ~outside & (lo == hi)
        flag(flat, "ci_high", [Msg("ci_low equals ci_high: an interval of zero width gives no "
                                   "standard error")] * _n(flat))  # fmt: skip


def storable(names: list[str], known: tuple[str, ...], label: str, problems: list[Problem]) -> None:
    """A stored table has a ``study`` column and only columns the table can hold."""
    if "study" not in names:
        problems.append(Problem(Msg("missing required column 'study'"), label, 1, "study"))
    for name in names:
        if name and name not in known and not any(p.field == name for p in problems):
            problems.append(Problem(
                Msg("column %(name)s cannot be stored (import csv keeps study, year and metafor's "
                    "columns: %(known)s); remove it (`immunograde meta --by %(by)s` groups by such "
                    "a column)", name=repr(name), known=", ".join(known[2:]), by=name),
                label, 1, name))  # fmt: skip


def unique_labels(
    study: list[str], year: list[int | None], lines: list[int], label: str, problems: list[Problem]
) -> None:
    """Each row's label ``slab`` (metafor's name: ``"study, year"`` or ``study``) is unique."""
    seen: dict[str, int] = {}
    for name, yr, line in zip(study, year, lines, strict=True):
        name = name.strip()
        if not name:
            problems.append(Problem(Msg("study name is empty"), label, line, "study"))
            continue
        slab = f"{name}, {yr}" if yr else name
        if slab in seen:
            problems.append(
                Problem(
                    Msg(
                        "study %(slab)s already on line %(line)s", slab=repr(slab), line=seen[slab]
                    ),
                    label,
                    line,
                    "study",
                )
            )
        seen.setdefault(slab, line)


def slab(study: str, year: int | None) -> str:
    """metafor's study label: ``"study, year"``, or ``study`` when there is no year."""
    return f"{study}, {year}" if year else study

"""Is a recorded number in its verbatim quote?  The check behind "every number traces to a sentence".

:func:`numbers_in` reads every number a quote can be read as, allowing the usual ways of writing one:
thousands separators (``1,036``, ``1 036``, ``1 036`` with a no-break or thin space), a decimal comma
(``3,5`` in Russian text), a leading decimal point (``.05``), Unicode minus signs and "±".  A written
number that could be read two ways (``1,036``: one thousand and thirty-six, or 1.036) yields both.
Signs are ignored: a recorded ``-0.5`` matches "0.5 days shorter", because which arm is group 1 is the
record's convention, not the source's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_SEP = "[ ,\u00a0\u202f\u2009']"
_NUMBER = re.compile(
    rf"(?<![\d.,])(\d{{1,3}}(?:{_SEP}\d{{3}})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?|[.,]\d+)"
)


def _readings(token: str) -> set[float]:
    """Every value a written number can mean."""
    out: set[float] = set()
    grouped = re.fullmatch(rf"(\d{{1,3}}(?:{_SEP}\d{{3}})+)(?:[.,](\d+))?", token)
    if grouped:
        whole = re.sub(_SEP, "", grouped.group(1))
        out.add(float(whole + ("." + grouped.group(2) if grouped.group(2) else "")))
        parts = re.split(_SEP, grouped.group(1))  # "3 145" may be two numbers, "1,036" may be 1.036
        out.update(float(p) for p in parts)
        if len(parts) == 2 and "," in token and not grouped.group(2):
            out.add(float(token.replace(",", ".")))
        return out
    out.add(float(token.replace(",", ".")))
    return out


def numbers_in(text: str) -> set[float]:
    """Every value the numbers written in ``text`` can be read as (absolute values)."""
    values: set[float] = set()
    for match in _NUMBER.finditer(text):
        values |= _readings(match.group(1))
    return values


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def missing_from_quote(numbers: Mapping[str, float], quote: str | Iterable[str]) -> list[str]:
    """Fields of ``numbers`` whose value is written nowhere in ``quote`` (one text or several)."""
    texts = [quote] if isinstance(quote, str) else list(quote)
    found: set[float] = set()
    for text in texts:
        found |= numbers_in(text)
    return [name for name, value in numbers.items() if not any(_same(abs(value), v) for v in found)]

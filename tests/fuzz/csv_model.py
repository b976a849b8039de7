"""metafor-column CSV inputs for the fuzz suite: seeds from examples/bcg.csv, structured mutations
whose effect the model knows, and an oracle that says which inputs must be refused.

The oracle restates the documented rules (src/immunograde/ingest/metafor_csv.py, module docstring)
independently of the reader, so that an input the reader accepts although a rule says no (a
repeated column, a negative count, events > n, a vanishing variance, NaN, ...) is caught as a
*silently wrong* result.  Accepted inputs are also compared with the same table written cleanly
(comma-separated, no BOM, plain numbers): the result must be identical.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from hypothesis import strategies as st

from immunograde.settings import project_home

BCG = project_home() / "examples" / "bcg.csv"
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
COUNTS, SIZES = ("ai", "bi", "ci", "di"), ("n1i", "n2i", "ni")
FORMS = {
    "binary_ab": ("ai", "bi", "ci", "di"),
    "binary_n": ("ai", "n1i", "ci", "n2i"),
    "generic_vi": ("yi", "vi"),
    "generic_sei": ("yi", "sei"),
    "estimate": ("estimate", "ci_low", "ci_high"),
}
MEASURE = {"binary_ab": "OR", "binary_n": "RR", "generic_vi": "GEN", "generic_sei": "GEN",
           "estimate": "HR"}  # fmt: skip


@dataclass
class Table:
    form: str
    header: list[str]
    rows: list[list[str]]
    delimiter: str = ","
    bom: bool = False
    newline: str = "\n"
    blank_lines: int = 0
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=self.delimiter, lineterminator=self.newline)
        w.writerow(self.header)
        for i, row in enumerate(self.rows):
            w.writerow(row)
            if i < self.blank_lines:
                buf.write(self.newline)
        return ("\ufeff" if self.bom else "") + buf.getvalue()

    def data(self) -> bytes:
        return self.text().encode("utf-8")


def seeds() -> dict[str, Table]:
    """The BCG trials (examples/bcg.csv, metafor's dat.bcg) in each input form."""
    with open(BCG, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out: dict[str, Table] = {}
    base = [[r["study"], r["year"]] for r in rows]
    cells = [[int(r[c]) for c in COUNTS] for r in rows]
    out["binary_ab"] = Table(
        "binary_ab",
        ["study", "year", *COUNTS],
        [b + [str(x) for x in c] for b, c in zip(base, cells, strict=True)],
    )
    out["binary_n"] = Table("binary_n", ["study", "year", "ai", "n1i", "ci", "n2i"],
                            [[*b, str(a), str(a + bb), str(c), str(c + d)]
                             for b, (a, bb, c, d) in zip(base, cells, strict=True)])  # fmt: skip
    yi = [math.log(a * d / (bb * c)) for a, bb, c, d in cells]
    vi = [1 / a + 1 / bb + 1 / c + 1 / d for a, bb, c, d in cells]
    out["generic_vi"] = Table(
        "generic_vi",
        ["study", "year", "yi", "vi"],
        [[*b, repr(y), repr(v)] for b, y, v in zip(base, yi, vi, strict=True)],
    )
    out["generic_sei"] = Table("generic_sei", ["study", "yi", "sei"],
                               [[b[0], repr(y), repr(math.sqrt(v))]
                                for b, y, v in zip(base, yi, vi, strict=True)])  # fmt: skip
    out["estimate"] = Table("estimate", ["study", "estimate", "ci_low", "ci_high"],
                            [[b[0], f"{math.exp(y):.4g}", f"{math.exp(y - 1.96 * math.sqrt(v)):.4g}",
                              f"{math.exp(y + 1.96 * math.sqrt(v)):.4g}"]
                             for b, y, v in zip(base, yi, vi, strict=True)])  # fmt: skip
    return out


SEEDS = seeds()
WEIRD = ["nan", "inf", "-inf", "Infinity", "1e400", "-1e400", "1e-400", "1e-160", "-1", "-0", "0",
         "1.5", "9" * 25, "", " ", "NA", "null", "²", "１２", "1,5", "0x10", "1_000", "+3", ".",
         "1e", "\u00a0", "x" * 1500, "1e15", "1e16", "2e-30", "1e-31", "1e-14", "2", "250", "0.5",
         "-0.5", " 7 ", "3.0", "1e3", "2025", "1799", "2101", "\u202e1"]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, forms: tuple[str, ...] = tuple(FORMS)) -> Table:
    """A seed with 1-4 structured changes the oracle can judge."""
    t = SEEDS[draw(st.sampled_from(forms))]
    t = replace(t, header=list(t.header), rows=[list(r) for r in t.rows], notes=[])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["cell", "cell", "cell", "events>n", "dup-column", "case",
                                     "delimiter", "bom", "crlf", "blank", "drop-row", "extra-field",
                                     "long-study", "same-study", "swap"]))  # fmt: skip
        r = draw(st.integers(0, len(t.rows) - 1))
        c = draw(st.integers(0, len(t.header) - 1))
        if kind == "cell":
            t.rows[r][c] = draw(st.sampled_from(WEIRD))
        elif kind == "events>n" and t.form == "binary_n":
            col = draw(st.sampled_from([2, 4]))  # ai (n1i beside it) or ci (n2i)
            if t.rows[r][col + 1].isdigit() and len(t.rows[r]) == len(t.header):
                t.rows[r][col] = str(int(t.rows[r][col + 1]) + draw(st.integers(1, 100)))
        elif kind == "dup-column" and len(t.header) > 2:
            t.header[c] = t.header[draw(st.integers(0, len(t.header) - 1))]
        elif kind == "case":
            t.header[c] = t.header[c].upper()
        elif kind == "delimiter":
            t.delimiter = draw(st.sampled_from([";", "\t", "|", ","]))
        elif kind == "bom":
            t.bom = True
        elif kind == "crlf":
            t.newline = "\r\n"
        elif kind == "blank":
            t.blank_lines = draw(st.integers(1, 3))
        elif kind == "drop-row" and len(t.rows) > 1:
            del t.rows[r]
        elif kind == "extra-field":
            t.rows[r].append("1")
        elif kind == "long-study":
            t.rows[r][0] = "S" * draw(st.sampled_from([1000, 1001, 140_000]))
        elif kind == "same-study":
            t.rows[r][: 2 if "year" in t.header else 1] = t.rows[0][
                : 2 if "year" in t.header else 1
            ]
        elif kind == "swap" and len(t.header) > 2:
            j = draw(st.integers(0, len(t.header) - 1))
            t.header[c], t.header[j] = t.header[j], t.header[c]
        t.notes.append(kind)
    return t


# -- the oracle ------------------------------------------------------------------------------------


def _num(text: str) -> float | str | None:
    """A cell as the rules read it: a float, None (missing), or "bad"."""
    text = text.strip()
    if text in ("", "NA"):
        return None
    if not _NUMBER.fullmatch(text):
        return "bad"
    x = float(text)
    return x if math.isfinite(x) and abs(x) <= 1e15 else "bad"


def _cell_ok(col: str, x: float) -> bool:
    whole = x == math.floor(x)
    if col in COUNTS:
        return whole and x >= 0
    if col in SIZES:
        return whole and x >= 1
    if col == "vi":
        return x >= 1e-30
    if col == "sei":
        return x >= 1e-15
    return True


def must_refuse(t: Table, *, store: bool, measure: str | None = None) -> str | None:
    """Why the documented rules refuse ``t`` (None: they accept it)."""
    h = t.header
    if t.delimiter == "|":
        return "pipe delimiter"
    if len(set(h)) != len(h):
        return "repeated column"
    known = {"study", "year", *FORMS[t.form]}
    if not set(FORMS[t.form]) <= set(h) or not set(h) <= known:
        return "columns"
    if any(len(r) != len(h) for r in t.rows):
        return "field count"
    seen = set()
    for r in t.rows:
        cells = dict(zip(h, r, strict=True))
        if len(cells.get("study", "")) > 1000:
            return "long text"
        if store and not cells["study"].strip():
            return "empty study"
        year = _num(cells.get("year", ""))
        if year == "bad" or (
            isinstance(year, float) and not (year.is_integer() and 1800 <= year <= 2100)
        ):
            return "year"
        nums = {c: _num(cells[c]) for c in FORMS[t.form]}
        if any(v is None or v == "bad" for v in nums.values()):
            return "number"
        v: dict[str, float] = nums  # type: ignore[assignment]
        if not all(_cell_ok(c, x) for c, x in v.items()):
            return "value"
        if t.form == "binary_n" and (v["ai"] > v["n1i"] or v["ci"] > v["n2i"]):
            return "events > n"
        if t.form == "binary_ab" and (v["ai"] + v["bi"] < 1 or v["ci"] + v["di"] < 1):
            return "empty group"
        if t.form == "estimate":
            if not (v["ci_low"] <= v["estimate"] <= v["ci_high"] and v["ci_low"] < v["ci_high"]):
                return "interval"
            if measure in ("HR", "OR", "RR") and min(v.values()) <= 0:
                return "ratio"
        slab = (cells["study"].strip(), year)
        if store and slab in seen:
            return "repeated study"
        seen.add(slab)
    return None


def canonical(t: Table) -> Table:
    """The same table written plainly: commas, no BOM, numbers as Python writes them."""
    rows = []
    for r in t.rows:
        out = []
        for name, cell in zip(t.header, r, strict=True):
            x = _num(cell) if name not in ("study",) else None
            out.append(cell if name == "study" else ("" if x is None else
                       str(int(x)) if name == "year" else repr(x)))  # type: ignore[arg-type]  # fmt: skip
        rows.append(out)
    return Table(t.form, list(t.header), rows)


def write(t: Table, folder: Path, name: str = "input.csv", data: bytes | None = None) -> Path:
    path = folder / name
    path.write_bytes(t.data() if data is None else data)
    return path

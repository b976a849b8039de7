"""Australian PBS scripts and cost by ATC level 2, monthly (the tsibbledata ``PBS`` table as CSV).

Columns ``Month (YYYY-MM), Concession, Type, ATC1, ATC1_desc, ATC2, ATC2_desc, Scripts, Cost``; one figure
per row for ``scripts`` and one for ``cost`` (AUD).  A row is a whole ATC level-2 group (every substance
in it), so it maps to a catalogue class, never to one substance: the caveat says so.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from immunograde.errors import InputError, Msg
from immunograde.ingest.market_rows import Figures, check_header, number

COLUMNS = ["Month", "Concession", "Type", "ATC2", "ATC2_desc", "Scripts", "Cost"]
CLASS_TOTAL = "total of the whole ATC level-2 group (all its substances), not one product"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def read_pbs_csv(path: Path, label: str) -> Figures:
    figures = Figures("au_pbs", label)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        if not check_header(header, COLUMNS, figures):
            raise InputError(figures.problems)
        col = {name: i for i, name in enumerate(header)}
        for row in reader:
            line = reader.line_num
            if len(row) < len(header):
                figures.problem(
                    Msg("%(n)s fields, expected %(n2)s", n=len(row), n2=len(header)),
                    line=line,
                    field=None,
                )
                continue
            month = row[col["Month"]].strip()
            m = _MONTH.match(month)
            if not m:
                figures.problem(
                    Msg("expected YYYY-MM, got %(month)s", month=repr(month)),
                    line=line,
                    field="Month",
                )
                continue
            atc2 = row[col["ATC2"]].strip()
            if not re.fullmatch(r"[A-Z]\d{2}", atc2):
                figures.problem(
                    Msg("not an ATC level-2 code: %(atc2)s", atc2=repr(atc2)),
                    line=line,
                    field="ATC2",
                )
                continue
            common = dict(year=int(m.group(1)), period=month, name=row[col["ATC2_desc"]].strip(),
                          code=atc2, route="unknown", caveat=CLASS_TOTAL,
                          description=f"{row[col['Concession']].strip()} / {row[col['Type']].strip()}")  # fmt: skip
            for label_, metric, unit in (
                ("Scripts", "scripts", "scripts"),
                ("Cost", "cost", "AUD"),
            ):
                raw = row[col[label_]]
                value = number(raw, figures, line=line, field=label_)
                if value is not None:
                    figures.add(line=line, metric=metric, value=value, unit=unit,
                                value_as_printed=raw, **common)  # fmt: skip
    return figures

"""Workbench glue (filled in when the CSV reader lands)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

LIMITS = {"max_bytes": 512 * 1024, "max_rows": 2000, "max_seconds": 10}


class WorkbenchRequest(BaseModel):
    csv_text: str
    measure: str = "OR"
    method: str = "REML"
    test: str = "z"


def empty_page() -> dict[str, Any]:
    return {"limits": LIMITS, "options": {"measures": [], "methods": [], "tests": []}, "form": {}}

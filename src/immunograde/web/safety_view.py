"""Safety-signal data for substance pages (from :mod:`immunograde.safety`), with the caveat always shown."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from immunograde.safety.store import MIN_REPORTS, SAMPLE_REPORTS, signals_for_substance


def for_substance(substance_id: str, top: int = 10) -> dict[str, Any]:
    found = signals_for_substance(substance_id, limit=top)
    signals = [asdict(s) for s in found.signals]
    return {
        "status": found.status,
        "caveat": found.limits,  # what spontaneous reports can and cannot show (safety.store.LIMITS)
        "n_reports": found.n_reports,
        "sources": [
            Path(src).name for src in found.sources
        ],  # file names, not this machine's paths
        "signals": signals,
        "few_reports": found.few_reports,
        "min_reports": MIN_REPORTS,
        "sample": 0 < found.n_reports < SAMPLE_REPORTS,
        "plot": f"/plots/substances/{substance_id}/signals.svg" if signals else None,
    }

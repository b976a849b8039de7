"""Safety-signal data for substance pages (from :mod:`immunograde.safety`), with the caveat always shown."""

from __future__ import annotations

from typing import Any


def for_substance(substance_id: str, caveat: str, top: int = 10) -> dict[str, Any]:
    try:
        from immunograde.safety import signals as safety_signals
    except ImportError:  # the safety module is being built in parallel (issue 6)
        return {
            "status": "safety module not installed",
            "caveat": caveat,
            "signals": [],
            "plot": None,
            "source": None,
        }
    result = safety_signals.signals_for_substance(substance_id)
    signals = [s for s in result.signals][:top]
    plot = f"/plots/substances/{substance_id}/signals.svg" if signals else None
    return {
        "status": result.status,
        "caveat": caveat,
        "signals": signals,
        "plot": plot,
        "source": result.source,
    }

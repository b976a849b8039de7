"""Interferon questions (publications; hand-extracted numbers stay verified: false)."""

from __future__ import annotations

from seed_evidence_common import Out


def read_interferons(out: Out) -> None:
    return None

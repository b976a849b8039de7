"""Prescribing and sales figures set beside the evidence: import, name mapping, measures."""

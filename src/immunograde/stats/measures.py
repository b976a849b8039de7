"""The measure vocabulary, once: which effect measures are ratios (pooled on the log scale and shown
back-transformed), and the default measure for each input form.

Names are metafor's ``measure`` values.  ``PLO`` (log odds of a proportion) and ``PETO`` are on the
log scale too; ``HR`` is a reported ratio (``estimate, ci_low, ci_high`` or ``yi = log HR``).
"""

from __future__ import annotations

#: measures analysed on the log scale and shown as ratios (exp of the estimate)
RATIO_MEASURES = frozenset({"RR", "OR", "HR", "ROM", "IRR", "PETO", "PLO"})
#: measures computed from 2x2 counts
BINARY_MEASURES = frozenset({"RR", "OR", "RD", "PETO", "AS"})
#: measures computed from means and standard deviations
CONTINUOUS_MEASURES = frozenset({"MD", "SMD", "ROM"})
#: the measure used when none is named, per input form (as ``immunograde meta`` documents)
DEFAULT_MEASURE = {"binary": "OR", "continuous": "MD", "generic": "GEN", "estimate": "HR"}


def is_ratio(measure: str) -> bool:
    """True when ``measure`` is analysed on the log scale (``exp`` gives the ratio)."""
    return measure.upper() in RATIO_MEASURES

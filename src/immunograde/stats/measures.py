"""The measure vocabulary, once (metafor's ``measure`` names): which effect measures are ratios
(pooled on the log scale and shown back-transformed), which measures each input form can give, and
the default measure for each input form.

Every layer asks here: the effect-size adapters (:mod:`.escalc`), the pooling of a metafor-column
table (``immunograde meta``, the workbench), grading (is the effect judged on the log scale?) and the
plots (log axis, back-transformed labels).

* A **ratio** measure is analysed on the log scale and shown as ``exp(estimate)``: odds ratio
  (``OR``, also Peto's ``PETO``), risk ratio ``RR``, hazard ratio ``HR`` (a reported ratio:
  ``estimate, ci_low, ci_high`` or ``yi = log HR``), ratio of means ``ROM``, incidence rate ratio
  ``IRR``; ``PLO`` (log odds of a proportion) is on the log scale too.  Everything else is shown on
  its own scale (differences ``RD``, ``MD``, ``SMD``, ``AS``; correlations ``COR`` and Fisher's z
  ``ZCOR``; ``GEN`` for effect sizes given as ``yi``).
* An **input form** is a set of columns (their names are the CSV reader's,
  :mod:`immunograde.ingest.metafor_csv`); :data:`FORM_MEASURES` lists the measures each can give, the
  first being the default (metafor's ``escalc`` has none; these are the conventional choices: odds
  ratio for 2x2 tables, mean difference for means, Fisher's z for correlations, hazard ratio for
  reported estimates with confidence intervals).
"""

from __future__ import annotations

#: measures analysed on the log scale and shown as ratios (exp of the estimate)
RATIO_MEASURES = frozenset({"RR", "OR", "HR", "ROM", "IRR", "PETO", "PLO"})

#: input form -> measures it can give (first = default)
FORM_MEASURES: dict[str, tuple[str, ...]] = {
    "binary": ("OR", "RR", "RD", "PETO", "AS"),
    "continuous": ("MD", "SMD", "ROM"),
    "generic": ("GEN", "OR", "RR", "HR", "MD", "SMD", "RD"),
    "estimate": ("HR", "OR", "RR", "MD", "RD", "GEN"),
    "correlation": ("ZCOR", "COR"),
}
#: measures computed from 2x2 counts
BINARY_MEASURES = frozenset(FORM_MEASURES["binary"])
#: measures computed from means and standard deviations
CONTINUOUS_MEASURES = frozenset(FORM_MEASURES["continuous"])
#: the measure used when none is named, per input form (as ``immunograde meta`` documents)
DEFAULT_MEASURE = {form: measures[0] for form, measures in FORM_MEASURES.items()}
#: every measure a metafor-column table can be pooled as, in the order offered to users
OFFERED: tuple[str, ...] = tuple(dict.fromkeys(m for ms in FORM_MEASURES.values() for m in ms))


def is_ratio(measure: str) -> bool:
    """True when ``measure`` is analysed on the log scale (``exp`` gives the ratio)."""
    return measure.upper() in RATIO_MEASURES


def default_measure(form: str) -> str:
    """The measure a table of input form ``form`` is pooled as when none is chosen."""
    return DEFAULT_MEASURE[form]

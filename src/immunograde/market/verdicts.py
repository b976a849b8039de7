"""Which verdicts stand beside a spending figure, and under which certainty its money is counted.

Verdicts are read only through :mod:`immunograde.evidence.summary` (one :class:`VerdictSummary` per
substance x form x indication).  The rule, stated on the market page (:data:`RULE`):

1. **Form.** A figure's form is the route its source states (Part B HCPCS descriptions, BNF presentation
   names), else the route of the one catalogue product it names (for a brand name of several catalogue
   products, the route every catalogue product of the substance shares), else *not stated*.  A verdict applies
   to the figure only when its route is the same.  The evidence layer lists a product under a verdict the
   same way (equal routes; a product and a question that both leave the route unstated meet as "route not
   stated"), so neither the trials nor the spending stretch one form's evidence to another form.
2. **Several verdicts.** A product with verdicts for several indications is shown with all of them; its
   money is counted once, under the certainty of its best-evidenced indication (the highest certainty
   among the verdicts that apply).  The share of money on low, very-low or unknown certainty is therefore
   a lower bound.
3. **No single verdict.** A whole ATC group (PBS) or a combination product is counted as *mixed*: its
   money belongs to no one verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from immunograde.errors import NotFoundError
from immunograde.evidence.summary import VerdictSummary, substance_verdicts
from immunograde.kb.queries import KnowledgeBase

CERTAINTIES = ("high", "moderate", "low", "very_low")
BUCKETS = ("high", "moderate", "low", "very_low", "not_graded", "no_verdict_for_form", "mixed")
BUCKET_LABELS = {
    "high": "high certainty",
    "moderate": "moderate certainty",
    "low": "low certainty",
    "very_low": "very low certainty",
    "not_graded": "not graded: no controlled trial appraised here",
    "no_verdict_for_form": "no verdict for this form",
    "mixed": "class total or combination (no single verdict)",
}
#: buckets whose money goes to products whose benefit is rated low or very low, or is unknown
LOW_OR_UNKNOWN = ("low", "very_low", "not_graded", "no_verdict_for_form")
RULE = (
    "A figure's form is the route its source states (Medicare Part B HCPCS descriptions, NHS BNF "
    "presentation names), else the route of the one catalogue product it names (for a brand name of several "
    "catalogue products, the route every catalogue product of the substance shares), else 'not stated'. "
    "A verdict applies only when its route is the same (as the evidence layer lists products under "
    "verdicts: a product and a question that both leave the route unstated meet as 'route not stated'). "
    "A product with verdicts for several indications is shown with all of them and counted once, under "
    "its best-evidenced indication (the highest certainty among the verdicts that apply), so the share "
    "on low, very low or unknown certainty is a lower bound. Whole ATC groups (PBS) and combination "
    "products are counted as 'mixed'."
)


@dataclass(frozen=True)
class RowVerdicts:
    """The verdicts beside one figure and the certainty bucket its money is counted under."""

    route: str  #: the form the figure is matched on ("unknown" = not stated)
    route_from: str  #: source | product | not stated
    bucket: str
    deciding: VerdictSummary | None
    applicable: tuple[VerdictSummary, ...] = ()
    other_forms: tuple[VerdictSummary, ...] = ()  #: shown, never counted


_SHARED: dict[tuple[str, str], tuple[VerdictSummary, ...]] = {}
_SHARED_MAX = 4096


@dataclass
class VerdictBook:
    """Verdicts per substance through ``evidence.summary``, read once per knowledge-base build (the
    verdicts of one build never change; the key is the build's ``data_version``)."""

    kb: KnowledgeBase
    cache: dict[str, tuple[VerdictSummary, ...]] = field(default_factory=dict)
    version: str = ""

    def __post_init__(self) -> None:
        info = self.kb.build_info()
        self.version = str(info["data_version"]) if info else ""

    def of(self, substance_id: str) -> tuple[VerdictSummary, ...]:
        key = (self.version, substance_id)
        if substance_id not in self.cache:
            if key in _SHARED:
                self.cache[substance_id] = _SHARED[key]
                return self.cache[substance_id]
            try:
                found = tuple(substance_verdicts(self.kb, substance_id))
            except NotFoundError:  # a mapping made against an older catalogue
                found = ()
            self.cache[substance_id] = found
            if self.version and len(_SHARED) < _SHARED_MAX:
                _SHARED[key] = found
        return self.cache[substance_id]


def _best(verdicts: Iterable[VerdictSummary]) -> VerdictSummary | None:
    graded = [v for v in verdicts if v.certainty in CERTAINTIES]
    if not graded:
        return None
    return min(
        graded, key=lambda v: (CERTAINTIES.index(v.certainty or "very_low"), v.indication or "")
    )


def resolve(
    book: VerdictBook, substance_ids: Sequence[str], *, route: str | None, product_route: str | None,
    match: str, class_id: str | None = None,
) -> RowVerdicts:  # fmt: skip
    """Apply the rule (module docstring) to one figure."""
    stated = bool(route and route != "unknown")
    form: str = route if route and route != "unknown" else (product_route or "unknown")
    origin = "source" if stated else ("product" if product_route else "not stated")
    everything = [v for s in substance_ids for v in book.of(s)]
    applicable = tuple(v for v in everything if v.route == form)
    others = tuple(v for v in everything if v.route != form)
    if class_id or match == "ingredients" or len(substance_ids) > 1:
        return RowVerdicts(form, origin, "mixed", None, applicable, others)
    if not applicable:
        return RowVerdicts(form, origin, "no_verdict_for_form", None, (), others)
    best = _best(applicable)
    if best is None:
        return RowVerdicts(form, origin, "not_graded", applicable[0], applicable, others)
    return RowVerdicts(form, origin, best.certainty or "not_graded", best, applicable, others)


def verdict_view(v: VerdictSummary) -> dict[str, object]:
    """One verdict as pages and JSON show it."""
    return {
        "substance_id": v.substance_id,
        "indication": v.indication,
        "form": v.form,
        "route": v.route,
        "verdict": v.verdict,
        "verdict_label": v.verdict_label,
        "certainty": v.certainty,
        "deciding_question_id": v.deciding_question_id,
    }

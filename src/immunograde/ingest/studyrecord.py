"""One study's rows for the ``reg_`` tables, built the same way whichever reader found them.

The ClinicalTrials.gov JSON reader and the AACT reader both fill a :class:`StudyParts` and call
:meth:`StudyParts.record`; derived values (ISO countries, ``international``, ``funding``, list
ordering) are computed here once, so the two readers give the same rows for the same study.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from immunograde.ingest import schema
from immunograde.ingest.common import funding
from immunograde.ingest.countries import iso2
from immunograde.ingest.writer import Record


@dataclass
class StudyParts:
    """Values gathered by a reader; ``study`` holds ``reg_studies`` columns by name."""

    nct_id: str
    source: str
    study: dict[str, Any] = field(default_factory=dict)
    collaborator_classes: list[str] = field(default_factory=list)
    country_names: list[str] = field(default_factory=list)
    arms: list[tuple[Any, ...]] = field(default_factory=list)
    interventions: list[tuple[Any, ...]] = field(default_factory=list)
    intervention_mesh: list[tuple[Any, ...]] = field(default_factory=list)
    condition_mesh: list[tuple[Any, ...]] = field(default_factory=list)
    outcomes: list[tuple[Any, ...]] = field(default_factory=list)
    counts: list[tuple[Any, ...]] = field(default_factory=list)
    measurements: list[tuple[Any, ...]] = field(default_factory=list)
    analyses: list[tuple[Any, ...]] = field(default_factory=list)
    unknown_countries: list[str] = field(default_factory=list)

    def record(self) -> Record:
        codes = []
        for name in self.country_names:
            code = iso2(name)
            if code is None:
                self.unknown_countries.append(name)
            else:
                codes.append(code)
        countries = sorted(set(codes))
        s = dict(self.study)
        s["nct_id"] = self.nct_id
        s["countries"] = countries
        s["international"] = len(countries) > 1 if countries else None
        s["funding"] = funding(s.get("lead_sponsor_class"), self.collaborator_classes)
        main = tuple(s.get(name) for name in schema.STUDIES.names)
        children = {
            schema.ARMS.name: self.arms,
            schema.INTERVENTIONS.name: self.interventions,
            schema.INTERVENTION_ANCESTORS.name: self.intervention_mesh,
            schema.CONDITION_MESH.name: self.condition_mesh,
            schema.OUTCOMES.name: self.outcomes,
            schema.OUTCOME_COUNTS.name: self.counts,
            schema.OUTCOME_MEASUREMENTS.name: self.measurements,
            schema.OUTCOME_ANALYSES.name: self.analyses,
        }
        return Record((self.nct_id,), main, children, self.source)

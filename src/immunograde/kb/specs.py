"""Load the reviewed spec files under ``data/specs/`` (the generators' editorial choices).

``data/specs/questions/<id>.yaml`` holds one :class:`~immunograde.kb.model_specs.QuestionSpec`;
``data/specs/catalogue.yaml`` the :class:`~immunograde.kb.model_specs.CatalogueSpec`;
``data/specs/trials/<group>.yaml`` a :class:`~immunograde.kb.model_specs.TrialSpec` (hand-read design facts
of generated trials).  Problems are
collected with file, line and field (as for every reviewed file), never raised here;
:func:`question_specs` and :func:`catalogue_spec` raise one :class:`InputError` listing all of them.

A spec is validated by its model; the generators copy the validated fields *as written* (the raw
mapping keeps the key order of the file), so a reviewed file and the records made from it read alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from immunograde.errors import InputError, Msg, Problem
from immunograde.kb.loader import Located, validate
from immunograde.kb.model_specs import CatalogueSpec, QuestionSpec, TrialSpec
from immunograde.kb.yamlio import LineDict, load_yaml

SPECS = "specs"
QUESTIONS = "specs/questions"
TRIALS = "specs/trials"
CATALOGUE = "specs/catalogue.yaml"


@dataclass
class LoadedSpecs:
    """Validated spec files, the files read, and every problem found."""

    questions: list[Located[QuestionSpec]] = field(default_factory=list)
    catalogue: Located[CatalogueSpec] | None = None
    trials: list[Located[TrialSpec]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def all(self) -> list[Located[Any]]:
        return [*self.questions, *self.trials, *([self.catalogue] if self.catalogue else [])]


def _load_one(path: Path, label: str, model: type[Any], out: LoadedSpecs) -> Located[Any] | None:
    out.files.append(path)
    raw, problems = load_yaml(path, label)
    out.problems.extend(problems)
    if raw is None:
        if not problems:
            out.problems.append(Problem(Msg("file is empty"), label))
        return None
    line = getattr(raw, "line", None)
    record, errs = validate(model, raw, label, line)
    out.problems.extend(errs)
    return Located(record, label, line, raw) if record is not None else None


def load_specs(data_dir: Path) -> LoadedSpecs:
    """Every spec file under ``data_dir/specs`` (problems collected, never raised)."""
    out = LoadedSpecs()
    for folder, model, into in (
        (QUESTIONS, QuestionSpec, out.questions),
        (TRIALS, TrialSpec, out.trials),
    ):
        for path in sorted((data_dir / folder).glob("*.yaml")):
            label = path.relative_to(data_dir).as_posix()
            loc = _load_one(path, label, model, out)
            if loc is None:
                continue
            if loc.record.id != path.stem:
                out.problems.append(
                    Problem(
                        Msg("id %(id)s differs from the file name", id=repr(loc.record.id)),
                        label,
                        loc.line_of("id"),
                        "id",
                    )
                )
            into.append(loc)
    cat = data_dir / CATALOGUE
    if cat.is_file():
        out.catalogue = _load_one(cat, CATALOGUE, CatalogueSpec, out)
    return out


def plain(value: Any) -> Any:
    """A raw YAML value as plain dicts and lists (key order as written)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@dataclass(frozen=True)
class SpecOf:
    """A validated question spec and its raw mapping (as written)."""

    spec: QuestionSpec
    raw: dict[str, Any]
    file: str


def question_specs(data_dir: Path) -> dict[str, SpecOf]:
    """Question specs by id; raises :class:`InputError` naming every bad file, line and key."""
    loaded = load_specs(data_dir)
    if loaded.problems:
        raise InputError(loaded.problems)
    return {loc.record.id: SpecOf(loc.record, plain(loc.raw), loc.file) for loc in loaded.questions}


@dataclass(frozen=True)
class TrialSpecOf:
    """A validated trial design-fact spec and its raw mapping (as written)."""

    spec: TrialSpec
    raw: dict[str, Any]
    file: str


def trial_specs(data_dir: Path) -> list[TrialSpecOf]:
    """Trial design-fact specs (file order); raises :class:`InputError` naming every bad file, line and key."""
    loaded = load_specs(data_dir)
    if loaded.problems:
        raise InputError(loaded.problems)
    return [TrialSpecOf(loc.record, plain(loc.raw), loc.file) for loc in loaded.trials]


def catalogue_spec(data_dir: Path) -> tuple[CatalogueSpec, dict[str, Any]]:
    """The catalogue spec and its raw mapping; raises :class:`InputError` when it is missing or bad."""
    loaded = LoadedSpecs()
    path = data_dir / CATALOGUE
    if not path.is_file():
        raise InputError.one(Msg("the catalogue spec is missing"), file=CATALOGUE)
    loc = _load_one(path, CATALOGUE, CatalogueSpec, loaded)
    if loaded.problems or loc is None:
        raise InputError(loaded.problems)
    raw = loc.raw if isinstance(loc.raw, LineDict) else {}
    return loc.record, plain(raw)

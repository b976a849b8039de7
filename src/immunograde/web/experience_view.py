"""The experience page (``/experience``) and its JSON twin: the form's values, the groups and outcomes to
choose from, the evidence layer's answer (:func:`immunograde.evidence.experience.experience`) as JSON,
and its explanation in the reader's language.  Presentation only: no numbers are computed here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from immunograde.errors import InputError, Msg, Problem
from immunograde.evidence.experience import Observation, experience
from immunograde.evidence.natural_course import load
from immunograde.jsonable import to_jsonable
from immunograde.kb.queries import KnowledgeBase
from immunograde.web import i18n

FIELDS = ("indication", "outcome", "treated", "improved", "mean", "sd", "substance")
INTS = ("treated", "improved")
FLOATS = ("mean", "sd")


def _number(name: str, raw: str, problems: list[Problem]) -> int | float | None:
    text = raw.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(Msg("%(raw)s is not a number", raw=repr(raw)), field=name))
        return None
    if not math.isfinite(value):
        problems.append(Problem(Msg("%(raw)s is not a finite number", raw=repr(raw)), field=name))
        return None
    if name in INTS:
        if value != int(value):
            problems.append(
                Problem(Msg("%(raw)s is not a whole number", raw=repr(raw)), field=name)
            )
            return None
        return int(value)
    return value


def parse(params: Mapping[str, str], questions: list[str]) -> dict[str, Any]:
    """The request's parameters as ``experience()`` arguments; an :class:`InputError` for text that is
    not a number (every problem at once)."""
    problems: list[Problem] = []
    nums = {k: _number(k, params.get(k, ""), problems) for k in (*INTS, *FLOATS)}
    if problems:
        raise InputError(problems)
    text = {
        k: (params.get(k) or "").strip() or None for k in ("indication", "outcome", "substance")
    }
    obs = Observation(nums["treated"], nums["improved"], nums["mean"], nums["sd"])  # type: ignore[arg-type]
    return {
        "indication": text["indication"] or load().groups[0].id,
        "outcome": text["outcome"],
        "substance": text["substance"],
        "obs": obs,
        "questions": tuple(q for q in questions if q) or None,
    }


NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:e-?\d+)?")


def _localised(params: dict[str, str], exp: dict[str, Any]) -> dict[str, str]:
    out = dict(params)
    o = exp.get("outcome")
    if i18n.current() != "en":  # the numbers with the reader's decimal sign: "56.5" -> «56,5»
        out = {k: i18n.number(v) if isinstance(v, str) and NUMBER.fullmatch(v) else v
               for k, v in out.items()}  # fmt: skip
    if i18n.current() != "en" and o:
        if "outcome" in out:
            out["outcome"] = o["name_ru"]
        if "time_point" in out:
            out["time_point"] = o["time_point_ru"]
    return out


def sentences(exp: dict[str, Any]) -> list[str]:
    """The explanation in the reader's language (the same templates and numbers as the English)."""
    return [i18n.gettext(r["template"]) % _localised(r["params"], exp) for r in exp["explanation"]]


def _groups() -> list[dict[str, Any]]:
    return [{"id": g.id, "name": g.name, "name_ru": g.name_ru,
             "outcomes": [to_jsonable(o) for o in g.outcomes]} for g in load().groups]  # fmt: skip


def page(
    kb: KnowledgeBase, params: Mapping[str, str], questions: list[str]
) -> tuple[dict[str, Any], int]:
    """The page's data and HTTP status (400 with the problems listed when the input is bad)."""
    form = {k: params.get(k, "") for k in FIELDS} | {"question": questions}
    data: dict[str, Any] = {"form": form, "groups": _groups(), "result": None, "explanation": [],
                            "errors": []}  # fmt: skip
    try:
        args = parse(params, questions)
        exp = to_jsonable(experience(kb, args.pop("indication"), **args))
    except InputError as exc:
        data["errors"] = [p.as_dict() for p in exc.problems]
        return data, 400
    data["result"] = exp
    data["explanation"] = sentences(exp)
    if exp["group"]:
        form["indication"] = exp["group"]["id"]
    if exp["outcome"]:
        form["outcome"] = exp["outcome"]["id"]
    return data, 200


def api(kb: KnowledgeBase, params: Mapping[str, str], questions: list[str]) -> Any:
    """``/api/v1/experience``: the evidence layer's answer as JSON (InputError -> 400 by the app)."""
    args = parse(params, questions)
    return to_jsonable(experience(kb, args.pop("indication"), **args))


METHOD = (
    "The natural course of an indication is pooled from the control arms (placebo, no treatment or "
    "symptomatic care) of the knowledge base's trials, one outcome at one time point at a time: "
    'counts as metafor\'s rma(measure="PLO", method="REML") on logit proportions, times as '
    'rma(measure="MN", method="REML") on means; the proportion, its 95% CI and prediction interval '
    "are back-transformed (transf.ilogit).  A case series of M improved of N is set beside N times "
    "the pooled proportion and N times the prediction interval, with the exact binomial probability "
    "of M or more of N at the pooled proportion.  Agreement with metafor on the same arms is tested "
    "to 1e-8."
)


def methods() -> dict[str, Any]:
    """The Methods page's section on the experience calculator, from the reviewed file itself."""
    nc = load()
    review = {"file": "src/immunograde/evidence/natural_course.yaml", "written by": nc.extracted_by,
              "reviewed by": nc.checked_by, "date reviewed": nc.date_reviewed,
              "next review": nc.next_review}  # fmt: skip
    groups = [{"name": g.name, "name_ru": g.name_ru, "indications": list(g.indications),
               "outcomes": [to_jsonable(o) for o in g.outcomes],
               "not_used": [to_jsonable(n) for n in g.not_used]} for g in nc.groups]  # fmt: skip
    return {"method": METHOD, "groups": groups, "review": to_jsonable(review)}

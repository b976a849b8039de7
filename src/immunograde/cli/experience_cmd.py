"""``immunograde experience``: a case series set beside the natural course of its indication (issue 17).

Thin shell over :func:`immunograde.evidence.experience.experience`.  Bad input (improved > treated, a
negative count, an unknown indication or outcome) is an :class:`~immunograde.errors.InputError`: one
clear line per problem and exit code 3 (``main`` maps it).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from immunograde.cli.kbopen import DbOpt, open_kb
from immunograde.cli.lang import LangOpt, bad_choice, choose, num
from immunograde.cli.output import console, print_json
from immunograde.evidence.experience import Experience, Observation, experience
from immunograde.web import i18n

FORMATS = ("text", "json")
Indication = Annotated[
    str,
    typer.Option(
        "--indication",
        help="Indication group, alias or indication text (e.g. ARVI, influenza, common cold).",
    ),
]
Treated = Annotated[int | None, typer.Option("--treated", help="Patients treated (N).")]
Improved = Annotated[int | None, typer.Option("--improved", help="Patients who improved (M).")]
Mean = Annotated[
    float | None, typer.Option("--mean", help="Mean time to recovery (instead of --improved).")
]
Sd = Annotated[float | None, typer.Option("--sd", help="Standard deviation of that time.")]
OutcomeOpt = Annotated[
    str | None, typer.Option("--outcome", help="Outcome id (one outcome at one time point).")
]
SubstanceOpt = Annotated[
    str | None, typer.Option("--substance", help="Product or substance given (any script).")
]
QuestionOpt = Annotated[
    list[str] | None,
    typer.Option("--question", help="Only these questions' control arms (repeatable)."),
]


_ = i18n.gettext  # the text's words in the language of --lang (the catalogues of web/i18n.py)
STATUSES = {"compared": _("compared"), "natural_course": _("natural course"),
            "choose_outcome": _("choose an outcome"), "no_control_arms": _("no control arms")}  # fmt: skip


def _ru(exp: Experience, english: str, field: str) -> str:
    """The outcome's or group's name in the reader's language (natural_course.yaml holds both)."""
    if i18n.current() == i18n.DEFAULT:
        return english
    obj = exp.outcome if field.startswith(("outcome", "time")) else exp.group
    key = {"outcome": "name_ru", "time_point": "time_point_ru", "group": "name_ru"}[field]
    value = getattr(obj, key, None) if obj is not None and not isinstance(obj, dict) else None
    if isinstance(obj, dict):
        value = obj.get(key)
    return str(value or english)


def _arms(exp: Experience) -> list[str]:
    if exp.pool is None:
        return []
    lines = [i18n.gettext("Control arms (question / trial: numbers, weight):")]
    for a, w in zip(exp.arms, exp.pool.weights, strict=True):
        nums = (
            i18n.gettext("%(x)s/%(n)s improved") % {"x": num(a.xi, "g"), "n": num(a.ni, "g")}
            if a.xi is not None
            else i18n.gettext("mean %(m)s, SD %(sd)s, n %(n)s")
            % {"m": num(a.mi, "g"), "sd": num(a.sdi, "g"), "n": num(a.ni, "g")}
        )
        lines.append(f"  {a.question_id} / {a.trial_id}: {nums} ({num(w, '.1f')}%)")
    for s in exp.skipped_arms:
        lines.append(f"  {i18n.gettext('not pooled:')} {s.question_id} / {s.trial_id}: {s.reason}")
    return lines


def _pool(exp: Experience) -> list[str]:
    p, o = exp.pool, exp.outcome
    if p is None or o is None:
        return []
    head = i18n.gettext("Outcome: %(name)s (%(time)s); %(measure)s, %(method)s, k = %(k)s, %(n)s patients") % {
        "name": _ru(exp, o.name, "outcome"), "time": _ru(exp, o.time_point, "time_point"),
        "measure": p.measure, "method": p.method, "k": p.k, "n": p.patients}  # fmt: skip
    if p.pr is not None:
        body = i18n.gettext("pooled proportion %(pr)s (95%% CI %(lo)s to %(hi)s; prediction interval "
                            "%(pilo)s to %(pihi)s); tau2 %(tau2)s") % {
            "pr": num(p.pr, ".3f"), "lo": num(p.pr_ci_low, ".3f"), "hi": num(p.pr_ci_high, ".3f"),
            "pilo": num(p.pr_pi_low, ".3f"), "pihi": num(p.pr_pi_high, ".3f"), "tau2": num(p.tau2, ".4g")}  # fmt: skip
    else:
        body = i18n.gettext("pooled mean %(m)s %(unit)s (95%% CI %(lo)s to %(hi)s; prediction interval "
                            "%(pilo)s to %(pihi)s); tau2 %(tau2)s") % {
            "m": num(p.estimate, ".2f"), "unit": o.unit, "lo": num(p.ci_low, ".2f"), "hi": num(p.ci_high, ".2f"),
            "pilo": num(p.pi_low, ".2f"), "pihi": num(p.pi_high, ".2f"), "tau2": num(p.tau2, ".4g")}  # fmt: skip
    return [head, body]


def _products(exp: Experience) -> list[str]:
    from immunograde.cli.lang import html_to_text
    from immunograde.web import i18n_statements

    if not exp.substance:
        return []
    from immunograde.web.i18n_glossary import substance_name

    name = (
        exp.substance
        if i18n.current() == i18n.DEFAULT
        else substance_name(exp.substance, exp.substance)
    )
    lines = [
        i18n.gettext("Trials of %(name)s for these indications (stored appraisals):")
        % {"name": name}
    ]
    for t in exp.product_trials:
        cert, statement = t.certainty or "not graded", t.statement
        if i18n.current() != i18n.DEFAULT:
            cert = i18n.certainty_label(t.certainty).lower()
            said = i18n_statements.translate(t.statement, exp.substance, exp.substance)
            statement = html_to_text(str(said))
        lines.append(f"  {t.question_id}: {i18n.tr(t.verdict_label)}; "
                     + i18n.gettext("certainty %(level)s.") % {"level": cert} + f" {statement}")  # fmt: skip
    return lines


def _text(exp: Experience) -> None:
    from immunograde.jsonable import to_jsonable
    from immunograde.web.experience_view import sentences

    name = _ru(exp, exp.group["name"], "group") if exp.group else exp.query
    lines: list[str] = [f"{name}: {i18n.gettext(STATUSES.get(exp.status, exp.status))}"]
    if exp.status == "choose_outcome":
        lines += [i18n.gettext("Outcomes (choose one with --outcome):")]
        lines += [f"  {o.id}: {o.name_ru if i18n.current() != i18n.DEFAULT else o.name} "
                  f"({o.time_point_ru if i18n.current() != i18n.DEFAULT else o.time_point}; {o.type})"
                  for o in exp.outcomes]  # fmt: skip
    said = sentences(to_jsonable(exp))
    lines += _pool(exp) + _arms(exp) + [""] + [f"- {text}" for text in said]
    lines += _products(exp)
    console.print("\n".join(lines), markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``experience`` to ``app``."""

    @app.command("experience")
    def experience_cmd(
        indication: Indication,
        treated: Treated = None,
        improved: Improved = None,
        mean: Mean = None,
        sd: Sd = None,
        outcome: OutcomeOpt = None,
        substance: SubstanceOpt = None,
        question: QuestionOpt = None,
        fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
        db: DbOpt = None,
        lang: LangOpt = None,
    ) -> None:
        """What does my experience show?  Your N patients beside the control arms of the trials for that indication.

        \b
        Example: immunograde experience --indication ARVI --outcome complete-recovery-96h --treated 40 --improved 34 --substance Arbidol
        Example: immunograde experience --indication "common cold" --treated 30 --mean 5 --sd 2 --format json
        Example: immunograde experience --indication ОРВИ --treated 40 --improved 34 --lang ru
        """
        choose(lang)
        if fmt not in FORMATS:
            bad_choice("--format", FORMATS)
        kb = open_kb(db)
        obs = Observation(treated, improved, mean, sd)
        kwargs: dict[str, Any] = {"outcome": outcome, "obs": obs, "substance": substance}
        try:
            exp = experience(
                kb, indication, questions=tuple(question) if question else None, **kwargs
            )
        finally:
            kb.close()
        if fmt == "json":
            print_json(exp)
        else:
            _text(exp)

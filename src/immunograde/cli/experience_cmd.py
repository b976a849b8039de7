"""``immunograde experience``: a case series set beside the natural course of its indication (issue 17).

Thin shell over :func:`immunograde.evidence.experience.experience`.  Bad input (improved > treated, a
negative count, an unknown indication or outcome) is an :class:`~immunograde.errors.InputError`: one
clear line per problem and exit code 3 (``main`` maps it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from immunograde.cli.exitcodes import ExitCode
from immunograde.cli.output import console, err_console, print_json
from immunograde.evidence.experience import Experience, Observation, experience
from immunograde.kb.queries import KnowledgeBase, NoDatabaseError

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


def _arms(exp: Experience) -> list[str]:
    if exp.pool is None:
        return []
    lines = ["Control arms (question / trial: numbers, weight):"]
    for a, w in zip(exp.arms, exp.pool.weights, strict=True):
        nums = (
            f"{a.xi:g}/{a.ni:g} improved"
            if a.xi is not None
            else f"mean {a.mi:g}, SD {a.sdi:g}, n {a.ni:g}"
        )
        lines.append(f"  {a.question_id} / {a.trial_id}: {nums} ({w:.1f}%)")
    for s in exp.skipped_arms:
        lines.append(f"  not pooled: {s.question_id} / {s.trial_id}: {s.reason}")
    return lines


def _pool(exp: Experience) -> list[str]:
    p, o = exp.pool, exp.outcome
    if p is None or o is None:
        return []
    head = f"Outcome: {o.name} ({o.time_point}); {p.measure}, {p.method}, k = {p.k}, {p.patients} patients"
    if p.pr is not None:
        body = (f"pooled proportion {p.pr:.3f} (95% CI {p.pr_ci_low:.3f} to {p.pr_ci_high:.3f}; "
                f"prediction interval {p.pr_pi_low:.3f} to {p.pr_pi_high:.3f}); tau2 {p.tau2:.4g}")  # fmt: skip
    else:
        body = (f"pooled mean {p.estimate:.2f} {o.unit} (95% CI {p.ci_low:.2f} to {p.ci_high:.2f}; "
                f"prediction interval {p.pi_low:.2f} to {p.pi_high:.2f}); tau2 {p.tau2:.4g}")  # fmt: skip
    return [head, body]


def _products(exp: Experience) -> list[str]:
    if not exp.substance:
        return []
    lines = [f"Trials of {exp.substance} for these indications (stored appraisals):"]
    for t in exp.product_trials:
        cert = t.certainty or "not graded"
        lines.append(f"  {t.question_id}: {t.verdict_label}; certainty {cert}. {t.statement}")
    return lines


def _text(exp: Experience) -> None:
    lines: list[str] = [f"{exp.group['name'] if exp.group else exp.query}: {exp.status}"]
    if exp.status == "choose_outcome":
        lines += ["Outcomes (choose one with --outcome):"]
        lines += [f"  {o.id}: {o.name} ({o.time_point}; {o.type})" for o in exp.outcomes]
    lines += _pool(exp) + _arms(exp) + [""] + [f"- {r.text}" for r in exp.explanation]
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
        db: Annotated[Path | None, typer.Option("--db", help="Knowledge base file.")] = None,
    ) -> None:
        """What does my experience show?  Your N patients beside the control arms of the trials for that indication.

        Example: immunograde experience --indication ARVI --outcome complete-recovery-96h --treated 40 --improved 34 --substance Arbidol
        Example: immunograde experience --indication "common cold" --treated 30 --mean 5 --sd 2 --format json
        """
        if fmt not in FORMATS:
            err_console.print(f"error: --format must be one of {', '.join(FORMATS)}", markup=False)
            raise typer.Exit(ExitCode.USAGE)
        try:
            kb = KnowledgeBase(db)
        except NoDatabaseError as exc:
            err_console.print(f"error: {exc}", markup=False)
            raise typer.Exit(ExitCode.NO_DATABASE) from exc
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

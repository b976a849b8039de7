"""``immunograde meta``: meta-analysis of a CSV in metafor's columns (matches metafor 3.8-1).

Example::

    immunograde meta bcg.csv --measure RR --method REML --test knha --format json

Numbers are on the analysis scale (log scale for ratio measures, with ``*_exp`` back-transformed);
the JSON keys are ``k, measure, method, test, estimate, se, statistic, p_value, ci_low, ci_high,
pi_low, pi_high, tau2, tau2_ci_low, tau2_ci_high, i2, h2, q, q_p``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer

from immunograde.cli.lang import LangOpt, choose
from immunograde.cli.output import print_json_columns, print_json_rows
from immunograde.errors import InputError, Msg
from immunograde.web import i18n

_ = (
    i18n.gettext
)  # the printout's words in the language of --lang (Babel is loaded only for Russian)

#: the choices named in the help (tests/cli/test_meta_cmd.py checks them against the evidence layer)
METHODS_HELP = "FE, MH, PETO, DL, HE, HS, HSk, SJ, ML, REML, EB, PM"
MEASURES_HELP = "OR, RR, RD, PETO, AS, MD, SMD, ROM, HR, GEN, ZCOR, COR"

HELP = """Pool the studies in FILE.csv (metafor's column names) as metafor's rma() does.

Columns: ai,bi,ci,di or ai,n1i,ci,n2i (2x2 counts); m1i,sd1i,n1i,m2i,sd2i,n2i (means); yi,vi or
yi,sei (effect sizes); estimate,ci_low,ci_high (reported ratios or differences); ri,ni
(correlations); optional study, year and text columns for --by.  Methods: FE, MH, PETO and the
random-effects estimators DL, HE, HS, HSk, SJ, ML, REML, EB, PM.  With --by every group is fitted
in one batch and printed as it is ready.

--mode metafor (default) stops iterating where metafor stops, to reproduce its output;
--mode exact converges to machine precision.

\b
Example: immunograde meta trials.csv --measure OR --method REML --test knha --by drug --format json
"""


def register(app: typer.Typer) -> None:
    """Add the ``meta`` command to ``app``."""
    app.command("meta", help=HELP)(meta)


def meta(
    file: Path = typer.Argument(..., help="CSV file with metafor's column names."),
    measure: str = typer.Option(
        None,
        "--measure",
        help=f"{MEASURES_HELP} (default: OR / MD / GEN / HR / ZCOR by input form).",
    ),
    method: str = typer.Option("REML", "--method", help=f"One of {METHODS_HELP}."),
    test: str = typer.Option("z", "--test", help="z or knha (Knapp-Hartung)."),
    by: str = typer.Option(None, "--by", help="Text column: one analysis per value."),
    mode: str = typer.Option("metafor", "--mode", help="metafor (reproduce metafor) or exact."),
    level: float = typer.Option(95.0, "--level", help="Confidence level in percent."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
    lang: LangOpt = None,
) -> None:
    """Run the meta-analysis and print it (group by group as they are ready)."""
    choose(lang)
    if test not in ("z", "knha"):
        raise InputError.one(
            Msg("unknown test %(test)s; choose z or knha", test=repr(test)), field="--test"
        )
    if mode not in ("metafor", "exact"):
        raise InputError.one(
            Msg("unknown mode %(mode)s; choose metafor or exact", mode=repr(mode)), field="--mode"
        )
    if fmt not in ("table", "json"):
        raise InputError.one(
            Msg("unknown format %(fmt)s; choose table or json", fmt=repr(fmt)), field="--format"
        )
    # the statistics are imported here, not at the top: `immunograde --help` needs none of them
    from immunograde.evidence.meta_pool import PoolRows, iter_pool, subgroup_difference
    from immunograde.evidence.workbench_input import read_file

    table = read_file(file)
    options: dict[str, Any] = {"measure": measure, "method": method, "test": test,
                               "level": level, "mode": mode}  # fmt: skip
    rows = iter_pool(table, by=by, **options)
    if fmt == "json" and by is not None and isinstance(rows, PoolRows):
        print_json_columns(rows.keys, rows.columns())  # no dictionary per group
        return
    if fmt == "json":
        print_json_rows(rows, array=by is not None)
        return
    for res in rows:
        typer.echo(format_table(res, level))
    diff = subgroup_difference(table, by, **options) if by else None
    if diff is not None:
        typer.echo(
            _("Test for subgroup differences (separate tau^2): Q(df = %(df)s) = %(q)s, p-val %(p)s")
            % {"df": diff["q_between_df"], "q": _f(diff["q_between"]), "p": _p(diff["q_between_p"])}
        )
        if diff["common_skipped"]:
            typer.echo(
                _(
                    "Moderator test with a common tau^2 (meta-regression on %(by)s): not fitted for "
                    "%(groups)s subgroups (its design matrix would be too large)"
                )
                % {"by": by, "groups": i18n.number(diff["groups"], ",d")}
            )
        else:
            typer.echo(
                _(
                    "Moderator test with a common tau^2 (meta-regression on %(by)s): QM = %(qm)s, "
                    "p-val %(p)s"
                )
                % {"by": by, "qm": _f(diff["qm_common"]), "p": _p(diff["qm_common_p"])}
            )


def _f(x: Any, nd: int = 4) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "NA"
    return i18n.number(x, f".{nd}f")


def _p(p: Any) -> str:
    if p is None or not math.isfinite(p):
        return "NA"
    if p < 1e-4:  # metafor's "<.0001"; in Russian "<0,0001"
        return "<.0001" if i18n.current() == i18n.DEFAULT else "<" + i18n.number(0.0001, ".4f")
    return i18n.number(p, ".4f")


def format_table(res: dict[str, Any], level: float = 95.0) -> str:
    """A printout laid out like metafor's ``print.rma.uni``."""
    lines = []
    if "group" in res:
        lines.append(f"== {res['group']}")
    fixed = res["method"] in ("FE", "MH", "PETO")
    k = res["k"]
    if res["method"] == "MH":
        head = _("Mantel-Haenszel Model (k = %(k)s)") % {"k": k}
    elif res["method"] == "PETO":
        head = _("Peto Model (k = %(k)s)") % {"k": k}
    elif fixed:
        head = _("Fixed-Effect Model (k = %(k)s)") % {"k": k}
    else:
        head = _("Random-Effects Model (k = %(k)s; tau^2 estimator: %(method)s)") % {
            "k": k, "method": res["method"]}  # fmt: skip
    lines += [head, ""]
    if not fixed:
        tau2 = res["tau2"]
        lines += [
            _("tau^2 (estimated amount of total heterogeneity): %(tau2)s (SE = %(se)s)")
            % {"tau2": _f(tau2), "se": _f(res.get("se_tau2"))},
            _("tau (square root of estimated tau^2 value):      %(tau)s")
            % {"tau": _f(math.sqrt(tau2))},
        ]
    q_p = _p(res["q_p"])
    lines += [
        _("I^2 (total heterogeneity / total variability):   %(i2)s%%") % {"i2": _f(res["i2"], 2)},
        _("H^2 (total variability / sampling variability):  %(h2)s") % {"h2": _f(res["h2"], 2)},
        "",
        _("Test for Heterogeneity:"),
        _("Q(df = %(df)s) = %(q)s, p-val %(p)s")
        % {"df": int(k) - 1, "q": _f(res["q"]), "p": q_p if q_p.startswith("<") else "= " + q_p},
        "",
        _("Model Results (%(measure)s, %(mode)s mode):")
        % {"measure": res["measure"], "mode": res.get("mode", "metafor")},
        "",
    ]
    # metafor's column names (estimate, se, zval, pval, ci.lb, ci.ub), in words in Russian
    stat = _("tval") if res["test"] == "knha" else _("zval")
    heads = (_("estimate"), _("se"), stat, _("pval"), _("ci.lb"), _("ci.ub"))
    lines.append(f"{heads[0]:>9} " + " ".join(f"{h:>8}" for h in heads[1:]))
    lines.append(
        " ".join(
            f"{v:>8}"
            for v in (
                _f(res["estimate"]),
                _f(res["se"]),
                _f(res["statistic"]),
                _p(res["p_value"]),
                _f(res["ci_low"]),
                _f(res["ci_high"]),
            )
        )
    )
    if res.get("pi_low") is not None and not fixed:
        lines.append(
            "\n"
            + _("%(level)s%% prediction interval: %(low)s to %(high)s")
            % {
                "level": i18n.number(level, "g"),
                "low": _f(res["pi_low"]),
                "high": _f(res["pi_high"]),
            }
        )
    if res.get("tau2_ci_low") is not None:
        lines.append(
            _("%(level)s%% CI for tau^2 (Q-profile): %(low)s to %(high)s")
            % {
                "level": i18n.number(level, "g"),
                "low": _f(res["tau2_ci_low"]),
                "high": _f(res["tau2_ci_high"]),
            }
        )
    if res.get("converged") is False:
        lines.append(
            "\n"
            + _(
                "WARNING: Fisher scoring did not converge in 100 iterations (metafor stops with an "
                "error here); use --mode exact for the converged estimate."
            )
        )
    if "estimate_exp" in res:
        lines.append(
            f"\nexp({_('estimate')}) = {_f(res['estimate_exp'])} "
            f"[{_f(res['ci_low_exp'])}; {_f(res['ci_high_exp'])}]"
            if i18n.current() != i18n.DEFAULT
            else f"\nexp(estimate) = {_f(res['estimate_exp'])} [{_f(res['ci_low_exp'])}, {_f(res['ci_high_exp'])}]"
        )
    return "\n".join(lines) + "\n"

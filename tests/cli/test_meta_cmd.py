"""``immunograde meta``: results equal metafor's (validation/metafor/ref_rma.json), bad input exits 3
with one line naming file, line and column."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from immunograde.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
REF = json.loads((ROOT / "validation" / "metafor" / "ref_rma.json").read_text())
BCG = ROOT.parent / "shared" / "data" / "trials" / "metadat" / "dat.bcg.csv"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


@pytest.fixture
def bcg_csv(tmp_path: Path) -> Path:
    """dat.bcg in metafor's 2x2 columns (rows as in ../shared/data/trials/metadat/dat.bcg.csv)."""
    rows = list(csv.DictReader(BCG.open()))
    path = tmp_path / "bcg.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["study", "year", "alloc", "ai", "bi", "ci", "di"])
        for r in rows:
            w.writerow(
                [r["author"], r["year"], r["alloc"], r["tpos"], r["tneg"], r["cpos"], r["cneg"]]
            )
    return path


def _ref(ds: str, method: str, test: str) -> dict:
    fit = next(f for f in REF["models"][ds] if f["method"] == method and f["test"] == test)
    return {k: v[0] for k, v in fit["metafor"].items() if isinstance(v, list) and v}


@pytest.mark.parametrize(
    ("method", "test"), [("REML", "knha"), ("DL", "z"), ("PM", "z"), ("FE", "z")]
)
def test_json_matches_metafor(
    bcg_csv: Path, method: str, test: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        [
            "meta",
            str(bcg_csv),
            "--measure",
            "RR",
            "--method",
            method,
            "--test",
            test,
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    res = json.loads(out)
    ref = _ref("bcg_RR", method, test)
    pairs = {"estimate": "b", "se": "se", "statistic": "zval", "ci_low": "ci.lb", "ci_high": "ci.ub",
             "pi_low": "pi.lb", "pi_high": "pi.ub", "tau2": "tau2", "i2": "I2", "h2": "H2", "q": "QE"}  # fmt: skip
    if (
        method == "FE"
    ):  # metafor's predict() gives no prediction interval for FE; ours equals the CI
        pairs = {k: v for k, v in pairs.items() if not k.startswith("pi")}
        assert (res["pi_low"], res["pi_high"]) == (res["ci_low"], res["ci_high"])
    for ours, theirs in pairs.items():
        assert res[ours] == pytest.approx(ref[theirs], rel=1e-10, abs=1e-14), ours
    assert res["k"] == 13 and res["measure"] == "RR" and res["method"] == method
    assert res["estimate_exp"] == pytest.approx(np.exp(ref["b"]), rel=1e-10)
    for key in ("p_value", "q_p", "tau2_ci_low", "tau2_ci_high", "pi_low_exp", "pi_high_exp"):
        assert key in res


def test_tau2_ci_matches_metafor_confint(bcg_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["meta", str(bcg_csv), "--measure", "RR", "--format", "json"], capsys)
    res = json.loads(out)
    ci = next(
        c
        for c in REF["confint"]
        if c["dataset"] == "bcg_RR" and c["method"] == "REML" and c["type"] == "QP"
    )
    assert [res["tau2"], res["tau2_ci_low"], res["tau2_ci_high"]] == pytest.approx(
        ci["tau2"], rel=1e-10
    )


def test_by_gives_one_result_per_group_matching_metafor_subgroups(
    bcg_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        [
            "meta",
            str(bcg_csv),
            "--measure",
            "OR",
            "--method",
            "DL",
            "--by",
            "alloc",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    res = json.loads(out)
    sub = next(s for s in REF["subgroups"] if s["dataset"] == "bcg_OR" and s["method"] == "DL")
    by_group = {r["group"]: r for r in res}
    assert sorted(by_group) == sub["levels"]
    for i, g in enumerate(sub["levels"]):
        assert by_group[g]["estimate"] == pytest.approx(sub["estimate"][i], rel=1e-12)
        assert by_group[g]["k"] == sub["k"][i]


def test_table_format_reads_like_metafor(bcg_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["meta", str(bcg_csv), "--measure", "RR"], capsys)
    assert code == 0
    # metafor: print(rma(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg))
    assert "Random-Effects Model (k = 13; tau^2 estimator: REML)" in out
    assert "0.3132 (SE = 0.1664)" in out and "92.22%" in out and "12.86" in out
    assert "Q(df = 12) = 152.2330" in out
    assert "-0.7145" in out and "-1.0669" in out and "-0.3622" in out


def test_mantel_haenszel_and_peto_methods_run(
    bcg_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for method in ("MH", "PETO"):
        code, out, _ = run(["meta", str(bcg_csv), "--method", method, "--format", "json"], capsys)
        assert code == 0
        assert json.loads(out)["method"] == method


BAD = {
    "missing columns": ("study,ai,ci\nA,1,2\n", ":1: n1i: missing column(s) n1i, n2i"),
    "incomplete row": ("study,ai,n1i,ci,n2i\nA,1,10,2,10\nB,1,,2,10\n", ":3: no complete set"),
    "events > n": ("study,ai,n1i,ci,n2i\nA,5,10,3,10\nB,12,10,3,10\n", ":3: ai"),
    "negative variance": ("study,yi,vi\nA,0.1,0.2\nB,0.3,-0.1\n", ":3: vi"),
    "not a number": ("study,yi,vi\nA,0.1,abc\nB,0.3,0.1\n", ":2: vi"),
    "k = 0": ("study,yi,vi\n", "k = 0"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_exits_3_with_file_line_and_column(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, where = BAD[case]
    path = tmp_path / "bad.csv"
    path.write_text(text)
    code, out, err = run(["meta", str(path), "--format", "json"], capsys)
    assert code == 3, err
    assert out == ""
    first = err.strip().splitlines()[0]  # the reader lists every problem; the first is the cause
    assert first.startswith(f"error: {path}")
    assert where in first.replace(str(path), "")
    assert "Traceback" not in err


def test_unknown_by_column_and_missing_file(
    bcg_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["meta", str(bcg_csv), "--by", "drug"], capsys)
    assert code == 3 and "drug" in err and "alloc" in err
    code, _, err = run(["meta", str(tmp_path / "nope.csv")], capsys)
    assert code == 4 and "nope.csv" in err


def test_exact_mode_matches_converged_metafor(
    bcg_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        [
            "meta",
            str(bcg_csv),
            "--measure",
            "RR",
            "--method",
            "PM",
            "--mode",
            "exact",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    res = json.loads(out)
    fit = next(f for f in REF["models"]["bcg_RR"] if f["method"] == "PM" and f["test"] == "z")
    assert res["mode"] == "exact"
    assert res["tau2"] == pytest.approx(fit["tight"]["tau2"][0], rel=1e-9)
    assert res["estimate"] == pytest.approx(fit["tight"]["b"][0], rel=1e-9)


def test_table_with_by_prints_the_test_for_subgroup_differences(
    bcg_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["meta", str(bcg_csv), "--measure", "OR", "--method", "DL", "--by", "alloc"], capsys
    )
    assert code == 0
    sub = next(s for s in REF["subgroups"] if s["dataset"] == "bcg_OR" and s["method"] == "DL")
    assert "== random" in out and "== alternate" in out and "== systematic" in out
    assert f"Q(df = 2) = {sub['QM'][0]:.4f}" in out
    assert f"QM = {sub['QM_common'][0]:.4f}" in out


def test_too_many_subgroups_for_the_common_model_say_so_and_keep_q_between(
    bcg_csv: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of subgroups: the common-tau2 meta-regression (a studies x groups design) is not
    fitted and the output says so; the per-group fits and Q_between are metafor's as always.  (Found
    by fast15c: ``meta --by`` in table format over 10,000 analyses was killed at 6.8 GB.)  The limit is
    lowered here so that dat.bcg's 13 trials in 3 allocation groups (13 x 2 = 26 cells) exceed it."""
    from immunograde.stats import subgroup

    monkeypatch.setattr(subgroup, "COMMON_MAX_CELLS", 25)
    argv = ["meta", str(bcg_csv), "--measure", "OR", "--method", "DL", "--by", "alloc"]
    code, out, _ = run(argv, capsys)
    assert code == 0
    sub = next(s for s in REF["subgroups"] if s["dataset"] == "bcg_OR" and s["method"] == "DL")
    assert f"Q(df = 2) = {sub['QM'][0]:.4f}" in out
    assert "not fitted for 3 subgroups (its design matrix would be too large)" in out
    assert "QM = " not in out


# -- issue 19: every reproduction refused with file, line and column, nothing pooled ------------------
sys.path.insert(0, str(ROOT / "tests" / "ingest"))  # importlib import mode: the shared cases
from test_metafor_csv import REPRODUCTIONS  # noqa: E402

NEGATIVE_RATIO = ("study,estimate,ci_low,ci_high\nA,-0.5,-0.9,-0.1\nB,0.8,0.6,1.1\n", 2, "estimate",
                  "-0.5 is not a ratio: HR (a ratio measure) needs estimate, ci_low and ci_high > 0")  # fmt: skip


@pytest.mark.parametrize("case", [*REPRODUCTIONS, "negative ratio estimate"])
def test_reproductions_exit_3_naming_file_line_and_column(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, line, field, message = REPRODUCTIONS.get(case, NEGATIVE_RATIO)
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(["meta", str(path), "--format", "json"], capsys)
    assert (code, out) == (3, "")
    where = f"error: {path}:{line}: " + (f"{field}: " if field else "")
    assert err.splitlines()[0].startswith(where + message[:30]), err
    assert message in err and "Traceback" not in err


def test_repeated_column_no_longer_pools_harm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With one ``ai`` the trials show benefit (OR < 1): the repeated column used to replace it."""
    text = REPRODUCTIONS["repeated column"][0]
    path = tmp_path / "one.csv"
    path.write_text("\n".join(",".join(r.split(",")[:5]) for r in text.splitlines()) + "\n")
    code, out, _ = run(["meta", str(path), "--method", "FE", "--format", "json"], capsys)
    res = json.loads(out)
    # hand-derived: log OR of (2/98)/(8/92) and (3/117)/(12/108), inverse-variance pooled
    y = np.log([(2 / 98) / (8 / 92), (3 / 117) / (12 / 108)])
    v = np.array([1 / 2 + 1 / 98 + 1 / 8 + 1 / 92, 1 / 3 + 1 / 117 + 1 / 12 + 1 / 108])
    assert code == 0 and res["estimate"] == pytest.approx(np.sum(y / v) / np.sum(1 / v), rel=1e-12)
    assert res["estimate_exp"] < 1


# -- correlations (ri, ni): metafor's COR and ZCOR ----------------------------------------------------
@pytest.mark.parametrize("dataset", ["mcdaniel1994", "molloy2014"])
@pytest.mark.parametrize("measure", ["COR", "ZCOR"])
@pytest.mark.parametrize("method", ["REML", "DL", "FE"])
def test_correlations_match_metafor(
    dataset: str, measure: str, method: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = REF["correlation_inputs"][dataset]
    path = tmp_path / "cor.csv"
    path.write_text("study,ri,ni\n" + "".join(f"S{i},{r!r},{int(n)}\n" for i, (r, n)
                                              in enumerate(zip(raw["ri"], raw["ni"], strict=True))))  # fmt: skip
    code, out, err = run(["meta", str(path), "--measure", measure, "--method", method, "--format",
                          "json"], capsys)  # fmt: skip
    assert code == 0, err
    res = json.loads(out)
    ref = _ref(f"{dataset}_{measure}", method, "z")
    tol = 1e-12 if method != "REML" else 1e-10  # closed form / metafor's iterations replayed
    pairs = {"estimate": "b", "se": "se", "ci_low": "ci.lb", "ci_high": "ci.ub", "tau2": "tau2",
             "i2": "I2", "q": "QE"}  # fmt: skip
    for ours, theirs in pairs.items():
        assert res[ours] == pytest.approx(ref[theirs], rel=tol, abs=1e-15), ours
    assert res["measure"] == measure and res["k"] == len(raw["ri"]) and "estimate_exp" not in res
    if method == "REML":
        ci = next(c for c in REF["confint"] if c["dataset"] == f"{dataset}_{measure}"
                  and c["method"] == "REML" and c["type"] == "QP")  # fmt: skip
        assert [res["tau2_ci_low"], res["tau2_ci_high"]] == pytest.approx(ci["tau2"][1:], rel=1e-10)


def test_correlation_default_is_fisher_z_and_r_of_one_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.csv"
    path.write_text("study,ri,ni\nA,0.3,50\nB,0.1,80\n")
    assert json.loads(run(["meta", str(path), "--format", "json"], capsys)[1])["measure"] == "ZCOR"
    path.write_text("study,ri,ni\nA,1,50\nB,0.1,80\n")
    code, _, err = run(["meta", str(path), "--measure", "COR"], capsys)
    assert code == 3 and f"{path}:2: ri: the sampling variance of COR is 0" in err


# -- --by: one batch, streamed ----------------------------------------------------------------------------
def test_by_streams_valid_json_equal_to_fitting_each_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """2,500 groups (more than one chunk of rows) of dat.bcg's log odds ratios resampled."""
    ys = np.array(REF["data"]["bcg_OR"]["yi"])
    vs = np.array(REF["data"]["bcg_OR"]["vi"])
    rng = np.random.default_rng(2026)
    path = tmp_path / "many.csv"
    picks = [rng.choice(ys.size, size=rng.integers(1, 8), replace=False) for _ in range(2500)]
    path.write_text("g,yi,vi\n" + "".join(f"G{g},{float(ys[i])!r},{float(vs[i])!r}\n" for g, idx in enumerate(picks)
                                          for i in idx))  # fmt: skip
    code, out, _ = run(["meta", str(path), "--by", "g", "--format", "json"], capsys)
    rows = json.loads(out)
    assert code == 0 and [r["group"] for r in rows] == [f"G{g}" for g in range(2500)]
    from immunograde.stats.heterogeneity import confint_tau2
    from immunograde.stats.rma import rma_uni

    for g in rng.choice(2500, 40, replace=False):
        one = rma_uni(ys[picks[g]], vs[picks[g]], method="REML")
        assert rows[g]["estimate"] == pytest.approx(one.estimate, rel=1e-12)
        assert rows[g]["k"] == one.k
        if one.k >= 2:
            assert rows[g]["tau2_ci_high"] == pytest.approx(
                confint_tau2(one).tau2_ci_high, rel=1e-10
            )
        else:
            assert rows[g]["tau2_ci_low"] is None


@pytest.mark.parametrize("texts", [('q"x', "a,b\\", "Жук é", "tab\t"), ('q"x', "b\\", "Жук", "\t")])
def test_by_json_from_columns_is_byte_for_byte_the_json_of_the_rows(
    texts: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--by --format json`` writes the groups from columns (no dictionary per group): the same
    bytes as :func:`print_json_rows` of the dictionaries, over two chunks, with labels orjson has to
    escape (quote, backslash, tab, Cyrillic; with and without a comma, which the writer encodes
    label by label), k = 1 (no tau2 interval: null) and exp(800) (null)."""
    from immunograde.cli.output import print_json_rows
    from immunograde.evidence.meta_pool import CHUNK, iter_pool
    from immunograde.evidence.workbench_input import read_file

    labels = [texts[g % 4] + str(g) for g in range(CHUNK + 300)]
    quoted = ['"' + lab.replace('"', '""') + '"' for lab in labels]
    rows = ["g,yi,vi"] + [f"{quoted[g]},{0.1 * (g % 7)!r},{0.05 + 0.01 * (i % 3)!r}"
                          for g in range(CHUNK + 300) for i in range(1 + g % 3)]  # fmt: skip
    rows[1] = rows[1].replace(",0.0,", ",800,")
    path = tmp_path / "labels.csv"
    path.write_text("\n".join(rows) + "\n")
    for measure in ("GEN", "RR"):
        code, out, err = run(["meta", str(path), "--by", "g", "--measure", measure,
                              "--format", "json"], capsys)  # fmt: skip
        assert code == 0 and err == ""
        pooled = iter_pool(read_file(path), by="g", measure=measure)
        print_json_rows(list(pooled))
        assert out == capsys.readouterr().out
        got = json.loads(out)
        assert [r["group"] for r in got] == labels and got[0]["tau2_ci_low"] is None
        assert measure == "GEN" or got[0]["estimate_exp"] is None


def test_help_names_the_measures_and_methods_of_the_evidence_layer() -> None:
    from immunograde.cli.meta_cmd import MEASURES_HELP, METHODS_HELP
    from immunograde.evidence.meta_pool import ALL_METHODS
    from immunograde.evidence.workbench_input import OFFERED

    assert set(MEASURES_HELP.split(", ")) == set(OFFERED)
    assert set(METHODS_HELP.split(", ")) == set(ALL_METHODS)

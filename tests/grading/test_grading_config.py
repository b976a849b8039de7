"""The rules file: typed loading, the Methods-page rendering, and wording copied verbatim from
../shared/data/rating_scales/evidence_rating_scales.json (GRADE levels, Santesso 2020, Natural Medicines)."""

from __future__ import annotations

import json
import re

import pytest

from immunograde.grading.config import load_rules, parse_rules, rules_as_text
from immunograde.settings import shared_data_dir

SCALES = shared_data_dir() / "rating_scales" / "evidence_rating_scales.json"


@pytest.fixture(scope="module")
def scales() -> dict:
    return json.loads(SCALES.read_text(encoding="utf-8"))


def test_rules_load_with_review_record() -> None:
    rules = load_rules()
    assert rules.review.written_by
    assert rules.review.next_review > rules.review.date_reviewed
    assert rules.information_size.alpha == 0.05
    assert rules.information_size.relative_risk_reduction == 0.25
    assert [lv.below for lv in rules.imprecision.ois_levels] == [1.0, 0.5, 0.1]


def test_methods_text_covers_every_section_with_reference() -> None:
    sections = rules_as_text()
    assert [s.key for s in sections] == [
        "information_size",
        "start",
        "target",
        "risk_of_bias",
        "rob_assessment",
        "inconsistency",
        "indirectness",
        "imprecision",
        "publication_bias",
        "upgrading",
        "effect_size",
        "verdicts",
        "reconciliation",
    ]
    for s in sections:
        assert len(s.rationale) > 80 and s.reference
        # every rule cites the passages behind it (the reconciliation: the nearest, Core GRADE silent)
        assert s.citations and all(len(c.quote.split()) >= 4 and c.source for c in s.citations), (
            s.key
        )


def _rule_sections() -> dict[str, tuple[tuple, object]]:
    """Every section of rules.yaml that states a rule: the typed ones and the plain mappings."""
    from immunograde.grading.config import trial_effects_as_text

    rules = load_rules()
    out = {s.key: (s.citations, s.core_grade) for s in rules_as_text(rules)}
    out |= {d.key: (d.citations, d.core_grade) for d in rules.data_sections.values()}
    te = trial_effects_as_text(rules)  # the double-zero policy, shown under Pooling
    out[te.key] = (te.citations, te.core_grade)
    return out


def test_every_section_of_the_rules_file_is_accounted_for() -> None:
    """No section escapes the Core GRADE check: every top-level key but the review record is one."""
    from importlib import resources

    import yaml

    raw = yaml.safe_load(resources.files("immunograde.grading").joinpath("rules.yaml").read_text())
    assert set(raw) - {"review"} == set(_rule_sections())


def test_every_rule_quotes_core_grade_or_says_why_not() -> None:
    """Issue 13: every rule cites its Core GRADE passage (a quote from one of the seven BMJ 2025
    articles, with where it was read), or states that Core GRADE is silent on it and why."""
    for key, (citations, note) in _rule_sections().items():
        core = [c for c in citations if c.core_grade]
        assert core or note.status == "silent", key
        for c in core:
            assert c.source.startswith(f"Core GRADE {c.core_grade},"), (key, c.source)
            assert "BMJ 2025;389:e08" in c.source and c.url, (key, c.source)
        if note.status != "quoted":
            assert note.reason and len(note.reason.split()) >= 15, key
    statuses = {k: n.status for k, (_c, n) in _rule_sections().items()}
    # the TSA reconciliation, the two descriptive sections and how each trial's effect is computed
    # (meta-analysis method, before any rating) are where Core GRADE has nothing to say
    assert {k for k, v in statuses.items() if v == "silent"} == {
        "trial_effects",
        "reconciliation",
        "natural_medicines",
        "profile",
    }
    # indirectness: Core GRADE 5 itself could not be read, and the note says so
    citations, note = _rule_sections()["indirectness"]
    assert "Core GRADE 5" in (note.reason or "") and 5 not in {c.core_grade for c in citations}


@pytest.mark.parametrize(
    ("section", "change", "message"),
    [
        (
            "trial_effects",
            {"double_zero": "sometimes"},
            r"'trial_effects'.*one of drop, keep, drop_ratios",
        ),
        ("target", {"core_grade": {"status": "partial"}}, r"'target'.*needs a reason"),
        ("start", {"core_grade": {"status": "maybe"}}, r"'start'.*status 'maybe'"),
        ("start", {"core_grade": None}, r"'start'.*core_grade must be a mapping"),
        (
            "effect_size",
            {
                "core_grade": {"status": "quoted"},
                "citations": [{"quote": "a b c d", "source": "Cohen 1988"}],
            },
            r"'effect_size'.*no citation is from",
        ),
        (
            "upgrading",
            {"citations": [{"quote": "a b c d", "source": "GRADE 9", "core_grade": 4}]},
            r"'upgrading'.*must name 'Core GRADE 4'",
        ),
        (
            "verdicts",
            {"citations": [{"quote": "a b c d", "source": "x", "page": 3}]},
            r"'verdicts'.*unknown \['page'\]",
        ),
        ("profile", {"core_grade": {"status": "silent"}}, r"'profile'.*needs a reason"),
    ],
)
def test_core_grade_notes_are_checked_on_load(section: str, change: dict, message: str) -> None:
    from importlib import resources

    import yaml

    raw = yaml.safe_load(resources.files("immunograde.grading").joinpath("rules.yaml").read_text())
    raw[section].update(change)
    with pytest.raises(ValueError, match=message):
        parse_rules(raw)


def test_one_declared_relative_risk_reduction() -> None:
    """The OIS and the TSA read the one key (rules.yaml information_size): no default of their own."""
    import inspect
    import math

    from immunograde.evidence.tsa import question_tsa
    from immunograde.grading.imprecision import optimal_information_size
    from immunograde.grading.inputs import OutcomeSpec, PooledEffect
    from immunograde.grading.thresholds import choose_target

    rules = load_rules()
    assert inspect.signature(question_tsa).parameters["rrr"].default is None
    p = PooledEffect("RR", 3, 900, math.log(0.5), math.log(0.4), math.log(0.6), control_risk=0.2)
    ois, how = optimal_information_size(p, OutcomeSpec("death"), choose_target(p, OutcomeSpec("death"), rules), rules)  # fmt: skip
    assert ois == 1806 and "relative reduction 25%" in how


def test_unknown_key_in_a_section_is_reported() -> None:
    from importlib import resources

    import yaml

    raw = yaml.safe_load(resources.files("immunograde.grading").joinpath("rules.yaml").read_text())
    raw["inconsistency"]["i2_typo"] = 3
    with pytest.raises(ValueError, match=r"inconsistency.*i2_typo"):
        parse_rules(raw)


def test_certainty_levels_are_the_shared_wording(scales: dict) -> None:
    ours = load_rules().certainty_levels["levels"]
    theirs = scales["grade_certainty"]["levels"]
    assert [(v["label"], v["symbol"], v["definition"]) for v in ours.values()] == [
        (x["level"], x["symbol"], x["definition"]) for x in theirs
    ]


def test_statement_cells_are_verbatim_and_resolutions_add_no_words(scales: dict) -> None:
    cells = load_rules().statements["cells"]
    matrix = scales["grade_informative_statements"]["matrix"]
    for level, row in matrix.items():
        key = level.lower().replace(" ", "_")
        assert set(cells[key]) == set(row)
        for size, text in row.items():
            cell = cells[key][size]
            assert cell["verbatim"] == text
            allowed = set(re.findall(r"[a-z]+", text.lower())) | {"the", "evidence", "is", "very"}
            for direction in ("reduction", "increase"):
                words = re.findall(r"[a-z]+", re.sub(r"\{\w+\}", "", cell[direction]).lower())
                assert set(words) <= allowed, (level, size, direction)
                assert "{intervention}" in cell[direction] and "{outcome}" in cell[direction]


def test_natural_medicines_crosswalk_uses_its_levels(scales: dict) -> None:
    nm = load_rules().natural_medicines
    levels = set(scales["natural_medicines_effectiveness"]["levels_in_order"])
    assert set(nm["crosswalk"].values()) <= levels
    assert nm["proven_without_regulator"] in levels
    assert set(nm["crosswalk"]) == set(load_rules().verdicts.order)

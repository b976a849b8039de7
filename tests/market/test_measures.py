"""Money beside the verdict: verdicts come from ``evidence.summary`` and follow the form; the measures
(by certainty, shares, trends, products) add up as a hand count does."""

from __future__ import annotations

import csv

import pytest

from immunograde.evidence.summary import VerdictSummary, substance_verdicts
from immunograde.kb.queries import KnowledgeBase
from immunograde.market import measures
from immunograde.market.names import NameMapper, read_catalogue
from immunograde.market.query import Filters, market_rows
from immunograde.market.verdicts import VerdictBook, resolve, verdict_view

from .conftest import CMS, SHARED


def _one(rows: list[dict], **match: object) -> dict:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, len(found))
    return found[0]


def test_actemra_2017_part_d_beside_tocilizumabs_verdicts(kb: KnowledgeBase) -> None:
    rows = market_rows(kb, Filters(country="US", year=2017, substance_id="tocilizumab")).rows
    spend = _one(rows, programme="Medicare Part D", metric="spending")
    claims = _one(rows, programme="Medicare Part D", metric="claims")
    assert (spend["product"], spend["value"], spend["unit"]) == ("Actemra*", 86_400_039.01, "USD")
    assert claims["value"] == 27_279
    # Part D does not state the form: the verdicts whose questions leave the route unstated apply
    summary = [v for v in substance_verdicts(kb, "tocilizumab") if v.route == "unknown"]
    assert summary and spend["verdicts"] == [verdict_view(v) for v in summary]
    best = min(
        (v for v in summary if v.certainty),
        key=lambda v: ["high", "moderate", "low", "very_low"].index(v.certainty),
    )
    assert (spend["verdict"], spend["certainty"]) == (best.verdict, best.certainty)
    assert spend["source"] == "prescribing/us_cms_drug_spending/partd_brandlvl.csv, line 121"


def test_part_b_injection_does_not_borrow_another_forms_verdict(kb: KnowledgeBase) -> None:
    rows = market_rows(kb, Filters(country="US", year=2017, substance_id="tocilizumab")).rows
    partb = _one(rows, programme="Medicare Part B", metric="spending")
    assert partb["description"] == "Injection, tocilizumab, 1 mg"
    assert (partb["route"], partb["route_from"]) == ("parenteral", "source")
    assert partb["verdicts"] == [] and partb["certainty"] == "no_verdict_for_form"
    assert partb["other_form_verdicts"] == [
        verdict_view(v) for v in substance_verdicts(kb, "tocilizumab")
    ]


@pytest.mark.parametrize(("printed", "substance"), [("Ингавирин", "pentanedioic-acid-imidazolyl-ethanamide"),
                                                    ("Арбидол", "umifenovir"), ("Кагоцел", "kagocel")])  # fmt: skip
def test_2025_regional_sales_with_their_verdicts(
    kb: KnowledgeBase, printed: str, substance: str
) -> None:
    rows = [
        r for r in market_rows(kb, Filters(country="RU", year=2025)).rows if r["product"] == printed
    ]
    with (SHARED / "market/market_points_ru_ua.csv").open(newline="", encoding="utf-8") as fh:
        source = [
            r
            for r in csv.DictReader(fh)
            if r["product_or_segment"] == printed and r["period"].startswith("2025")
        ]
    assert sorted(r["value"] for r in rows) == sorted(float(s["value"]) * 1e6 for s in source)
    assert {r["unit"] for r in rows} == {"RUB"} and {s["unit"] for s in source} == {"mln RUB"}
    assert sorted(r["source_url"] for r in rows) == sorted(s["source_url"] for s in source)
    for (
        r
    ) in rows:  # the form: the one catalogue product the name is (Арбидол, Кагоцел), else the route
        # every catalogue product of the substance shares (Ингавирин: four products, all oral)
        route = kb.get_product(r["product_id"]).route if r["product_id"] else "oral"
        assert (r["route"], r["route_from"]) == (route, "product") and r["substance_ids"] == [
            substance
        ]
        assert r["verdicts"] == [
            verdict_view(v) for v in substance_verdicts(kb, substance) if v.route == route
        ]
        assert r["verdicts"] and r["certainty"] != "no_verdict_for_form"  # money beside a verdict


def test_part_d_2017_total_is_the_csv_total_of_mapped_names(kb: KnowledgeBase) -> None:
    """The page's Part D 2017 total, recounted from the CSV with the same mapper."""
    mapper = NameMapper(read_catalogue(kb.con))
    total = 0.0
    with (CMS / "partd_brandlvl.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["Year"] == "2017" and mapper.map(row["Brand Name"], row["Generic Name"]).mapped:
                total += float(row["Total Spending"])
    rows = market_rows(kb, Filters(country="US", year=2017, programme="Medicare Part D")).rows
    (share,) = measures.shares(measures.by_certainty(rows))
    assert share["total"] == pytest.approx(total, rel=1e-12)
    assert share["single_verdict"] + share["mixed"] == pytest.approx(total, rel=1e-12)


# ------------------------------------------------------------------ hand-derived cases
def _v(
    indication: str, route: str, certainty: str | None, verdict: str = "possible_benefit"
) -> VerdictSummary:
    return VerdictSummary("s", "s", indication, route, route, verdict, verdict.replace("_", " "), certainty,
                          None, (), ())  # fmt: skip


class _Book(VerdictBook):
    def __init__(self, verdicts: dict[str, tuple[VerdictSummary, ...]]) -> None:
        self.cache = dict(verdicts)
        self.version = ""


def test_rule_best_evidenced_indication_of_the_same_form() -> None:
    book = _Book(
        {"s": (_v("A", "oral", "low"), _v("B", "oral", "moderate"), _v("C", "intravenous", "high"))}
    )
    oral = resolve(book, ["s"], route="oral", product_route=None, match="generic")
    assert (oral.bucket, oral.deciding.indication) == ("moderate", "B")
    assert [v.indication for v in oral.applicable] == ["A", "B"] and [
        v.indication for v in oral.other_forms
    ] == ["C"]
    assert (
        resolve(book, ["s"], route="topical", product_route=None, match="generic").bucket
        == "no_verdict_for_form"
    )
    assert (
        resolve(book, ["s"], route="unknown", product_route="oral", match="brand").route_from
        == "product"
    )
    assert (
        resolve(book, ["s"], route="oral", product_route=None, match="ingredients").bucket
        == "mixed"
    )
    ungraded = _Book({"s": (_v("A", "unknown", None, "no_controlled_evidence"),)})
    assert (
        resolve(ungraded, ["s"], route=None, product_route=None, match="brand").bucket
        == "not_graded"
    )


def _row(
    product: str, certainty: str, value: float, year: int = 2017, metric: str = "spending"
) -> dict:
    return {"country": "US", "programme": "P", "geography": None, "year": year, "period": str(year),
            "unit": "USD", "metric": metric, "certainty": certainty, "value": value, "product": product,
            "generic_name": None}  # fmt: skip


def test_shares_and_trends_by_hand() -> None:
    rows = [_row("a", "high", 100.0), _row("b", "low", 50.0), _row("c", "not_graded", 30.0),
            _row("d", "mixed", 20.0), _row("a", "high", 60.0, 2016), _row("a", "high", 7.0, metric="claims")]  # fmt: skip
    table = measures.by_certainty(rows)
    assert [(t["year"], t["certainty"], t["value"]) for t in table] == [
        (2016, "high", 60.0), (2017, "high", 100.0), (2017, "low", 50.0), (2017, "not_graded", 30.0),
        (2017, "mixed", 20.0)]  # fmt: skip
    s2016, s2017 = measures.shares(table)
    assert (s2017["total"], s2017["single_verdict"], s2017["low_or_unknown"], s2017["mixed"]) == (
        200,
        180,
        80,
        20,
    )
    assert (
        s2017["share_low_or_unknown"] == pytest.approx(80 / 180)
        and s2016["share_low_or_unknown"] == 0.0
    )
    high = next(t for t in measures.trends(table) if t["certainty"] == "high")
    assert (high["years"], high["values"]) == ([2016, 2017], [60.0, 100.0])


def test_report_figures_of_other_regions_are_never_added() -> None:
    a = {**_row("x", "not_graded", 10.0), "geography": "Moscow", "period": "2016 weeks 1-3"}
    b = {**_row("x", "not_graded", 20.0), "geography": "Russia", "period": "2016"}
    assert len(measures.by_certainty([a, b])) == 2

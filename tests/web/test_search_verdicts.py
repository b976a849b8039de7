"""Search results show each substance's (and product's) best verdict and its certainty, read from the
same stored substance page the substance's own page shows, so the two cannot disagree."""

from __future__ import annotations

from fastapi.testclient import TestClient

from immunograde.grading.config import load_rules


def test_search_hit_shows_the_substance_pages_best_verdict(client: TestClient) -> None:
    hits = client.get("/search.json", params={"q": "tocilizumab"}).json()["results"]
    hit = next(h for h in hits if h["kind"] == "substance" and h["id"] == "tocilizumab")
    cards = client.get("/substances/tocilizumab.json").json()["evidence"]
    order = list(load_rules().verdicts.order)
    best = min(cards, key=lambda c: order.index(c["verdict"]))
    assert hit["verdict"]["verdict"] == best["verdict"]
    assert hit["verdict"]["verdict_label"] == best["verdict_label"]
    assert hit["verdict"]["cards"] == len(cards)
    deciding = next(
        q for q in best["questions"] if q["question_id"] == best["deciding_question_id"]
    )
    assert hit["verdict"]["certainty"] == deciding["certainty"]
    html = client.get("/search", params={"q": "tocilizumab"}).text
    assert f'<span class="badge v-{best["verdict"]}">{best["verdict_label"]}</span>' in html


def test_a_substance_without_trials_says_so_and_classes_carry_no_verdict(
    client: TestClient,
) -> None:
    hits = client.get("/search.json", params={"q": "Кагоцел"}).json()["results"]
    kagocel = next(h for h in hits if h["substance_id"] == "kagocel")
    cards = client.get("/substances/kagocel.json").json()["evidence"]
    if not cards:
        assert kagocel["verdict"]["verdict"] == "no_controlled_evidence"
    classes = client.get("/search.json", params={"q": "interferons"}).json()["results"]
    assert all("verdict" not in h for h in classes if h["kind"] == "class")


def test_search_badges_in_russian(client: TestClient) -> None:
    from immunograde.web import i18n

    hit = next(h for h in client.get("/search.json", params={"q": "tocilizumab"}).json()["results"]
               if h["id"] == "tocilizumab")  # fmt: skip
    html = client.get("/search", params={"q": "tocilizumab", "lang": "ru"}).text
    assert i18n.translations("ru").gettext(hit["verdict"]["verdict_label"]) in html

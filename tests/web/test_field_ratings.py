"""Issue 13: "where WHO, a Cochrane review or a large trial has settled a question, ImmunoGrade says the
same, or explains in one sentence why not".  The question page shows every published certainty rating
recorded for the question (data/questions/*.yaml ``published:``, each with its verbatim sentence) beside
ImmunoGrade's stored rating, and the domains each side rated down when they differ.

Expected values are read from the same reviewed files and the stored appraisal, never typed here."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from immunograde.evidence.calibration import level_of


def _visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_hcq_and_baricitinib_pages_say_what_the_field_says(client: TestClient) -> None:
    for qid in (
        "hydroxychloroquine-covid19-mortality",
        "baricitinib-covid19-mortality-on-corticosteroids",
    ):
        data = client.get(f"/questions/{qid}.json").json()
        ours = data["appraisal"]["certainty"]
        field = data["field"]
        assert field, qid
        for f in field:
            assert f["ours"] == ours and f["published"] == level_of(f["published"])
            assert f["agrees"] == (f["published"] == ours)
            if not f[
                "agrees"
            ]:  # the one sentence: the domains ImmunoGrade rated down, the source's
                assert f["why"] and f["side"] in ("lower", "higher")
                rated = {
                    j["domain"]: j["levels"]
                    for j in data["appraisal"]["judgements"]
                    if j["levels"] < 0
                }
                assert f["ours_domains"] == rated
        page = _visible(client.get(f"/questions/{qid}").text)
        assert "What reviews and guidelines concluded" in page
        for f in field:
            assert f["source"] in page
            assert ("ImmunoGrade rates it the same." in page) or not f["agrees"]
        ru = _visible(client.get(f"/questions/{qid}?lang=ru").text)
        assert "Выводы обзоров и клинических рекомендаций" in ru


def test_a_disagreement_names_both_sides(client: TestClient) -> None:
    # the HCQ question carries a published "high" (no domain rated down by the source) while ImmunoGrade
    # rates imprecision down: the page names the domain on each side
    data = client.get("/questions/hydroxychloroquine-covid19-mortality.json").json()
    differing = [f for f in data["field"] if not f["agrees"]]
    for f in differing:
        page = _visible(client.get("/questions/hydroxychloroquine-covid19-mortality").text)
        if f["ours_domains"]:
            assert "ImmunoGrade rated down" in page
        if f["published"] == "high" and f["source_reasons"] != "not_found":
            assert "the source rated no domain down." in page


def test_a_rating_of_other_evidence_says_so_in_one_sentence(client: TestClient) -> None:
    # hydroxychloroquine and baricitinib: WHO and the reviews rated other trial sets than the
    # question's (their published entries say evidence_match: different); the page says so, in Russian too
    sentence = "The source rated another body of evidence than the trials of this question"
    for qid in (
        "hydroxychloroquine-covid19-mortality",
        "baricitinib-covid19-mortality-on-corticosteroids",
    ):
        field = client.get(f"/questions/{qid}.json").json()["field"]
        assert any(f["evidence_match"] == "different" for f in field), qid
        page = _visible(client.get(f"/questions/{qid}").text)
        assert page.count(sentence) == sum(f["evidence_match"] == "different" for f in field)
        ru = _visible(client.get(f"/questions/{qid}?lang=ru").text)
        assert "Источник оценивал другую совокупность данных" in ru and sentence not in ru
    # a previous version of the same review (zoster vaccine, CD008858.pub4 for the .pub5 rows)
    qid = "zoster-vaccine-live-older-adults-herpes-zoster-cd008858"
    field = client.get(f"/questions/{qid}.json").json()["field"]
    assert [f["evidence_match"] for f in field] == ["previous_version"]
    page = _visible(client.get(f"/questions/{qid}").text)
    assert "The source is a previous version of the review these trials come from." in page
    assert sentence not in page

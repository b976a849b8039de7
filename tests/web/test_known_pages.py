"""What is known, on the pages (issue 14): a product with trials shows them; one without says what was
searched, where and when.  Expected values are read from the curated files through the knowledge base."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from markupsafe import escape

from immunograde.kb.queries import KnowledgeBase


def test_substance_page_lists_every_trial_with_its_form(client: TestClient, web_db: Path) -> None:
    kb = KnowledgeBase(web_db)
    try:
        trials = kb.trials_for_substance("interferon-alfa-2b")
        logs = kb.search_logs_for("interferon-alfa-2b")
    finally:
        kb.close()
    page = client.get("/substances/interferon-alfa-2b.json").json()
    assert [t["id"] for t in page["trials"]] == [t.id for t in trials]
    viferon = next(
        t for t in page["trials"] if t["id"] == "viferon-rectal-children-health-groups-2-4"
    )
    assert viferon["routes"] == ["rectal"] and viferon["reported_in"] and not viferon["pooled_in"]
    assert [s["id"] for s in page["searches"]] == [log.id for log in logs]
    html = client.get("/substances/interferon-alfa-2b").text
    assert 'id="trials"' in html and 'id="searched"' in html
    assert str(escape(viferon["label"])) in html
    for log in logs:
        assert str(escape(log.conclusion)) in html
        newest = max(s.date for s in log.searches).isoformat()
        assert f"Searched on {newest}" in html


def test_question_page_shows_results_that_cannot_be_pooled(
    client: TestClient, web_db: Path
) -> None:
    qid = "interferon-alfa-2b-rectal-arvi-children-time-to-recovery"
    kb = KnowledgeBase(web_db)
    try:
        reported = kb.reported_results(qid)
    finally:
        kb.close()
    page = client.get(f"/questions/{qid}.json").json()
    assert [r["outcome"] for r in page["reported"]] == [r.outcome for r in reported]
    first = page["reported"][0]
    # the difference and p-value of the file's first reported row, in words
    assert (
        f"{reported[0].estimate:g}" in first["result"]
        and f"{reported[0].p_value:g}" in first["result"]
    )
    html = client.get(f"/questions/{qid}").text
    assert 'id="reported"' in html and str(escape(reported[0].why_not_pooled)) in html


def test_substance_without_search_says_so(client: TestClient, web_db: Path) -> None:
    kb = KnowledgeBase(web_db)
    try:
        unsearched = next(
            s
            for s in kb.list_substances()
            if not kb.search_logs_for(s.id) and not kb.questions_for(s.id)
        )
    finally:
        kb.close()
    html = client.get(f"/substances/{unsearched.id}").text
    assert "No hand search for trials" in html and "Trials may exist" in html
    (card,) = client.get(f"/substances/{unsearched.id}.json").json()["evidence"][:1]
    assert card["verdict"] in {
        "no_controlled_evidence",
        "trials_not_poolable",
        "trials_registered_no_results",
    }


def test_every_question_pages_data_csv_link_answers(client: TestClient, web_db: Path) -> None:
    """The "data (CSV)" link of a question page (it answered 404 on every page, issue 12) gives the
    question's rows in metafor's columns, the same rows as the API."""
    import csv
    import io
    import re

    kb = KnowledgeBase(web_db)
    try:
        questions = [q.id for q in kb.all_questions()]
        counts = {q: len(kb.outcome_data(q)) for q in questions}
    finally:
        kb.close()
    linked = 0
    for qid in questions:
        html = client.get(f"/questions/{qid}").text
        for href in re.findall(r'href="([^"]*data\.csv[^"]*)"', html):
            r = client.get(href.replace("&amp;", "&"))
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), qid
            rows = list(csv.DictReader(io.StringIO(r.text)))
            assert len(rows) == counts[qid], qid
            api = client.get(f"/api/v1/questions/{qid}/data", params={"format": "csv"}).text
            assert r.text == api, qid
            linked += 1
    assert linked >= 100  # every question with data links its rows


def test_what_changed_says_where_the_history_starts(client: TestClient, web_db: Path) -> None:
    """On a fresh build nothing has changed yet: the page and the feed say which build the history starts
    with (it was an empty page and an empty feed, issue 12)."""
    from immunograde.evidence.history import recorded_builds

    (first,) = recorded_builds(web_db.parent / "history.duckdb")  # web_db records one build
    kb = KnowledgeBase(web_db)
    try:
        n = len(kb.all_questions())
    finally:
        kb.close()
    assert first["questions"] == n
    page = client.get("/changes").text
    assert f"The history starts with the build of {str(first['recorded_at'])[:10]}" in page
    assert f"{n} questions recorded" in page and str(first["data_version"])[:12] in page
    feed = client.get("/changes.atom").text
    assert "The evidence history starts" in feed and f"{n} questions recorded" in feed
    assert client.get("/changes.json").json()["started"]["questions"] == n


def test_api_docs_work_without_internet(client: TestClient) -> None:
    """/api/v1/docs loaded Swagger UI from a CDN and was blank offline (issue 12): every asset it names is
    served by the app itself, or, where the npm files were not installed, it says so and links the
    OpenAPI document."""
    import re

    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert not re.findall(r"(?:src|href)=['\"]https?://", page.text)
    for a in re.findall(r"['\"](/static/[^'\"]+)['\"]", page.text):
        assert client.get(a).status_code == 200, a
    # the npm files (web/static/vendor/, fetched at install when npm is there; a checkout without them
    # has the project's own /static/ files only)
    vendor = re.findall(r"['\"](/static/vendor/[^'\"]+)['\"]", page.text)
    if vendor:
        assert any(a.endswith("swagger-ui-bundle.js") for a in vendor)
        assert "/api/v1/openapi.json" in page.text
    else:
        assert 'href="/api/v1/openapi.json"' in page.text and "not installed" in page.text


def test_cumulative_charts_draw_every_question_they_are_shown_for(client: TestClient) -> None:
    """12+ cumulative charts were broken images and the axis said "RR" for odds ratios and mean
    differences (issue 12): every question page that shows a cumulative chart gets one, in the question's
    own measure, on a log axis for ratios only, ending at the pooled result's k."""
    questions = client.get("/api/v1/questions", params={"limit": 1000}).json()["items"]
    shown = 0
    for q in questions:
        html = client.get(f"/questions/{q['id']}").text
        if "/cumulative.svg" not in html:
            continue
        spec = client.get(f"/plots/questions/{q['id']}/cumulative.vl.json")
        assert spec.status_code == 200, q["id"]
        text = spec.text
        measure = q["measure"]
        assert f"{measure} (cumulative, 95% CI)" in text, q["id"]
        assert ('"type": "log"' in text or '"type":"log"' in text) == (
            measure in {"RR", "OR", "HR", "ROM", "IRR"}
        ), q["id"]
        k = client.get(f"/questions/{q['id']}.json").json()["appraisal"]["k"]
        body = spec.json()
        data = [layer.get("data", {}).get("values", []) for layer in body["layer"]]
        data += list(body.get("datasets", {}).values())  # the named dataset the layers read
        steps = {r["step"] for rows in data for r in rows if "step" in r}
        if steps:
            assert max(steps) + 1 >= k, q["id"]
        shown += 1
    assert shown >= 100


def test_cumulative_chart_images_are_drawn_for_every_measure(client: TestClient) -> None:
    """The images themselves (12 were broken, issue 12): for the first question of each measure that
    shows a cumulative chart, the SVG its page links is drawn."""
    questions = client.get("/api/v1/questions", params={"limit": 1000}).json()["items"]
    first: dict[str, str] = {}
    for q in questions:
        if q["measure"] in first:
            continue
        if f"/plots/questions/{q['id']}/cumulative.svg" in client.get(f"/questions/{q['id']}").text:
            first[q["measure"]] = q["id"]
    assert {"RR", "OR", "RD", "MD", "HR", "GEN"} <= set(first), first
    for measure, qid in first.items():
        svg = client.get(f"/plots/questions/{qid}/cumulative.svg")
        assert svg.status_code == 200, (measure, qid)
        assert svg.headers["content-type"].startswith("image/svg+xml"), (measure, qid)
        assert svg.text.lstrip().startswith("<svg") and len(svg.text) > 2000, (measure, qid)


def test_om89_dossier_answers(client: TestClient) -> None:
    """The OM-89 dossier answered 400 (its Wilcoxon-Mann-Whitney question, measure GEN, broke the
    cumulative chart; issue 12)."""
    r = client.get("/substances/om-89/report.html")
    assert r.status_code == 200 and "OM-89" in r.text


def test_question_pages_link_their_sources(client: TestClient, web_db: Path) -> None:
    """Question pages had no outbound links (issue 12): the question's source and every trial with a
    PubMed id, a DOI or a ClinicalTrials.gov id link to it."""
    kb = KnowledgeBase(web_db)
    try:
        qid = "bcg-vaccine-tuberculosis"
        trials = [tq.trial for tq in kb.trials_for_question(qid)]
        q = kb.get_question("hydroxychloroquine-covid19-mortality")
        hcq_trials = [tq.trial for tq in kb.trials_for_question(q.id)]
    finally:
        kb.close()
    page = client.get(f"/questions/{q.id}.json").json()
    rows = {t["id"]: t for t in page["trials"]}
    registry = 0
    for t in hcq_trials:
        if t.pmid:
            assert rows[t.id]["link"] == f"https://pubmed.ncbi.nlm.nih.gov/{t.pmid}/", t.id
        elif t.doi:
            assert rows[t.id]["link"] == f"https://doi.org/{t.doi}", t.id
        elif nct := next((r for r in t.registry_ids if r.startswith("NCT")), None):
            assert rows[t.id]["link"] == f"https://clinicaltrials.gov/study/{nct}", t.id
            registry += 1
    assert registry  # trials known by their registry id link to ClinicalTrials.gov
    html = client.get(f"/questions/{q.id}").text
    linked = [r["link"] for r in page["trials"] if r["link"]]
    assert linked and all(f'href="{u}"' in html for u in linked)
    # the shared file's row each trial was read from is named beside it
    assert all(f"row {r['source_row']}" in html for r in page["trials"] if r["source_row"])
    assert len(trials) >= 13  # BCG: every row's trial is listed
    # a question taken from a Cochrane review links the review
    kb = KnowledgeBase(web_db)
    try:
        review = kb.get_question("adalimumab-jia-sae-vs-placebo-cd013715").source
    finally:
        kb.close()
    assert review is not None and review.doi and "CD013715" in review.doi
    cochrane = client.get("/questions/adalimumab-jia-sae-vs-placebo-cd013715")
    assert f'href="https://doi.org/{review.doi}"' in cochrane.text


def test_every_trial_row_links_where_it_was_read(client: TestClient, web_db: Path) -> None:
    """1,862 of 1,920 trial rows of the question pages linked nowhere: a trial with no PubMed id, DOI or
    registry id of its own, read from a Cochrane review's data set, now links the review (its bibliography
    entry's DOI); one read from a repository links the repository at the commit the shared README names."""
    kb = KnowledgeBase(web_db)
    try:
        ids = [q.id for q in kb.all_questions()]
        entries = {e.id: e for e in kb.list_sources()}
        trials = {tq.trial.id: tq.trial for qid in ids for tq in kb.trials_for_question(qid)}
    finally:
        kb.close()
    unlinked, n = [], 0
    for qid in ids:
        for row in client.get(f"/questions/{qid}.json").json()["trials"]:
            n += 1
            t = trials[row["id"]]
            entry = entries.get(t.source.ref or "")
            own = t.pmid or t.doi or t.registry_ids or t.source.pmid or t.source.doi or t.source.nct
            if not row["link"]:
                unlinked.append((qid, row["id"]))
            elif not own and entry is not None and entry.source.doi:
                assert row["link"] == f"https://doi.org/{entry.source.doi}", row
    assert n > 1000 and not unlinked, unlinked[:5]
    page = client.get("/questions/corticosteroids-severe-cap-mortality").text
    assert (
        'href="https://github.com/arthur-albuquerque/steroids_pneumonia_2023/tree/'
        'f801222c1489120d7aec00fafd394ef30ad9e6a5"' in page
    )

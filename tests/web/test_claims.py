"""What is claimed (issue 14): the products' own published claims (claims_published: label and instruction
texts, promotion) come first on the substance page, the lists of unproven drugs after them as secondary
sources; every claim is quoted whole and labelled by who made it."""

from __future__ import annotations

from pathlib import Path

import yaml
from fastapi.testclient import TestClient
from markupsafe import escape

from immunograde.settings import data_dir
from immunograde.web.evidence import SECONDARY_CLAIMANTS
from immunograde.web.report import _md_claims

PUBLISHED = Path(data_dir()) / "claims" / "hand-published.yaml"


def _published() -> list[dict]:
    return yaml.safe_load(PUBLISHED.read_text(encoding="utf-8"))["records"]


def _claims_section(page: str) -> str:
    start = page.index('id="claims"')
    return page[start : page.index("<h2", start + 1)]


def test_published_claims_are_loaded_for_the_listed_products(client: TestClient) -> None:
    recs = _published()
    subjects = {s for r in recs for s in r["substances"]}
    assert {"kagocel", "ergoferon", "anaferon", "umifenovir", "azoximer-bromide", "oscillokokcinum",
            "inosine-pranobex", "om-85", "echinacea"} <= subjects  # fmt: skip
    for sid in sorted(subjects):
        data = client.get(f"/substances/{sid}.json").json()
        got = {c["id"] for c in data["claims"]}
        assert {r["id"] for r in recs if sid in r["substances"]} <= got, sid


def test_published_claims_come_first_then_the_lists(client: TestClient) -> None:
    for sid in ("kagocel", "umifenovir", "oscillokokcinum"):
        claims = client.get(f"/substances/{sid}.json").json()["claims"]
        secondary = [c["claimant_kind"] in SECONDARY_CLAIMANTS for c in claims]
        assert any(secondary) and not all(secondary), sid
        assert secondary == sorted(secondary), sid  # no list entry before a published claim
        assert [c["secondary"] for c in claims] == secondary
        section = _claims_section(client.get(f"/substances/{sid}").text)
        first, second = (
            section.index("Published claims: labels, instructions, promotion"),
            section.index("Lists of drugs with unproven efficacy (secondary sources)"),
        )
        assert first < second
        for c in claims:  # each under its heading, labelled by who made it
            at = section.index(str(escape(c["statement"])))
            assert (at > second) == c["secondary"], c["id"]
            assert str(escape(c["claimant"])) in section


def test_claims_are_quoted_whole(client: TestClient) -> None:
    """The list texts are the entries' whole text (the flat CSV cut them at 600 characters, mid-word)."""
    claims = {c["id"]: c for c in client.get("/substances/umifenovir.json").json()["claims"]}
    arbidol = claims["rsp-arbidol"]["statement"]
    assert len(arbidol) > 600 and "действующее вещество — умифеновир" in arbidol
    section = _claims_section(client.get("/substances/umifenovir").text)
    for c in claims.values():
        assert f"“{escape(c['statement'])}”" in section, c["id"]
    for r in _published():
        quote = r["source"]["quote"]
        for part in r["statement"].split(" / "):
            assert part in quote, r["id"]  # the statement is the row's quoted text


def test_markdown_report_keeps_the_order(client: TestClient) -> None:
    page = {"claims": client.get("/substances/kagocel.json").json()["claims"]}
    text = "\n".join(_md_claims(page))
    assert text.index("Published claims") < text.index("Lists of drugs with unproven efficacy")
    assert text.count("Published claims") == 1


def test_claims_never_say_no_controlled_trial_when_the_kb_has_one(
    client: TestClient, web_db: Path
) -> None:
    """Beside each claim, "Evidence here" names the controlled trials the knowledge base holds when no
    question grades them (Kagocel's two randomised trials report only non-poolable results)."""
    from immunograde.kb.queries import KnowledgeBase

    kb = KnowledgeBase(web_db)
    try:
        checked = 0
        for sid in {s for r in _published() for s in r["substances"]} | {"kagocel", "thymalin"}:
            controlled = [
                t for t in kb.trials_for_substance(sid)
                if t.design.randomised is not False
                and (t.design.control not in ("none", "unknown") or any(a.control for a in t.arms))
            ]  # fmt: skip
            for c in client.get(f"/substances/{sid}.json").json()["claims"]:
                if controlled:
                    assert "no controlled trial" not in c["evidence_says"], sid
                    checked += 1
        assert checked
    finally:
        kb.close()


def test_evidence_beside_claims_is_in_the_readers_language(client: TestClient) -> None:
    """ "Evidence here" is built from parts the page translates: the count of controlled trials (Russian
    plural forms) or the graded verdicts with their indication and form."""
    claims = client.get("/substances/kagocel.json").json()["claims"]
    n = claims[0]["controlled"]
    assert n and all(c["controlled"] == n and not c["evidence"] for c in claims)
    en = _claims_section(client.get("/substances/kagocel").text)
    ru = _claims_section(client.get("/substances/kagocel?lang=ru").text)
    assert f"{n} controlled trial" in en and "in the knowledge base, no pooled verdict" in en
    assert f"{n} контролируем" in ru and "сводного вывода по" in ru
    assert "controlled trial" not in ru
    graded = client.get("/substances/umifenovir.json").json()["claims"][0]["evidence"]
    assert graded and all({"indication", "form", "verdict_label"} <= set(e) for e in graded)

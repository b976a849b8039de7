"""No outcome, follow-up time or indication of a Russian page is left in English for want of a glossary
entry (issue 18): every question's indication, outcome and follow-up time in the knowledge base, and every
one the Russian pages pass to the ``indication`` / ``outcome`` / ``time_point`` filters while the pages
are rendered (the claims page, the evidence map and the substances whose claims and SoF tables showed
English ones), has its Russian in ``locale/ru/indications.yaml`` / ``outcomes.yaml`` or, for a claim's
topic, in the claim vocabulary's reviewed labels (``evidence/claim_vocabulary.yaml``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from immunograde.web import i18n, i18n_glossary, templating

FILTERS = ("indication", "outcome", "time_point")
#: pages whose claims, SoF tables and follow-up times showed English before (a crawl of all 892 Russian
#: pages, tests/web/test_russian_vocabulary.py's way, found them there)
PAGES = ("/claims", "/map", "/substances/ergoferon", "/substances/interferon-alfa-2b",
         "/substances/herpes-zoster-vaccine", "/substances/dexamethasone", "/substances/tilorone",
         "/substances/azoximer-bromide", "/substances/meglumine-acridonacetate", "/substances/oxolin",
         "/questions/baricitinib-alopecia-areata-long-term-regrowth")  # fmt: skip


def _known(kind: str, text: str) -> bool:
    """``text`` comes out in Russian, or the glossary says it is written the same in Russian."""
    i18n.use("ru")
    try:
        shown = getattr(i18n_glossary, kind)(text)
        same = {
            "indication": set(i18n_glossary.indications("ru"))
            | {en for en, ru in i18n_glossary._claim_labels("ru").items() if en == ru},
            "outcome": set(i18n_glossary._glossary("ru", "outcomes")),
            "time_point": set(i18n_glossary._glossary("ru", "time_points", "outcomes")),
        }[kind]
    finally:
        i18n.use("en")
    return shown != text or text in same


def test_every_question_has_russian_words(web_db: Path) -> None:
    with duckdb.connect(str(web_db), read_only=True) as con:
        rows = con.execute(
            "SELECT json_extract_string(record_json, '$.indication'), "
            "json_extract_string(record_json, '$.outcome.name'), "
            "json_extract_string(record_json, '$.outcome.time_point') FROM questions"
        ).fetchall()
    assert len(rows) > 600
    missing = {kind: sorted({v for row in rows if (v := row[i]) and not _known(kind, v)})
               for i, kind in enumerate(FILTERS)}  # fmt: skip
    assert not any(missing.values()), missing


def test_russian_pages_pass_no_unknown_words(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    page = [""]

    def spy(kind: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def inner(value: Any, *args: Any, **kw: Any) -> Any:
            if isinstance(value, str) and value:
                seen[kind][value].add(page[0])
            return fn(value, *args, **kw)

        return inner

    for kind in FILTERS:
        wrapped = spy(kind, getattr(i18n_glossary, kind))
        monkeypatch.setitem(templating.env.filters, kind, wrapped)
        monkeypatch.setattr(i18n_glossary, kind, wrapped)
    for path in PAGES:
        page[0] = path
        assert client.get(path, params={"lang": "ru"}).status_code == 200, path
    monkeypatch.undo()
    assert seen["indication"] and seen["outcome"]  # the spy saw the pages' words
    missing = {kind: {v: sorted(p) for v, p in values.items() if not _known(kind, v)}
               for kind, values in seen.items()}  # fmt: skip
    assert not any(missing.values()), missing


@pytest.mark.parametrize(
    ("english", "russian"),
    [("meningitis and sepsis", "менингит и сепсис"),
     ("viral hepatitis and herpes virus infections and influenza",
      "вирусный гепатит, герпесвирусные инфекции и грипп"),
     ("hospital discharge", "выписка из стационара"),
     ("at least 3.2 years (mean 3.2 years)", "не менее 3,2 года (в среднем 3,2 года)")],
)  # fmt: skip
def test_examples_read_in_russian(english: str, russian: str) -> None:
    kind = "time_point" if "discharge" in english or "years" in english else "indication"
    i18n.use("ru")
    try:
        assert getattr(i18n_glossary, kind)(english) == russian
    finally:
        i18n.use("en")
    assert getattr(i18n_glossary, kind)(english) == english  # English pages: as written

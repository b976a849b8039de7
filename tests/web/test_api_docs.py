"""``/api/v1/docs`` (issue 18): Swagger UI from the package's own files under a header in the reader's
language -- the title and description from the catalogue, the language switch -- with the package's
stylesheet that keeps it within a phone's width (tests/web/test_phone.py measures it in chromium); the
OpenAPI document is the same in every language."""

from __future__ import annotations

from fastapi.testclient import TestClient

from immunograde.web import i18n


def test_api_docs_speak_the_readers_language(client: TestClient) -> None:
    ru = i18n.translations("ru")
    page = client.get("/api/v1/docs", params={"lang": "ru"})
    assert page.status_code == 200 and page.headers["content-language"] == "ru"
    html = page.text
    assert '<html lang="ru">' in html
    assert f"<title>{ru.gettext('ImmunoGrade API')}</title>" in html
    assert (
        ru.gettext(
            "Evidence for immunomodulators: pooled trial results, GRADE certainty, verdicts, safety signals."
        )
        in html
    )
    assert 'href="/static/api_docs.css"' in html and "cdn" not in html.lower()
    assert "/api/v1/docs?lang=en" in html  # the switch
    english = client.get("/api/v1/docs", headers={"Accept-Language": "en"}).text
    assert "<title>ImmunoGrade API</title>" in english and "Доказательства" not in english
    russian_by_header = client.get("/api/v1/docs", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert '<html lang="ru">' in russian_by_header.text
    css = client.get("/static/api_docs.css")
    assert css.status_code == 200 and ".swagger-ui .wrapper" in css.text
    assert (
        client.get("/api/v1/openapi.json", params={"lang": "ru"}).json()
        == client.get("/api/v1/openapi.json").json()
    )

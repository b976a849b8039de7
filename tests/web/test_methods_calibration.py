"""The Methods page reports the recorded calibration (benchmarks/results/calibration.json): n, sources,
exact agreement, weighted kappa, the confusion matrix and the tally by domain, from the file itself."""

from __future__ import annotations

import html
import json

from fastapi.testclient import TestClient

from immunograde import settings


def test_methods_page_shows_the_recorded_calibration(client: TestClient) -> None:
    rec = json.loads(
        settings.project_home().joinpath("benchmarks", "results", "calibration.json").read_text()
    )
    twin = client.get("/methods.json").json()["calibration"]
    assert twin["n"] == rec["n"] and twin["weighted_kappa"] == rec["weighted_kappa"]
    assert twin["confusion"] == rec["confusion"]
    assert twin["disagreements"] == len(rec["disagreements"])
    assert twin["domain_tally"] == rec.get("domain_tally")
    page = html.unescape(client.get("/methods").text)
    kappa = f"{rec['weighted_kappa']:.2f}"
    assert f"compared with {rec['n']} published GRADE ratings" in page and kappa in page
    ru = html.unescape(client.get("/methods?lang=ru").text)
    assert "Согласие с опубликованными оценками достоверности" in ru

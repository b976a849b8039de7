"""ASGI entry for multi-worker servers: ``uvicorn immunograde.web.asgi:app`` (uses IMMUNOGRADE_DB)."""

from immunograde.web.app import create_app

app = create_app()

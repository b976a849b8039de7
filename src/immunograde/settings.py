"""Where things live.  Every path can be overridden by an environment variable.

- ``IMMUNOGRADE_HOME``: the project checkout (holds ``data/``); default: found from this file.
- ``IMMUNOGRADE_SHARED``: the shared data folder; default ``$IMMUNOGRADE_HOME/../shared``.
- ``IMMUNOGRADE_DB``: the built DuckDB knowledge base; default ``$IMMUNOGRADE_HOME/var/immunograde.duckdb``.
- ``IMMUNOGRADE_HISTORY``: the evidence history (kept across rebuilds); default beside the knowledge base.
- ``IMMUNOGRADE_SAFETY``: the scored spontaneous reports; default ``safety/`` beside the knowledge base.
- ``IMMUNOGRADE_CHARTS``: rendered charts kept by the content of their specification (shared by the
  command line and the web server; :mod:`immunograde.plots.cache`); default ``charts/`` beside the
  knowledge base.
- ``IMMUNOGRADE_LOCK_WAIT``: seconds a command that writes the knowledge base or the history waits for
  another one writing it (default 600), before it stops with exit code 7.
- ``IMMUNOGRADE_MAX_INFLATED_MB``: the most any one compressed file or archive member may inflate to
  (default 1024 MiB); a larger one is refused with exit code 3 (compression bombs).
"""

from __future__ import annotations

import os
from pathlib import Path


def project_home() -> Path:
    env = os.environ.get("IMMUNOGRADE_HOME")
    if env:
        return Path(env).resolve()
    # src/immunograde/settings.py -> checkout root
    return Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    env = os.environ.get("IMMUNOGRADE_SHARED")
    if env:
        return Path(env).resolve()
    return (project_home().parent / "shared").resolve()


def shared_data_dir() -> Path:
    return shared_dir() / "data"


def data_dir() -> Path:
    """The reviewed knowledge-base files (YAML/CSV with provenance)."""
    return project_home() / "data"


def db_path() -> Path:
    env = os.environ.get("IMMUNOGRADE_DB")
    if env:
        return Path(env).resolve()
    return project_home() / "var" / "immunograde.duckdb"


def history_path() -> Path:
    env = os.environ.get("IMMUNOGRADE_HISTORY")
    return Path(env).resolve() if env else db_path().parent / "history.duckdb"


def safety_dir() -> Path:
    env = os.environ.get("IMMUNOGRADE_SAFETY")
    return Path(env).resolve() if env else db_path().parent / "safety"


def chart_cache_dir(db: Path | None = None) -> Path:
    """Rendered charts of the knowledge base ``db`` (default :func:`db_path`): ``charts/`` beside it."""
    env = os.environ.get("IMMUNOGRADE_CHARTS")
    return Path(env).resolve() if env else (db or db_path()).parent / "charts"


def lock_wait() -> float:
    env = os.environ.get("IMMUNOGRADE_LOCK_WAIT")
    return float(env) if env else 600.0


def max_inflated() -> int:
    """Bytes one ``.gz`` file or zip member may inflate to (``IMMUNOGRADE_MAX_INFLATED_MB``)."""
    env = os.environ.get("IMMUNOGRADE_MAX_INFLATED_MB")
    return int(float(env) * 2**20) if env else 1024 * 2**20

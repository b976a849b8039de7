"""Atom feed (RFC 4287) of evidence changes, built with ``xml.etree`` (text is escaped by it)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _entry_text(c: dict[str, Any]) -> str:
    why = []
    for label, key in (("new trials", "trials_added"), ("removed", "trials_removed"),
                       ("corrected", "trials_corrected")):  # fmt: skip
        if c.get(key):
            why.append(f"{label}: {', '.join(c[key])}")
    text = f"{c['field']} changed from {c.get('old')} to {c.get('new')}."
    return text + (" Caused by " + "; ".join(why) + "." if why else "")


def atom_feed(
    changes: list[dict[str, Any]],
    *,
    site_url: str = "http://127.0.0.1:8000",
    started: dict[str, Any] | None = None,
) -> str:
    """Atom XML for change records (dicts as :func:`living.history.recent_changes` returns), and an entry
    for the build the history starts with (``started``: ``data_version, recorded_at, questions``)."""
    ET.register_namespace("", ATOM)
    base = site_url.rstrip("/")
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "title", "ImmunoGrade: what changed")
    _sub(feed, "id", f"{base}/changes")
    _sub(feed, "link", href=f"{base}/changes.atom", rel="self")
    _sub(feed, "link", href=f"{base}/changes")
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    _sub(feed, "updated", str(changes[0]["recorded_at"]) if changes else now)
    _sub(_sub(feed, "author"), "name", "ImmunoGrade")
    for c in changes:
        e = _sub(feed, "entry")
        key = f"{c.get('data_version')}:{c['question_id']}:{c['field']}"
        _sub(e, "id", "urn:sha256:" + hashlib.sha256(key.encode()).hexdigest()[:32])
        _sub(e, "title", f"{c['question_id']}: {c['field']} changed")
        _sub(e, "updated", str(c.get("recorded_at") or now))
        _sub(e, "link", href=f"{base}/questions/{c['question_id']}")
        _sub(e, "summary", _entry_text(c))
    if started is not None:
        e = _sub(feed, "entry")
        key = f"start:{started['data_version']}"
        _sub(e, "id", "urn:sha256:" + hashlib.sha256(key.encode()).hexdigest()[:32])
        _sub(e, "title", "The evidence history starts")
        _sub(e, "updated", str(started["recorded_at"]))
        _sub(e, "link", href=f"{base}/changes")
        text = (
            f"The history starts with the build of {str(started['recorded_at'])[:10]} (data version "
            f"{str(started['data_version'])[:12]}, {started['questions']} questions recorded)."
        )
        _sub(e, "summary", text)
    return ET.tostring(feed, encoding="unicode", xml_declaration=True)

"""Static rendering of a Vega-Lite specification (SVG, PNG, PDF) without a browser, via vl-convert."""

from __future__ import annotations

from typing import Any

import vl_convert as vlc

FORMATS = ("svg", "png", "pdf")


def render(spec: dict[str, Any], fmt: str, *, scale: float = 2.0) -> bytes:
    """Render ``spec`` to ``fmt`` (svg | png | pdf)."""
    if fmt == "svg":
        return vlc.vegalite_to_svg(spec).encode("utf-8")
    if fmt == "png":
        return bytes(vlc.vegalite_to_png(spec, scale=scale))
    if fmt == "pdf":
        return bytes(vlc.vegalite_to_pdf(spec))
    raise ValueError(f"unknown image format {fmt!r}; choose one of {', '.join(FORMATS)}")


def warm() -> None:
    """Start vl-convert's JavaScript engine and load its fonts now (1-4 s, once per process), so that
    the first chart a worker draws does not pay for it."""
    vlc.vegalite_to_svg({"data": {"values": [{"x": 1}]}, "mark": "text",
                         "encoding": {"text": {"field": "x"}}})  # fmt: skip


MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}

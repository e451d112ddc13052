"""Render an :class:`~aidr.assess.report.Assessment`: json (contracts.md section 8), md, html, ocsf, asff."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from ..report import Assessment

FORMATS = ("json", "md", "html", "ocsf", "asff")


def render(assessment: Assessment, fmt: str) -> str:
    """The assessment as text in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        return orjson.dumps(assessment.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt == "md":
        from .markdown import to_markdown

        return to_markdown(assessment)
    if fmt == "html":
        from .html import to_html

        return to_html(assessment)
    if fmt == "ocsf":
        from .ocsf import to_ocsf

        return orjson.dumps(to_ocsf(assessment), option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt == "asff":
        from .asff import to_asff

        return orjson.dumps({"Findings": to_asff(assessment)}, option=orjson.OPT_INDENT_2).decode() + "\n"
    raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")

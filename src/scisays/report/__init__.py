"""Report building (pure) and renderers: terminal (rich), Markdown, HTML, JSON."""

from __future__ import annotations

import json

from ..model import Report
from .build import build_report
from .html import render_html, render_html_body
from .markdown import render_markdown
from .terminal import render_terminal

FORMATS = ("terminal", "md", "html", "json")


def render_json(report: Report) -> str:
    """The versioned JSON document (schema ``scisays.report``, see docs/report-schema.md)."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"


__all__ = [
    "FORMATS",
    "build_report",
    "render_html",
    "render_html_body",
    "render_json",
    "render_markdown",
    "render_terminal",
]

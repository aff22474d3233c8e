"""The article audit in the web app and the API (pure pages; the run itself is ``run_audit``).

Text is pasted or a URL given; a URL is fetched under audit/fetch.py's rules (public addresses
only, size, time and type limits). Claims are checked against the server's local corpus, offline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from markupsafe import Markup

from ..audit.article import decode, read_article
from ..audit.load import article_from_url
from ..audit.render import render_html_body
from ..audit.report import AuditReport, audit_article
from ..config import DbLocation
from ..corpus import Corpus
from ..errors import UsageError
from ..pipeline import ask
from .pages import layout

MAX_AUDIT_BYTES = 2 * 1024 * 1024
MAX_NAMES = 10


def audit_schema() -> dict[str, Any]:
    text = resources.files("scisays").joinpath("schemas/audit.schema.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def _names(value: Any, what: str) -> list[str]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_NAMES:  # as the OpenAPI document says (maxItems), empty entries included
        raise UsageError(f"Give at most {MAX_NAMES} {what} names of at most 200 characters each.")
    out = []
    for item in items:
        if not isinstance(item, str):
            raise UsageError(f"{what} must be a string or a list of strings.")
        out += [x.strip() for x in item.split(",") if x.strip()]
    if len(out) > MAX_NAMES or any(len(x) > 200 for x in out):
        raise UsageError(f"Give at most {MAX_NAMES} {what} names of at most 200 characters each.")
    return out


def parse_audit_request(data: Mapping[str, Any]) -> tuple[str, str, list[str], list[str]]:
    """(text, url, substances, conditions) from a form or a JSON body; UsageError when unusable."""
    text = data.get("text") or ""
    url = data.get("url") or ""
    if not isinstance(text, str) or not isinstance(url, str):
        raise UsageError("text and url must be strings.")
    text, url = text.strip(), url.strip()
    if bool(text) == bool(url):
        raise UsageError("Give either the article's text or its URL (one of them, not both).")
    if len(url) > 2000:
        raise UsageError("The URL is longer than 2,000 characters; give the article's address.")
    return text, url, _names(data.get("substance"), "substance"), _names(data.get("condition"), "condition")


def run_audit(corpus_path: DbLocation, text: str, url: str, substances: list[str],
              conditions: list[str]) -> AuditReport:
    """Read (or fetch) the article and audit it against the local corpus, offline."""
    article = (article_from_url(url) if url
               else read_article(decode(text.encode("utf-8")), source="pasted text"))
    with Corpus.open(corpus_path) as corpus:
        return audit_article(article, lambda s, c: ask(corpus, s, c, offline=True),
                             substances=substances, conditions=conditions)


def audit_form_page(values: Mapping[str, Any] | None = None, error: str | None = None) -> str:
    v = values or {}
    err = (Markup('<p class="error" role="alert" id="form-error">{}</p>').format(error)
           if error else Markup())
    main = Markup(
        '<main id="main"><h1>Audit a health article</h1>'
        "<p>Paste an article or give its address: scisays finds its claims — efficacy, harms, "
        "mechanism, dose, regulators — and checks each against the evidence in this server's corpus, "
        "with citations, and flags missing sources, shop links and calls to action.</p>{err}"
        '<form class="search" action="/audit" method="post" aria-label="Audit an article">'
        '<label for="url">Article URL (public http or https address)<input type="text" id="url" '
        'name="url" maxlength="2000" placeholder="https://…" value="{url}"></label>'
        '<label for="text">…or the article\'s text<textarea id="text" name="text" rows="12" '
        'maxlength="2000000">{text}</textarea></label>'
        '<label for="substance">Substance (optional: default, the one the article names most)'
        '<input type="text" id="substance" name="substance" maxlength="200" value="{substance}"></label>'
        '<button type="submit" class="primary">Audit</button></form></main>'
    ).format(err=err, url=v.get("url") or "", text=v.get("text") or "",
             substance=", ".join(v.get("substance") or ()))
    return layout("scisays — audit a health article", main)


def audit_result_page(audit: AuditReport) -> str:
    return layout(f"Audit: {audit.article.title or audit.article.source}", render_html_body(audit))

"""The article audit in the web app and the API (pure pages; the run itself is ``run_audit``).

Text is pasted or a URL given; a URL is fetched under audit/fetch.py's rules (public addresses
only, size, time and type limits). Claims are checked against the server's local corpus, offline.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

from markupsafe import Markup

from ..audit.article import READABLE_WORDS, read_article, readable
from ..audit.fetch import URL, Fetched, fetch_url
from ..audit.load import article_from_url
from ..audit.render import render_html_body
from ..audit.report import AuditReport, audit_article
from ..config import DbLocation
from ..corpus import Corpus
from ..errors import UsageError
from ..pipeline import ask
from ..question import MAX_TERM_LENGTH
from .pages import layout
from .params import BLANK_CHARS

MAX_AUDIT_BYTES = 2 * 1024 * 1024
MAX_NAMES = 10
MAX_URL_LENGTH = 2000


def audit_schema() -> dict[str, Any]:
    text = resources.files("scisays").joinpath("schemas/audit.schema.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def _names(value: Any, what: str, *, split: bool) -> list[str]:
    """The names given: a string (one name; with ``split``, the form's comma-separated list) or a
    list of strings; blank ones skipped; at most MAX_NAMES of at most MAX_TERM_LENGTH characters, as the
    OpenAPI document says (maxItems, maxLength: counted as given)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    too_many = f"Give at most {MAX_NAMES} {what} names of at most {MAX_TERM_LENGTH} characters each."
    if len(items) > MAX_NAMES:
        raise UsageError(too_many)
    if not all(isinstance(item, str) for item in items):
        raise UsageError(f"{what} must be a string or a list of strings.")
    out = [p for item in items for p in (item.split(",") if split else [item])]
    if len(out) > MAX_NAMES or any(len(x) > MAX_TERM_LENGTH for x in out):
        raise UsageError(too_many)
    names = [name for x in out if (name := x.strip(BLANK_CHARS))]  # blank as the document says
    for name in names:
        if not any(c.isalnum() for c in name):
            raise UsageError(f"The {what} {name[:40]!r} has no letter or digit; name one, e.g. kratom.")
    return names


def parse_audit_form(data: Mapping[str, Any]) -> tuple[str, str, list[str], list[str]]:
    """(text, url, substances, conditions) from the audit form, whose text and URL boxes are both
    sent, one of them blank, and whose substance box is a comma-separated list; UsageError when
    unusable."""
    text = data.get("text") or ""
    url = data.get("url") or ""
    text, url = text.strip(), url.strip()
    if bool(text) == bool(url):
        raise UsageError("Give either the article's text or its URL (one of them, not both).")
    if len(url) > MAX_URL_LENGTH:
        raise UsageError(f"The URL is longer than {MAX_URL_LENGTH:,} characters; give the article's address.")
    return (text, url, _names(data.get("substance"), "substance", split=True),
            _names(data.get("condition"), "condition", split=True))


def parse_audit_json(data: Any) -> tuple[str, str, list[str], list[str]]:
    """(text, url, substances, conditions) from the API's JSON body, held to the OpenAPI document
    (``AUDIT_BODY``): an object with exactly one of ``text`` (a string with readable words) and
    ``url`` (an http(s) address of at most 2,000 characters), and optional ``substance`` and
    ``condition`` (null, one name, or a list of at most 10). UsageError (one sentence) otherwise."""
    if not isinstance(data, dict):
        raise UsageError('Send a JSON object: {"text": "…"} or {"url": "…"}.')
    if ("text" in data) == ("url" in data):
        raise UsageError('Give either the article\'s text or its URL: {"text": "…"} or {"url": "…"}, '
                         "one of them, not both.")
    text, url = data.get("text", ""), data.get("url", "")
    if not isinstance(text, str) or not isinstance(url, str):
        raise UsageError("text and url must be strings.")
    if "text" in data and not readable(text):
        raise UsageError(f"The text has fewer than {READABLE_WORDS} words; give the article's text.")
    if "url" in data:
        if len(url) > MAX_URL_LENGTH:
            raise UsageError(f"The URL is longer than {MAX_URL_LENGTH:,} characters; give the article's "
                             "address.")
        if not URL.fullmatch(url):
            raise UsageError("The URL is not an http:// or https:// address with a host name (not an IP "
                             "address or a user name), a port up to 65535 and no spaces; give the "
                             "article's public address, e.g. https://example.org/page.")
    # a lone surrogate (valid JSON, not Unicode) becomes U+FFFD, as a browser's form would send it
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return (text.strip(), url.strip(), _names(data.get("substance"), "substance", split=False),
            _names(data.get("condition"), "condition", split=False))


def run_audit(corpus_path: DbLocation, text: str, url: str, substances: list[str],
              conditions: list[str], fetch: Callable[[str], Fetched] = fetch_url) -> AuditReport:
    """Read (or fetch) the article and audit it against the local corpus, offline."""
    # pasted text is text already: a NUL in it is a stray character, not the mark of a binary file
    article = (article_from_url(url, fetch) if url
               else read_article(text.replace("\x00", ""), source="pasted text"))
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

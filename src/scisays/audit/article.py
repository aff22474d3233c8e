"""Reading an article: its main text, title, author, date and links (pure: bytes in, Article out).

HTML goes through trafilatura (main text without navigation, ads and boilerplate, and the page's
metadata); every <a href> of the page is also listed, marked when it sits in the main text.
Markdown and plain text are read as they are: Markdown links ``[anchor](url)`` and bare URLs
are links. The text is data: nothing in it is executed, and renderers escape it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..errors import InputFileError

_MD_LINK = re.compile(r"\[([^\]\n]{0,300})\]\((\S{1,2000}?)(?:\s+\"[^\"]*\")?\)")
_BARE_URL = re.compile(r"\bhttps?://[^\s<>\"')\]]+", re.IGNORECASE)
#: an article has at least this many words (runs of two or more Latin letters)
READABLE_WORDS = 5
_WORD = re.compile(r"[A-Za-z]{2,}")
READABLE_PATTERN = r"[A-Za-z]{2}(?:[\s\S]*?[^A-Za-z][A-Za-z]{2}){" + str(READABLE_WORDS - 1) + "}"
"""The same test as :func:`readable` as a regular expression (each word after the first begins
after a non-letter; alike in Python and ECMAScript), for the OpenAPI document. Never run on an
article: it backtracks quadratically on a long run of letters."""


def readable(text: str) -> bool:
    """Whether ``text`` has ``READABLE_WORDS`` words (in linear time)."""
    return any(i + 1 >= READABLE_WORDS for i, _ in enumerate(_WORD.finditer(text)))


_HTML_HINT = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|p|div|article)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    url: str
    anchor: str
    position: int = -1  # offset of the anchor in Article.text; -1 when outside the main text
    in_text: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "anchor": self.anchor, "position": self.position, "in_text": self.in_text}


@dataclass(frozen=True)
class Article:
    text: str
    title: str = ""
    author: str = ""
    date: str = ""
    source: str = ""  # file name or URL
    kind: str = "text"  # html, markdown or text
    links: tuple[Link, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "kind": self.kind, "title": self.title, "author": self.author,
                "date": self.date, "characters": len(self.text), "links": [x.to_dict() for x in self.links]}


def decode(data: bytes, charset: str | None = None) -> str:
    """Bytes as text: the declared charset, else UTF-8 (with or without BOM), else Latin-1.
    Binary data (NUL bytes) is refused."""
    if not data.strip():
        raise InputFileError("The article is empty; give a file, URL or text with the article in it.")
    if b"\x00" in data[:4096] or data[:5] == b"%PDF-":
        raise InputFileError("The article is not text (binary data or a PDF); save its text to a "
                             ".txt, .md or .html file and audit that.")
    for enc in (charset, "utf-8-sig"):
        if enc:
            try:
                text = data.decode(enc)
                text.encode("utf-8")  # lone surrogates ('unicode_escape' of b"\\ud800") are not text
            except (LookupError, ValueError):  # unknown, not a text codec, or not this charset's bytes
                continue
            return text
    return data.decode("latin-1")


def _kind(text: str, hint: str) -> str:
    hint = hint.lower()
    if hint in ("html", "htm", "text/html", "application/xhtml+xml", "xhtml"):
        return "html"
    if hint in ("md", "markdown", "text/markdown", "text/x-markdown"):
        return "markdown"
    if hint in ("txt", "text", "text/plain"):
        return "markdown" if _MD_LINK.search(text) else "text"
    return "html" if _HTML_HINT.search(text[:4096].encode("utf-8", "ignore")) else (
        "markdown" if _MD_LINK.search(text) else "text")


def _url(href: str, base: str) -> str | None:
    """``href`` resolved against ``base`` (when there is one); None when it is no URL that
    urllib can take apart, such as ``http://[bad`` (an unclosed IPv6 address)."""
    try:
        url = urljoin(base, href) if base else href
        urlsplit(url)
    except ValueError:
        return None
    return url


def _inline_links(text: str, base: str) -> tuple[str, list[Link]]:
    """Markdown links replaced by their anchor text, bare URLs kept, each with its position."""
    out: list[str] = []
    links: list[Link] = []
    last = 0
    for m in _MD_LINK.finditer(text):
        out.append(text[last:m.start()])
        pos = sum(len(x) for x in out)
        anchor = m.group(1).strip()
        out.append(anchor)
        url = _url(m.group(2), base)
        if url is not None:
            links.append(Link(url, anchor, pos, True))
        last = m.end()
    out.append(text[last:])
    plain = "".join(out)
    for m in _BARE_URL.finditer(plain):
        url = m.group(0).rstrip(".,;:")
        if _url(url, "") is not None and not any(x.url == url for x in links):
            links.append(Link(url, url, m.start(), True))
    return plain, sorted(links, key=lambda x: x.position)


def _page_links(html: str, base: str) -> list[tuple[str, str]]:
    from lxml import html as lxml_html

    try:
        root = lxml_html.fromstring(html)
    except (ValueError, Exception):  # lxml raises ParserError (an Exception) on unusable markup
        return []
    out = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        anchor = " ".join("".join(str(t) for t in a.itertext()).split())
        url = _url(href, base)
        if url is not None:
            out.append((url, anchor))
    return out


def _extract(html: str, base_url: str) -> Any:
    """trafilatura's extraction (main text and metadata) of the page, or None. Markup it trips
    over is no article: htmldate, which it calls for the date, fails an assertion on ``<!doctype
    HTML PUBLIC '-//W3C//DTD HTML 4.01//EN'><svg></svg>``; the text is then extracted without
    the metadata."""
    import trafilatura

    for metadata in (True, False):
        try:
            return trafilatura.bare_extraction(html, url=base_url or None, with_metadata=metadata,
                                               include_links=True, include_tables=False,
                                               include_comments=False, favor_recall=True)
        except Exception:  # a bug of the extractor (or its helpers) on hostile markup
            continue
    return None


def read_article(text: str, *, hint: str = "", source: str = "", base_url: str = "") -> Article:
    """The article in ``text`` (HTML, Markdown or plain text; ``hint`` is a file suffix or a
    content type). Raises InputFileError when there is no text to audit."""
    kind = _kind(text, hint)
    title = author = date = ""
    page_links: list[tuple[str, str]] = []
    if kind == "html":
        doc = _extract(text, base_url)
        body = (getattr(doc, "text", None) or "") if doc is not None else ""
        if doc is not None:
            title = (getattr(doc, "title", None) or "").strip()
            author = (getattr(doc, "author", None) or "").strip()
            date = (getattr(doc, "date", None) or "").strip()
        page_links = _page_links(text, base_url)
        text = body
    else:
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        title = first.lstrip("# ").strip() if len(first) <= 200 else ""
    # Line ends are normalised before the links are found, and what strip() takes off the start
    # is taken off every position, so that a link's position indexes the article's text.
    plain, links = _inline_links(text.replace("\r\n", "\n"), base_url)
    lead = len(plain) - len(plain.lstrip())
    plain = plain.strip()
    links = [Link(x.url, x.anchor, min(max(0, x.position - lead), len(plain)), x.in_text) for x in links]
    if not readable(plain):
        raise InputFileError("No article text was found (the page has no readable main text); "
                             "give the article's text as a file or paste it.")
    seen = {x.url for x in links}
    for url, anchor in page_links:
        if url not in seen and urlsplit(url).scheme in ("http", "https"):
            seen.add(url)
            links.append(Link(url, anchor))
    return Article(plain, title, author, date, source, kind, tuple(links))

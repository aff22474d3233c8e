"""Where an article comes from (I/O edge): a file, standard input, or an http(s) URL."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ..errors import InputFileError, UsageError
from .article import Article, decode, read_article
from .fetch import MAX_BYTES, Fetched, fetch_url

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def load_article(source: str, *, fetch: Callable[[str], Fetched] = fetch_url,
                 stdin: BinaryIO | None = None, max_bytes: int = MAX_BYTES) -> Article:
    """The article named by ``source``: ``-`` (standard input), a URL, or a file path."""
    if not source.strip():
        raise UsageError("No article given; name a file, a URL, or - for standard input.")
    if source == "-":
        if stdin is None:
            raise UsageError("Standard input is not available here; give a file or a URL.")
        data = stdin.read(max_bytes + 1)
        _size(len(data), max_bytes, "standard input")
        return read_article(decode(data), source="standard input")
    if _URL.match(source):
        return article_from_url(source, fetch)
    path = Path(source).expanduser()
    if not path.exists():
        raise UsageError(f"No such file: {source}; give an existing file, an http(s) URL or -.")
    if path.is_dir():
        raise UsageError(f"{source} is a folder; give one article file.")
    _size(path.stat().st_size, max_bytes, source)
    suffix = path.suffix.lower().lstrip(".")
    if suffix == "pdf":
        raise InputFileError(f"{source} is a PDF; save its text to a .txt file and audit that.")
    return read_article(decode(path.read_bytes()), hint=suffix, source=str(source))


def article_from_url(url: str, fetch: Callable[[str], Fetched] = fetch_url) -> Article:
    """The article at ``url``, fetched under fetch.py's rules (the CLI and the web app)."""
    got = fetch(url)
    return read_article(decode(got.body, got.charset), hint=got.content_type, source=url,
                        base_url=got.final_url)


def _size(n: int, max_bytes: int, what: str) -> None:
    if n > max_bytes:
        raise InputFileError(f"{what} is over the {max_bytes / 1e6:.0f} MB limit for an article; "
                             "audit the article's own text.")

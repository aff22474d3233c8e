"""Small text helpers shared by parsers and appraisal (pure functions)."""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
_CONTROL = dict.fromkeys(
    c for c in range(0x20) if chr(c) not in "\t\n\r"
)


def clean(text: str | None) -> str:
    """Collapse runs of whitespace to one space and strip control characters."""
    if not text:
        return ""
    return _WS.sub(" ", text.translate(_CONTROL)).strip()


def fold(text: str) -> str:
    """Lower-case and strip accents, for matching terms in text."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))

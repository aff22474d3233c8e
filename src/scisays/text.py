"""Small text helpers shared by parsers and appraisal (pure functions)."""

from __future__ import annotations

import re
import unicodedata

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""A surrogate code point on its own: json.loads makes one of an escape such as ``\\ud800``
that pairs with nothing; it is no character and cannot be written as UTF-8."""
_CONTROL = dict.fromkeys(
    c for c in range(0x20) if chr(c) not in "\t\n\r"
)


def clean(text: str | None) -> str:
    """Collapse runs of whitespace to one space and strip control characters."""
    if not text:
        return ""
    out = " ".join(text.split())
    return out if out.isprintable() else " ".join(out.translate(_CONTROL).split())


def fold(text: str) -> str:
    """Lower-case and strip accents, for matching terms in text."""
    if text.isascii():
        return text.lower()  # NFKD and casefold change nothing else in ASCII
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def lower_pattern(pattern: str) -> str:
    """Lower-case a regex's literal letters, leaving escapes (\\b, \\W, \\S ...) alone.

    Compiling ``lower_pattern(p)`` without IGNORECASE and searching lower-cased text finds
    what ``re.compile(p, re.IGNORECASE)`` finds in the original, several times faster.
    """
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
        else:
            out.append(pattern[i].lower())
            i += 1
    return "".join(out)

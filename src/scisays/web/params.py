"""What a web or API request asks for, checked and normalised (pure).

The same checks serve the HTML pages and the JSON API; a bad request raises UsageError
with one sentence the server returns as a 4xx.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ..errors import UsageError
from ..pipeline import DEFAULT_LIMIT
from ..question import MAX_TERM_LENGTH, build_question
from ..text import fold

SOURCES: dict[str, str] = {
    "corpus": "Local corpus",
    "pubmed": "PubMed",
    "europepmc": "Europe PMC",
    "clinicaltrials": "ClinicalTrials.gov",
    "openfda": "openFDA",
}
"""Sources a request may name with ``source=`` (the keys of scisays.sources.LIVE_SOURCES plus
the local corpus); a request naming none uses them all, as ``scisays ask`` does."""
LOCAL_SOURCE = "corpus"

MAX_CONDITIONS = 10
MAX_LIMIT = 5_000
NAME_PATTERN = r"[\p{L}\p{N}]"
r"""A substance or condition name holds a letter or a digit: the pattern the OpenAPI document
states (ECMA-262, as JSON Schema reads it). ``\p{L}`` and ``\p{N}`` are exactly the characters of
Python's ``str.isalnum``, which ``question.build_question`` checks (a test compares every code
point)."""
_BLANK_RANGES = ((0x9, 0xD), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
                 (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF))
BLANK = "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in _BLANK_RANGES)
r"""White space as ECMA-262's ``\s`` has it, as a character class's contents: the document's
patterns name it explicitly, because Python's ``\s`` differs (U+001C-U+001F, U+0085, U+FEFF)."""
BLANK_CHARS = "".join(chr(c) for a, b in _BLANK_RANGES for c in range(a, b + 1))
"""The characters of ``BLANK``."""


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """A checked question: substance, conditions in the order asked, sources, studies read."""

    substance: str
    conditions: tuple[str, ...]
    sources: tuple[str, ...]
    limit: int = DEFAULT_LIMIT

    @property
    def key(self) -> str:
        """The normalised question: requests with the same key get the same report."""
        return json.dumps(
            [fold(self.substance), [fold(c) for c in self.conditions], sorted(self.sources), self.limit],
            ensure_ascii=False,
        )

    @property
    def id(self) -> str:
        """A short stable id for the question (used in URLs of jobs and history)."""
        return hashlib.sha256(self.key.encode("utf-8")).hexdigest()[:20]

    def query(self) -> list[tuple[str, str]]:
        """The query parameters that ask for this report again."""
        q = [("substance", self.substance)]
        q += [("condition", c) for c in self.conditions]
        q += [("source", s) for s in self.sources]
        if self.limit != DEFAULT_LIMIT:
            q.append(("limit", str(self.limit)))
        return q

    def api_path(self) -> str:
        """Where the API serves this report."""
        return "/api/v1/report?" + urlencode(self.query())

    def to_dict(self) -> dict[str, Any]:
        """The question as the API's parameters: ``GET /api/v1/report`` with these asks for it again."""
        return {"substance": self.substance, "condition": list(self.conditions),
                "source": list(self.sources), "limit": self.limit}


def parse_request(
    substance: str | None,
    conditions: Sequence[str] = (),
    sources: Sequence[str] = (),
    limit: int | None = None,
    *,
    listed: Sequence[str] = (),
) -> ReportRequest:
    """A ReportRequest from raw parameters. Each of ``conditions`` is one name (the API's and the
    links' repeatable ``condition``: "Diabetes Mellitus, Type 2" is one condition); each of
    ``listed`` is a comma-separated list (the search form's box), its blank entries skipped.

    Raises UsageError (one sentence) for an empty or overlong substance or condition (a name
    without a letter or digit is empty), too many conditions, an unknown source or a limit out
    of range: the rules the OpenAPI document states (``NAME_PATTERN``, ``MAX_TERM_LENGTH``)."""
    names = [*conditions, *(p for text in listed for p in text.split(",") if p.strip())]
    if len(names) > MAX_CONDITIONS:
        raise UsageError(f"{len(names)} conditions were given; ask about at most {MAX_CONDITIONS} at once.")
    for name in names:
        if len(name) > MAX_TERM_LENGTH:  # as given, before any cleaning, as the document counts
            raise UsageError(f"A condition is {len(name):,} characters long; use a name of at most "
                             f"{MAX_TERM_LENGTH} characters.")
    for s in sources:
        if s not in SOURCES:
            raise UsageError(f"Unknown source {s[:40]!r}; choose from {', '.join(SOURCES)}.")
    lim = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= lim <= MAX_LIMIT:
        raise UsageError(f"limit must be between 1 and {MAX_LIMIT:,}; {lim} was given.")
    raw = substance or ""
    if len(raw) > MAX_TERM_LENGTH * 2:  # before any work on it
        raise UsageError(f"The substance is {len(raw):,} characters long; use at most {MAX_TERM_LENGTH}.")
    q = build_question(raw, names)  # the CLI's own checks: empty, too long
    chosen = tuple(dict.fromkeys(sources)) or tuple(SOURCES)
    return ReportRequest(q.substance, q.conditions, chosen, lim)

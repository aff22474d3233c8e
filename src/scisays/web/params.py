"""What a web or API request asks for, checked and normalised (pure).

The same checks serve the HTML pages and the JSON API; a bad request raises UsageError
with one sentence the server returns as a 4xx.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import UsageError
from ..pipeline import DEFAULT_LIMIT
from ..question import MAX_TERM_LENGTH, build_question
from ..text import clean, fold

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


def parse_request(
    substance: str | None,
    conditions: Sequence[str] = (),
    sources: Sequence[str] = (),
    limit: int | None = None,
) -> ReportRequest:
    """A ReportRequest from raw parameters. Each ``condition`` may hold several, comma-separated.

    Raises UsageError (one sentence) for an empty or overlong substance or condition, too many
    conditions, an unknown source or a limit out of range."""
    parts = [clean(p) for c in conditions for p in c.split(",")]
    conds = [p for p in parts if p]
    if len(conds) > MAX_CONDITIONS:
        raise UsageError(f"{len(conds)} conditions were given; ask about at most {MAX_CONDITIONS} at once.")
    for s in sources:
        if s not in SOURCES:
            raise UsageError(f"Unknown source {s[:40]!r}; choose from {', '.join(SOURCES)}.")
    lim = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= lim <= MAX_LIMIT:
        raise UsageError(f"limit must be between 1 and {MAX_LIMIT:,}; {lim} was given.")
    raw = substance or ""
    if len(raw) > MAX_TERM_LENGTH * 2:  # before any work on it
        raise UsageError(f"The substance is {len(raw):,} characters long; use at most {MAX_TERM_LENGTH}.")
    q = build_question(raw, conds)  # the CLI's own checks: empty, too long
    chosen = tuple(dict.fromkeys(sources)) or tuple(SOURCES)
    return ReportRequest(q.substance, q.conditions, chosen, lim)

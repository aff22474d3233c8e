"""What every live source returns, and the shape of a source."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..model import AdverseEvents, Question, Record, Trial

#: progress(done, total): items fetched so far, and the total when known
ProgressFn = Callable[[int, int | None], None]


def no_progress(done: int, total: int | None) -> None:
    """A progress callback that shows nothing."""


@dataclass(frozen=True, slots=True)
class SourceResult:
    """What one source found for a question."""

    records: tuple[Record, ...] = ()
    trials: tuple[Trial, ...] = ()
    adverse_events: tuple[AdverseEvents, ...] = ()
    hits: int = 0  # how many the service reported (may exceed what was fetched)
    notes: tuple[str, ...] = ()
    from_cache: bool = False  # every answer came from the response cache

    @property
    def items(self) -> int:
        return len(self.records) + len(self.trials) + sum(a.total_reports for a in self.adverse_events)


class Source(Protocol):
    """A live source: ``key`` as ``--source`` names it, ``name`` as users read it."""

    key: str
    name: str

    def run(self, question: Question, progress: ProgressFn = no_progress) -> SourceResult:
        """Search the service for the question. Raises SourceError when it cannot."""
        ...


_QUERY_SYNTAX = re.compile(r'["\[\]{}\\]')


def phrase(term: str) -> str:
    """A term made safe to put inside double quotes in a service's query language: quotes,
    brackets and backslashes (query syntax everywhere) become spaces."""
    return " ".join(_QUERY_SYNTAX.sub(" ", term).split())


def phrases(terms: Sequence[str], limit: int = 20) -> list[str]:
    """Distinct non-empty :func:`phrase` forms of ``terms``, at most ``limit``."""
    out: list[str] = []
    seen: set[str] = set()
    for t in terms:
        p = phrase(t)
        if p and any(c.isalnum() for c in p) and p.lower() not in seen:
            seen.add(p.lower())
            out.append(p)
    return out[:limit]


def condition_terms(question: Question) -> list[str]:
    """Every condition's search terms, in order, for an OR block."""
    return [t for c in question.conditions for t in question.terms_for(c)]


def any_substance_and_condition(question: Question, field: Callable[[str], str]) -> str:
    """``(f(s1) OR f(s2) …) AND (f(c1) OR …)``: any substance term, and any condition term when
    the question names conditions; ``field`` writes one phrase in the service's syntax."""
    query = "(" + " OR ".join(field(p) for p in phrases(question.substance_terms)) + ")"
    conds = phrases(condition_terms(question), limit=30)
    if conds:
        query += " AND (" + " OR ".join(field(p) for p in conds) + ")"
    return query

"""openFDA adverse-event reports: CAERS (``food/event``: foods, dietary supplements, cosmetics)
and FAERS (``drug/event``), as counts — reports, serious outcomes, top reactions, by year.

Limits (https://open.fda.gov/apis/authentication/): 240 requests/minute per IP (1,000/day
without a key, 120,000/day with ``OPENFDA_API_KEY``). scisays asks 4 questions of CAERS and 5
of FAERS per substance (counts, never record pages), at most 4 requests/second. "No matches"
is HTTP 404 with ``{"error": {"code": "NOT_FOUND"}}``: zero reports, cached like any answer.

Reports are not incidence; :data:`CAVEAT` goes into every report that shows these counts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..config import Settings
from ..model import AdverseEvents, Question
from .base import ProgressFn, SourceResult, no_progress, phrases
from .http import BadResponse, Fetched, HttpClient, Service, parse_json

CAVEAT = (
    "These are spontaneous reports to the FDA, not a measure of risk: anyone can report, reports are "
    "not verified and may be duplicated or incomplete, a report names products taken, not a proven "
    "cause, and there is no denominator (nobody knows how many people used the product). Numbers "
    "rise and fall with publicity, sales and reporting rules. They can flag a possible problem; they "
    "cannot show that the substance causes a reaction or how often it does."
)
TOP_REACTIONS = 10
MAX_TERMS = 8


@dataclass(frozen=True, slots=True)
class Counted:
    """One openFDA answer: ``total`` for a search (meta.results.total), ``counts`` for a
    ``count=`` query (term or time -> count); a 404 NOT_FOUND is zero of each."""

    total: int = 0
    counts: tuple[tuple[str, int], ...] = ()


def parse_openfda(content: bytes, status: int = 200) -> Counted:
    """Parse an openFDA envelope (``meta`` + ``results``) or its documented 404 'no matches'."""
    doc = parse_json(content)
    if not isinstance(doc, dict):
        raise BadResponse("returned JSON that is not an openFDA envelope")
    if status == 404:
        err = doc.get("error")
        if isinstance(err, dict) and err.get("code") == "NOT_FOUND":
            return Counted()
        raise BadResponse("answered 404 without openFDA's NOT_FOUND error", retry=False)
    results = doc.get("results")
    if not isinstance(doc.get("meta"), dict) or not isinstance(results, list):
        raise BadResponse("returned JSON without openFDA's meta and results")
    meta_results = doc["meta"].get("results")
    total = 0
    if isinstance(meta_results, dict) and isinstance(meta_results.get("total"), int):
        total = meta_results["total"]
    counts = []
    for row in results:
        if isinstance(row, dict) and "count" in row and ("term" in row or "time" in row):
            key = row["term"] if "term" in row else row["time"]
            counts.append((str(key), _count(row["count"])))
    return Counted(total=total, counts=tuple(counts))


def _count(value: object) -> int:
    """A count as openFDA writes it (a whole number); BadResponse for anything else, such as
    null, a word, or 1e999 (JSON that Python reads as infinity)."""
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise BadResponse("returned a count that is not a number", retry=False)


def by_year(counts: Sequence[tuple[str, int]]) -> tuple[tuple[int, int], ...]:
    """Sum a daily time series ('20140321' -> n) by year."""
    years: dict[int, int] = {}
    for day, n in counts:
        if len(day) >= 4 and day[:4].isdigit():
            years[int(day[:4])] = years.get(int(day[:4]), 0) + n
    return tuple(sorted(years.items()))


def _term_count(counts: Sequence[tuple[str, int]], term: str) -> int:
    return sum(n for t, n in counts if t == term)


class OpenFDA:
    """The openFDA source (``--source openfda``): CAERS and FAERS report counts."""

    key = "openfda"
    name = "openFDA"

    def __init__(self, client: HttpClient, settings: Settings) -> None:
        params = {"api_key": settings.openfda_api_key} if settings.openfda_api_key else {}
        self.service = Service(self.name, settings.url("openfda"), rate=4.0, params=params)
        self.client = client

    def _get(self, path: str, params: Mapping[str, str | int], seen: list[Fetched[Counted]]) -> Counted:
        got = self.client.fetch(
            self.service, path, params, parse=parse_openfda, accept=frozenset({200, 404})
        )
        seen.append(got)
        return got.value

    def _search(self, field: str, terms: Sequence[str]) -> str:
        return " ".join(f'{field}:"{t}"' for t in terms)

    def caers(self, terms: Sequence[str], seen: list[Fetched[Counted]]) -> AdverseEvents:
        """Dietary-supplement (food/event) reports naming the product."""
        search = self._search("products.name_brand", terms)
        total = self._get("food/event.json", {"search": search, "limit": 1}, seen).total
        if total == 0:
            return self._events("CAERS", terms, 0, seen)
        outcomes = self._get(
            "food/event.json", {"search": search, "count": "outcomes.exact", "limit": 100}, seen
        )
        reactions = self._get(
            "food/event.json", {"search": search, "count": "reactions.exact", "limit": TOP_REACTIONS}, seen
        )
        dates = self._get("food/event.json", {"search": search, "count": "date_created"}, seen)
        lowered = [(t.lower(), n) for t, n in outcomes.counts]
        return self._events(
            "CAERS",
            terms,
            total,
            seen,
            serious=None,  # CAERS has no single seriousness flag; outcomes are shown instead
            hospitalisations=sum(n for t, n in lowered if "hospitali" in t),
            deaths=sum(n for t, n in lowered if t == "death"),
            reactions=reactions.counts,
            outcomes=outcomes.counts,
            years=by_year(dates.counts),
        )

    def faers(self, terms: Sequence[str], seen: list[Fetched[Counted]]) -> AdverseEvents:
        """Drug (drug/event) reports naming the substance as a medicinal product."""
        search = self._search("patient.drug.medicinalproduct", terms)
        serious = self._get("drug/event.json", {"search": search, "count": "serious"}, seen)
        total = sum(n for _t, n in serious.counts)
        if total == 0:
            return self._events("FAERS", terms, 0, seen)
        deaths = self._get("drug/event.json", {"search": search, "count": "seriousnessdeath"}, seen)
        hosp = self._get(
            "drug/event.json", {"search": search, "count": "seriousnesshospitalization"}, seen
        )
        reactions = self._get(
            "drug/event.json",
            {"search": search, "count": "patient.reaction.reactionmeddrapt.exact", "limit": TOP_REACTIONS},
            seen,
        )
        dates = self._get("drug/event.json", {"search": search, "count": "receivedate"}, seen)
        return self._events(
            "FAERS",
            terms,
            total,
            seen,
            serious=_term_count(serious.counts, "1"),
            hospitalisations=_term_count(hosp.counts, "1"),
            deaths=_term_count(deaths.counts, "1"),
            reactions=reactions.counts,
            years=by_year(dates.counts),
        )

    def _events(
        self,
        database: str,
        terms: Sequence[str],
        total: int,
        seen: Sequence[Fetched[Counted]],
        *,
        serious: int | None = 0,
        hospitalisations: int | None = 0,
        deaths: int | None = 0,
        reactions: Sequence[tuple[str, int]] = (),
        outcomes: Sequence[tuple[str, int]] = (),
        years: Sequence[tuple[int, int]] = (),
    ) -> AdverseEvents:
        oldest = max((f.age for f in seen), default=0.0)
        fetched = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=oldest)
        return AdverseEvents(
            database=database,
            query=" OR ".join(terms),
            total_reports=total,
            serious_reports=serious,
            hospitalisations=hospitalisations,
            deaths=deaths,
            top_reactions=tuple(reactions),
            outcomes=tuple(outcomes),
            by_year=tuple(years),
            retrieved=fetched.date().isoformat(),
            caveat=CAVEAT,
        )

    def run(self, question: Question, progress: ProgressFn = no_progress) -> SourceResult:
        """CAERS and FAERS counts for the substance's names (conditions do not narrow them)."""
        seen: list[Fetched[Counted]] = []
        terms = phrases(question.substance_terms, limit=MAX_TERMS)
        progress(0, 2)
        caers = self.caers(terms, seen)
        progress(1, 2)
        faers = self.faers(terms, seen)
        progress(2, 2)
        events = (caers, faers)
        notes: list[str] = []
        if not any(e.total_reports for e in events):
            notes.append(f"openFDA has no adverse-event report naming {' or '.join(terms)}.")
        return SourceResult(adverse_events=events, hits=sum(e.total_reports for e in events),
                            notes=tuple(notes), from_cache=all(f.from_cache for f in seen))

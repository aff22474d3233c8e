"""The only orchestrator: question -> retrieve -> appraise -> synthesize -> report.

Retrieval asks the local corpus and any live sources (run in parallel threads; a source that
fails is reported, the others complete). Studies from every source are merged in a temporary
in-memory corpus with the corpus' own merge rules (by PMID, DOI, PMCID; a PubMed record wins
over a copy from elsewhere), then ranked together. The user's corpus is never written by
``ask``: the HTTP response cache is what makes a repeated question instant and ``--offline``
possible.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

from .appraise import DEFAULT_APPRAISER, Appraiser, Base
from .corpus import Corpus
from .corpus.store import StoredAppraisal, record_row
from .errors import ScisaysError, SourceError
from .model import Question, Record, Report, SourceStatus, Study
from .question import build_question
from .report import build_report
from .sources.base import ProgressFn, Source, SourceResult, no_progress
from .sources.clinicaltrials import ClinicalTrials
from .sources.europepmc import EuropePMC
from .sources.openfda import OpenFDA
from .sources.pubmed import PubMed

DEFAULT_LIMIT = 300
LOCAL = "local corpus"

#: name -> progress callback; lets the CLI draw one progress bar per source
ProgressFactory = Callable[[str], ProgressFn]
#: expands a question with synonyms from live services: (question) -> (question, notes)
Expander = Callable[[Question], tuple[Question, list[str]]]

#: literature sources, in the order their records are merged: the last one's record wins a tie
#: (Europe PMC before PubMed, so the MEDLINE record is kept when both have the study)
LITERATURE_MERGE_ORDER = (EuropePMC.name, PubMed.name)
_WHAT_IS_MISSING = {
    ClinicalTrials.name: "registered trials are not shown",
    OpenFDA.name: "adverse-event report counts are not shown",
}


class NoSourceAnswered(ScisaysError):
    """Every source the user asked for failed: there is nothing to report."""

    def __init__(self, failures: Sequence[SourceError], offline: bool) -> None:
        if offline:
            hint = "run the question once online, or give a local corpus with --db"
        elif any("unreachable" in f.problem for f in failures):
            hint = "check the network, or use --offline for cached answers or --db for a local corpus"
        else:
            hint = "try again later, or use --offline for cached answers or --db for a local corpus"
        super().__init__(f"No source could answer: {describe_failures(failures)}; {hint}.")


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def describe_failures(failures: Sequence[SourceError]) -> str:
    """'PubMed and Europe PMC are unreachable (connection refused); openFDA timed out (...)'."""
    by_problem: dict[str, list[str]] = {}
    for f in failures:
        by_problem.setdefault(f.problem, []).append(f.service)
    parts = []
    for problem, names in by_problem.items():
        if len(names) > 1 and problem.startswith("is "):
            problem = "are " + problem[3:]
        elif len(names) > 1 and problem.startswith("has "):
            problem = "have " + problem[4:]
        parts.append(f"{_and(names)} {problem}")
    return "; ".join(parts)


StepProgress = Callable[[str, int, int], None]
"""Called as ``steps(step, done, total)`` while a report is built; step is one of
"searching", "appraising", "grading". ``total`` is 0 when unknown. (The web app's progress page.)"""


def _no_steps(step: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one source fared."""

    name: str
    result: SourceResult | None = None
    error: SourceError | None = None


class Retrieved(NamedTuple):
    """What a question found in a corpus: (record, score) hits, and by record key the stored
    appraisals of the version asked for."""

    hits: list[tuple[Record, float]]
    stored: Mapping[str, StoredAppraisal]


def retrieve(corpus: Corpus, question: Question, limit: int = DEFAULT_LIMIT, *,
             version: str | None = None) -> Retrieved:
    """Records about the substance: the best ``limit`` that also name a condition, plus the
    best ``limit`` about the substance at all (these feed the safety profile); with their
    stored appraisals of ``version``, read with them."""
    found: dict[str, tuple[Record, float]] = {}
    batches, stored = corpus.search_many(
        [*((question.substance_terms, question.terms_for(c)) for c in question.conditions),
         (question.substance_terms, ())], limit=limit, version=version)
    for batch in batches:
        for record, score in batch:
            prev = found.get(record.key)
            if prev is None or score > prev[1]:
                found[record.key] = (record, score)
    return Retrieved(list(found.values()), stored)


def not_in(records: Sequence[Record], authority: Sequence[Record]) -> list[Record]:
    """``records`` without copies of a record of ``authority``: the same PMID, or (for a record
    without a PMID) the same DOI or PMCID — the corpus' own merge rule."""
    ids = {i for r in authority for i in _ids(r)}

    def copy(r: Record) -> bool:
        return f"pmid:{r.pmid}" in ids if r.pmid else bool(ids.intersection(_ids(r)))

    return [r for r in records if not copy(r)]


def _ids(r: Record) -> list[str]:
    out = []
    if r.pmid:
        out.append("pmid:" + r.pmid)
    if r.doi:
        out.append("doi:" + r.doi.lower())
    if r.pmcid:
        out.append("pmcid:" + r.pmcid.upper())
    return out


def merge_and_rank(
    question: Question, groups: Sequence[Sequence[Record]], limit: int = DEFAULT_LIMIT
) -> list[tuple[Record, float]]:
    """Merge records from several sources into one study list, ranked together.

    ``groups`` are written in order into a temporary in-memory corpus, whose merge rules
    apply: one study per PMID/DOI/PMCID, a newer version of a record replaces an older one,
    and a PubMed record is never replaced by a PMID-less copy. Put PubMed last so that its
    MEDLINE record wins over another source's copy of the same PMID."""
    with Corpus.open(":memory:", create=True) as pool:
        for group in groups:
            if group:
                pool.write_batch(list(group))
        return retrieve(pool, question, limit).hits


def appraise_all(
    question: Question,
    hits: Sequence[tuple[Record, float]],
    appraiser: Appraiser = DEFAULT_APPRAISER,
    steps: StepProgress = _no_steps,
    stored: Mapping[str, Base] | None = None,
) -> list[Study]:
    """Appraise every retrieved record for the question (pure but for ``steps`` calls).
    ``stored``: question-independent appraisals computed before (``corpus appraise``), by
    record key; the rest is computed here."""
    studies = []
    for i, (r, s) in enumerate(hits, 1):
        base = stored.get(r.key) if stored else None
        appraisal = appraiser.for_question(r, base, question) if base else appraiser(r, question)
        studies.append(Study(record=r, appraisal=appraisal, score=s))
        if i % 25 == 0 or i == len(hits):
            steps("appraising", i, len(hits))
    return studies


def stored_bases(stored: Mapping[str, StoredAppraisal], records: Sequence[Record]) -> dict[str, Base]:
    """The precomputed appraisals of ``records`` among ``stored`` (:func:`retrieve`), where the
    record is the very one that was appraised: the one the search read, or a copy from another
    source with the same content hash."""
    out = {}
    for r in records:
        hit = stored.get(r.key)
        if hit is not None and hit.appraisal is not None and (
                hit.record is r or record_row(r)[-1] == hit.digest):
            out[r.key] = Base.from_json(hit.appraisal)
    return out


def run_sources(
    sources: Sequence[Source], question: Question, progress: ProgressFactory | None = None
) -> list[Outcome]:
    """Run every live source in its own thread; each outcome holds a result or the error."""
    if not sources:
        return []

    def one(source: Source) -> SourceResult:
        return source.run(question, progress(source.name) if progress else no_progress)

    with ThreadPoolExecutor(max_workers=len(sources), thread_name_prefix="source") as pool:
        futures: list[tuple[Source, Future[SourceResult]]] = [(s, pool.submit(one, s)) for s in sources]
        outcomes = []
        for source, fut in futures:
            try:
                outcomes.append(Outcome(source.name, result=fut.result()))
            except SourceError as e:
                outcomes.append(Outcome(source.name, error=e))
        return outcomes


def _status_for(outcome: Outcome, literature_ok: list[str]) -> SourceStatus:
    if outcome.result is not None:
        r = outcome.result
        msg = ""
        if r.records:
            msg = f"{len(r.records):,} records" + (f" of {r.hits:,} hits" if r.hits > len(r.records) else "")
        elif r.trials:
            msg = f"{len(r.trials):,} registered trials"
        elif r.adverse_events:
            msg = "; ".join(f"{a.database} {a.total_reports:,} reports" for a in r.adverse_events)
        else:
            msg = "nothing found"
        if r.from_cache:
            msg += " (from the cache)"
        return SourceStatus(outcome.name, ok=True, items=r.items, message=msg, from_cache=r.from_cache)
    assert outcome.error is not None
    problem = outcome.error.problem
    if outcome.name in _WHAT_IS_MISSING:
        consequence = _WHAT_IS_MISSING[outcome.name]
    elif literature_ok:
        consequence = "results from " + _and(literature_ok) + " only"
    else:
        consequence = "no studies from any source"
    return SourceStatus(outcome.name, ok=False, message=f"{problem}: {consequence}")


def ask(
    corpus: Corpus | None,
    substance: str,
    conditions: Sequence[str] = (),
    *,
    limit: int = DEFAULT_LIMIT,
    appraiser: Appraiser = DEFAULT_APPRAISER,
    sources: Sequence[Source] = (),
    expand: Expander | None = None,
    progress: ProgressFactory | None = None,
    offline: bool = False,
    local_missing: str = "",
    steps: StepProgress = _no_steps,
) -> Report:
    """Answer "what does the science say about ``substance`` for ``conditions``?" from the
    local corpus (if given) and the live ``sources``.

    Raises UsageError for an empty substance or condition, and NoSourceAnswered when no
    source (corpus included) could answer at all. ``local_missing`` is a note saying why there
    is no local corpus."""
    question = build_question(substance, conditions)
    notes: list[str] = []
    if expand is not None:
        question, expand_notes = expand(question)
        notes.extend(expand_notes)

    steps("searching", 0, 0)
    outcomes = run_sources(sources, question, progress)
    local = (retrieve(corpus, question, limit, version=appraiser.version) if corpus is not None
             else Retrieved([], {}))
    local_hits = local.hits

    ok = {o.name: o.result for o in outcomes if o.result is not None}
    record_groups: list[Sequence[Record]] = [[r for r, _ in local_hits]]
    record_groups += [ok[n].records for n in LITERATURE_MERGE_ORDER if n in ok]
    if PubMed.name in ok and EuropePMC.name in ok:
        # Most Europe PMC hits are PubMed's own (source MED): drop them before the merge.
        i = LITERATURE_MERGE_ORDER.index(EuropePMC.name) + 1
        record_groups[i] = not_in(record_groups[i], ok[PubMed.name].records)
    live_records = any(r.records for r in ok.values())
    hits = merge_and_rank(question, record_groups, limit) if live_records else local_hits

    statuses: list[SourceStatus] = []
    shown_sources: list[str] = []
    if corpus is not None:
        size = corpus.count()
        statuses.append(SourceStatus(LOCAL, ok=True, items=len(local_hits),
                                     message=f"{len(local_hits):,} of {size:,} records"))
        shown_sources.append(f"local corpus ({size:,} records)")
    elif local_missing:
        notes.append(local_missing)
    literature_ok = [n for n in reversed(LITERATURE_MERGE_ORDER) if n in ok]
    literature_ok += [LOCAL] if corpus is not None else []
    for o in outcomes:
        status = _status_for(o, [n for n in literature_ok if n != o.name])
        statuses.append(status)
        if o.result is not None:
            shown_sources.append(f"{o.name} ({status.message})")
            notes.extend(o.result.notes)
        else:
            notes.insert(0, f"{o.name} {status.message}.")

    failures = [o.error for o in outcomes if o.error is not None]
    if failures and corpus is None and not any(o.result is not None for o in outcomes):
        raise NoSourceAnswered(failures, offline)
    if offline:
        notes.insert(0, "Offline: only cached answers and the local corpus were used.")

    steps("appraising", 0, len(hits))
    stored = stored_bases(local.stored, [r for r, _ in hits])
    studies = appraise_all(question, hits, appraiser, steps, stored)
    steps("grading", 0, 0)
    if len(hits) >= limit:
        notes.append(
            f"Only the {limit} most relevant studies per search were read; "
            "raise --limit to read more."
        )
    trials = tuple(t for o in outcomes if o.result for t in o.result.trials)
    events = tuple(a for o in outcomes if o.result for a in o.result.adverse_events)
    return build_report(
        question,
        studies,
        sources=shown_sources,
        notes=notes,
        trials=trials,
        adverse_events=events,
        source_status=statuses,
    )

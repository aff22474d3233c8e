"""The only orchestrator: question -> retrieve -> appraise -> synthesize -> report."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .appraise import DEFAULT_APPRAISER, Appraiser
from .corpus import Corpus
from .model import Question, Record, Report, Study
from .question import build_question
from .report import build_report

DEFAULT_LIMIT = 300

Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` while a report is built; step is one of
"searching", "appraising", "grading". ``total`` is 0 when unknown."""


def _no_progress(step: str, done: int, total: int) -> None:
    return None


def retrieve(corpus: Corpus, question: Question, limit: int = DEFAULT_LIMIT) -> list[tuple[Record, float]]:
    """Records about the substance: the best ``limit`` that also name a condition, plus the
    best ``limit`` about the substance at all (these feed the safety profile)."""
    found: dict[str, tuple[Record, float]] = {}
    batches = [
        corpus.search(question.substance_terms, question.terms_for(c), limit=limit)
        for c in question.conditions
    ]
    batches.append(corpus.search(question.substance_terms, limit=limit))
    for batch in batches:
        for record, score in batch:
            prev = found.get(record.key)
            if prev is None or score > prev[1]:
                found[record.key] = (record, score)
    return list(found.values())


def appraise_all(
    question: Question,
    hits: Sequence[tuple[Record, float]],
    appraiser: Appraiser = DEFAULT_APPRAISER,
    progress: Progress = _no_progress,
) -> list[Study]:
    """Appraise every retrieved record for the question (pure but for ``progress`` calls)."""
    studies = []
    for i, (r, s) in enumerate(hits, 1):
        studies.append(Study(record=r, appraisal=appraiser(r, question), score=s))
        if i % 10 == 0 or i == len(hits):
            progress("appraising", i, len(hits))
    return studies


def ask(
    corpus: Corpus,
    substance: str,
    conditions: Sequence[str] = (),
    *,
    limit: int = DEFAULT_LIMIT,
    appraiser: Appraiser = DEFAULT_APPRAISER,
    progress: Progress = _no_progress,
) -> Report:
    """Answer "what does the science say about ``substance`` for ``conditions``?" from the
    local corpus. Raises UsageError for an empty substance or condition."""
    question = build_question(substance, conditions)
    progress("searching", 0, 0)
    hits = retrieve(corpus, question, limit)
    progress("appraising", 0, len(hits))
    studies = appraise_all(question, hits, appraiser, progress)
    progress("grading", 0, 0)
    notes = []
    if len(hits) >= limit:
        notes.append(
            f"Only the {limit} most relevant studies per search were read; "
            "raise --limit to read more."
        )
    return build_report(
        question, studies, sources=[f"local corpus ({corpus.count():,} records)"], notes=notes
    )

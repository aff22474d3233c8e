"""``scisays corpus appraise``: the question-independent appraisal of every record, computed once
and stored in the corpus (keyed by appraiser version and record content), reused by ``ask``.

Resumable and idempotent: each batch is stored in its own transaction, and only records without
a current appraisal are read, so a re-run after an interruption (or after ``ingest`` added or
changed records) does only what is missing. A new appraiser version recomputes everything.
Batches are appraised in local worker processes (both cores), the corpus written by this one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from ..appraise import APPRAISAL_VERSION, DEFAULT_APPRAISER
from ..model import Record
from .store import Corpus

Progress = Callable[[int, int], None] | None
Row = tuple[int, str, str, str]


@dataclass
class AppraiseResult:
    appraised: int = 0
    already: int = 0  # records whose appraisal was current before this run


def appraise_batch(batch: list[tuple[int, str, Record]]) -> list[Row]:
    """(record id, content hash, version, stored JSON) for each record of the batch (pure)."""
    return [(rid, h, APPRAISAL_VERSION, DEFAULT_APPRAISER.base(r).to_json()) for rid, h, r in batch]


def _pipelined(batches: Iterator[list[tuple[int, str, Record]]], workers: int) -> Iterator[list[Row]]:
    if workers <= 1:
        for b in batches:
            yield appraise_batch(b)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: list[Future[list[Row]]] = []
        for b in batches:
            pending.append(pool.submit(appraise_batch, b))
            if len(pending) >= workers * 2:
                yield pending.pop(0).result()
        for f in pending:
            yield f.result()


def appraise_corpus(corpus: Corpus, *, workers: int | None = None, batch: int = 500,
                    progress: Progress = None, limit: int | None = None) -> AppraiseResult:
    """Appraise every record of ``corpus`` that lacks a current appraisal (at most ``limit``)."""
    total = corpus.count()
    todo = corpus.count_to_appraise(APPRAISAL_VERSION)
    result = AppraiseResult(already=total - todo)
    if limit is not None:
        todo = min(todo, limit)
    workers = workers or min(2, os.cpu_count() or 1)

    def batches() -> Iterator[list[tuple[int, str, Record]]]:
        sent = 0
        # the reader must not see rows this run stores meanwhile as missing: it walks by rowid
        for b in corpus.records_to_appraise(APPRAISAL_VERSION, batch):
            if limit is not None and sent + len(b) > limit:
                b = b[: limit - sent]
            if not b:
                return
            sent += len(b)
            yield b
            if limit is not None and sent >= limit:
                return

    if progress:
        progress(0, todo)
    for rows in _pipelined(batches(), workers):
        corpus.store_appraisals(rows)
        result.appraised += len(rows)
        if progress:
            progress(result.appraised, todo)
    return result

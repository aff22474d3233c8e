"""``scisays corpus appraise``: the question-independent appraisal of every record, computed once
and stored in the corpus (keyed by appraiser version and record content), reused by ``ask``.

Resumable and idempotent: each batch is stored in its own transaction, and only records without
a current appraisal are read, so a re-run after an interruption (or after ``ingest`` added or
changed records) does only what is missing. A new appraiser version recomputes everything.
Batches are appraised in local worker processes (both cores), or on a Dask distributed cluster
(``scheduler="tcp://host:8786"``, the optional ``cluster`` extra); either way only this process
writes the corpus, so it stays consistent, and a worker lost mid-run has its batch recomputed by
Dask (a cluster lost altogether stops the run: what was stored stays, a re-run resumes).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from ..appraise import APPRAISAL_VERSION, DEFAULT_APPRAISER, RULES_APPRAISER
from ..model import Record
from .cluster import ClusterError, connect, run_ordered
from .store import Corpus, pack

__all__ = ["AppraiseResult", "ClusterError", "appraise_batch", "appraise_corpus"]


Progress = Callable[[int, int], None] | None
Row = tuple[int, str, str, bytes]


@dataclass
class AppraiseResult:
    appraised: int = 0
    already: int = 0  # records whose appraisal was current before this run


def appraise_batch(batch: list[tuple[int, str, Record]], read: bool = True) -> list[Row]:
    """(record id, content hash, version, stored JSON, compressed) for each record of the batch
    (pure; compressed here, in the worker, so the writer and the network carry less than half).
    ``read``: with the learned reader's reading of the conclusions (else ``ask`` reads them when
    a question needs them)."""
    appraiser = DEFAULT_APPRAISER if read else RULES_APPRAISER
    return [(rid, h, APPRAISAL_VERSION, pack(appraiser.base(r, readings=True).to_json()))
            for rid, h, r in batch]


def _on_cluster(batches: Iterator[list[tuple[int, str, Record]]], scheduler: str,
                connect_timeout: float = 10.0, read: bool = True) -> Iterator[list[Row]]:
    """Appraise the batches on a Dask cluster, a few in flight per worker, results in order."""
    with connect(scheduler, connect_timeout) as client:
        yield from run_ordered(client, scheduler, appraise_batch, ((b, read) for b in batches))


def _pipelined(batches: Iterator[list[tuple[int, str, Record]]], workers: int,
               read: bool = True) -> Iterator[list[Row]]:
    if workers <= 1:
        for b in batches:
            yield appraise_batch(b, read)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: list[Future[list[Row]]] = []
        for b in batches:
            pending.append(pool.submit(appraise_batch, b, read))
            if len(pending) >= workers * 2:
                yield pending.pop(0).result()
        for f in pending:
            yield f.result()


def appraise_corpus(corpus: Corpus, *, workers: int | None = None, batch: int = 500,
                    progress: Progress = None, limit: int | None = None,
                    scheduler: str | None = None, connect_timeout: float = 10.0,
                    read: bool = True) -> AppraiseResult:
    """Appraise every record of ``corpus`` that lacks a current appraisal (at most ``limit``),
    in local processes or on the Dask cluster at ``scheduler``; ``read``: with the learned
    reader's reading of each record's conclusions (``appraise.appraiser_for`` checks it loads)."""
    total = corpus.count()
    todo = corpus.count_to_appraise(APPRAISAL_VERSION)
    result = AppraiseResult(already=total - todo)
    if limit is not None:
        todo = min(todo, limit)
    workers = workers or min(2, os.cpu_count() or 1)

    def batches() -> Iterator[list[tuple[int, str, Record]]]:
        left = limit
        # the reader walks by rowid, so rows this run stores meanwhile are never read again
        for b in corpus.records_to_appraise(APPRAISAL_VERSION, batch):
            if left is not None:
                b = b[:left]
                left -= len(b)
            if not b:
                return
            yield b

    if progress:
        progress(0, todo)
    results = (_on_cluster(batches(), scheduler, connect_timeout, read) if scheduler
               else _pipelined(batches(), workers, read))
    for rows in results:
        corpus.store_appraisals(rows)
        result.appraised += len(rows)
        if progress:
            progress(result.appraised, todo)
    return result

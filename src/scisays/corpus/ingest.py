"""Ingest PubMed XML and JSON Lines files into the corpus: streamed, batched, resumable.

A file is recognised by its content, not its name: gzip or not, then XML (``<``) or JSON
Lines (``{``). Each batch is one transaction that also records how far into the file it
got, so a killed ingest resumes where it stopped; a file already ingested completely is
recognised by its SHA-256 and skipped.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import queue
import subprocess
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import CorpusError, InputFileError
from ..model import Deletion, Record
from .jsonl import iter_jsonl
from .pubmed_xml import iter_pubmed_xml
from .store import BatchResult, Corpus, RecordRow, record_row

BATCH_SIZE = 2000
ProgressCallback = Callable[[int, int], None]  # (bytes read, total bytes)


@dataclass
class IngestResult:
    """What ingesting one file did."""

    path: str
    format: str
    items: int = 0
    resumed_from: int = 0
    already_ingested: bool = False
    changes: BatchResult = field(default_factory=BatchResult)


class _CountingReader(io.RawIOBase):
    """A raw binary file that counts the bytes read from it (for progress)."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n: int = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += n
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


class _SafeStream:
    """Wraps a decompressing stream so gzip damage becomes one clear InputFileError."""

    def __init__(self, inner: Any, name: str) -> None:
        self.inner = inner
        self.name = name

    def _fail(self, e: BaseException) -> InputFileError:
        if isinstance(e, EOFError):
            return InputFileError(
                f"{self.name}: the gzip data ends early (the file is truncated); "
                "download it again and re-run."
            )
        return InputFileError(
            f"{self.name}: the gzip data is corrupt ({e}); download the file again and re-run."
        )

    def read(self, n: int = -1) -> bytes:
        try:
            data: bytes = self.inner.read(n)
        except (EOFError, OSError, zlib.error) as e:
            raise self._fail(e) from None
        return data

    def __iter__(self) -> Iterator[bytes]:
        while True:
            try:
                line: bytes = self.inner.readline()
            except (EOFError, OSError, zlib.error) as e:
                raise self._fail(e) from None
            if not line:
                return
            yield line

    def close(self) -> None:
        self.inner.close()


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputFileError(f"No such file: {path}; check the path and try again.")
    if path.is_dir():
        raise InputFileError(f"{path} is a folder; give the PubMed XML or JSON Lines files in it.")


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _open(path: Path, data: bytes | None = None) -> tuple[_SafeStream, _CountingReader]:
    """The file at ``path`` as a decompressed stream; ``data``: its bytes, already read (on a
    Dask worker, which may not see the file; ``path`` then only names it in messages)."""
    raw = _CountingReader(io.BytesIO(data) if data is not None else path.open("rb"))
    gzipped = data[:2] == b"\x1f\x8b" if data is not None else _is_gzip(path)
    inner: Any = (gzip.GzipFile(fileobj=raw, mode="rb") if gzipped
                  else io.BufferedReader(raw, buffer_size=1 << 20))
    return _SafeStream(inner, str(path)), raw


def detect_format(path: Path, data: bytes | None = None) -> str:
    """'pubmed-xml' or 'jsonl', from the file's first meaningful character."""
    if data is None:
        _check_path(path)
    stream, _raw = _open(path, data)
    try:
        head = stream.read(4096)
    finally:
        stream.close()
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        raise InputFileError(
            f"{path} is empty; give a PubMed XML (.xml/.xml.gz) or JSON Lines (.jsonl) file."
        )
    if text.startswith(b"<"):
        return "pubmed-xml"
    if text.startswith(b"{"):
        return "jsonl"
    raise InputFileError(
        f"{path} is neither PubMed XML nor JSON Lines (it starts with {text[:20]!r}); "
        "give a PubMed XML (.xml/.xml.gz) or JSON Lines (.jsonl) file."
    )


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def iter_file(
    path: Path, data: bytes | None = None
) -> tuple[Iterator[Record | Deletion], _CountingReader, str]:
    """Open ``path`` (or read ``data``, its bytes) and return (items, byte counter, format)."""
    fmt = detect_format(path, data)
    stream, raw = _open(path, data)
    reader = iter_pubmed_xml if fmt == "pubmed-xml" else iter_jsonl
    items: Iterator[Record | Deletion] = reader(stream, str(path))  # type: ignore[arg-type]
    return items, raw, fmt


class _BatchWriter:
    """Writes batches on a second thread while the main thread parses the next ones.

    SQLite releases the GIL while it works, so parsing and storing overlap on two cores.
    Batches are applied strictly in order, each in its own transaction; an error in the
    writer is re-raised in the caller at the next ``put`` or at ``finish``."""

    def __init__(self, corpus: Corpus, totals: BatchResult) -> None:
        self.corpus = corpus
        self.totals = totals
        self.queue: queue.Queue[
            tuple[list[RecordRow | Deletion], tuple[str, str, int, int]] | None
        ] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="scisays-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (job := self.queue.get()) is not None:
            if self.error is not None:
                continue
            try:
                self.totals.add(self.corpus.write_batch(job[0], progress=job[1]))
            except BaseException as e:  # re-raised in the calling thread
                self.error = e

    def _check(self) -> None:
        if self.error is not None:
            err, self.error = self.error, None
            raise err

    def put(self, batch: list[RecordRow | Deletion], progress: tuple[str, str, int, int]) -> None:
        self._check()
        self.queue.put((batch, progress))

    def finish(self) -> None:
        """Wait until every queued batch is committed; re-raise a writer error."""
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        self._check()

    def abandon(self) -> None:
        """On the way out after an error: let the writer finish its batch, then stop it."""
        if self.thread.is_alive():
            while True:
                try:
                    self.queue.get_nowait()
                except queue.Empty:
                    break
            self.queue.put(None)
            self.thread.join()


Batch = tuple[list[RecordRow | Deletion], int, int]  # (rows and deletions, items done, bytes read)


def _batches(path: Path, skip: int, batch_size: int, data: bytes | None = None) -> Iterator[Batch]:
    """Parse ``path`` (or ``data``, its bytes) and yield (batch of rows/deletions, items done,
    bytes read).

    The first ``skip`` items (committed by an earlier, interrupted run) are parsed but not
    yielded. Rows are built here, where the parsing happens, so the writing side only writes."""
    items, raw, _fmt = iter_file(path, data)
    batch: list[RecordRow | Deletion] = []
    done = 0
    try:
        for item in items:
            done += 1
            if done <= skip:
                continue
            batch.append(item if isinstance(item, Deletion) else record_row(item))
            if len(batch) >= batch_size:
                yield batch, done, raw.count
                batch = []
        if batch:
            yield batch, done, raw.count
    finally:
        raw.close()


# A file at least this big is parsed in a worker process while this one writes: parsing and
# SQLite each take about half the time, so on two cores the ingest runs much faster.
# Smaller files are not worth the worker's start-up (about 0.2 s).
PARALLEL_MIN_BYTES = 4 << 20


def _worker_batches(
    path: Path, skip: int, batch_size: int
) -> Iterator[tuple[list[RecordRow | Deletion], int, int]]:
    """Like :func:`_batches`, parsed by ``python -m scisays.corpus.worker`` in a separate
    process that sends pickled batches through a pipe.

    A plain subprocess, not multiprocessing: it never re-imports the caller's main module,
    and shares no threads, locks or database connection with this process. The pipe gives
    back-pressure (the worker waits while the writer is behind), and a worker whose parent
    is gone fails on its next write and exits."""
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scisays.corpus.worker", str(path), str(skip), str(batch_size)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdout is not None
    try:
        while True:
            try:
                msg = pickle.load(proc.stdout)
            except (EOFError, pickle.UnpicklingError):
                code = proc.wait()
                raise CorpusError(
                    f"The process parsing {path} stopped unexpectedly (exit code {code}); "
                    "re-run the same command to resume the ingest."
                ) from None
            kind = msg[0]
            if kind == "batch":
                yield msg[1], msg[2], msg[3]
            elif kind == "end":
                break
            elif kind == "error":
                raise InputFileError(msg[1])
            else:
                raise CorpusError(
                    f"Parsing {path} failed ({msg[1]}); this is a bug in scisays, please report it."
                )
    finally:
        proc.stdout.close()
        if proc.poll() is None:
            proc.terminate()
        proc.wait()


@dataclass
class _Plan:
    """A file about to be ingested: its identity, and its result so far (already ingested
    completely, or how many items an earlier run committed)."""

    path: Path
    sha: str
    size: int
    result: IngestResult


def _plan(corpus: Corpus, p: Path, force: bool) -> _Plan:
    _check_path(p)
    result = IngestResult(path=str(p), format=detect_format(p))
    sha = file_sha256(p)
    status = None if force else corpus.file_status(sha)
    if status is not None and status[1]:
        result.already_ingested = True
        result.items = status[0]
    elif status is not None:
        result.resumed_from = status[0]
    return _Plan(p, sha, p.stat().st_size, result)


def _stopped_at(problem: str, done: int) -> InputFileError:
    """The error for a file that went wrong after ``done`` items were stored."""
    if done > 0:
        problem += f" ({done:,} items before that point are stored; the corpus is consistent.)"
    return InputFileError(problem)


def ingest_file(
    corpus: Corpus,
    path: str | Path,
    *,
    force: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: ProgressCallback | None = None,
    parallel: bool | None = None,
) -> IngestResult:
    """Ingest one file. Re-running after an interruption resumes after the last batch.

    ``parallel``: parse in a worker process while this one writes (None: when the file is
    at least PARALLEL_MIN_BYTES and the machine has two or more cores).

    Raises InputFileError for a missing, unrecognised, truncated or malformed file; every
    batch before the problem stays committed, and the message says so."""
    plan = _plan(corpus, Path(path), force)
    p, sha, size, result, skip = plan.path, plan.sha, plan.size, plan.result, plan.result.resumed_from
    if result.already_ingested:
        if progress:
            progress(size, size)
        return result
    if parallel is None:
        parallel = size >= PARALLEL_MIN_BYTES and (os.cpu_count() or 1) >= 2
    batches = (_worker_batches if parallel else _batches)(p, skip, batch_size)
    writer = _BatchWriter(corpus, result.changes)
    done = skip  # items committed (or queued to be) so far
    try:
        for batch, done, nbytes in batches:
            writer.put(batch, (sha, str(p), size, done))
            if progress:
                progress(nbytes, size)
        writer.finish()
        corpus.mark_file_complete(sha, str(p), size, done)
    except InputFileError as e:
        writer.finish()
        raise _stopped_at(str(e), done) from None
    finally:
        writer.abandon()
        batches.close()  # type: ignore[attr-defined]
    result.items = done
    if progress:
        progress(size, size)
    return result


# -- on a Dask cluster ---------------------------------------------------------------------------


def parse_batches(data: bytes, name: str, skip: int, batch_size: int) -> tuple[list[Batch], str]:
    """On a Dask worker: a file's bytes parsed into batches (pure), and the sentence of a problem
    with the file ("" if none) — the batches before the problem are still returned, so they are
    stored as a local ingest would store them."""
    out: list[Batch] = []
    try:
        out.extend(_batches(Path(name), skip, batch_size, data))
    except InputFileError as e:
        return out, str(e)
    return out, ""


def ingest_on_cluster(
    corpus: Corpus,
    paths: list[Path],
    scheduler: str,
    *,
    force: bool = False,
    batch_size: int = BATCH_SIZE,
    connect_timeout: float = 10.0,
) -> Iterator[IngestResult]:
    """Ingest ``paths`` with the parsing on the Dask cluster at ``scheduler``: several files at
    once (two per worker), each file's bytes sent to a worker, which parses them and sends back
    the batches; this process writes them, each file's batches in order and each batch with its
    progress, so the guarantees are those of :func:`ingest_file` (idempotent, resumable, newest
    version wins). Yields each file's result once it is written, in the order given."""
    from .cluster import connect, run_ordered

    plans = [_plan(corpus, p, force) for p in paths]
    work = [pl for pl in plans if not pl.result.already_ingested]
    jobs = ((pl.path.read_bytes(), str(pl.path), pl.result.resumed_from, batch_size) for pl in work)
    with connect(scheduler, connect_timeout) as client:
        parsed = run_ordered(client, scheduler, parse_batches, jobs) if work else iter(())
        for pl in plans:
            result = pl.result
            if not result.already_ingested:
                batches, problem = next(parsed)
                done = result.resumed_from
                for batch, done, _nbytes in batches:
                    progress = (pl.sha, str(pl.path), pl.size, done)
                    result.changes.add(corpus.write_batch(batch, progress=progress))
                if problem:
                    raise _stopped_at(problem, done)
                corpus.mark_file_complete(pl.sha, str(pl.path), pl.size, done)
                result.items = done
            yield result

"""Build reports in the background, once per question, and keep them for the next request.

``ReportService.submit`` returns the Job for a question: a finished one from memory or from
the history if the corpus has not changed since, else the build already running for the same
question, else a new build on a worker thread. So two requests for the same question at the
same time share one build, and pages can show progress while it runs.

With a PostgreSQL corpus, several server processes (on several machines) share one job table
(:class:`SharedJobs`): a build is claimed by one row insert that only one server can win, its
progress is written to the row, and every other server follows that row (its progress page and
``/api/v1/jobs/{id}`` show the same state) and serves the finished report from the shared
history. A build whose server died (no progress written for ``STALE_SECONDS``) is claimed again.

A build that failed (a live source down, the corpus unreachable mid-build) is served as failed,
with the seconds until it may be tried again, for ``RETRY_FAILED_AFTER``: the next request after
that builds it again (on any server), not every request at once against a service that is down.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from ..config import DatabaseUrl, DbLocation, load_settings
from ..corpus import Corpus
from ..corpus.store import file_fingerprint
from ..errors import CorpusError, ScisaysError
from ..model import Report
from ..pg import PgConnection
from ..pipeline import NoSourceAnswered, ask
from ..report import render_html_body
from ..report.load import ReportFormatError, report_from_dict
from ..sources import build_sources, make_client, make_expander
from .history import History
from .params import LOCAL_SOURCE, ReportRequest, parse_request

log = logging.getLogger("scisays.web")

Builder = Callable[..., Report]

STEP_LABELS = {
    "queued": "Waiting for a free worker",
    "searching": "Searching the corpus",
    "appraising": "Reading and appraising the studies",
    "grading": "Grading the evidence",
    "done": "Done",
    "failed": "Failed",
}


@dataclass
class Job:
    """One report being built (or built) for one question; fields are written by one worker."""

    request: ReportRequest
    fingerprint: str
    state: str = "queued"  # queued -> running -> done | failed
    step: str = "queued"
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)
    seconds: float | None = None
    report: Report | None = None
    json_text: str | None = None
    body: Markup | None = None
    error: str | None = None
    error_status: int = 500
    from_history: bool = False
    follows: bool = False  # another server builds it; this one shows the shared row
    finished: threading.Event = field(default_factory=threading.Event)
    failed_at: float | None = None  # the server's clock when it failed

    def fail(self, error: str, status: int, at: float) -> None:
        self.error, self.error_status, self.failed_at = error, status, at
        self.step = self.state = "failed"
        self.finished.set()

    @property
    def id(self) -> str:
        return self.request.id

    def progress(self, step: str, done: int, total: int) -> None:
        self.step, self.done, self.total = step, done, total

    def status(self) -> dict[str, Any]:
        """What the progress page and ``GET /api/v1/jobs/{id}`` show."""
        elapsed = self.seconds if self.seconds is not None else time.monotonic() - self.started
        return {
            "id": self.id,
            "state": self.state,
            "step": self.step,
            "message": STEP_LABELS.get(self.step, self.step),
            "done": self.done,
            "total": self.total,
            "elapsed": round(elapsed, 3),
            "error": self.error,
            "question": self.request.to_dict(),
            "report": self.request.api_path(),
        }


STALE_SECONDS = 120.0  # a claimed build with no progress written for this long is claimed again
RETRY_FAILED_AFTER = 30.0  # a failed build is tried again by the first request this much later
PROGRESS_EVERY = 0.25  # seconds between progress writes to the shared row
FOLLOW_EVERY = 0.2  # seconds between reads of the rows this server follows

_JOBS_SCHEMA = """CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    query TEXT NOT NULL,              -- JSON list of [name, value]: asks for the report again
    fingerprint TEXT NOT NULL,        -- the corpus state the build reads
    owner TEXT NOT NULL,              -- the server (process) building it
    state TEXT NOT NULL,              -- queued -> running -> done | failed
    step TEXT NOT NULL,
    done INTEGER NOT NULL,
    total INTEGER NOT NULL,
    error TEXT,
    error_status INTEGER NOT NULL,
    seconds DOUBLE PRECISION,
    heartbeat DOUBLE PRECISION NOT NULL,  -- server clock (epoch seconds) of the last write
    builds INTEGER NOT NULL              -- how many builds were claimed for this question
)"""
_NOW = "extract(epoch from clock_timestamp())"


@dataclass(frozen=True, slots=True)
class JobRow:
    """A shared job as the table holds it."""

    id: str
    query: list[tuple[str, str]]
    fingerprint: str
    owner: str
    state: str
    step: str
    done: int
    total: int
    error: str | None
    error_status: int
    seconds: float | None
    stale: bool
    builds: int


class SharedJobs:
    """The job table in the PostgreSQL database every server process shares (thread-safe: one
    autocommitted statement per call on a connection that reconnects when lost)."""

    def __init__(self, url: DatabaseUrl, *, retry_failed_after: float = RETRY_FAILED_AFTER) -> None:
        self.conn = PgConnection.open(url, reconnect=True)
        self.conn.execute(_JOBS_SCHEMA)
        self.owner = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.retry_failed_after = retry_failed_after

    def claim(self, request: ReportRequest, fingerprint: str) -> bool:
        """Make this server the builder of ``request`` unless another server is building it for
        the same corpus state, or it failed less than ``retry_failed_after`` ago; True if this
        server must build. Atomic: of servers claiming at once, exactly one wins."""
        row = self.conn.execute(
            "INSERT INTO jobs VALUES (?, ?, ?, ?, 'queued', 'queued', 0, 0, NULL, 0, NULL, "
            f"{_NOW}, 1) ON CONFLICT (id) DO UPDATE SET query=excluded.query, "
            "fingerprint=excluded.fingerprint, owner=excluded.owner, state='queued', step='queued', "
            "done=0, total=0, error=NULL, error_status=0, seconds=NULL, heartbeat=excluded.heartbeat, "
            "builds=jobs.builds + 1 "
            "WHERE jobs.fingerprint <> excluded.fingerprint OR jobs.state = 'done' "
            "OR (jobs.state = 'failed' AND jobs.heartbeat <= excluded.heartbeat - ?) "
            "OR (jobs.state <> 'failed' AND jobs.heartbeat < excluded.heartbeat - ?) RETURNING owner",
            (request.id, json.dumps(request.query(), ensure_ascii=False), fingerprint, self.owner,
             self.retry_failed_after, STALE_SECONDS)).fetchone()
        return row is not None

    def progress(self, job: Job) -> None:
        self.conn.execute(
            f"UPDATE jobs SET state=?, step=?, done=?, total=?, heartbeat={_NOW} WHERE id=? AND owner=?",
            (job.state, job.step, job.done, job.total, job.id, self.owner))

    def finish(self, job: Job) -> None:
        self.conn.execute(
            f"UPDATE jobs SET state=?, step=?, done=?, total=?, error=?, error_status=?, seconds=?, "
            f"heartbeat={_NOW} WHERE id=? AND owner=?",
            (job.state, job.step, job.done, job.total, job.error, job.error_status, job.seconds,
             job.id, self.owner))

    def rows(self, ids: list[str]) -> dict[str, JobRow]:
        out = {}
        for r in self.conn.execute(
                "SELECT id, query, fingerprint, owner, state, step, done, total, error, error_status, "
                f"seconds, heartbeat < {_NOW} - ?, builds FROM jobs WHERE id = ANY(?)", (STALE_SECONDS, ids)):
            out[r[0]] = JobRow(r[0], [(k, v) for k, v in json.loads(r[1])], *r[2:])
        return out


class ReportService:
    """Builds, shares and caches reports for the web app (thread-safe). ``shared``: the job table
    of a PostgreSQL corpus, shared with the other server processes."""

    def __init__(
        self,
        corpus: DbLocation,
        history: History | None = None,
        *,
        workers: int = 2,
        keep: int = 256,
        builder: Builder = ask,
        shared: SharedJobs | None = None,
        retry_failed_after: float = RETRY_FAILED_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.corpus = corpus
        self.retry_failed_after = retry_failed_after
        self.clock = clock
        self.history = history
        self.shared = shared
        self._builder = builder
        self._keep = keep
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scisays-build")
        self._fp_corpus: Corpus | None = None
        self._following: dict[str, Job] = {}
        self._watcher: threading.Thread | None = None
        self._stopped = threading.Event()

    def fingerprint(self) -> str:
        """The corpus state: the file's for SQLite, the database's change counter for PostgreSQL
        (read through one connection kept open, opened again if it was lost)."""
        if not isinstance(self.corpus, DatabaseUrl):
            return file_fingerprint(self.corpus)  # a stat, no connection
        with self._lock:
            try:
                if self._fp_corpus is None:
                    self._fp_corpus = Corpus.open(self.corpus)
                return self._fp_corpus.fingerprint()
            except CorpusError:
                if self._fp_corpus is not None:
                    with contextlib.suppress(Exception):
                        self._fp_corpus.close()
                self._fp_corpus = None
                raise

    def submit(self, request: ReportRequest) -> Job:
        """The job answering ``request``: cached, already running (here or, with shared jobs, on
        another server), or newly started."""
        try:
            fp = self.fingerprint()
        except CorpusError as e:  # no corpus in the database, or the database is unreachable
            job = Job(request, "")
            job.fail(str(e), 503, self.clock())
            return job
        if any(src != LOCAL_SOURCE for src in request.sources):
            # Live answers change: a report that used them is rebuilt once a day (the HTTP
            # layer's cache still saves the requests within its TTL).
            fp += "|live:" + datetime.now(UTC).date().isoformat()
        with self._lock:
            cached = self._jobs.get(request.id)
            if cached is not None and cached.fingerprint == fp and self.retry_in(cached) > 0:
                self._jobs.move_to_end(request.id)
                return cached
            job = self._from_history(request, fp) or self._start(request, fp)
            self._jobs[request.id] = job
            self._jobs.move_to_end(request.id)
            self._evict()
            return job

    def retry_in(self, job: Job) -> float:
        """Seconds until a failed job is built again by the next request for it (0 if it may be
        now); infinite for a job that has not failed."""
        if job.state != "failed" or job.failed_at is None:
            return float("inf")
        return max(0.0, job.failed_at + self.retry_failed_after - self.clock())

    def get(self, job_id: str) -> Job | None:
        """The latest job for a question id: this server's, or with shared jobs one that another
        server started (followed from here on)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None or self.shared is None:
            return job
        row = self.shared.rows([job_id]).get(job_id)
        if row is None:
            return None
        try:
            params: dict[str, list[str]] = {}
            for k, v in row.query:
                params.setdefault(k, []).append(v)
            request = parse_request((params.get("substance") or [""])[0], params.get("condition", []),
                                    params.get("source", []),
                                    int(params["limit"][0]) if "limit" in params else None)
        except (ScisaysError, ValueError):
            return None  # a row another version wrote
        return self.submit(request) if request.id == job_id else None

    def shutdown(self, wait: bool = False) -> None:
        """Stop: queued builds are cancelled; with ``wait``, the running ones are waited for."""
        self._stopped.set()
        self._pool.shutdown(wait=wait, cancel_futures=True)

    def _start(self, request: ReportRequest, fp: str) -> Job:
        """A new build here, or (with shared jobs) the build another server has claimed."""
        if self.shared is not None and not self.shared.claim(request, fp):
            job = Job(request, fp, follows=True)
            self._following[job.id] = job
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, name="scisays-follow", daemon=True)
                self._watcher.start()
            return job
        job = Job(request, fp)
        self._pool.submit(self._build, job)
        return job

    def _watch(self) -> None:
        """Follow the shared rows of the builds other servers run, until each ends."""
        assert self.shared is not None
        while not self._stopped.wait(FOLLOW_EVERY):
            with self._lock:
                following = dict(self._following)
            if not following:
                continue
            try:
                rows = self.shared.rows(list(following))
                for job_id, job in following.items():
                    self._follow(job, rows.get(job_id))
            except Exception:  # a lost database must not stop the server; try again
                log.exception("following shared jobs failed")

    def _follow(self, job: Job, row: JobRow | None) -> None:
        if row is not None and row.fingerprint == job.fingerprint and not row.stale:
            if row.state == "done":
                stored = self._stored(job.id, job.fingerprint)
                if stored is not None:
                    self._finish(job, *stored, row.seconds or 0.0)
                    self._unfollow(job)
                    return
            elif row.state == "failed":
                job.fail(row.error or "Building the report failed.", row.error_status, self.clock())
                self._unfollow(job)
                return
            else:
                job.state, job.step, job.done, job.total = row.state, row.step, row.done, row.total
                return
        # the builder died, or its report is not in the history, or the row went: build it here
        assert self.shared is not None
        if self.shared.claim(job.request, job.fingerprint):
            self._unfollow(job)
            job.follows = False
            self._pool.submit(self._build, job)

    def _unfollow(self, job: Job) -> None:
        with self._lock:
            self._following.pop(job.id, None)

    def _evict(self) -> None:
        excess = len(self._jobs) - self._keep
        for key in [k for k, j in self._jobs.items() if j.finished.is_set()][: max(excess, 0)]:
            del self._jobs[key]

    def _from_history(self, request: ReportRequest, fp: str) -> Job | None:
        try:
            stored = self._stored(request.id, fp)
        except Exception:  # a broken history must not stop the server
            log.exception("reading the report history failed")
            return None
        if stored is None:
            return None
        job = Job(request, fp, from_history=True)
        self._finish(job, *stored, 0.0)
        return job

    def _stored(self, job_id: str, fp: str) -> tuple[Report, str] | None:
        """The report (and its JSON) the history holds for the question, if built from the corpus
        state ``fp`` by this version; an error reading the history is raised."""
        if self.history is None:
            return None
        stored = self.history.load(job_id)
        if stored is None or stored[0] != fp:
            return None
        try:
            return report_from_dict(json.loads(stored[1])), stored[1]
        except (ReportFormatError, ValueError):
            return None  # written by another version: build again

    @staticmethod
    def _finish(job: Job, report: Report, json_text: str, seconds: float) -> None:
        job.report = report
        job.json_text = json_text
        job.body = render_html_body(report)
        job.seconds = seconds
        job.step = job.state = "done"
        job.finished.set()

    def _share(self, job: Job, *, final: bool = False) -> None:
        """Write the job's state to the shared row (other servers follow it)."""
        if self.shared is None:
            return
        try:
            (self.shared.finish if final else self.shared.progress)(job)
        except Exception:
            log.exception("writing the shared job %s failed", job.id)

    def _build(self, job: Job) -> None:
        try:
            self._run(job)
        finally:
            self._share(job, final=True)

    def _run(self, job: Job) -> None:
        req = job.request
        job.state = "running"
        self._share(job)
        last = [float("-inf")]  # the first step is written at once

        def steps(step: str, done: int, total: int) -> None:
            job.progress(step, done, total)
            if self.shared is not None and time.monotonic() - last[0] >= PROGRESS_EVERY:
                last[0] = time.monotonic()
                self._share(job)

        t0 = time.perf_counter()
        try:
            live = [src for src in req.sources if src != LOCAL_SOURCE]
            with contextlib.ExitStack() as stack:
                corpus = (
                    stack.enter_context(Corpus.open(self.corpus))
                    if LOCAL_SOURCE in req.sources
                    else None
                )
                extra: dict[str, Any] = {}
                if live:
                    settings = load_settings()
                    client = stack.enter_context(make_client(settings))
                    extra = {
                        "sources": build_sources(live, client, settings),
                        "expand": make_expander(client, settings),
                    }
                report = self._builder(
                    corpus, req.substance, req.conditions, limit=req.limit, steps=steps, **extra
                )
            doc = report.to_dict()
            text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
            seconds = time.perf_counter() - t0
            self._save(req, doc, text, job.fingerprint, seconds)  # before anyone can see it done
            self._finish(job, report, text, seconds)
        except ScisaysError as e:
            job.fail(str(e), 503 if isinstance(e, CorpusError) else 502 if isinstance(e, NoSourceAnswered)
                     else 422, self.clock())
        except Exception:
            log.exception("building the report for %s failed", req.key)
            job.fail("Building the report failed unexpectedly; the server log has the details.", 500,
                     self.clock())

    def _save(self, req: ReportRequest, doc: dict[str, Any], text: str, fingerprint: str,
              seconds: float) -> None:
        """Keep a built report in the history (a failure to is logged: the report is still served)."""
        if self.history is None:
            return
        try:
            self.history.save(
                id=req.id,
                query=req.query(),
                report=doc,
                report_json=text,
                fingerprint=fingerprint,
                created=datetime.now(UTC).isoformat(timespec="milliseconds"),
                seconds=seconds,
            )
        except Exception:
            log.exception("saving the report to the history failed")

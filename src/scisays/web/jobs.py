"""Build reports in the background, once per question, and keep them for the next request.

``ReportService.submit`` returns the Job for a question: a finished one from memory or from
the history file if the corpus has not changed since, else the build already running for
the same question, else a new build on a worker thread. So two requests for the same
question at the same time share one build, and pages can show progress while it runs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..config import load_settings
from ..corpus import Corpus
from ..errors import CorpusError, ScisaysError
from ..model import Report
from ..pipeline import NoSourceAnswered, ask
from ..report import render_html_body
from ..report.load import ReportFormatError, report_from_dict
from ..sources import build_sources, make_client, make_expander
from .history import History
from .params import LOCAL_SOURCE, ReportRequest

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
    finished: threading.Event = field(default_factory=threading.Event)

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
        }


def corpus_fingerprint(path: Path) -> str:
    """Changes whenever the corpus file changes (size and modification time of the file and of
    a non-empty write-ahead log); reading the corpus leaves it as it is."""
    parts = []
    for suffix in ("", "-wal"):
        try:
            st = os.stat(f"{path}{suffix}")
        except FileNotFoundError:
            continue
        if suffix and not st.st_size:
            continue
        parts.append(f"{st.st_mtime_ns}:{st.st_size}")
    return "/".join(parts)


class ReportService:
    """Builds, shares and caches reports for the web app (thread-safe)."""

    def __init__(
        self,
        corpus_path: Path,
        history: History | None = None,
        *,
        workers: int = 2,
        keep: int = 256,
        builder: Builder = ask,
    ) -> None:
        self.corpus_path = corpus_path
        self.history = history
        self._builder = builder
        self._keep = keep
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scisays-build")

    def submit(self, request: ReportRequest) -> Job:
        """The job answering ``request``: cached, already running, or newly started."""
        fp = corpus_fingerprint(self.corpus_path)
        if any(src != LOCAL_SOURCE for src in request.sources):
            # Live answers change: a report that used them is rebuilt once a day (the HTTP
            # layer's cache still saves the requests within its TTL).
            fp += "|live:" + datetime.now(UTC).date().isoformat()
        with self._lock:
            job = self._jobs.get(request.id)
            if job is not None and job.state != "failed" and job.fingerprint == fp:
                self._jobs.move_to_end(request.id)
                return job
            job = self._from_history(request, fp)
            if job is None:
                job = Job(request, fp)
                self._pool.submit(self._build, job)
            self._jobs[request.id] = job
            self._jobs.move_to_end(request.id)
            self._evict()
            return job

    def get(self, job_id: str) -> Job | None:
        """The latest job for a question id, if this server has seen it."""
        with self._lock:
            return self._jobs.get(job_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _evict(self) -> None:
        excess = len(self._jobs) - self._keep
        for key in [k for k, j in self._jobs.items() if j.finished.is_set()][: max(excess, 0)]:
            del self._jobs[key]

    def _from_history(self, request: ReportRequest, fp: str) -> Job | None:
        if self.history is None:
            return None
        try:
            stored = self.history.load(request.id)
        except Exception:  # a broken history file must not stop the server
            log.exception("reading the report history failed")
            return None
        if stored is None or stored[0] != fp:
            return None
        try:
            report = report_from_dict(json.loads(stored[1]))
        except (ReportFormatError, ValueError):
            return None  # written by another version: build again
        job = Job(request, fp, from_history=True)
        self._finish(job, report, stored[1], 0.0)
        return job

    @staticmethod
    def _finish(job: Job, report: Report, json_text: str, seconds: float) -> None:
        job.report = report
        job.json_text = json_text
        job.body = render_html_body(report)
        job.seconds = seconds
        job.step = job.state = "done"
        job.finished.set()

    def _build(self, job: Job) -> None:
        req = job.request
        job.state = "running"
        t0 = time.perf_counter()
        try:
            live = [src for src in req.sources if src != LOCAL_SOURCE]
            with contextlib.ExitStack() as stack:
                corpus = (
                    stack.enter_context(Corpus.open(self.corpus_path))
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
                    corpus, req.substance, req.conditions, limit=req.limit, steps=job.progress, **extra
                )
            doc = report.to_dict()
            text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
            self._finish(job, report, text, time.perf_counter() - t0)
        except ScisaysError as e:
            job.error = str(e)
            job.error_status = (
                503 if isinstance(e, CorpusError) else 502 if isinstance(e, NoSourceAnswered) else 422
            )
            job.step = job.state = "failed"
            job.finished.set()
            return
        except Exception:
            log.exception("building the report for %s failed", req.key)
            job.error = "Building the report failed unexpectedly; the server log has the details."
            job.error_status = 500
            job.step = job.state = "failed"
            job.finished.set()
            return
        if self.history is not None:
            try:
                self.history.save(
                    id=req.id,
                    query=req.query(),
                    report=doc,
                    report_json=text,
                    fingerprint=job.fingerprint,
                    created=datetime.now(UTC).isoformat(timespec="milliseconds"),
                    seconds=job.seconds or 0.0,
                )
            except Exception:
                log.exception("saving the report to the history failed")

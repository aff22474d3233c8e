"""Shared fixtures: paths to ../shared (real recorded data) and helpers for temp corpora."""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scisays.config import DatabaseUrl, DbLocation, Settings
from scisays.corpus import Corpus, ingest_file
from scisays.model import (
    AdverseEvents,
    Appraisal,
    Design,
    Direction,
    Evidence,
    Finding,
    Record,
    Report,
    SafetyMention,
    SafetyTopic,
    Section,
    SourceStatus,
    Species,
    Study,
    Trial,
)
from scisays.pipeline import ask

import pgserver
from fakeserver import closed_ports

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PUBMED_FIXTURES = SHARED / "fixtures" / "pubmed"
KRATOM_DEV = SHARED / "data" / "kratom-dev" / "records.jsonl"
DATA = Path(__file__).parent / "data"


from scisays.appraise.review import certainty_statements, pooled_designs  # noqa: E402
from scisays.appraise.sections import assign_roles  # noqa: E402
from scisays.model import Pooled  # noqa: E402


def hand_built_study(
    i: int, design: Design, direction: Direction, n: int | None = 100, abstract: str = "", *,
    pmid_base: int = 1000, condition: str = "depression", species: Species | None = None,
    sentence: str = "", safety: tuple[SafetyTopic, ...] = (),
) -> Study:
    """A Study with a hand-written appraisal (for grading and synthesis tests): PMID
    pmid_base + i, one finding for ``condition`` quoting ``sentence`` (unless not addressed)."""
    record = Record(title=f"Study {i}", pmid=str(pmid_base + i), year=2000 + i,
                    sections=(Section(abstract),) if abstract else ())
    ev = ((Evidence(sentence or f"Finding sentence {i}."),)
          if direction is not Direction.NOT_ADDRESSED else ())
    if species is None:
        species = {Design.ANIMAL: Species.ANIMAL, Design.IN_VITRO: Species.IN_VITRO}.get(
            design, Species.HUMAN)
    pooled = None
    if design in (Design.META_ANALYSIS, Design.SYSTEMATIC_REVIEW):
        # what the review pooled, read from its abstract as the appraiser does (a hand-built
        # review without an abstract stands for one of randomised trials)
        pooled = (pooled_designs(record.title, assign_roles(record)) if abstract
                  else Pooled("randomised", "hand-built review of randomised trials"))
    return Study(
        record=record,
        appraisal=Appraisal(
            record_key=record.key, design=design, design_basis="hand-built", species=species,
            sample_size=n, sample_size_evidence=None, conclusion=(),
            findings=(Finding(condition, direction, ev, 0.8, "test"),),
            safety=tuple(SafetyMention(t, Evidence(f"Safety {i}.")) for t in safety),
            pooled=pooled,
            certainty_statements=certainty_statements(assign_roles(record)) if pooled else (),
        ),
    )


def settings_for(tmp_path: Path, **urls: str) -> Settings:
    """Settings whose named services point at ``urls`` (e.g. a FakeServer), the rest at the
    defaults, with the response cache in ``tmp_path``."""
    closed = {k: f"http://127.0.0.1:{port}/" for k, port in zip(Settings().urls, _CLOSED, strict=True)}
    return dataclasses.replace(
        Settings(), urls={**closed, **urls}, cache_path=tmp_path / "cache.sqlite", retries=1
    )


def pubmed_samples() -> list[Path]:
    return sorted(PUBMED_FIXTURES.glob("pubmed*.xml"))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "corpus.sqlite"


# --- both backends: SQLite (the default) and PostgreSQL (a throwaway server, see pgserver.py) ---


@pytest.fixture(scope="session")
def postgres_base() -> Iterator[str]:
    """The URL of the test PostgreSQL database; skipped with the reason when there is none
    locally, a failure under CI (``CI`` set), which must test both backends."""
    why = pgserver.why_unavailable()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI for the backend tests: {why}")
        pytest.skip(why)
    with pgserver.server() as url:
        yield url


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[DatabaseUrl]:
    """A DatabaseUrl of a fresh, empty schema of the test server (dropped after the test)."""
    base = request.getfixturevalue("postgres_base")
    with pgserver.schema_url(base) as url:
        yield DatabaseUrl(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> DbLocation:
    """Where a test's corpus (and shared state) lives, once per backend: a SQLite file, or an
    empty PostgreSQL schema."""
    if request.param == "sqlite":
        return tmp_path / "corpus.sqlite"
    url: DatabaseUrl = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Never touch the developer's real corpus.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SCISAYS_DB", raising=False)
    monkeypatch.setenv("COLUMNS", "120")


# --- reports for the HTML, schema and web tests ---------------------------------------------

XSS_TITLE = "<script>alert(1)</script>"
XSS_ATTR = '"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="session")
def kratom_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    db = tmp_path_factory.mktemp("kratom") / "corpus.sqlite"
    with Corpus.open(db, create=True) as corpus:
        ingest_file(corpus, KRATOM_DEV)
        return ask(corpus, "kratom", ["anxiety", "depression"])


@pytest.fixture(scope="session")
def edge_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    db = tmp_path_factory.mktemp("edge") / "corpus.sqlite"
    with Corpus.open(db, create=True) as corpus:
        ingest_file(corpus, DATA / "edge.jsonl")
        return ask(corpus, "ashwagandha", ["stress", "sleep"])


def with_live_data(report: Report, evil: str = XSS_TITLE) -> Report:
    """The report as live sources will fill it (trials, openFDA counts, source status),
    with hostile text in every third-party field."""
    return dataclasses.replace(
        report,
        trials=(
            Trial(nct_id="NCT01234567", title=f"Kratom trial {evil}", status="RECRUITING", phase="PHASE2",
                  enrollment=120, start_date="2024-01", conditions=(evil,), interventions=("kratom",)),
        ),
        adverse_events=(
            AdverseEvents(
                database="CAERS", query=f"kratom {evil}", total_reports=1234, serious_reports=900,
                hospitalisations=300, deaths=40,
                top_reactions=((f"Vomiting {XSS_ATTR}", 50), ("Seizure", 30)),
                outcomes=(("Hospitalization", 300), (f"Death {evil}", 40)),
                by_year=((2016, 10), (2018, 50), (2019, 80)),
                caveat="Reports are not incidence.",
            ),
        ),
        source_status=(
            SourceStatus(name="local corpus", ok=True, items=9),
            SourceStatus(name="openFDA", ok=False, message=f"unreachable {evil}"),
        ),
    )
# Every live service points at a closed port on 127.0.0.1 and nothing may resolve or connect to
# a non-loopback address, so a test that forgets --offline/--source can never reach the internet.
# One closed port per service: the rate limiter spaces requests per host, as it would for six
# different real hosts.
_CLOSED = closed_ports(6)
LIVE_URL_VARS = (
    "SCISAYS_PUBMED_URL", "SCISAYS_EUROPEPMC_URL", "SCISAYS_CTGOV_URL",
    "SCISAYS_OPENFDA_URL", "SCISAYS_MESH_URL", "SCISAYS_PUBCHEM_URL",
)


def _loopback(host: object) -> bool:
    if host in ("localhost", b"localhost"):
        return True
    try:
        return ipaddress.ip_address(host.decode() if isinstance(host, bytes) else str(host)).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var, port in zip(LIVE_URL_VARS, _CLOSED, strict=True):
        monkeypatch.setenv(var, f"http://127.0.0.1:{port}/")
    monkeypatch.setenv("SCISAYS_CACHE", str(tmp_path / "http-cache.sqlite"))
    monkeypatch.setenv("SCISAYS_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("SCISAYS_RETRIES", "0")
    for var in ("NCBI_API_KEY", "OPENFDA_API_KEY", "SCISAYS_EMAIL", "SCISAYS_CACHE_TTL",
                "SCISAYS_TIMEOUT", "SCISAYS_MAX_RECORDS", "SCISAYS_SCHEDULER"):
        monkeypatch.delenv(var, raising=False)

    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not _loopback(host):
            raise OSError(f"test tried to resolve {host!r}: tests never use the internet")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self, address):  # type: ignore[no-untyped-def]
        if isinstance(address, tuple) and not _loopback(address[0]):
            raise OSError(f"test tried to connect to {address!r}: tests never use the internet")
        return real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(scope="session")
def cluster_address() -> Iterator[str]:
    """The scheduler address of a Dask LocalCluster (threads in this process) that subprocesses
    of the tests can reach on 127.0.0.1."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0", protocol="tcp://", host="127.0.0.1") as c:
        yield c.scheduler_address


@contextlib.contextmanager
def threaded_server(app: Any) -> Iterator[str]:
    """The app served by uvicorn on a thread, on a free port of 127.0.0.1: its base URL. On exit
    the server stops and the app's report service too, its running builds waited for (none
    outlives what the test started for it)."""
    import uvicorn

    from scisays.web.server import bind

    sock = bind("127.0.0.1", 0)
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not srv.started:
        thread.join(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        srv.should_exit = True
        thread.join(30)
        app.state.service.shutdown(wait=True)

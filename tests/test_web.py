"""The web app and HTTP API, in process (Starlette's TestClient) against real temporary corpora."""

from __future__ import annotations

import re
import socket
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema
import lxml.html
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from scisays.cli import app as cli_app
from scisays.config import DatabaseUrl, DbLocation
from scisays.corpus import Corpus, ingest_file
from scisays.errors import ScisaysError
from scisays.model import Report
from scisays.pipeline import ask
from scisays.report.load import report_schema
from scisays.web import create_app
from scisays.web.history import History, default_history_path
from scisays.web.jobs import ReportService, SharedJobs
from scisays.web.params import BLANK_CHARS, NAME_PATTERN, parse_request

from conftest import DATA, KRATOM_DEV

Q = "/api/v1/report?substance=kratom&condition=anxiety&condition=depression"


class CountingBuilder:
    """The real pipeline, counted, optionally held until released (to see progress)."""

    def __init__(self, hold: bool = False) -> None:
        self.calls = 0
        self.release = threading.Event()
        self.entered = threading.Event()  # set once a build has reported its first step
        if not hold:
            self.release.set()
        self.lock = threading.Lock()

    def __call__(self, corpus: Corpus, substance: str, conditions: Sequence[str], **kw: Any) -> Report:
        with self.lock:
            self.calls += 1
        kw["steps"]("searching", 0, 0)
        self.entered.set()
        assert self.release.wait(600)  # released by the test; the timeout only guards a hang
        return ask(corpus, substance, conditions, **kw)


class FailingBuilder(CountingBuilder):
    """A build that fails the way a question whose live sources are all down fails."""

    def __call__(self, corpus: Corpus, substance: str, conditions: Sequence[str], **kw: Any) -> Report:
        with self.lock:
            self.calls += 1
        raise ScisaysError("PubMed did not answer (timed out).")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingService(ReportService):
    """A ReportService that counts submissions, so a test can wait until every request has
    reached the service (an event, not a sleep that a busy machine can outlast)."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.submitted = 0
        self.seen = threading.Condition()

    def submit(self, request: Any) -> Any:
        job = super().submit(request)
        with self.seen:
            self.submitted += 1
            self.seen.notify_all()
        return job


@pytest.fixture
def kratom_db(store: DbLocation) -> DbLocation:
    """The kratom-dev corpus, once in SQLite and once in PostgreSQL (the web suite runs on both)."""
    with Corpus.open(store, create=True) as corpus:
        ingest_file(corpus, KRATOM_DEV)
    return store


@pytest.fixture
def held() -> Iterator[CountingBuilder]:
    """A builder that holds every build until the test releases it — and releases it however
    the test ends, so a failed assertion never leaves a build thread waiting."""
    builder = CountingBuilder(hold=True)
    try:
        yield builder
    finally:
        builder.release.set()


def make_client(db: DbLocation, builder: CountingBuilder | None = None, history: bool = True) -> TestClient:
    """A server over ``db`` (with a PostgreSQL corpus: the shared history and job table)."""
    hist = default_history_path(db) if history else None
    shared = SharedJobs(db) if isinstance(db, DatabaseUrl) else None
    service = ReportService(db, History(hist) if hist else None, builder=builder or CountingBuilder(),
                            shared=shared)
    return TestClient(create_app(db, hist, service=service))


def wait_done(client: TestClient, url: str, timeout: float = 30) -> Any:
    """Follow a report page until it is built, the way the progress page does."""
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(url)
        if r.status_code != 202 or time.monotonic() > deadline:
            return r
        time.sleep(0.05)


def test_search_page_and_security_headers(kratom_db: DbLocation):
    client = make_client(kratom_db)
    r = client.get("/")
    assert r.status_code == 200
    doc = lxml.html.document_fromstring(r.text)
    assert doc.xpath("//form[@action='/report' and @method='get']//input[@name='substance']")
    assert doc.xpath("//input[@name='source' and @value='corpus' and @checked]")
    csp = r.headers["content-security-policy"]
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'",
                      "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert not doc.xpath("//script[not(@src)] | //style | //*[@style]")  # nothing inline to allow
    assert client.get("/static/report.css").headers["content-type"].startswith("text/css")
    assert client.get("/static/nope.js").status_code == 404


def test_api_report_is_the_versioned_json_and_validates(kratom_db: DbLocation):
    client = make_client(kratom_db)
    r = client.get(Q)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    doc = r.json()
    jsonschema.Draft202012Validator(report_schema()).validate(doc)
    assert [v["condition"] for v in doc["verdicts"]] == ["anxiety", "depression"]
    assert doc["verdicts"][0]["verdict"] == "insufficient evidence"
    assert client.get("/api/v1/schema").json()["$id"].endswith("report.schema.json")


def test_report_page_shows_progress_then_the_report(kratom_db: DbLocation, held: CountingBuilder):
    builder = held
    client = make_client(kratom_db, builder)
    url = "/report?substance=kratom&conditions=anxiety,+depression&source=corpus"  # the form's box
    r = client.get(url)
    assert r.status_code == 202
    doc = lxml.html.document_fromstring(r.text)
    (box,) = doc.xpath("//div[@id='job']")
    status_url = box.get("data-status")
    assert doc.xpath("//progress") and doc.xpath("//script[@src='/static/progress.js']")
    assert doc.xpath("//noscript/meta[@http-equiv='refresh']")
    assert builder.entered.wait(600)  # the build has started: no race with a busy scheduler
    s = client.get(status_url).json()
    assert s["state"] == "running" and s["step"] == "searching" and s["message"] == "Searching the corpus"
    builder.release.set()
    r = wait_done(client, url)
    assert r.status_code == 200
    doc = lxml.html.document_fromstring(r.text)
    assert [c.get("data-condition") for c in doc.xpath("//article[contains(@class,'verdict-card')]")] == [
        "anxiety", "depression"]
    assert doc.xpath("//table[@id='study-table']/tbody/tr")
    assert client.get(status_url).json()["state"] == "done"
    assert builder.calls == 1


def test_same_question_at_once_is_built_once(kratom_db: DbLocation, held: CountingBuilder):
    builder = held
    service = CountingService(kratom_db, History(default_history_path(kratom_db)), builder=builder)
    client = TestClient(create_app(kratom_db, default_history_path(kratom_db), service=service))
    results: list[Any] = [None] * 4

    def get(i: int) -> None:
        # same question, written differently: case, spacing
        url = Q if i % 2 else "/api/v1/report?substance=Kratom&condition=Anxiety&condition=%20depression%20"
        results[i] = client.get(url)

    threads = [threading.Thread(target=get, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    with service.seen:  # every request is waiting on the one held build
        assert service.seen.wait_for(lambda: service.submitted == 4, timeout=600)
    builder.release.set()
    for t in threads:
        t.join()
    assert builder.calls == 1
    assert all(r.status_code == 200 for r in results)
    assert len({r.text for r in results}) == 1


def test_service_shares_one_job(kratom_db: DbLocation, held: CountingBuilder):
    builder = held
    service = ReportService(kratom_db, None, builder=builder)
    req = parse_request("kratom", ["anxiety"])
    jobs = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        barrier.wait()
        jobs.append(service.submit(req))

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    builder.release.set()
    assert len({id(j) for j in jobs}) == 1
    assert jobs[0].finished.wait(600) and jobs[0].state == "done"
    assert builder.calls == 1
    service.shutdown()


def test_a_failed_build_is_tried_again_only_after_a_while(kratom_db: DbLocation):
    """Every request for a question whose build failed does not build it again at once (against
    a service that is down): the failure is served, with when it will be tried again."""
    builder, clock = FailingBuilder(), Clock()
    service = ReportService(kratom_db, None, builder=builder, retry_failed_after=30, clock=clock)
    client = TestClient(create_app(kratom_db, None, service=service))
    first = client.get(Q)
    assert first.status_code == 422 and "PubMed did not answer" in first.json()["error"]["message"]
    assert first.headers["retry-after"] == "30" and builder.calls == 1
    clock.now += 20
    page = client.get("/report?substance=kratom&condition=anxiety&condition=depression")
    assert page.status_code == 422 and page.headers["retry-after"] == "10"
    assert "tried again on a request in 10 s" in page.text and builder.calls == 1
    clock.now += 10
    assert client.get(Q).status_code == 422 and builder.calls == 2  # tried again, failed again
    with Corpus.open(kratom_db) as corpus:  # a changed corpus is a new question: built at once
        ingest_file(corpus, DATA / "edge.jsonl")
    client.get(Q)
    assert builder.calls == 3
    service.shutdown()


class HeldHistory(History):
    """A history whose saves wait until the test releases them."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.entered, self.release = threading.Event(), threading.Event()

    def save(self, **kw: Any) -> None:
        self.entered.set()
        assert self.release.wait(600)  # released by the test; the timeout only guards a hang
        super().save(**kw)


def test_a_report_shows_as_done_only_once_the_history_holds_it(kratom_db: DbLocation):
    """Whoever sees a build done (a client, the other servers) finds it in the history."""
    history = HeldHistory(default_history_path(kratom_db))
    service = ReportService(kratom_db, history, builder=CountingBuilder())
    try:
        job = service.submit(parse_request("kratom", ["anxiety"]))
        assert history.entered.wait(600)
        assert not job.finished.is_set() and job.state != "done"
        history.release.set()
        assert job.finished.wait(600) and job.state == "done"
        assert history.recent(5)[0].id == job.id
    finally:
        history.release.set()
        service.shutdown()


def test_history_survives_a_restart_and_a_changed_corpus_rebuilds(kratom_db: DbLocation):
    client = make_client(kratom_db)
    assert client.get(Q).status_code == 200
    r = client.get("/history")
    assert "kratom for anxiety, depression" in r.text and "insufficient evidence" in r.text
    entries = client.get("/api/v1/history").json()["reports"]
    assert entries[0]["substance"] == "kratom" and entries[0]["studies"] == 9
    assert 'href="/report?substance=kratom&amp;condition=anxiety&amp;condition=depression' in r.text

    builder = CountingBuilder()
    restarted = make_client(kratom_db, builder)  # a new server, same files
    again = restarted.get(Q)
    assert again.status_code == 200 and builder.calls == 0
    assert again.json() == client.get(Q).json()
    page = restarted.get("/report?substance=kratom&condition=anxiety&condition=depression")
    assert page.status_code == 200 and builder.calls == 0

    time.sleep(0.01)
    with Corpus.open(kratom_db) as corpus:  # the corpus changes: the cached report is stale
        ingest_file(corpus, DATA / "edge.jsonl")
    assert restarted.get(Q).status_code == 200 and builder.calls == 1


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/api/v1/report?substance=&condition=anxiety", 422, "substance"),
        ("/api/v1/report?condition=anxiety", 422, "substance"),
        ("/api/v1/report?substance=%20%20", 422, "substance is empty"),
        ("/api/v1/report?substance=kratom&condition=" + "x" * 10_000, 422, "at most 200 characters"),
        ("/api/v1/report?substance=" + "x" * 300, 422, "at most 200 characters"),
        ("/api/v1/report?substance=kratom" + "".join(f"&condition={c}" for c in "abcdefghijk"), 422,
         "at most 10"),
        ("/api/v1/report?substance=kratom&condition=%C2%A7%C2%9E", 422, "condition is empty"),  # no letter
        ("/api/v1/report?substance=kratom&condition=", 422, "condition is empty"),
        ("/api/v1/report?substance=kratom&source=scopus", 422, "Input should be 'corpus', 'pubmed'"),
        # Live sources are pointed at closed local ports by conftest: none can answer.
        ("/api/v1/report?substance=kratom&source=pubmed", 502, "PubMed is unreachable"),
        ("/api/v1/report?substance=kratom&limit=abc", 422, "limit"),
        ("/api/v1/report?substance=kratom&limit=0", 422, "limit"),
        ("/api/v1/report?substance=kratom&condition=" + "y" * 20_000, 414, "longer than"),
        ("/api/v1/report?substance=%00%01", 422, "substance is empty"),
        ("/api/v1/jobs/notahexid", 422, "job_id"),
        ("/api/v1/jobs/0123456789abcdef0123", 404, "No report job"),
        ("/api/v1/nothing", 404, "nothing at"),
    ],
)
def test_bad_api_requests_get_one_sentence_json(kratom_db: DbLocation, url: str, status: int, message: str):
    client = make_client(kratom_db)
    r = client.get(url)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/json"
    err = r.json()["error"]
    assert err["status"] == status and message in err["message"]
    assert "Traceback" not in r.text and "content-security-policy" in r.headers


def test_bad_page_requests_show_the_form_again(kratom_db: DbLocation):
    client = make_client(kratom_db)
    r = client.get("/report?substance=&condition=anxiety")
    assert r.status_code == 422 and "substance is empty" in r.text
    assert lxml.html.document_fromstring(r.text).xpath("//input[@name='conditions' and @value='anxiety']")
    r = client.get("/report?substance=kratom&limit=abc")
    assert r.status_code == 422 and "limit" in r.text and r.headers["content-type"].startswith("text/html")
    assert client.post("/api/v1/report").status_code == 405


def test_missing_corpus_is_a_503(store: DbLocation):
    client = make_client(store, history=False)
    r = client.get(Q)
    assert r.status_code == 503 and re.search("No (scisays )?corpus", r.json()["error"]["message"])


def test_hostile_titles_are_text_on_the_web_page(tmp_path: Path):
    db = tmp_path / "corpus.sqlite"
    with Corpus.open(db, create=True) as corpus:
        ingest_file(corpus, DATA / "edge.jsonl")
    client = make_client(db)
    r = wait_done(client, "/report?substance=ashwagandha&condition=stress")
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "<img" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    doc = lxml.html.document_fromstring(r.text)
    assert [s.get("src") for s in doc.xpath("//script")] == ["/static/report.js"]
    assert not doc.xpath("//img")
    for el in doc.iter():
        if isinstance(el.tag, str):
            assert not any(k.lower().startswith("on") for k in el.attrib)
    # the hostile question itself, echoed back in the form
    r = client.get('/report?substance=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E&condition=' + "z" * 300)
    assert r.status_code == 422 and "<img" not in r.text
    # JSON keeps the text as it is (JSON is data, not markup)
    titles = [s["record"]["title"] for s in client.get(
        "/api/v1/report?substance=ashwagandha&condition=stress").json()["studies"]]
    assert "Ashwagandha <script>alert(1)</script> for stress" in titles


def test_trusted_hosts_when_bound_to_loopback(kratom_db: DbLocation):
    app = create_app(kratom_db, None, allowed_hosts=["127.0.0.1", "localhost"])
    assert TestClient(app, base_url="http://127.0.0.1:8000").get("/").status_code == 200
    assert TestClient(app, base_url="http://rebound.example").get("/").status_code == 400


def test_docs_page_and_openapi(kratom_db: DbLocation):
    client = make_client(kratom_db)
    spec = client.get("/openapi.json").json()
    params = {p["name"] for p in spec["paths"]["/api/v1/report"]["get"]["parameters"]}
    assert params == {"substance", "condition", "source", "limit"}
    assert "/report" not in spec["paths"]  # pages are not API
    r = client.get("/docs")
    assert r.status_code == 200 and "GET /api/v1/report" in r.text
    assert not lxml.html.document_fromstring(r.text).xpath("//script")  # no CDN, no scripts


def test_serve_refuses_a_port_in_use(kratom_db: DbLocation):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        r = CliRunner().invoke(cli_app, ["serve", "--db", str(kratom_db), "--port", str(port)])
    finally:
        taken.close()
    assert r.exit_code == 2
    assert f"Port {port} on 127.0.0.1 is already in use" in r.output and "Traceback" not in r.output


def test_serve_takes_the_api_wait(kratom_db: DbLocation, monkeypatch: pytest.MonkeyPatch):
    import uvicorn

    import scisays.web.server as server

    made: list[float] = []
    real = server.create_app

    def create_app(*args: Any, **kwargs: Any) -> Any:
        made.append(kwargs["api_wait_seconds"])
        return real(*args, **kwargs)

    monkeypatch.setattr(server, "create_app", create_app)
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)  # returns at once
    r = CliRunner().invoke(cli_app, ["serve", "--db", str(kratom_db), "--port", "0", "--api-wait", "0"])
    assert r.exit_code == 0 and made == [0.0], r.output
    r = CliRunner().invoke(cli_app, ["serve", "--db", str(kratom_db), "--api-wait", "-1"])
    assert r.exit_code == 2 and "--api-wait" in r.output


def test_serve_without_a_corpus(tmp_path: Path):
    r = CliRunner().invoke(cli_app, ["serve", "--db", str(tmp_path / "none.sqlite")])
    assert r.exit_code == 1 and "No corpus at" in r.output



# --- several servers on one PostgreSQL database: one job table, one history ----------------------


@pytest.fixture
def pg_kratom(postgres_url: DatabaseUrl) -> DatabaseUrl:
    with Corpus.open(postgres_url, create=True) as corpus:
        ingest_file(corpus, KRATOM_DEV)
    return postgres_url


def server_on(url: DatabaseUrl, builder: CountingBuilder) -> ReportService:
    """One more server process, as far as the database can tell (its own connections and owner id)."""
    return ReportService(url, History(url), builder=builder, shared=SharedJobs(url))


@contextmanager
def two_servers(url: DatabaseUrl) -> Iterator[tuple[ReportService, CountingBuilder, ReportService,
                                                     CountingBuilder]]:
    """Server A, whose builds wait until released, and server B on one database; released and
    shut down however the test ends."""
    a_builder, b_builder = CountingBuilder(hold=True), CountingBuilder()
    a, b = server_on(url, a_builder), server_on(url, b_builder)
    try:
        yield a, a_builder, b, b_builder
    finally:
        a_builder.release.set()
        a.shutdown()
        b.shutdown()


def test_two_servers_build_a_question_once_and_both_serve_it(pg_kratom: DatabaseUrl):
    with two_servers(pg_kratom) as (a, a_builder, b, b_builder):
        req = parse_request("kratom", ["anxiety"], ["corpus"])
        job_a = a.submit(req)
        assert a_builder.entered.wait(600)
        job_b = b.submit(req)  # B finds A's claim: it follows, it does not build
        assert job_b.follows and b_builder.calls == 0
        # a job started on one server is visible on the other, even one that never saw the question
        c = server_on(pg_kratom, CountingBuilder())
        seen = c.get(req.id)
        assert seen is not None and seen.follows and seen.status()["state"] in ("queued", "running")
        a_builder.release.set()
        assert job_a.finished.wait(600) and job_a.state == "done"
        assert job_b.finished.wait(600) and job_b.state == "done"  # from the shared history
        assert seen.finished.wait(600) and seen.state == "done"
        assert job_b.json_text == job_a.json_text == seen.json_text
        assert (a_builder.calls, b_builder.calls) == (1, 0)
        assert b.shared.rows([req.id])[req.id].builds == 1
        c.shutdown()


def test_a_build_whose_server_died_is_taken_over(pg_kratom: DatabaseUrl):
    """A claimed the build and stopped writing (its process died): B builds it; nothing is lost."""
    with two_servers(pg_kratom) as (a, a_builder, b, b_builder):
        req = parse_request("kratom", ["depression"], ["corpus"])
        job_a = a.submit(req)
        assert a_builder.entered.wait(600)
        job_b = b.submit(req)
        assert job_b.follows
        a.shared.conn.execute("UPDATE jobs SET heartbeat = heartbeat - 1000 WHERE id = ?", (req.id,))
        assert job_b.finished.wait(600) and job_b.state == "done" and not job_b.follows
        assert b_builder.calls == 1
        a_builder.release.set()
        assert job_a.finished.wait(600)  # A's late finish changes nothing: the row is B's now
    row = b.shared.rows([req.id])[req.id]
    assert row.state == "done" and row.owner == b.shared.owner and row.builds == 2


def test_a_build_that_failed_on_one_server_is_not_retried_at_once_by_another(pg_kratom: DatabaseUrl):
    req = parse_request("kratom", ["anxiety"], ["corpus"])
    failing = FailingBuilder()
    a = ReportService(pg_kratom, History(pg_kratom), builder=failing, shared=SharedJobs(pg_kratom))
    b_builder = CountingBuilder()
    b = server_on(pg_kratom, b_builder)
    soon = ReportService(pg_kratom, History(pg_kratom), builder=b_builder,
                         shared=SharedJobs(pg_kratom, retry_failed_after=0))
    try:
        job_a = a.submit(req)
        assert job_a.finished.wait(600) and job_a.state == "failed" and failing.calls == 1
        job_b = b.submit(req)  # within A's 30 s: B shows A's failure, it does not build
        assert job_b.finished.wait(600) and job_b.state == "failed"
        assert "PubMed did not answer" in (job_b.error or "") and b_builder.calls == 0
        job = soon.submit(req)  # a server whose wait is over builds it again
        assert job.finished.wait(600) and job.state == "done" and b_builder.calls == 1
    finally:
        for server in (a, b, soon):
            server.shutdown()


def test_job_status_of_another_server_over_http(pg_kratom: DatabaseUrl, held: CountingBuilder):
    one = TestClient(create_app(pg_kratom, pg_kratom, service=server_on(pg_kratom, held)))
    two = make_client(pg_kratom)
    r = one.get("/report?substance=kratom&condition=anxiety&source=corpus")
    assert r.status_code == 202 and held.entered.wait(600)
    job_id = parse_request("kratom", ["anxiety"], ["corpus"]).id
    s = two.get(f"/api/v1/jobs/{job_id}")
    assert s.status_code == 200 and s.json()["state"] in ("queued", "running")
    held.release.set()
    r = wait_done(two, "/report?substance=kratom&condition=anxiety&source=corpus", timeout=600)
    assert r.status_code == 200 and held.calls == 1
    assert two.get(f"/api/v1/jobs/{job_id}").json()["state"] == "done"


# --- the OpenAPI document is the contract ----------------------------------------------------


def test_the_openapi_document_says_what_the_server_does(kratom_db: DbLocation):
    from typing import get_args

    from scisays.web.app import SourceName
    from scisays.web.params import SOURCES

    client = make_client(kratom_db)
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    # source: the five names the server accepts, not any string
    assert set(get_args(SourceName)) == set(SOURCES)
    source = next(p for p in paths["/api/v1/report"]["get"]["parameters"] if p["name"] == "source")
    assert set(source["schema"]["items"]["enum"]) == set(SOURCES)
    # the schema documents are served and documented as application/schema+json
    for path in ("/api/v1/schema", "/api/v1/audit/schema"):
        assert list(paths[path]["get"]["responses"]["200"]["content"]) == ["application/schema+json"]
        assert client.get(path).headers["content-type"] == "application/schema+json"
    # the audit takes a required JSON body: text or url
    body = paths["/api/v1/audit"]["post"]["requestBody"]
    assert body["required"] is True and "oneOf" in body["content"]["application/json"]["schema"]
    # a report still being built (202) is its job, and the document links report -> job -> report
    report, job = paths["/api/v1/report"]["get"], paths["/api/v1/jobs/{job_id}"]["get"]
    link = report["responses"]["202"]["links"]["JobProgress"]
    assert link["operationId"] == job["operationId"] and link["parameters"]["job_id"] == "$response.body#/id"
    back = job["responses"]["200"]["links"]["Report"]
    assert back["operationId"] == report["operationId"]
    assert set(back["parameters"]) == {p["name"] for p in report["parameters"]}
    # names: a letter or digit, at most 200 characters, as the server checks
    substance = next(p for p in report["parameters"] if p["name"] == "substance")["schema"]
    assert substance["pattern"] == NAME_PATTERN and substance["maxLength"] == 200
    # errors are documented with their shape
    err = paths["/api/v1/report"]["get"]["responses"]["422"]["content"]["application/json"]["schema"]
    assert err["required"] == ["error"]
    # the documents themselves: a typed client reads the report and the audit from the components
    ok = report["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/Report"}
    audit_ok = paths["/api/v1/audit"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert audit_ok == {"$ref": "#/components/schemas/Audit"}


def test_the_documents_components_validate_the_documents(db: Path):
    """The report and audit as the OpenAPI document's components (the same on both backends):
    a real report and a real audit are valid against them, a broken one is not."""
    with Corpus.open(db, create=True) as corpus:
        ingest_file(corpus, KRATOM_DEV)
    client = make_client(db)
    schemas = client.get("/openapi.json").json()["components"]

    def valid(name: str, doc: dict[str, Any]) -> bool:
        schema = {**schemas["schemas"][name], "components": schemas}
        return jsonschema.Draft202012Validator(schema).is_valid(doc)

    report = wait_done(client, "/api/v1/report?substance=kratom&condition=anxiety&source=corpus").json()
    audit = client.post("/api/v1/audit", json={"text": "Kratom relieves anxiety, users say."}).json()
    assert valid("Report", report) and valid("Audit", audit)
    assert not valid("Report", {**report, "verdicts": "x"}) and not valid("Audit", {**audit, "claims": 1})


def test_a_report_still_being_built_is_a_202_naming_its_job(kratom_db: DbLocation, held: CountingBuilder):
    service = ReportService(kratom_db, None, builder=held,
                            shared=SharedJobs(kratom_db) if isinstance(kratom_db, DatabaseUrl) else None)
    client = TestClient(create_app(kratom_db, None, service=service, api_wait_seconds=0.0))
    r = client.get("/api/v1/report?substance=kratom&condition=anxiety")  # the build is held
    job_id = r.json().get("id", "")
    try:
        assert r.status_code == 202 and r.headers["location"] == f"/api/v1/jobs/{job_id}"
        assert int(r.headers["retry-after"]) >= 1 and r.json()["state"] in ("queued", "running")
        status = client.get(r.headers["location"]).json()
        assert status["id"] == job_id and status["report"].startswith("/api/v1/report?")
        # the job says how to ask for its report again: the same question, the same job
        q = status["question"]
        again = parse_request(q["substance"], q["condition"], q["source"], q["limit"])
        assert again.id == job_id
    finally:
        held.release.set()
        job = service.get(job_id) if job_id else None
        assert job is None or job.finished.wait(60)  # the build ends before the database does
        service.shutdown()
    assert client.get(status["report"]).status_code == 200


def test_every_405_says_which_methods_are_allowed(kratom_db: DbLocation):
    client = make_client(kratom_db, history=False)
    for method, path, allowed in (("DELETE", "/api/v1/schema", "GET"), ("TRACE", "/api/v1/report", "GET"),
                                  ("PUT", "/api/v1/audit", "POST"), ("PATCH", "/history", "GET")):
        r = client.request(method, path)
        assert r.status_code == 405 and r.headers["allow"] == allowed
        assert f"use {allowed}" in (r.json()["error"]["message"] if path.startswith("/api/") else r.text)


def test_the_documented_name_pattern_is_the_servers_rule():
    """Every code point, judged as a client's validator judges the document (jsonschema-rs, the
    ECMA-262 regular expressions JSON Schema specifies): a name's pattern matches it exactly when
    the server's check (str.isalnum, in question.build_question) accepts it; they differ only on
    code points this Python's Unicode tables do not assign yet. And the document's white space
    (BLANK) is ECMA-262's \\s, which the audit's blank names are judged by."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    name = jsonschema_rs.validator_for({"type": "string", "pattern": NAME_PATTERN})
    code_points = [chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF]
    differ = [c for c in code_points if name.is_valid(c) != c.isalnum()]
    assert all(unicodedata.category(c) == "Cn" for c in differ), [hex(ord(c)) for c in differ[:10]]
    space = jsonschema_rs.validator_for({"type": "string", "pattern": "^\\s$"})
    assert [c for c in code_points if space.is_valid(c) != (c in BLANK_CHARS)] == []

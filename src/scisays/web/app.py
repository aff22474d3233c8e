"""The FastAPI app: search page, report pages with progress, history, and the JSON API.

Everything runs on the local corpus; nothing here reaches the network. Every response carries
a strict Content-Security-Policy; bad parameters get a 4xx with one sentence (JSON under
``/api``, an HTML page elsewhere).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

import anyio
from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import WithJsonSchema
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from .. import __version__
from ..audit.article import READABLE_PATTERN, READABLE_WORDS
from ..audit.fetch import URL_PATTERN, Fetched, fetch_url
from ..config import DatabaseUrl, DbLocation
from ..errors import CorpusError, ScisaysError
from ..question import MAX_TERM_LENGTH
from ..report.assets import REPORT_CSS, REPORT_JS
from ..report.load import report_schema
from .audit import (
    MAX_AUDIT_BYTES,
    MAX_NAMES,
    MAX_URL_LENGTH,
    audit_form_page,
    audit_result_page,
    audit_schema,
    parse_audit_form,
    parse_audit_json,
    run_audit,
)
from .history import History
from .jobs import Job, ReportService, SharedJobs
from .pages import (
    PROGRESS_JS,
    docs_page,
    error_page,
    history_page,
    progress_page,
    report_page,
    search_page,
)
from .params import BLANK, MAX_CONDITIONS, MAX_LIMIT, NAME_PATTERN, SOURCES, parse_request

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
MAX_QUERY_BYTES = 12_000
API_WAIT_SECONDS = 300.0

STATIC = {
    "report.css": (REPORT_CSS, "text/css; charset=utf-8"),
    "report.js": (REPORT_JS, "text/javascript; charset=utf-8"),
    "progress.js": (PROGRESS_JS, "text/javascript; charset=utf-8"),
}


class SecurityMiddleware:
    """Adds the security headers (and a Server-Timing header) to every response and refuses
    oversized query strings."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in SECURITY_HEADERS.items():
                    headers[k] = v
                # how long the app took, for benchmarks and browser dev tools
                headers["server-timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
            await send(message)

        if len(scope.get("query_string", b"")) > MAX_QUERY_BYTES:
            response = json_error(
                414, f"The query string is longer than {MAX_QUERY_BYTES:,} bytes; shorten the request."
            )
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def json_error(status: int, message: str, **extra: Any) -> JSONResponse:
    """``{"error": {"status": …, "message": "one sentence"}}``."""
    return JSONResponse({"error": {"status": status, "message": message, **extra}}, status_code=status)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _validation_message(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "The request's parameters are malformed."
    e = errors[0]
    where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path"))
    return f"Parameter {where or 'value'}: {e.get('msg', 'invalid')}."


#: a name as the document states it: given, at most 200 characters, holding a letter or digit
_NAME = {"type": "string", "minLength": 1, "maxLength": MAX_TERM_LENGTH, "pattern": NAME_PATTERN}
SubstanceQ = Annotated[
    str,
    Query(min_length=1, max_length=MAX_TERM_LENGTH,
          description="The substance, e.g. kratom or St John's wort: a name with a letter or digit."),
    WithJsonSchema({**_NAME, "examples": ["kratom", "St John's wort"]}),
]
ConditionQ = Annotated[
    list[str],
    Query(
        description=f"A condition, e.g. anxiety or \"Diabetes Mellitus, Type 2\" (each value one name, "
        f"with a letter or digit, at most {MAX_TERM_LENGTH} characters); repeat the parameter for "
        f"several, at most {MAX_CONDITIONS}.",
    ),
    WithJsonSchema({"type": "array", "maxItems": MAX_CONDITIONS, "items": _NAME,
                    "examples": [["anxiety"], ["anxiety", "depression"]]}),
]
#: the names ``source=`` accepts: the keys of ``params.SOURCES`` (a test keeps the two equal)
SourceName = Literal["corpus", "pubmed", "europepmc", "clinicaltrials", "openfda"]
SourceQ = Annotated[
    list[SourceName],
    Query(description=f"A source to search; repeatable; one of: {', '.join(SOURCES)} (default: all).",
          examples=[["corpus"]]),
]


class SchemaJSONResponse(JSONResponse):
    """A JSON Schema document, served (and documented) as ``application/schema+json``."""

    media_type = "application/schema+json"


_ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["status", "message"],
        "properties": {"status": {"type": "integer"}, "message": {"type": "string"}}}},
}


def _error(description: str, **extra: Any) -> dict[str, Any]:
    """An error response as the OpenAPI document describes it: ``{"error": {status, message}}``."""
    return {"description": description, "content": {"application/json": {"schema": _ERROR_SCHEMA}},
            **extra}


# a name (with a letter or digit) or a blank one, skipped; null is no name
_AUDIT_NAME = {"type": "string", "maxLength": MAX_TERM_LENGTH, "pattern": f"^[{BLANK}]*$|{NAME_PATTERN}"}
_NAMES = {"oneOf": [{"type": "null"}, _AUDIT_NAME,
                    {"type": "array", "maxItems": MAX_NAMES, "items": _AUDIT_NAME}]}
_AUDIT_BODY = {
    "required": True,
    "content": {"application/json": {
        "schema": {
            "type": "object",
            "properties": {
                "text": {"type": "string", "pattern": READABLE_PATTERN,
                         "description": f"The article's text (HTML, Markdown or plain), with at least "
                         f"{READABLE_WORDS} words"},
                "url": {"type": "string", "pattern": URL_PATTERN, "maxLength": MAX_URL_LENGTH,
                        "description": "The article's public http(s) address, fetched by the server: "
                        "a host name (not an IP address, no user name), an optional port, no spaces"},
                "substance": {**_NAMES, "description": "Check claims about this substance (or these)"},
                "condition": {**_NAMES, "description": "Also ask about this condition (or these)"},
            },
            "oneOf": [{"required": ["text"], "not": {"required": ["url"]}},
                      {"required": ["url"], "not": {"required": ["text"]}}],
        },
        "example": {"text": "Kratom relieves anxiety, users say.", "substance": "kratom"},
    }},
}


def _components(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema document as OpenAPI components: the document as ``name``, each of its
    ``$defs`` as ``name_def``, every ``#/$defs/`` reference pointed at its component."""
    defs = schema.get("$defs", {})
    text = json.dumps({k: v for k, v in schema.items() if k not in ("$schema", "$id", "$defs")})
    out = {name: text}
    out.update({f"{name}_{k}": json.dumps(v) for k, v in defs.items()})
    return {k: json.loads(v.replace('"#/$defs/', f'"#/components/schemas/{name}_')) for k, v in out.items()}


#: the report and audit documents' JSON Schemas, as the OpenAPI document's components
_DOCUMENT_COMPONENTS = {**_components("Report", report_schema()), **_components("Audit", audit_schema())}
_REPORT_DOC = {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}}
_AUDIT_DOC = {"application/json": {"schema": {"$ref": "#/components/schemas/Audit"}}}
_JOB_ID = {"type": "string", "pattern": "^[0-9a-f]{20}$"}
_JOB_SCHEMA = {
    "type": "object",
    "required": ["id", "state", "step", "message", "done", "total", "elapsed", "error", "question", "report"],
    "properties": {
        "id": _JOB_ID,
        "state": {"enum": ["queued", "running", "done", "failed"]},
        "step": {"type": "string"},
        "message": {"type": "string", "description": "The step in words"},
        "done": {"type": "integer", "minimum": 0},
        "total": {"type": "integer", "minimum": 0},
        "elapsed": {"type": "number", "minimum": 0, "description": "Seconds since the build started"},
        "error": {"type": ["string", "null"], "description": "Why the build failed (state failed)"},
        "question": {
            "type": "object", "required": ["substance", "condition", "source", "limit"],
            "description": "The report's parameters: GET /api/v1/report with them asks for it again",
            "properties": {"substance": {"type": "string"},
                           "condition": {"type": "array", "items": {"type": "string"}},
                           "source": {"type": "array", "items": {"type": "string"}},
                           "limit": {"type": "integer"}},
        },
        "report": {"type": "string", "description": "The report's address (path and query)"},
    },
}
_JOB_LINK = {"JobProgress": {
    "operationId": "api_job",
    "parameters": {"job_id": "$response.body#/id"},
    "description": "The progress of the build this 202 names",
}}
_REPORT_LINK = {"Report": {
    "operationId": "api_report",
    "parameters": {k: f"$response.body#/question/{k}" for k in ("substance", "condition", "source", "limit")},
    "description": "The report this job builds (200 once it is done)",
}}
LimitQ = Annotated[
    int | None,
    Query(ge=1, le=MAX_LIMIT, description="Most relevant studies read per search (default 300).",
          examples=[300]),
]


def create_app(
    corpus_path: DbLocation,
    history_path: DbLocation | None = None,
    *,
    allowed_hosts: list[str] | None = None,
    service: ReportService | None = None,
    api_wait_seconds: float = API_WAIT_SECONDS,
    fetch: Callable[[str], Fetched] = fetch_url,
) -> FastAPI:
    """The web app over the corpus at ``corpus_path`` (a SQLite file or a PostgreSQL database);
    built reports are kept in the history at ``history_path`` (none kept if None). With a
    PostgreSQL corpus, report jobs are shared with every server process using that database.
    ``api_wait_seconds``: how long ``GET /api/v1/report`` waits for a build before it answers 202
    with the job to follow. ``fetch``: how an audited article's URL is fetched (fetch.py's rules:
    public addresses only)."""
    history = History(history_path) if history_path is not None else None
    shared = SharedJobs(corpus_path) if isinstance(corpus_path, DatabaseUrl) and service is None else None
    svc = service or ReportService(corpus_path, history, shared=shared)
    app = FastAPI(
        title="scisays",
        version=__version__,
        description=(
            "What does the science say about a substance for a condition? Reports are built from the "
            "local corpus, graded and cited; the JSON document follows the JSON Schema at /api/v1/schema."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.service = svc
    generated = app.openapi

    def openapi() -> dict[str, Any]:
        doc = generated()  # built once, then cached by FastAPI (app.openapi_schema)
        doc.setdefault("components", {}).setdefault("schemas", {}).update(_DOCUMENT_COMPONENTS)
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    app.add_middleware(SecurityMiddleware)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        message = _validation_message(exc)
        if _is_api(request):
            return json_error(422, message)
        return HTMLResponse(error_page(422, message), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail) if exc.detail else "Error."
        headers = dict(exc.headers or {})  # 405 carries Allow (RFC 9110)
        if exc.status_code == 404:
            message = f"There is nothing at {request.url.path[:200]}; check the address."
        elif exc.status_code == 405:
            message = f"{request.method[:20]} is not allowed here; use {headers.get('Allow', 'GET')}."
        if _is_api(request):
            response: Response = json_error(exc.status_code, message)
        else:
            response = HTMLResponse(error_page(exc.status_code, message), status_code=exc.status_code)
        response.headers.update(headers)
        return response

    def _recent() -> list[Any]:
        return history.recent(20) if history is not None else []

    # --- pages ------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(search_page(recent=_recent()))

    @app.get("/report", response_class=HTMLResponse, include_in_schema=False)
    def report(
        substance: str | None = None,
        condition: Annotated[list[str] | None, Query()] = None,
        conditions: Annotated[list[str] | None, Query()] = None,
        source: Annotated[list[str] | None, Query()] = None,
        limit: int | None = None,
    ) -> HTMLResponse:
        # condition: one name each (links, history); conditions: the form's comma-separated box
        try:
            req = parse_request(substance, condition or [], source or [], limit, listed=conditions or [])
        except ScisaysError as e:
            asked = [*(condition or []), *(conditions or [])]
            values = {"substance": (substance or "")[:200], "conditions": [c[:200] for c in asked][:10],
                      "sources": source}
            return HTMLResponse(search_page(values=values, error=str(e)), status_code=422)
        job = svc.submit(req)
        if job.state == "done":
            return HTMLResponse(report_page(job))
        if job.state == "failed":
            headers, again = _retry(svc.retry_in(job))
            return HTMLResponse(error_page(job.error_status, (job.error or "Failed.") + again),
                                status_code=job.error_status, headers=headers)
        return HTMLResponse(progress_page(job), status_code=202, headers={"cache-control": "no-store"})

    @app.get("/history", response_class=HTMLResponse, include_in_schema=False)
    def history_view() -> HTMLResponse:
        return HTMLResponse(history_page(_recent()))

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(docs_page(app.openapi()))

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in STATIC:
            return HTMLResponse(error_page(404, "No such file."), status_code=404)
        text, media = STATIC[name]
        return Response(text, media_type=media, headers={"cache-control": "public, max-age=3600"})

    @app.get("/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit_form() -> HTMLResponse:
        return HTMLResponse(audit_form_page())

    @app.post("/audit", response_class=HTMLResponse, include_in_schema=False)
    async def audit_submit(request: Request) -> HTMLResponse:
        values: dict[str, Any] = {}
        try:
            body = await _bounded_body(request)
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=False)
            values = {k: v[0] for k, v in form.items() if k in ("text", "url")}
            values["substance"] = form.get("substance", [])
            text, url, substances, conditions = parse_audit_form(values)
            audit = await anyio.to_thread.run_sync(
                lambda: run_audit(corpus_path, text, url, substances, conditions, fetch))
        except ScisaysError as e:
            status = _audit_status(e)
            values["text"] = str(values.get("text") or "")[:MAX_AUDIT_BYTES]
            return HTMLResponse(audit_form_page(values, str(e)), status_code=status)
        return HTMLResponse(audit_result_page(audit))

    # --- API --------------------------------------------------------------------------------

    @app.post(
        "/api/v1/audit",
        summary="Audit a health article",
        description=(
            "Body: JSON `{\"text\": \"…\"}` or `{\"url\": \"https://…\"}`, optionally `substance` and "
            "`condition` (strings or lists). Finds the article's claims and checks each against the "
            "evidence in the server's corpus; answers with the `scisays.audit` JSON document "
            "(schema at /api/v1/audit/schema). A URL is fetched only from public addresses (at most "
            "5 redirects, 5 MB, HTML or text). Errors are `{\"error\": {\"status\", \"message\"}}`."
        ),
        responses={
            200: {"description": "The audit document (see /api/v1/audit/schema)", "content": _AUDIT_DOC},
            413: _error("The body is larger than 2 MB"),
            422: _error("No text or URL, a refused or failing URL, or no article text"),
            503: _error("The corpus is missing or unreadable"),
        },
        openapi_extra={"requestBody": _AUDIT_BODY},
    )
    async def api_audit(request: Request) -> Response:
        try:
            body = await _bounded_body(request)
            try:
                data = json.loads(body or b"null")
            except (json.JSONDecodeError, UnicodeDecodeError):
                return json_error(422, "The body is not JSON; send {\"text\": \"…\"} or {\"url\": \"…\"}.")
            text, url, substances, conditions = parse_audit_json(data)
            audit = await anyio.to_thread.run_sync(
                lambda: run_audit(corpus_path, text, url, substances, conditions, fetch))
        except ScisaysError as e:
            return json_error(_audit_status(e), str(e))
        return JSONResponse(audit.to_dict())

    @app.get(
        "/api/v1/audit/schema",
        summary="JSON Schema of the audit document",
        description="Draft 2020-12; the same file as src/scisays/schemas/audit.schema.json.",
        response_class=SchemaJSONResponse,
        responses={200: {"description": "The JSON Schema",
                         "content": {"application/schema+json": {"schema": {"type": "object"}}}}},
    )
    def api_audit_schema() -> Response:
        return SchemaJSONResponse(audit_schema())

    @app.get(
        "/api/v1/report",
        summary="The versioned JSON report for a question",
        description=(
            "Builds the report (or returns it from the cache when the corpus has not changed) and "
            "answers with the `scisays.report` JSON document. Two requests for the same question "
            "at the same time share one build. Errors are `{\"error\": {\"status\", \"message\"}}`."
        ),
        operation_id="api_report",
        responses={
            200: {"description": "The report document (see /api/v1/schema)", "content": _REPORT_DOC},
            202: {"description": "The report is still being built: the body is the job's progress (as "
                  "GET /api/v1/jobs/{job_id} answers), `Location` its address, `Retry-After` when to "
                  "look again; ask for the report again once the job is done",
                  "content": {"application/json": {"schema": _JOB_SCHEMA}},
                  "headers": {"Location": {"schema": {"type": "string"}, "description": "The job"},
                              "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds"}},
                  "links": _JOB_LINK},
            422: _error("A parameter is empty, too long, unknown or malformed"),
            502: _error("No source could answer: the live sources asked for are unreachable and there "
                        "is no local corpus answer"),
            503: _error("The corpus is missing or unreadable"),
        },
    )
    async def api_report(
        substance: SubstanceQ,
        condition: ConditionQ = [],  # noqa: B006 - FastAPI copies defaults
        source: SourceQ = [],  # noqa: B006
        limit: LimitQ = None,
    ) -> Response:
        try:
            req = parse_request(substance, condition, source, limit)
        except ScisaysError as e:
            return json_error(422, str(e))
        job = svc.submit(req)
        if not job.finished.is_set():
            await anyio.to_thread.run_sync(job.finished.wait, api_wait_seconds)
        return _job_response(job, svc.retry_in(job))

    @app.get(
        "/api/v1/jobs/{job_id}",
        operation_id="api_job",
        summary="Progress of a report being built",
        description="State (queued, running, done, failed), current step and counts; polled by the "
        "report page while it waits.",
        responses={200: {"description": "The job's progress", "links": _REPORT_LINK,
                         "content": {"application/json": {"schema": _JOB_SCHEMA}}},
                   404: _error("No such job on this server (with a PostgreSQL corpus: on any)"),
                   422: _error("The job id is not 20 hexadecimal digits")},
    )
    def api_job(job_id: Annotated[str, PathParam(pattern="^[0-9a-f]{20}$", max_length=20)]) -> Response:
        job = svc.get(job_id)
        if job is None:
            return json_error(404, f"No report job {job_id} on this server; ask for the report again.")
        return JSONResponse(job.status(), headers={"cache-control": "no-store"})

    @app.get(
        "/api/v1/history",
        summary="Recently built reports",
        description="Newest first, from the report history (a file beside a SQLite corpus; the shared "
        "database for a PostgreSQL one).",
    )
    def api_history(n: Annotated[int, Query(ge=1, le=500)] = 20) -> Response:
        entries = history.recent(n) if history is not None else []
        return JSONResponse({"reports": [e.to_dict() for e in entries]})

    @app.get(
        "/api/v1/schema",
        summary="JSON Schema of the report document",
        description="Draft 2020-12; the same file as src/scisays/schemas/report.schema.json.",
        response_class=SchemaJSONResponse,
        responses={200: {"description": "The JSON Schema",
                         "content": {"application/schema+json": {"schema": {"type": "object"}}}}},
    )
    def api_schema() -> Response:
        return SchemaJSONResponse(report_schema())

    return app


class BodyTooLarge(ScisaysError):
    """A request body over the audit's size limit."""


async def _bounded_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_AUDIT_BYTES:
        raise BodyTooLarge(f"The request is over {MAX_AUDIT_BYTES // (1024 * 1024)} MB; audit the "
                           "article's own text, or give its URL.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_AUDIT_BYTES:
            raise BodyTooLarge(f"The request is over {MAX_AUDIT_BYTES // (1024 * 1024)} MB; audit the "
                               "article's own text, or give its URL.")
        chunks.append(chunk)
    return b"".join(chunks)


def _audit_status(e: ScisaysError) -> int:
    return 413 if isinstance(e, BodyTooLarge) else 503 if isinstance(e, CorpusError) else 422


def _retry(seconds: float) -> tuple[dict[str, str], str]:
    """The Retry-After header for a failed build tried again ``seconds`` from now, and a sentence
    saying when."""
    if seconds == float("inf"):
        return {}, ""
    wait = math.ceil(seconds)
    return {"retry-after": str(wait)}, f" It will be tried again on a request in {wait} s or later."


def _job_response(job: Job, retry_in: float) -> Response:
    if job.state == "done" and job.json_text is not None:
        return Response(job.json_text, media_type="application/json")
    if job.state == "failed":
        headers, _ = _retry(retry_in)
        response = json_error(job.error_status, job.error or "Building the report failed.")
        response.headers.update(headers)
        return response
    return JSONResponse(job.status(), status_code=202, headers={
        "location": f"/api/v1/jobs/{job.id}", "retry-after": "1", "cache-control": "no-store"})

"""The HTTP layer every live source shares: one httpx client, per-host rate limits, timeouts,
retries with exponential backoff and jitter, and a SQLite response cache.

A source describes a service once (:class:`Service`: its name, base URL, the requests per
second it allows and the identification parameters it wants) and then asks for documents with
:meth:`HttpClient.fetch`, giving a ``parse`` function. The response is parsed *before* it is
cached, so a truncated body, invalid XML/JSON or an HTML error page served with status 200 is
retried and never cached; a cached entry is parsed again when read, and dropped if that fails.

Retried: connection errors, timeouts, 429 and 500/502/503/504 (honouring ``Retry-After``),
and bodies the parser rejects as damaged. Not retried: any other 4xx (asking again will not
change the answer). Every failure ends as one :class:`~scisays.errors.SourceError` sentence.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import random
import re
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from .. import __version__
from ..config import DatabaseUrl, DbLocation
from ..errors import ConfigError, CorpusError, SourceError
from ..pg import PgConnection
from ..text import LONE_SURROGATE

T = TypeVar("T")

#: Parameters that identify the caller, not the question: left out of the cache key.
IDENTITY_PARAMS = frozenset({"tool", "email", "api_key"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SPACING_MARGIN = 1.05
POLITE_RATE = 3.0  # requests/second for services that publish no limit


class CacheMode(StrEnum):
    """How the response cache is used: ``normal`` (fresh entries, else the network),
    ``refresh`` (always the network; store the answer), ``offline`` (only the cache, at any age)."""

    NORMAL = "normal"
    REFRESH = "refresh"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class Service:
    """One remote service: how it is named to users, where it lives, how fast it may be asked."""

    name: str
    base_url: str
    rate: float = POLITE_RATE  # at most this many requests per second to its host
    params: Mapping[str, str] = field(default_factory=dict)  # sent with every request

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc.lower()


@dataclass(frozen=True, slots=True)
class Fetched(Generic[T]):
    """A parsed answer and whether it came from the cache (and how old it was, in seconds)."""

    value: T
    from_cache: bool = False
    age: float = 0.0


@dataclass(frozen=True, slots=True)
class Codec(Generic[T]):
    """Caches a parsed answer instead of the raw body, for answers that are slow to parse
    (PubMed XML). ``name`` is part of the cache key: change it when the stored form changes."""

    name: str
    encode: Callable[[T], bytes]
    decode: Callable[[bytes], T]


class BadResponse(Exception):
    """Raised by a ``parse`` function: the body is not what the API documents.

    ``problem`` completes "<Service> ..." (e.g. "returned an HTML page instead of XML");
    ``retry`` says whether asking again may help (a damaged body) or not (a stable error)."""

    def __init__(self, problem: str, *, retry: bool = True) -> None:
        super().__init__(problem)
        self.problem = problem
        self.retry = retry


def looks_like_html(content: bytes) -> bool:
    head = content[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:200]


#: a surrogate escaped (``\\ud800``) or encoded in UTF-8 bytes, which json.loads reads ('surrogatepass')
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\xed[\xa0-\xbf]")


def parse_json(content: bytes) -> Any:
    """The JSON document in ``content``; BadResponse for HTML, empty or invalid JSON.

    A lone surrogate (an escape such as ``"\\ud800"``, valid JSON but no character, or its
    UTF-8-style bytes) becomes U+FFFD, so that every string can be written out as UTF-8."""
    if looks_like_html(content):
        raise BadResponse("returned an HTML page instead of JSON")
    if not content.strip():
        raise BadResponse("returned an empty answer instead of JSON")
    try:
        doc = json.loads(content)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadResponse(f"returned invalid JSON ({str(e).split(':')[0]})") from None
    except RecursionError:
        raise BadResponse("returned JSON nested too deeply to read") from None
    if _SURROGATE.search(content) or b"\x00" in content[:4]:  # (UTF-16/32: always check)
        doc = _without_lone_surrogates(doc)
    return doc


def _without_lone_surrogates(doc: Any) -> Any:
    """``doc`` with each lone surrogate in its strings (keys too) replaced by U+FFFD."""
    holder = [doc]
    stack: list[list[Any] | dict[Any, Any]] = [holder]
    while stack:
        node = stack.pop()
        for k, v in list(node.items()) if isinstance(node, dict) else enumerate(node):
            if isinstance(v, str):
                if LONE_SURROGATE.search(v):
                    node[k] = LONE_SURROGATE.sub("\ufffd", v)
            elif isinstance(v, list | dict):
                stack.append(v)
        if isinstance(node, dict):
            for k in [k for k in node if LONE_SURROGATE.search(k)]:
                node[LONE_SURROGATE.sub("\ufffd", k)] = node.pop(k)
    return holder[0]


_UNREADABLE = (LookupError, TypeError, ValueError, AttributeError, ArithmeticError, RecursionError)
"""What a parser raises on an answer whose shape it does not expect."""


def each_readable(items: list[Any], read: Callable[[Any], T | None]) -> list[T]:
    """``read`` of each object (dict) in a page of results, the ones it turns down (None) or cannot
    read (an unexpected shape, such as ``"journalInfo": "x"``) left out: one malformed result
    does not cost the page its others."""
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        try:
            value = read(item)
        except _UNREADABLE:
            continue
        if value is not None:
            out.append(value)
    return out


# -- rate limits ----------------------------------------------------------------------------


class RateLimiter:
    """Spaces requests to each host at least ``1/rate`` seconds apart, plus a 5% margin so
    that no one-second window ever holds more than ``rate`` requests (thread-safe).

    Slots are reserved under a lock, so concurrent threads never exceed the rate, and a host
    that asked to wait (429 Retry-After) is paused for every thread."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def wait(self, host: str, rate: float) -> None:
        """Block until a request to ``host`` may be sent."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + SPACING_MARGIN / rate
        if slot > now:
            self._sleep(slot - now)

    def defer(self, host: str, seconds: float) -> None:
        """Send nothing to ``host`` for ``seconds`` (it answered 429 with Retry-After)."""
        with self._lock:
            until = self._clock() + seconds
            self._next[host] = max(self._next.get(host, until), until)


# -- cache -----------------------------------------------------------------------------------


def cache_key(
    method: str, url: str, params: Mapping[str, str], data: Mapping[str, str] | None, form: str = ""
) -> str:
    """A stable key for a request: method, URL (scheme and host lower-cased) and sorted
    parameters and form fields, without the caller's identity (tool, email, api_key); ``form``
    names how the answer is stored (raw body when empty, else a Codec's name)."""
    parts = urlsplit(url)
    norm_url = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path or '/'}"
    if parts.query:
        norm_url += "?" + parts.query

    def norm(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return sorted((k, str(v)) for k, v in items if k not in IDENTITY_PARAMS)

    doc = json.dumps(
        [method.upper(), norm_url, norm(params.items()), norm((data or {}).items()), form],
        ensure_ascii=False,
    )
    return hashlib.sha256(doc.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class CachedResponse:
    status: int
    content: bytes
    stored: float  # time.time() when stored


class ResponseCache:
    """Raw response bodies, keyed by :func:`cache_key`, compressed, with the time each was stored
    (the time to live is applied when reading): in a SQLite file, or in a PostgreSQL database
    that several server processes share (``SCISAYS_CACHE=postgresql://…``)."""

    PRUNE_AFTER = 90 * 86400.0  # entries older than this are dropped when the cache is opened

    def __init__(self, path: DbLocation, *, now: Callable[[], float] = time.time) -> None:
        self.path = path
        self._now = now
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | PgConnection
        try:
            if isinstance(path, DatabaseUrl):
                self._conn = PgConnection.open(path, reconnect=True)
                blob, real = "BYTEA", "DOUBLE PRECISION"
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
                blob, real = "BLOB", "REAL"
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, url TEXT NOT NULL, "
                f"status INTEGER NOT NULL, content {blob} NOT NULL, stored {real} NOT NULL)")
            self._conn.execute("DELETE FROM responses WHERE stored < ?", (now() - self.PRUNE_AFTER,))
        except CorpusError as e:
            raise ConfigError(f"Cannot use the HTTP cache in {path}: {e}") from None
        except (OSError, sqlite3.Error) as e:
            raise ConfigError(
                f"Cannot use the HTTP cache at {path} ({e}); point SCISAYS_CACHE at a writable file."
            ) from None

    def get(self, key: str, max_age: float | None) -> CachedResponse | None:
        """The entry for ``key`` if stored less than ``max_age`` seconds ago (any age if None)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT status, content, stored FROM responses WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        status, content, stored = row
        if max_age is not None and self._now() - stored > max_age:
            return None
        try:
            body = zlib.decompress(content)
        except zlib.error:
            self.delete(key)
            return None
        return CachedResponse(int(status), body, float(stored))

    def put(self, key: str, url: str, status: int, content: bytes) -> None:
        blob = zlib.compress(content, 3)
        with self._lock:
            self._conn.execute(
                "INSERT INTO responses VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "url=excluded.url, status=excluded.status, content=excluded.content, stored=excluded.stored",
                (key, url, status, blob, self._now()),
            )

    def delete(self, key: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM responses WHERE key = ?", (key,))

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM responses").fetchone()[0])

    def summary(self) -> dict[str, Any]:
        """Entries, stored bytes (compressed), oldest and newest entry time, and entries by host."""
        with self._lock:
            n, size, oldest, newest = self._conn.execute(
                "SELECT count(*), coalesce(sum(length(content)), 0), min(stored), max(stored) "
                "FROM responses"
            ).fetchone()
            urls = [r[0] for r in self._conn.execute("SELECT url FROM responses")]
        by_host: dict[str, int] = {}
        for url in urls:
            host = httpx.URL(url).host or "unknown"
            by_host[host] = by_host.get(host, 0) + 1
        return {
            "path": str(self.path),
            "entries": int(n),
            "stored_bytes": int(size),
            "oldest": oldest,
            "newest": newest,
            "by_host": dict(sorted(by_host.items(), key=lambda kv: (-kv[1], kv[0]))),
        }

    def clear(self, older_than: float | None = None) -> int:
        """Delete every entry (or those stored more than ``older_than`` seconds ago); returns
        how many were deleted, and gives the space back to the file system."""
        with self._lock:
            if older_than is None:
                cur = self._conn.execute("DELETE FROM responses")
            else:
                cur = self._conn.execute(
                    "DELETE FROM responses WHERE stored < ?", (self._now() - older_than,)
                )
            deleted = int(cur.rowcount)
            self._conn.execute("VACUUM" if isinstance(self._conn, sqlite3.Connection) else "VACUUM responses")
            return deleted

    def close(self) -> None:
        with self._lock:
            self._conn.close()


# -- the client ------------------------------------------------------------------------------


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def _transport_problem(e: httpx.TransportError, timeout: float) -> str:
    text = str(e).lower()
    if isinstance(e, httpx.TimeoutException):
        return f"timed out (no answer within {timeout:g} s)"
    if isinstance(e, httpx.ConnectError):
        if "name" in text and ("resolution" in text or "not known" in text or "resolve" in text):
            return "is unreachable (its address could not be resolved; no network?)"
        if "refused" in text:
            return "is unreachable (connection refused)"
        return "is unreachable (could not connect)"
    if isinstance(e, httpx.RemoteProtocolError) and ("incomplete" in text or "closed" in text):
        return "closed the connection before the answer was complete"
    if "disconnected" in text:
        return "closed the connection without answering"
    if "reset" in text:
        return "reset the connection"
    return f"failed at the network level ({type(e).__name__})"


class HttpClient:
    """One client for all sources: owns the httpx client, the rate limiter and the cache.

    ``fetch`` is safe to call from several threads at once."""

    def __init__(
        self,
        *,
        cache: ResponseCache | None = None,
        mode: CacheMode = CacheMode.NORMAL,
        ttl: float = 24 * 3600.0,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 20.0,
        max_retry_after: float = 60.0,
        email: str = "",
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.cache = cache
        self.mode = mode
        self.ttl = ttl
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.limiter = RateLimiter(sleep=sleep)
        agent = f"scisays/{__version__} (evidence reports; python-httpx/{httpx.__version__}"
        agent += f"; mailto:{email})" if email else ")"
        self._client = httpx.Client(
            headers={"User-Agent": agent},
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=True,
        )
        self._count_lock = threading.Lock()
        self.requests_sent = 0  # requests that went out on the network (attempts included)
        self.requests_by_host: dict[str, int] = {}

    def close(self) -> None:
        self._client.close()
        if self.cache is not None:
            self.cache.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _count(self, host: str) -> None:
        with self._count_lock:
            self.requests_sent += 1
            self.requests_by_host[host] = self.requests_by_host.get(host, 0) + 1

    def fetch(
        self,
        service: Service,
        path: str,
        params: Mapping[str, str | int] | None = None,
        *,
        parse: Callable[[bytes, int], T],
        data: Mapping[str, str] | None = None,
        accept: frozenset[int] = frozenset({200}),
        fresh: bool = False,
        codec: Codec[T] | None = None,
    ) -> Fetched[T]:
        """GET (or POST, with form ``data``) ``path`` under the service's base URL and return
        ``parse(body, status)`` for a status in ``accept``. ``fresh`` skips reading the cache
        for this request (the answer is still stored), as ``--refresh`` does for all. With a
        ``codec`` the parsed answer is cached (encoded) rather than the raw body.

        Raises SourceError after the retries are spent, for a 4xx outside ``accept``, and in
        offline mode when the cache has no answer."""
        url = urljoin(service.base_url, path.lstrip("/"))
        query = {k: str(v) for k, v in (params or {}).items()}
        method = "POST" if data is not None else "GET"
        key = cache_key(method, url, query, data, codec.name if codec else "")
        cache = self.cache

        if cache is not None and self.mode is not CacheMode.REFRESH and not fresh:
            max_age = None if self.mode is CacheMode.OFFLINE else self.ttl
            hit = cache.get(key, max_age)
            if hit is not None:
                decode = (lambda b, _s: codec.decode(b)) if codec else parse
                try:
                    value = _parse(decode, hit.content, hit.status)
                except BadResponse:
                    cache.delete(key)  # damaged entry: never serve it again
                else:
                    return Fetched(value, from_cache=True, age=max(0.0, time.time() - hit.stored))
        if self.mode is CacheMode.OFFLINE:
            raise SourceError(
                service.name, "has no cached answer for this question (offline mode)", offline_miss=True
            )

        all_params = {**service.params, **query}
        problem = "failed"
        attempts = self.retries + 1
        for attempt in range(attempts):
            retry_after: float | None = None
            self.limiter.wait(service.host, service.rate)
            self._count(service.host)
            try:
                response = self._client.request(method, url, params=all_params, data=data)
            except httpx.TransportError as e:
                problem = _transport_problem(e, self.timeout)
                if "could not be resolved" in problem:
                    # No name resolution means no network: retrying only makes the user wait.
                    raise SourceError(service.name, problem) from None
            else:
                status = response.status_code
                if status in accept:
                    try:
                        value = _parse(parse, response.content, status)
                    except BadResponse as e:
                        if not e.retry:
                            raise SourceError(service.name, e.problem) from None
                        problem = e.problem
                    else:
                        if cache is not None:
                            body = codec.encode(value) if codec else response.content
                            cache.put(key, url, status, body)
                        return Fetched(value)
                elif status in RETRY_STATUSES:
                    problem = f"answered HTTP {status} ({response.reason_phrase or 'error'})"
                    retry_after = _retry_after(response.headers.get("Retry-After"), time.time())
                    if retry_after is not None and retry_after > self.max_retry_after:
                        raise SourceError(
                            service.name,
                            f"is rate-limiting or down (HTTP {status}) and asks to wait "
                            f"{retry_after:.0f} s; try again later",
                        )
                    if retry_after is not None:
                        self.limiter.defer(service.host, retry_after)
                else:
                    raise SourceError(service.name, _refused(status, response))
            if attempt + 1 < attempts:
                self._sleep(retry_after if retry_after is not None else self.backoff_delay(attempt))
        suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
        raise SourceError(service.name, problem + suffix)

    def backoff_delay(self, attempt: int) -> float:
        """Seconds to wait before retry ``attempt + 1``: exponential, with jitter in its upper half."""
        ceiling = min(self.max_backoff, self.backoff * (2**attempt))
        return float(ceiling / 2 + self._rng.uniform(0, ceiling / 2))


def _parse(parse: Callable[[bytes, int], T], content: bytes, status: int) -> T:
    """Run a source's parser on third-party data: a parser that trips over an unexpected shape
    (KeyError, TypeError...) reports a bad answer, never a traceback."""
    try:
        return parse(content, status)
    except BadResponse:
        raise
    except _UNREADABLE as e:
        problem = f"returned an answer scisays cannot read ({type(e).__name__})"
        raise BadResponse(problem, retry=False) from None


def _refused(status: int, response: httpx.Response) -> str:
    detail = ""
    if not looks_like_html(response.content):
        text = " ".join(response.text[:300].split())
        try:
            doc = json.loads(response.content)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            err = doc.get("error")
            msg = err.get("message") if isinstance(err, dict) else err
            if isinstance(msg, str) and msg:
                text = " ".join(msg.split())[:200]
        detail = f": {text}" if text else ""
    return f"refused the request (HTTP {status} {response.reason_phrase}{detail})"

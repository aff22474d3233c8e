"""The shared HTTP layer against a real local server that injects faults: timeouts, 429 with
Retry-After, 5xx then success, a reset connection, a truncated body, invalid JSON, an HTML page
served with status 200. Asserts retries, backoff, the rate limit and that nothing bad is cached."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import pytest

from scisays.config import DbLocation
from scisays.errors import SourceError
from scisays.sources.http import (
    CacheMode,
    HttpClient,
    ResponseCache,
    Service,
    cache_key,
    parse_json,
)

from fakeserver import FakeServer, Reply, closed_port, sequence

OK = Reply(200, {"ok": True})


def parse(content: bytes, status: int) -> dict:
    return parse_json(content)


class Sleeps:
    """Really sleeps, and records every pause the client asked for."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        time.sleep(seconds)


def client(tmp_path: Path, **kw) -> HttpClient:
    defaults = dict(cache=ResponseCache(tmp_path / "cache.sqlite"), timeout=2.0, retries=3, backoff=0.05)
    defaults.update(kw)
    return HttpClient(**defaults)


def svc(srv: FakeServer, rate: float = 1000.0, **params: str) -> Service:
    return Service("TestService", srv.url, rate=rate, params=params)


def test_success_is_cached_and_modes(tmp_path: Path, store: DbLocation):
    with FakeServer({"/a": lambda r: OK}) as srv:
        c = client(tmp_path, cache=ResponseCache(store))
        first = c.fetch(svc(srv), "a", {"q": "x"}, parse=parse)
        again = c.fetch(svc(srv), "a", {"q": "x"}, parse=parse)
        assert first.value == {"ok": True} and not first.from_cache
        assert again.from_cache and srv.count("/a") == 1
        c.mode = CacheMode.REFRESH
        assert not c.fetch(svc(srv), "a", {"q": "x"}, parse=parse).from_cache
        assert srv.count("/a") == 2
        c.mode = CacheMode.OFFLINE
        c.ttl = 0.0  # offline serves entries of any age
        assert c.fetch(svc(srv), "a", {"q": "x"}, parse=parse).from_cache
        with pytest.raises(SourceError, match=r"no cached answer.*offline") as e:
            c.fetch(svc(srv), "a", {"q": "other"}, parse=parse)
        assert e.value.offline_miss and srv.count("/a") == 2


def test_ttl_expiry_goes_back_to_the_network(tmp_path: Path, store: DbLocation):
    with FakeServer({"/a": lambda r: OK}) as srv:
        c = client(tmp_path, cache=ResponseCache(store), ttl=0.0)
        c.fetch(svc(srv), "a", parse=parse)
        time.sleep(0.01)
        assert not c.fetch(svc(srv), "a", parse=parse).from_cache
        assert srv.count() == 2


def test_timeout_is_retried_then_reported(tmp_path: Path):
    with FakeServer({"/slow": lambda r: Reply(200, {"ok": 1}, delay=1.0)}) as srv:
        c = client(tmp_path, timeout=0.2, retries=1)
        t0 = time.monotonic()
        with pytest.raises(SourceError) as e:
            c.fetch(svc(srv), "slow", parse=parse)
        assert str(e.value) == "TestService timed out (no answer within 0.2 s) (after 2 attempts)"
        assert srv.count() == 2 and time.monotonic() - t0 < 1.5
        assert len(c.cache) == 0


def test_429_honours_retry_after(tmp_path: Path):
    handler = sequence(Reply(429, {"error": "slow down"}, headers={"Retry-After": "1"}), OK)
    with FakeServer({"/r": handler}) as srv:
        sleeps = Sleeps()
        c = client(tmp_path, sleep=sleeps)
        got = c.fetch(svc(srv), "r", parse=parse)
        assert got.value == {"ok": True} and srv.count() == 2
        gap = srv.requests[1].at - srv.requests[0].at
        assert gap >= 0.95  # waited as told, not the 0.05 s backoff
        assert 1.0 in sleeps.calls


def test_retry_after_too_long_fails_at_once(tmp_path: Path):
    with FakeServer({"/r": lambda r: Reply(503, b"", headers={"Retry-After": "3600"})}) as srv:
        c = client(tmp_path)
        with pytest.raises(SourceError, match="asks to wait 3600 s"):
            c.fetch(svc(srv), "r", parse=parse)
        assert srv.count() == 1


def test_5xx_then_success_with_exponential_backoff(tmp_path: Path):
    handler = sequence(Reply(500, b"oops"), Reply(503, b"busy"), Reply(502, b"gw"), OK)
    with FakeServer({"/f": handler}) as srv:
        sleeps = Sleeps()
        c = client(tmp_path, sleep=sleeps, backoff=0.1)
        assert c.fetch(svc(srv), "f", parse=parse).value == {"ok": True}
        assert srv.count() == 4
        backoffs = [s for s in sleeps.calls if s >= 0.01]  # not the rate limiter's 1 ms spacing
        assert len(backoffs) == 3
        for attempt, delay in enumerate(backoffs):  # jitter in the upper half of 0.1 * 2^attempt
            ceiling = 0.1 * 2**attempt
            assert ceiling / 2 <= delay <= ceiling
        assert backoffs[2] > backoffs[0]


def test_5xx_forever_gives_one_sentence(tmp_path: Path):
    with FakeServer({"/f": lambda r: Reply(503, b"<html>down</html>")}) as srv:
        c = client(tmp_path, retries=2)
        with pytest.raises(SourceError) as e:
            c.fetch(svc(srv), "f", parse=parse)
        assert str(e.value) == "TestService answered HTTP 503 (Service Unavailable) (after 3 attempts)"
        assert srv.count() == 3 and len(c.cache) == 0


def test_connection_reset_then_success(tmp_path: Path):
    with FakeServer({"/x": sequence(Reply(reset=True), OK)}) as srv:
        c = client(tmp_path)
        assert c.fetch(svc(srv), "x", parse=parse).value == {"ok": True}
        assert srv.count() == 2


def test_truncated_body_is_retried_and_never_cached(tmp_path: Path):
    body = b'{"ok": true, "padding": "' + b"x" * 500 + b'"}'
    with FakeServer({"/t": lambda r: Reply(200, body, truncate_to=40)}) as srv:
        c = client(tmp_path, retries=2)
        with pytest.raises(SourceError, match="closed the connection before the answer was complete"):
            c.fetch(svc(srv), "t", parse=parse)
        assert srv.count() == 3 and len(c.cache) == 0


def test_truncated_then_complete(tmp_path: Path):
    body = b'{"ok": true, "padding": "' + b"x" * 500 + b'"}'
    with FakeServer({"/t": sequence(Reply(200, body, truncate_to=40), Reply(200, body))}) as srv:
        c = client(tmp_path)
        assert c.fetch(svc(srv), "t", parse=parse).value["ok"] is True
        assert len(c.cache) == 1


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(200, b'{"ok": tru'), "returned invalid JSON"),
        (Reply(200, b"<!DOCTYPE html><html><body>Service unavailable</body></html>",
               headers={"Content-Type": "text/html"}), "returned an HTML page instead of JSON"),
        (Reply(200, b""), "returned an empty answer instead of JSON"),
    ],
)
def test_bad_bodies_with_status_200_are_retried_not_cached(tmp_path: Path, reply: Reply, message: str):
    with FakeServer({"/b": lambda r: reply}) as srv:
        c = client(tmp_path, retries=1)
        with pytest.raises(SourceError, match=message):
            c.fetch(svc(srv), "b", parse=parse)
        assert srv.count() == 2 and len(c.cache) == 0


def test_bad_body_then_good_caches_only_the_good(tmp_path: Path):
    with FakeServer({"/b": sequence(Reply(200, b"<html>busy</html>"), OK)}) as srv:
        c = client(tmp_path)
        assert c.fetch(svc(srv), "b", parse=parse).value == {"ok": True}
        assert c.fetch(svc(srv), "b", parse=parse).from_cache
        assert srv.count() == 2


def test_damaged_cache_entry_is_dropped(tmp_path: Path, store: DbLocation):
    with FakeServer({"/d": sequence(Reply(200, b'{"v": 1}'), Reply(200, b'{"v": 2}'))}) as srv:
        c = client(tmp_path, cache=ResponseCache(store))
        c.fetch(svc(srv), "d", parse=parse)

        def picky(content: bytes, status: int) -> dict:
            doc = parse_json(content)
            if doc["v"] != 2:
                from scisays.sources.http import BadResponse
                raise BadResponse("returned version 1")
            return doc

        assert c.fetch(svc(srv), "d", parse=picky).value == {"v": 2}
        assert srv.count() == 2


def test_4xx_is_not_retried(tmp_path: Path):
    with FakeServer({"/n": lambda r: Reply(400, {"error": {"message": "Invalid search term"}})}) as srv:
        c = client(tmp_path)
        with pytest.raises(SourceError) as e:
            c.fetch(svc(srv), "n", parse=parse)
        assert str(e.value) == (
            "TestService refused the request (HTTP 400 Bad Request: Invalid search term)"
        )
        assert srv.count() == 1


def test_accepted_404_is_parsed_and_cached(tmp_path: Path):
    nf = Reply(404, {"error": {"code": "NOT_FOUND", "message": "No matches found!"}})
    with FakeServer({"/e": lambda r: nf}) as srv:
        c = client(tmp_path)
        got = c.fetch(svc(srv), "e", parse=lambda b, s: s, accept=frozenset({200, 404}))
        assert got.value == 404
        assert c.fetch(svc(srv), "e", parse=lambda b, s: s, accept=frozenset({200, 404})).from_cache
        assert srv.count() == 1


def test_connection_refused(tmp_path: Path):
    c = client(tmp_path, retries=1)
    service = Service("Europe PMC", f"http://127.0.0.1:{closed_port()}/rest/")
    with pytest.raises(SourceError) as e:
        c.fetch(service, "search", parse=parse)
    assert str(e.value) == "Europe PMC is unreachable (connection refused) (after 2 attempts)"


def test_identification_and_cache_key_without_identity(tmp_path: Path):
    with FakeServer({"/id": lambda r: OK}) as srv:
        c = client(tmp_path, email="me@example.org")
        c.fetch(svc(srv, tool="scisays", email="me@example.org", api_key="SECRET"), "id", {"q": "1"},
                parse=parse)
        req = srv.requests[0]
        assert req.query == {"tool": "scisays", "email": "me@example.org", "api_key": "SECRET", "q": "1"}
        agent = req.headers["User-Agent"]
        assert agent.startswith("scisays/") and "me@example.org" in agent
        # A different key or email is the same question: served from the cache.
        assert c.fetch(svc(srv, tool="scisays", api_key="OTHER"), "id", {"q": "1"}, parse=parse).from_cache
    url = "HTTP://Example.ORG/path"
    assert cache_key("GET", url, {"b": "2", "a": "1"}, None) == cache_key(
        "get", "http://example.org/path", {"a": "1", "b": "2", "api_key": "k"}, None
    )
    assert cache_key("GET", url, {"a": "1"}, None) != cache_key("POST", url, {"a": "1"}, None)


def test_post_form(tmp_path: Path):
    with FakeServer({"/p": lambda r: Reply(200, {"got": r.form})}) as srv:
        c = client(tmp_path)
        got = c.fetch(svc(srv), "p", parse=parse, data={"id": "1,2,3"})
        assert got.value == {"got": {"id": "1,2,3"}} and srv.requests[0].method == "POST"


def test_rate_limit_is_respected_across_threads(tmp_path: Path):
    """12 requests at 10/s from 3 threads: never more than 10 in any one-second window."""
    with FakeServer({"/r": lambda r: OK}) as srv:
        c = client(tmp_path, cache=None)
        service = svc(srv, rate=10.0)

        def work(k: int, n: int) -> None:
            for i in range(n):
                c.fetch(service, "r", {"i": f"{k}-{i}-{n}"}, parse=parse)

        def in_threads(n: int) -> float:
            threads = [threading.Thread(target=work, args=(k, n)) for k in range(3)]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return time.monotonic() - t0

        # Warm-up: open the pooled connections, so that connection set-up time (not the
        # limiter) does not shift when requests arrive.
        in_threads(1)
        with srv._lock:
            srv.requests.clear()
        elapsed = in_threads(4)
        times = sorted(r.at for r in srv.requests)
        assert len(times) == 12
        assert elapsed >= 1.05  # 11 gaps of 0.1 s
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 0.07  # 0.105 s apart when sent; the server thread adds jitter
        for i in range(len(times)):
            in_window = sum(1 for t in times[i:] if t - times[i] < 1.0)
            assert in_window <= 10
        measured = (len(times) - 1) / (times[-1] - times[0])
        assert measured <= 10.5


def test_parser_tripping_on_an_unexpected_shape_is_a_bad_answer(tmp_path: Path):
    with FakeServer({"/s": lambda r: Reply(200, {"studies": "not a list"})}) as srv:
        c = client(tmp_path)
        with pytest.raises(SourceError) as e:
            c.fetch(svc(srv), "s", parse=lambda b, s: parse_json(b)["studies"][0]["id"])
        assert str(e.value) == "TestService returned an answer scisays cannot read (TypeError)"
        assert srv.count() == 1 and len(c.cache) == 0


def test_codec_caches_the_parsed_answer(tmp_path: Path, store: DbLocation):
    from scisays.sources.http import Codec

    calls = {"parse": 0, "decode": 0}

    def count_parse(content: bytes, status: int) -> dict:
        calls["parse"] += 1
        return parse_json(content)

    def decode(b: bytes) -> dict:
        calls["decode"] += 1
        if b == b"damaged":
            raise ValueError("damaged entry")
        return {"decoded": b.decode()}

    codec = Codec("test-v1", lambda v: b"ok", decode)
    with FakeServer({"/c": lambda r: OK}) as srv:
        c = client(tmp_path, cache=ResponseCache(store))
        assert c.fetch(svc(srv), "c", parse=count_parse, codec=codec).value == {"ok": True}
        assert c.fetch(svc(srv), "c", parse=count_parse, codec=codec).value == {"decoded": "ok"}
        assert calls == {"parse": 1, "decode": 1} and srv.count() == 1
        # The raw-body entry and the codec entry are different cache keys.
        assert not c.fetch(svc(srv), "c", parse=count_parse).from_cache
        key = cache_key("GET", srv.url + "c", {}, None, "test-v1")
        c.cache.put(key, srv.url + "c", 200, b"damaged")
        assert c.fetch(svc(srv), "c", parse=count_parse, codec=codec).value == {"ok": True}
        assert srv.count() == 3


def test_cache_summary_and_clear(store: DbLocation):
    """The cache keeps the same entries and answers the same questions on both backends."""
    now = [1_000_000.0]
    cache = ResponseCache(store, now=lambda: now[0])
    cache.put("k1", "https://eutils.ncbi.nlm.nih.gov/x", 200, b"one")
    now[0] += 86400 * 3
    cache.put("k2", "https://www.ebi.ac.uk/y", 200, b"two")
    cache.put("k2", "https://www.ebi.ac.uk/y", 200, b"two again")  # replaces
    got = cache.get("k2", None)
    assert got is not None and got.content == b"two again" and len(cache) == 2
    info = cache.summary()
    assert info["entries"] == 2 and info["by_host"] == {"eutils.ncbi.nlm.nih.gov": 1, "www.ebi.ac.uk": 1}
    assert cache.get("k1", max_age=86400) is None and cache.get("k1", None) is not None
    assert cache.clear(older_than=86400) == 1 and len(cache) == 1
    assert cache.clear() == 1 and len(cache) == 0
    cache.close()

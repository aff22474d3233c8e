"""Fetching an article URL safely: every refusal, with a fake resolver and httpx's MockTransport
(no network: the names below never reach a real DNS server)."""

from __future__ import annotations

import httpx
import pytest

from scisays.audit.fetch import FetchError, GuardedTransport, _GuardedBackend, check_url, fetch_url

PUBLIC = {"news.example": ["93.184.216.34"], "other.example": ["2606:2800:220:1:248:1893:25c8:1946"],
          "intranet.example": ["10.1.2.3"], "mixed.example": ["93.184.216.34", "192.168.0.5"],
          "meta.example": ["169.254.169.254"], "v6local.example": ["::1"],
          "mapped.example": ["::ffff:127.0.0.1"], "multi.example": ["224.0.0.1"],
          "reserved.example": ["240.0.0.1"], "zero.example": ["0.0.0.0"]}


def resolve(host: str, port: int) -> list[str]:
    if host not in PUBLIC:
        raise FetchError(f"The host {host} could not be found; check the address.")
    return PUBLIC[host]


def page(body: bytes = b"<html><body><p>Kratom text.</p></body></html>", ctype: str = "text/html",
         status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"content-type": ctype, **(headers or {})})


def fetch(url: str, handler, **kw):  # type: ignore[no-untyped-def]
    return fetch_url(url, resolve=resolve, transport=httpx.MockTransport(handler), **kw)


def test_a_public_page_is_fetched():
    got = fetch("https://news.example/a", lambda r: page())
    assert got.final_url == "https://news.example/a" and b"Kratom" in got.body
    assert got.content_type == "text/html"


@pytest.mark.parametrize(("url", "says"), [
    ("ftp://news.example/a", "Only http and https"),
    ("file:///etc/passwd", "Only http and https"),
    ("javascript:alert(1)", "Only http and https"),
    ("http:///nohost", "has no host"),
    ("http://user:pw@news.example/", "user name or password"),
    ("http://127.0.0.1/", "loopback"),
    ("http://localhost.example/", "could not be found"),
    ("http://10.0.0.1/", "private"),
    ("http://192.168.1.1:8080/admin", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[::1]/", "loopback"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://intranet.example/", "private"),
    ("http://mixed.example/", "private"),  # one bad address is enough
    ("http://meta.example/", "link-local"),
    ("http://v6local.example/", "loopback"),
    ("http://mapped.example/", "loopback"),
    ("http://multi.example/", "multicast"),
    ("http://reserved.example/", "reserved"),
    ("http://zero.example/", "unspecified"),
])
def test_refused_addresses(url: str, says: str):
    with pytest.raises(FetchError, match=says):
        check_url(url, resolve)


@pytest.mark.parametrize("target", ["http://127.0.0.1/admin", "http://10.0.0.1/", "http://intranet.example/x",
                                    "http://[::1]:8000/"])
def test_a_redirect_to_an_internal_address_is_refused(target: str):
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "news.example", "the internal address must never be requested"
        return httpx.Response(302, headers={"location": target})

    with pytest.raises(FetchError, match="Refused"):
        fetch("https://news.example/a", handler)


def test_redirects_are_followed_at_most_five_times():
    hops = []

    def handler(request: httpx.Request) -> httpx.Response:
        hops.append(str(request.url))
        n = len(hops)
        return httpx.Response(301, headers={"location": f"/hop{n}"}) if n <= 6 else page()

    with pytest.raises(FetchError, match="more than 5 times"):
        fetch("https://news.example/start", handler)
    hops.clear()
    got = fetch("https://news.example/start", lambda r: (hops.append(1), httpx.Response(
        302, headers={"location": "https://other.example/final"}) if len(hops) == 1 else page())[1])
    assert got.final_url == "https://other.example/final"


@pytest.mark.parametrize(("response", "says"), [
    (page(b"%PDF-1.7", "application/pdf"), "not an HTML or text page"),
    (page(b"\x89PNG", "image/png"), "not an HTML or text page"),
    (page(status=404), "HTTP 404"),
    (page(status=500), "HTTP 500"),
    (page(b"x" * 10, headers={"content-length": str(50 * 1024 * 1024)}), "MB limit"),
    (page(b"<p>" + b"x" * 2_000_000 + b"</p>"), "limit"),
])
def test_refused_answers(response: httpx.Response, says: str):
    with pytest.raises(FetchError, match=says):
        fetch("https://news.example/a", lambda r: response, max_bytes=1_000_000)


@pytest.mark.parametrize(("error", "says"), [
    (httpx.ReadTimeout("timed out"), "did not answer within"),
    (httpx.ConnectError("connection refused"), "Could not fetch"),
])
def test_timeouts_and_refusals(error: Exception, says: str):
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(FetchError, match=says):
        fetch("https://news.example/a", handler)


def test_the_connection_goes_only_to_a_vetted_address():
    # a name that resolves to a public address when checked and to loopback when connecting
    # (DNS rebinding) is refused at connect time: the socket is opened to what was vetted
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    backend = _GuardedBackend(lambda host, port: next(answers))
    check_url("http://rebind.example/", lambda host, port: next(answers))
    with pytest.raises(FetchError, match="loopback"):
        backend.connect_tcp("rebind.example", 80)


def test_the_default_transport_is_guarded():
    with (pytest.raises(FetchError, match="private"),
          httpx.Client(transport=GuardedTransport(lambda h, p: ["10.0.0.7"])) as client):
        client.get("http://anything.example/")

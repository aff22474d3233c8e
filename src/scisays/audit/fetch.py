"""Fetching a page a user names, safely (I/O edge; this also runs inside the web server).

Only http and https; the host is resolved and refused when any of its addresses is loopback,
private, link-local, multicast, reserved or unspecified (IPv4 and IPv6, IPv4-mapped included).
The check runs before every request, after every redirect (at most 5), and again when the
connection is opened — the socket goes to the address that was vetted, so a name that
resolves differently the second time cannot reach an internal host. The body is read up to a
size limit, within a time limit, and only HTML or text is accepted. What comes back is data:
callers escape it and never execute it.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from httpcore._backends.sync import SyncBackend

from ..errors import ScisaysError

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
TIMEOUT = 15.0
ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/markdown", "text/x-markdown")
USER_AGENT = "scisays-audit (+https://github.com/scisays; reads one page a user asked to audit)"

Resolver = Callable[[str, int], Sequence[str]]


class FetchError(ScisaysError):
    """A URL that scisays will not or could not fetch. The message is one sentence."""


@dataclass(frozen=True)
class Fetched:
    url: str  # the address asked for
    final_url: str  # after redirects
    content_type: str
    body: bytes
    charset: str | None


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PORT = r"(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
URL_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://"
    # a host name whose last label begins with a letter (no lookahead: fuzzers generate from it fast)
    rf"(?:{_LABEL}\.)*[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?"
    + rf"(?::{_PORT})?"
    # no white space (ECMA-262's and Python's, named: the two \s differ) or control character
    + r"(?:[/?#][^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*)?$"
)
"""What an audited article's address looks like: http(s), a host name (its last label begins
with a letter: not an IP address; no user name), an optional port, then a path, query or
fragment without spaces or control characters. The API checks it (and states it in the OpenAPI
document); fetching it then applies every rule below (a name that resolves to a non-public
address is still refused)."""
URL = re.compile(URL_PATTERN)  # use URL.fullmatch: Python's $ also matches before a final newline


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the host name resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as e:  # socket.gaierror is an OSError
        raise FetchError(f"The host {host} could not be found ({e}); check the address.") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refused_reason(address: str) -> str | None:
    """Why an IP address may not be fetched from, or None if it is a public address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for test, what in (
        (ip.is_loopback, "loopback"), (ip.is_link_local, "link-local"), (ip.is_multicast, "multicast"),
        (ip.is_unspecified, "unspecified"), (ip.is_reserved, "reserved"), (ip.is_private, "private"),
    ):
        if test:
            return what
    if not ip.is_global:
        return "not public"
    return None


def vetted_addresses(host: str, port: int, resolve: Resolver) -> list[str]:
    """The host's addresses, all public — or FetchError naming the first that is not."""
    literal = host.strip("[]")
    try:
        addresses = [str(ipaddress.ip_address(literal))]
    except ValueError:
        addresses = list(resolve(literal, port))
    if not addresses:
        raise FetchError(f"The host {host} has no address; check the URL.")
    for a in addresses:
        why = refused_reason(a)
        if why:
            raise FetchError(
                f"Refused to fetch from {host}: it resolves to a {why} address ({a}); only public "
                "web addresses can be audited — paste the article's text instead.")
    return addresses


def check_url(url: str, resolve: Resolver = system_resolve) -> tuple[str, int]:
    """The URL's host and port if scisays may fetch it; FetchError otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchError(f"{url!r} is not a valid URL; give an http(s) address.") from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"Only http and https URLs can be fetched, not {parts.scheme or 'a bare path'!r}; "
                         "give an http(s) address or a file.")
    if not parts.hostname:
        raise FetchError(f"The URL {url!r} has no host; give a full address such as https://example.org/page.")
    if parts.username or parts.password:
        raise FetchError("URLs with a user name or password are not fetched; remove the credentials.")
    port = port or (443 if parts.scheme == "https" else 80)
    vetted_addresses(parts.hostname, port, resolve)
    return parts.hostname, port


class _GuardedBackend(SyncBackend):
    """Opens each connection to an address vetted at that moment (no second, unchecked lookup)."""

    def __init__(self, resolve: Resolver) -> None:
        self._resolve = resolve

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None) -> Any:
        address = vetted_addresses(host, port, self._resolve)[0]
        return super().connect_tcp(address, port, timeout, local_address, socket_options)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with a connection pool whose sockets go only to vetted addresses."""

    def __init__(self, resolve: Resolver = system_resolve) -> None:
        super().__init__()
        # httpx builds its own pool; this one differs only in the network backend
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_GuardedBackend(resolve))


def fetch_url(
    url: str, *, resolve: Resolver = system_resolve, transport: httpx.BaseTransport | None = None,
    max_bytes: int = MAX_BYTES, timeout: float = TIMEOUT, max_redirects: int = MAX_REDIRECTS,
) -> Fetched:
    """GET an http(s) page under every rule above. Raises FetchError with one sentence."""
    deadline = time.monotonic() + timeout
    current = url
    with httpx.Client(transport=transport or GuardedTransport(resolve), follow_redirects=False,
                      timeout=httpx.Timeout(timeout), trust_env=False,
                      headers={"User-Agent": USER_AGENT, "Accept": "text/html, text/plain;q=0.9"}) as client:
        for _ in range(max_redirects + 1):
            check_url(current, resolve)
            try:
                with client.stream("GET", current) as response:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        if not location:
                            raise FetchError(f"{current} redirects without saying where; "
                                             "try the final address.")
                        current = urljoin(current, location)
                        continue
                    return _read(url, current, response, max_bytes, deadline, timeout)
            except httpx.TimeoutException:
                raise FetchError(f"{current} did not answer within {timeout:.0f} s; try again later "
                                 "or paste the article's text.") from None
            except httpx.HTTPError as e:
                raise FetchError(f"Could not fetch {current} ({type(e).__name__}: {e}); check the "
                                 "address or paste the article's text.") from None
    raise FetchError(f"{url} redirects more than {max_redirects} times; give the final address.")


def _read(url: str, current: str, response: httpx.Response, max_bytes: int, deadline: float,
          timeout: float) -> Fetched:
    if response.status_code >= 400:
        raise FetchError(f"{current} answered HTTP {response.status_code} "
                         f"{response.reason_phrase or ''}".rstrip() + "; check the address.")
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in ACCEPTED_TYPES:
        raise FetchError(f"{current} is {ctype or 'of an unknown type'}, not an HTML or text page; "
                         "only web pages and text can be audited (save a PDF's text to a file).")
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"{current} is {int(declared) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB "
                         "limit; save the article's text to a file and audit that.")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{current} is over the {max_bytes / 1e6:.0f} MB limit; save the "
                             "article's text to a file and audit that.")
        if time.monotonic() > deadline:
            raise FetchError(f"{current} took longer than {timeout:.0f} s to send; try again later "
                             "or paste the article's text.")
        chunks.append(chunk)
    return Fetched(url, current, ctype, b"".join(chunks), response.charset_encoding)

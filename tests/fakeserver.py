"""A real HTTP server on 127.0.0.1 (random port) for tests and benchmarks.

Routes map a path to a handler ``(request) -> Reply``; every request is recorded (path, query,
headers, time) so tests can count requests and measure their rate. Replies can inject faults:
a delay, a truncated body, a reset connection.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    at: float


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    truncate_to: int | None = None  # send only this many bytes of the body, then close
    reset: bool = False  # abort the connection (TCP RST) instead of answering

    def payload(self) -> bytes:
        if isinstance(self.body, dict | list):
            return json.dumps(self.body).encode()
        if isinstance(self.body, str):
            return self.body.encode()
        return self.body


Handler = Callable[[Request], Reply]


class FakeServer:
    """``with FakeServer({"/path": handler}) as srv: srv.url`` — a threaded HTTP server. A route
    ending in ``*`` answers every path it begins."""

    def __init__(self, routes: dict[str, Handler]) -> None:
        self.routes = routes
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                form: dict[str, str] = {}
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    raw = self.rfile.read(length).decode()
                    form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                req = Request(self.command, parts.path, query, form, dict(self.headers), time.monotonic())
                with server._lock:
                    server.requests.append(req)
                handler = server.routes.get(parts.path) or next(
                    (h for route, h in server.routes.items()
                     if route.endswith("*") and parts.path.startswith(route[:-1])), None)
                reply = handler(req) if handler else Reply(404, {"error": "no such route"})
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.reset:
                    self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.request.close()
                    self.close_connection = True
                    return
                body = reply.payload()
                self.send_response(reply.status)
                ctype = "application/json" if isinstance(reply.body, dict | list) else "text/xml"
                headers = {"Content-Type": ctype, **reply.headers}
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                if reply.truncate_to is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                if reply.truncate_to is not None:
                    self.wfile.write(body[: reply.truncate_to])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def count(self, path: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if path is None or r.path == path)

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def sequence(*replies: Reply) -> Handler:
    """A handler answering with each reply in turn, then repeating the last one."""
    state = {"i": 0}
    lock = threading.Lock()

    def handler(_req: Request) -> Reply:
        with lock:
            i = min(state["i"], len(replies) - 1)
            state["i"] += 1
        return replies[i]

    return handler


def closed_ports(n: int) -> list[int]:
    """``n`` distinct ports on 127.0.0.1 that nothing listens on (bound together, then released)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    return closed_ports(1)[0]

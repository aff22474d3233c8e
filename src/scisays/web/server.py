"""Run the web app with uvicorn on a socket bound here, so "port in use" is one clear sentence."""

from __future__ import annotations

import errno
import ipaddress
import socket
import sys
from pathlib import Path

from ..config import DatabaseUrl, DbLocation
from ..corpus import Corpus
from ..errors import UsageError
from .app import API_WAIT_SECONDS, create_app
from .history import default_history_path

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port. Raises UsageError if the port is taken or the
    host is not an address of this machine."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise UsageError(f"Cannot resolve host {host!r}; use an address such as 127.0.0.1.") from None
    family, _, _, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(2048)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise UsageError(
                f"Port {port} on {host} is already in use; stop the other server or choose another "
                "port with --port."
            ) from None
        if e.errno == errno.EACCES:
            raise UsageError(f"No permission to listen on port {port}; choose a port above 1023.") from None
        raise UsageError(f"Cannot listen on {host}:{port} ({e.strerror}); check --host and --port.") from None
    sock.set_inheritable(True)
    return sock


def serve(corpus: DbLocation, host: str, port: int, history: Path | None = None, *,
          api_wait: float = API_WAIT_SECONDS) -> None:
    """Serve the web app on host:port until interrupted. With a PostgreSQL corpus the history
    and the report jobs live in that database, shared with the other servers using it.
    ``api_wait``: seconds ``GET /api/v1/report`` waits for a build before answering 202."""
    import uvicorn

    if history is not None and isinstance(corpus, DatabaseUrl):
        raise UsageError("With a PostgreSQL corpus the report history lives in that database, shared "
                         "by every server; drop --history.")
    Corpus.open(corpus).close()  # a missing or foreign corpus is one sentence, before binding
    history_path = history or default_history_path(corpus)
    allowed = [*LOOPBACK_NAMES, "[::1]"] if is_loopback(host) else None
    if allowed is None:
        print(f"Listening on {host}: anyone who can reach this machine can use the app.", file=sys.stderr)
    sock = bind(host, port)  # a port in use stops it before any job table or history is opened
    app = create_app(corpus, history_path, allowed_hosts=allowed, api_wait_seconds=api_wait)
    config = uvicorn.Config(
        app, log_level="info", access_log=False, lifespan="off", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    shown = f"[{host}]" if ":" in host else host
    print(f"scisays serving {corpus} on http://{shown}:{sock.getsockname()[1]}/ (Ctrl+C stops)", flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        app.state.service.shutdown()

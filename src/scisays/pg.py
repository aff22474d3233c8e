"""PostgreSQL connections for the state scisays keeps in a shared database: the corpus
(``corpus/postgres.py``), the HTTP response cache, and the web app's report history and jobs.

Needs the ``psycopg`` driver (``pip install 'scisays[postgres]'``); without it, naming a
PostgreSQL database is one sentence saying so. SQL shared with the SQLite code is written with
``?`` placeholders; :class:`PgConnection` speaks it to psycopg, and turns a driver error into a
CorpusError of one sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from .config import DatabaseUrl
from .errors import CorpusError


def _driver() -> Any:
    try:
        import psycopg
    except ImportError:
        raise CorpusError("Using a PostgreSQL database needs the psycopg driver; install it with "
                          "pip install 'scisays[postgres]'.") from None
    return psycopg


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0].rstrip(".") if text else type(e).__name__


@lru_cache(maxsize=256)
def _placeholders(sql: str) -> str:
    """The shared SQL's ``?`` placeholders as psycopg's ``%s`` (the SQL has no literal ? or %)."""
    return sql.replace("?", "%s")


class PgConnection:
    """A psycopg connection in autocommit mode (transactions are explicit BEGIN … COMMIT, as with
    SQLite), speaking the shared code's ``?`` placeholders. A lost connection or server error is a
    CorpusError of one sentence. With ``url`` (a server's long-lived connection, used one statement
    at a time), a lost connection is opened again before the next statement."""

    def __init__(self, conn: Any, name: str, url: DatabaseUrl | None = None) -> None:
        self.raw = conn
        self.name = name
        self._url = url
        self._errors = _driver().Error

    @classmethod
    def open(cls, url: DatabaseUrl, *, reconnect: bool = False) -> PgConnection:
        return cls(connect(url), url.redacted, url if reconnect else None)

    def _ready(self) -> Any:
        if self._url is not None and (self.raw.closed or self.raw.broken):
            self.raw = connect(self._url)
        return self.raw

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        try:
            return self._ready().execute(_placeholders(sql), parameters)
        except self._errors as e:
            raise self._problem(e) from None

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Any:
        try:
            cur = self._ready().cursor()
            cur.executemany(_placeholders(sql), parameters)
            return cur
        except self._errors as e:
            raise self._problem(e) from None

    def _problem(self, e: BaseException) -> CorpusError:
        if self.raw.closed or self.raw.broken:
            return CorpusError(f"Lost the connection to the PostgreSQL database {self.name} "
                               f"({_first_line(e)}); run the command again: it resumes.")
        return CorpusError(f"The PostgreSQL database {self.name} refused a statement "
                           f"({_first_line(e)}); check that it is scisays' and writable.")

    def close(self) -> None:
        self.raw.close()


def connect(url: DatabaseUrl) -> Any:
    """A psycopg connection (autocommit) to ``url``; CorpusError of one sentence if it fails."""
    psycopg = _driver()
    try:
        return psycopg.connect(url.url, autocommit=True, connect_timeout=10,
                               application_name="scisays")
    except psycopg.Error as e:
        problem = _first_line(e)
        hint = ("check the user name and password in the URL" if "password" in problem
                or "authentication" in problem or 'role "' in problem else
                "check that the database exists, or create it with createdb" if "does not exist"
                in problem else "check the host, port and that the server is running")
        raise CorpusError(f"Cannot connect to the PostgreSQL database {url.redacted} ({problem}); "
                          f"{hint}.") from None
    except ValueError as e:  # a malformed URL ("invalid dsn")
        raise CorpusError(f"{url.redacted} is not a valid PostgreSQL URL ({e}); write "
                          "postgresql://user:password@host:5432/database.") from None

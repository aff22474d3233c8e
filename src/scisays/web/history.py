"""Recent reports the web app built, kept as JSON: in a small SQLite file of their own, or in
the PostgreSQL database every server process shares.

For a SQLite corpus the history is by default ``<corpus>.history.sqlite`` beside the corpus
file; for a PostgreSQL corpus it is the table ``reports`` in the same database, so a report one
server built is served by all. Each question (its request id) keeps its latest report.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import DatabaseUrl, DbLocation
from ..errors import CorpusError
from ..pg import PgConnection

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    query TEXT NOT NULL,          -- JSON list of [name, value] query parameters
    substance TEXT NOT NULL,
    conditions TEXT NOT NULL,     -- JSON list
    verdicts TEXT NOT NULL,       -- JSON list of [condition, verdict, certainty]
    studies INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,    -- the corpus state the report was built from
    created TEXT NOT NULL,        -- ISO 8601 UTC
    seconds DOUBLE PRECISION NOT NULL,  -- build time
    report TEXT NOT NULL          -- the versioned JSON document
);
CREATE INDEX IF NOT EXISTS reports_created ON reports(created);
"""


def default_history_path(corpus: DbLocation) -> DbLocation:
    """``corpus.history.sqlite`` for a corpus at ``corpus.sqlite``; the corpus' own database
    for a PostgreSQL corpus."""
    if isinstance(corpus, DatabaseUrl):
        return corpus
    return corpus.with_name(corpus.stem + ".history.sqlite")


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: str
    query: list[tuple[str, str]]
    substance: str
    conditions: list[str]
    verdicts: list[tuple[str, str, str]]
    studies: int
    created: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "substance": self.substance,
            "conditions": self.conditions,
            "verdicts": [{"condition": c, "verdict": v, "certainty": k} for c, v, k in self.verdicts],
            "studies": self.studies,
            "created": self.created,
            "seconds": round(self.seconds, 3),
        }


class History:
    """A tiny store of built reports that any thread may use: one short SQLite connection per
    call, or one shared PostgreSQL connection (statements are single and autocommitted)."""

    def __init__(self, location: DbLocation) -> None:
        self.location = location
        self._pg: PgConnection | None = None
        try:
            if isinstance(location, DatabaseUrl):
                self._pg = PgConnection.open(location, reconnect=True)
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        self._pg.execute(stmt)
            else:
                conn = sqlite3.connect(location, timeout=10.0)
                try:
                    conn.executescript(_SCHEMA)
                finally:
                    conn.close()
        except sqlite3.Error as e:
            raise CorpusError(
                f"Cannot use {location} for the report history ({e}); choose another file with --history."
            ) from None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection | PgConnection]:
        if self._pg is not None:
            yield self._pg
            return
        assert isinstance(self.location, Path)
        conn = sqlite3.connect(self.location, timeout=10.0)
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def save(
        self,
        *,
        id: str,
        query: list[tuple[str, str]],
        report: dict[str, Any],
        report_json: str,
        fingerprint: str,
        created: str,
        seconds: float,
    ) -> None:
        """Store (or replace) the report for question ``id``."""
        verdicts = [[v["condition"], v["verdict"], v["certainty"]] for v in report["verdicts"]]
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO reports VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET "
                "query=excluded.query, substance=excluded.substance, conditions=excluded.conditions, "
                "verdicts=excluded.verdicts, studies=excluded.studies, fingerprint=excluded.fingerprint, "
                "created=excluded.created, seconds=excluded.seconds, report=excluded.report",
                (
                    id,
                    json.dumps(query, ensure_ascii=False),
                    report["question"]["substance"],
                    json.dumps(report["question"]["conditions"], ensure_ascii=False),
                    json.dumps(verdicts, ensure_ascii=False),
                    len(report["studies"]),
                    fingerprint,
                    created,
                    seconds,
                    report_json,
                ),
            )

    def load(self, id: str) -> tuple[str, str] | None:
        """(fingerprint, report JSON) stored for question ``id``, if any."""
        with self._connect() as conn:
            row = conn.execute("SELECT fingerprint, report FROM reports WHERE id = ?", (id,)).fetchone()
        return (row[0], row[1]) if row else None

    def recent(self, n: int = 20) -> list[HistoryEntry]:
        """The ``n`` most recently built reports, newest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, query, substance, conditions, verdicts, studies, created, seconds "
                "FROM reports ORDER BY created DESC LIMIT ?",
                (n,),
            ).fetchall()
        return [
            HistoryEntry(
                id=r[0],
                query=[(k, v) for k, v in json.loads(r[1])],
                substance=r[2],
                conditions=json.loads(r[3]),
                verdicts=[(c, v, k) for c, v, k in json.loads(r[4])],
                studies=r[5],
                created=r[6],
                seconds=r[7],
            )
            for r in rows
        ]

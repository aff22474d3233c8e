"""Recent reports the web app built, kept as JSON in a small SQLite file of their own.

The history never lives in the corpus' tables: by default it is ``<corpus>.history.sqlite``
beside the corpus file. Each question (its request id) keeps its latest report.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CorpusError

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
    seconds REAL NOT NULL,        -- build time
    report TEXT NOT NULL          -- the versioned JSON document
);
CREATE INDEX IF NOT EXISTS reports_created ON reports(created);
"""


def default_history_path(corpus: Path) -> Path:
    """``corpus.history.sqlite`` for a corpus at ``corpus.sqlite``."""
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
    """A tiny store of built reports; one short connection per call, so any thread may use it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with self._connect() as conn:
                conn.executescript(_SCHEMA)
        except sqlite3.Error as e:
            raise CorpusError(
                f"Cannot use {path} for the report history ({e}); choose another file with --history."
            ) from None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10.0)
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
                "INSERT OR REPLACE INTO reports VALUES (?,?,?,?,?,?,?,?,?,?)",
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

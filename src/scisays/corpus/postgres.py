"""The corpus in PostgreSQL: one database that several processes on several machines share.

The tables are the SQLite corpus' (records, deleted, appraisals, ingested_files, meta) and the
merge rules are the same code (:class:`~scisays.corpus.store.Corpus`). What differs:

- **Full-text search**: a stored ``tsvector`` column (title weight A, MeSH B, keywords C, the
  abstract D) with a GIN index, in a text search configuration ``scisays_fts`` that stems
  English words like the SQLite index' Porter tokenizer, removes diacritics (``unaccent``, when
  the server has it) and drops no stop words — so "hepatitis A" stays a two-word phrase. Every
  term a user gives is one literal phrase (``phraseto_tsquery``), never query syntax.
- **Writers may run concurrently**: each write transaction first takes a transaction-level
  advisory lock, so batches from several processes apply one after another, each seeing the
  previous one's records (the same guarantee SQLite's single writer gives); readers never wait.
- **A fingerprint** (a counter in ``meta`` bumped by every batch that changed a record) tells the
  web app's report cache, on every machine, that the corpus changed.

Needs the ``psycopg`` driver: ``pip install 'scisays[postgres]'``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..config import DatabaseUrl
from ..errors import CorpusError
from ..model import Record
from ..pg import PgConnection
from .store import _READ_COLUMNS, Corpus, _has_token, row_to_record

SCHEMA_VERSION = 1
#: pg_advisory_xact_lock key held by every corpus write transaction ("SCIS" + 1).
WRITE_LOCK = 0x5343495300000001

_TEXT_SEARCH = (
    "CREATE TEXT SEARCH DICTIONARY scisays_stem (TEMPLATE = snowball, Language = english)",
    "CREATE TEXT SEARCH CONFIGURATION scisays_fts (COPY = pg_catalog.english)",
)
_MAPPING = ("ALTER TEXT SEARCH CONFIGURATION scisays_fts ALTER MAPPING FOR asciiword, asciihword, "
            "hword_asciipart, word, hword, hword_part WITH {dicts}")

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE records (
        rowid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        pmid TEXT UNIQUE,
        doi TEXT,
        pmcid TEXT,
        nct_id TEXT,
        local_id TEXT,
        title TEXT NOT NULL,
        abstract TEXT NOT NULL,
        section_meta TEXT,
        journal TEXT,
        year INTEGER,
        publication_types TEXT NOT NULL,
        mesh TEXT NOT NULL,
        keywords TEXT NOT NULL,
        languages TEXT NOT NULL,
        source TEXT NOT NULL,
        version INTEGER NOT NULL,
        revised TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        tsv tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('scisays_fts', title), 'A') ||
            setweight(to_tsvector('scisays_fts', mesh), 'B') ||
            setweight(to_tsvector('scisays_fts', keywords), 'C') ||
            setweight(to_tsvector('scisays_fts', abstract), 'D')) STORED
    )""",
    "CREATE INDEX records_doi ON records(lower(doi)) WHERE doi IS NOT NULL",
    "CREATE INDEX records_pmcid ON records(upper(pmcid)) WHERE pmcid IS NOT NULL",
    "CREATE INDEX records_year ON records(year)",
    "CREATE INDEX records_tsv ON records USING gin(tsv)",
    "CREATE TABLE deleted (pmid TEXT PRIMARY KEY)",
    """CREATE TABLE appraisals (
        record_id BIGINT PRIMARY KEY REFERENCES records(rowid) ON DELETE CASCADE,
        content_hash TEXT NOT NULL,
        version TEXT NOT NULL,
        data BYTEA NOT NULL
    )""",
    """CREATE TABLE ingested_files (
        sha256 TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        size BIGINT NOT NULL,
        items_done BIGINT NOT NULL,
        complete INTEGER NOT NULL,
        updated TEXT NOT NULL
    )""",
)

# ts_rank's weights are listed {D, C, B, A}: the abstract 0.1, keywords and MeSH 0.3, the title
# 1.0 — the SQLite index' BM25 column weights (1, 3, 3, 10), scaled.
_RANK_WEIGHTS = "'{0.1, 0.3, 0.3, 1.0}'"


class PostgresCorpus(Corpus):
    """A scisays corpus in a PostgreSQL database."""

    conn: PgConnection

    def __init__(self, url: DatabaseUrl, conn: PgConnection) -> None:
        super().__init__(url.redacted, conn)
        self.url = url

    @classmethod
    def connect(cls, url: DatabaseUrl, *, create: bool = False) -> PostgresCorpus:
        corpus = cls(url, PgConnection.open(url))
        try:
            corpus._check_or_init(create)
        except BaseException:
            corpus.close()
            raise
        return corpus

    def _check_or_init(self, create: bool) -> None:
        if self._version() is not None:
            return
        if not create:
            raise CorpusError(
                f"No scisays corpus in the PostgreSQL database {self.name} yet; create one with "
                f"`scisays corpus ingest FILE --db {self.name}`.")
        c = self.conn
        c.execute("BEGIN")
        try:
            c.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
            if self._version() is None:  # another process may have made it meanwhile
                self._init_schema()
            c.execute("COMMIT")
        except BaseException:
            if not self.conn.raw.broken:
                c.execute("ROLLBACK")
            raise

    def _version(self) -> int | None:
        """The corpus schema version, None for a database without a scisays corpus; CorpusError
        for a database whose tables belong to something else, or to a newer scisays."""
        c = self.conn
        tables = {r[0] for r in c.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relkind IN ('r', 'p', 'v') "
            "AND c.relname IN ('meta', 'records') AND pg_table_is_visible(c.oid)")}
        if not tables:
            return None
        rows = dict(c.execute("SELECT key, value FROM meta WHERE key IN ('created_by', "
                              "'schema_version')").fetchall()) if "meta" in tables else {}
        if rows.get("created_by") != "scisays":
            raise CorpusError(f"The PostgreSQL database {self.name} has tables that are not a scisays "
                              "corpus; give another database (or schema) with --db.")
        version = int(rows.get("schema_version", "0"))
        if version > SCHEMA_VERSION:
            raise CorpusError(f"The corpus in {self.name} was made by a newer scisays (schema "
                              f"{version}); upgrade scisays.")
        if version < SCHEMA_VERSION:
            raise CorpusError(f"The corpus in {self.name} has schema {version}, which this scisays "
                              f"cannot read (it reads {SCHEMA_VERSION}); re-ingest into a new database.")
        return version

    def _init_schema(self) -> None:
        c = self.conn
        dicts = "scisays_stem"
        c.execute("SAVEPOINT unaccent")
        try:
            c.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
            c.execute("RELEASE SAVEPOINT unaccent")
        except CorpusError:  # not installed on the server, or not allowed: diacritics stay
            c.execute("ROLLBACK TO SAVEPOINT unaccent")
        if c.execute("SELECT count(*) FROM pg_ts_dict WHERE dictname = 'unaccent' "
                     "AND pg_ts_dict_is_visible(oid)").fetchone()[0]:
            dicts = "unaccent, scisays_stem"
        for stmt in (*_TEXT_SEARCH, _MAPPING.format(dicts=dicts), *_SCHEMA):
            c.execute(stmt)
        c.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("created_by", "scisays"), ("schema_version", str(SCHEMA_VERSION)), ("generation", "0")])

    def close(self) -> None:
        self.conn.close()

    def _begin_write(self) -> None:
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))

    def _note_change(self) -> None:
        self.conn.execute("UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'")

    def fingerprint(self) -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return f"pg:{row[0] if row else ''}"

    def search(
        self,
        any_of: Iterable[str],
        and_any_of: Iterable[str] = (),
        limit: int = 200,
    ) -> list[tuple[Record, float]]:
        """``tsvector @@ phraseto_tsquery``, ranked by ``ts_rank`` with the column weights."""
        first = [_clean(t) for t in any_of if _has_token(t)]
        if not first:
            return []
        second = [_clean(t) for t in and_any_of if _has_token(t)]
        phrase = "phraseto_tsquery('scisays_fts', ?)"
        query = "(" + " || ".join([phrase] * len(first)) + ")"
        if second:
            query += " && (" + " || ".join([phrase] * len(second)) + ")"
        cols = ", ".join(f"r.{c.strip()}" for c in _READ_COLUMNS.split(","))
        sql = (
            f"WITH q AS (SELECT {query} AS q) "
            f"SELECT {cols}, s.score FROM ("
            f"SELECT r.rowid, ts_rank({_RANK_WEIGHTS}, r.tsv, q.q, 1) AS score FROM records r, q "
            "WHERE r.tsv @@ q.q ORDER BY score DESC, r.rowid LIMIT ?"
            ") s JOIN records r ON r.rowid = s.rowid ORDER BY s.score DESC, s.rowid"
        )
        rows = self.conn.execute(sql, (*first, *second, limit)).fetchall()
        return [(row_to_record(r[:-1]), float(r[-1])) for r in rows]

    def _count_publication_types(self) -> list[tuple[str, int]]:
        return [(t, int(n)) for t, n in self.conn.execute(
            "SELECT j.value, count(*) FROM records, jsonb_array_elements_text("
            "records.publication_types::jsonb) j(value) GROUP BY j.value ORDER BY count(*) DESC, j.value")]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _clean(term: str) -> str:
    """A term as literal text for phraseto_tsquery (which reads no operators; NUL is refused)."""
    return _CONTROL.sub(" ", term)

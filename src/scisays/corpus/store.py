"""The corpus: SQLite with an FTS5 index over title, abstract, MeSH and keywords (the default),
or a PostgreSQL database (``postgres.py``) that several processes and machines share.

``Corpus`` holds what both backends do the same way (how records merge, batches, precomputed
appraisals); each backend supplies its connection, schema, full-text search and write lock.
``Corpus.open`` takes a file path or a :class:`~scisays.config.DatabaseUrl`. One ``Corpus`` owns
one connection. Writes happen in batches, one transaction each, so a
killed ingest leaves a consistent database. Records are keyed by PMID, else DOI, else
PMCID, NCT id or the source's own id; a record arriving with an identifier already in the
corpus under another key (say a DOI-keyed record later seen with its PMID) merges into it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from ..config import DatabaseUrl, DbLocation
from ..errors import CorpusError
from ..model import Deletion, Record, Section

APPLICATION_ID = 0x53434953  # "SCIS"
SCHEMA_VERSION = 2

# The columns of a record after its id, as both backends declare them (in _COLUMNS' order).
RECORD_COLUMNS_SQL = """
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
    content_hash TEXT NOT NULL"""

_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records (
    rowid INTEGER PRIMARY KEY,{RECORD_COLUMNS_SQL}
);
CREATE INDEX records_doi ON records(lower(doi)) WHERE doi IS NOT NULL;
CREATE INDEX records_pmcid ON records(upper(pmcid)) WHERE pmcid IS NOT NULL;
CREATE INDEX records_year ON records(year);
CREATE VIRTUAL TABLE records_fts USING fts5(
    title, abstract, mesh, keywords,
    content='records', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER records_ai AFTER INSERT ON records BEGIN
    INSERT INTO records_fts(rowid, title, abstract, mesh, keywords)
    VALUES (new.rowid, new.title, new.abstract, new.mesh, new.keywords);
END;
CREATE TRIGGER records_ad AFTER DELETE ON records BEGIN
    INSERT INTO records_fts(records_fts, rowid, title, abstract, mesh, keywords)
    VALUES ('delete', old.rowid, old.title, old.abstract, old.mesh, old.keywords);
END;
CREATE TRIGGER records_au AFTER UPDATE ON records BEGIN
    INSERT INTO records_fts(records_fts, rowid, title, abstract, mesh, keywords)
    VALUES ('delete', old.rowid, old.title, old.abstract, old.mesh, old.keywords);
    INSERT INTO records_fts(rowid, title, abstract, mesh, keywords)
    VALUES (new.rowid, new.title, new.abstract, new.mesh, new.keywords);
END;
CREATE TABLE deleted (pmid TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE appraisals (
    record_id INTEGER PRIMARY KEY REFERENCES records(rowid) ON DELETE CASCADE,
    content_hash TEXT NOT NULL,
    version TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE ingested_files (
    sha256 TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    items_done INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    updated TEXT NOT NULL
);
"""

_COLUMNS = (
    "key, pmid, doi, pmcid, nct_id, local_id, title, abstract, section_meta, journal, year, "
    "publication_types, mesh, keywords, languages, source, version, revised, content_hash"
)
_INSERT = f"INSERT INTO records (rowid, {_COLUMNS}) VALUES ({','.join('?' * 20)})"
_UPDATE = f"UPDATE records SET ({_COLUMNS}) = ({','.join('?' * 19)}) WHERE rowid = ?"
_READ_COLUMNS = (
    "rowid, pmid, doi, pmcid, nct_id, local_id, title, abstract, section_meta, journal, year, "
    "publication_types, mesh, keywords, languages, source, version, revised"
)
_READ_COLUMNS_OF_R = ", ".join(f"r.{c.strip()}" for c in _READ_COLUMNS.split(","))  # FROM records r


class StoredAppraisal(NamedTuple):
    """A record as a search read it, its content hash, and its stored appraisal (JSON) of the
    version the search asked for, or None."""

    record: Record
    digest: str
    appraisal: str | None


class Found(NamedTuple):
    """What :meth:`Corpus.search_many` found: each search's (record, score) hits, best first,
    and the stored appraisals of the records found, by record key."""

    batches: list[list[tuple[Record, float]]]
    stored: dict[str, StoredAppraisal]


@dataclass
class BatchResult:
    """What one batch (or a whole ingest) did to the corpus."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    older_skipped: int = 0
    deleted: int = 0
    deleted_skipped: int = 0

    def add(self, other: BatchResult) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.older_skipped += other.older_skipped
        self.deleted += other.deleted
        self.deleted_skipped += other.deleted_skipped


_encode = json.encoder.encode_basestring  # C implementation; ensure_ascii=False semantics


def _dump(items: Sequence[str]) -> str:
    """JSON array of strings, as ``json.dumps(list(items), ensure_ascii=False)`` writes it."""
    return "[" + ", ".join(map(_encode, items)) + "]"


# Positions in a records row (the order of _COLUMNS).
_KEY, _PMID, _DOI, _PMCID, _VERSION, _REVISED, _HASH = 0, 1, 2, 3, 16, 17, 18
RecordRow = tuple[Any, ...]


def record_row(record: Record) -> RecordRow:
    """The records-table row for a Record (without rowid), content hash last.

    Ingest builds rows where it parses (possibly in a worker process) and the store
    writes rows, so the writing side never rebuilds Records."""
    abstract = "\n".join(s.text.replace("\n", " ") for s in record.sections)
    meta = None
    if any(s.label or s.category for s in record.sections):
        meta = json.dumps([[s.label, s.category] for s in record.sections], ensure_ascii=False)
    row: tuple[Any, ...] = (
        record.key,
        record.pmid,
        record.doi,
        record.pmcid,
        record.nct_id,
        record.local_id,
        record.title,
        abstract,
        meta,
        record.journal,
        record.year,
        _dump(record.publication_types),
        _dump(record.mesh_headings),
        _dump(record.keywords),
        _dump(record.languages),
        record.source,
        record.version,
        record.revised,
    )
    digest = hashlib.blake2b(repr(row).encode("utf-8"), digest_size=16).hexdigest()
    return (*row, digest)


def row_to_record(row: Sequence[Any]) -> Record:
    """Rebuild a Record from a row selected with ``_READ_COLUMNS`` (rowid first)."""
    (
        _rowid, pmid, doi, pmcid, nct_id, local_id, title, abstract, meta, journal, year,
        pubtypes, mesh, keywords, languages, source, version, revised,
    ) = row
    texts = abstract.split("\n") if abstract else []
    # the JSON columns (arrays, by construction) parsed together: one call, not five
    labels, pubtypes, mesh, keywords, languages = json.loads(
        f"[{meta or 'null'},{pubtypes},{mesh},{keywords},{languages}]")
    if labels is None:
        labels = [["", ""]] * len(texts)
    sections = tuple(
        Section(text=t, label=lab[0], category=lab[1]) for t, lab in zip(texts, labels, strict=False)
    )
    return Record(
        title=title,
        sections=sections,
        pmid=pmid,
        doi=doi,
        pmcid=pmcid,
        nct_id=nct_id,
        local_id=local_id,
        journal=journal,
        year=year,
        publication_types=tuple(pubtypes),
        mesh_headings=tuple(mesh),
        keywords=tuple(keywords),
        languages=tuple(languages),
        source=source,
        version=version,
        revised=revised,
    )


def fts_phrase(term: str) -> str:
    """Quote a user's term as one FTS5 phrase: every character is literal text."""
    cleaned = "".join(c if c.isprintable() else " " for c in term)
    return '"' + cleaned.replace('"', '""') + '"'


def _has_token(term: str) -> bool:
    return any(c.isalnum() for c in term)


# Lookups by an expression index must repeat its WHERE clause for SQLite to use it.
_NOT_NULL = {"lower(doi)": "doi IS NOT NULL AND ", "upper(pmcid)": "pmcid IS NOT NULL AND "}
# An index row, as the write path matches records: (rowid, then these columns).
_INDEX_COLUMNS = "key, pmid, version, revised, content_hash, lower(doi), upper(pmcid)"


class Connection(Protocol):
    """What the shared code needs of a connection: ``execute`` with ``?`` placeholders, returning
    a cursor that iterates rows and has ``fetchone``/``fetchall``/``rowcount``."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...


class _Writes:
    """The inserts and updates of one batch, in their order, sent as runs of one statement with
    ``executemany`` (psycopg pipelines them: one round trip per run, not per record). A new
    record's id is chosen here, so later records of the batch can merge into it."""

    def __init__(self, conn: Connection, allocate: Callable[[], Iterator[int]]) -> None:
        self.conn = conn
        self._allocate = allocate
        self._ids: Iterator[int] | None = None
        self._sql = ""
        self._params: list[Sequence[Any]] = []

    def new_id(self) -> int:
        if self._ids is None:
            self._ids = self._allocate()
        return next(self._ids)

    def add(self, sql: str, params: Sequence[Any]) -> None:
        if sql != self._sql:
            self.flush()
            self._sql = sql
        self._params.append(params)

    def flush(self) -> None:
        if self._params:
            self.conn.executemany(self._sql, self._params)
        self._sql, self._params = "", []


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


class Corpus:
    """A scisays corpus; open one with :meth:`open` (a SQLite file or a PostgreSQL URL)."""

    conn: Connection

    def __init__(self, name: str, conn: Connection) -> None:
        self.name = name  # how messages name it: a path, or a URL without its password
        self.conn = conn

    @classmethod
    def open(cls, location: DbLocation | str | os.PathLike[str], *, create: bool = False) -> Corpus:
        """Open the corpus at ``location`` (a SQLite file path, or a DatabaseUrl); with
        ``create``, make it if missing. Raises CorpusError (one sentence) when it is missing,
        unreachable, of a newer schema or not a scisays corpus."""
        if isinstance(location, DatabaseUrl):
            from .postgres import PostgresCorpus
            return PostgresCorpus.connect(location, create=create)
        return SqliteCorpus.open_file(location, create=create)

    # -- what each backend supplies -----------------------------------------------------

    def close(self) -> None:
        raise NotImplementedError

    def _begin_write(self) -> None:
        """Start a write transaction that no other writer of this corpus runs beside."""
        raise NotImplementedError

    def search(
        self,
        any_of: Iterable[str],
        and_any_of: Iterable[str] = (),
        limit: int = 200,
    ) -> list[tuple[Record, float]]:
        """Records matching any term of ``any_of`` (and, if given, any term of
        ``and_any_of``), most relevant first, with a relevance score (higher is better).

        Records that name an ``any_of`` term in their title, MeSH headings or keywords come
        first, then those that name it only in the abstract; each group in the backend's
        relevance order. So a broad term (a third of a large corpus) ranks only the records
        about it, not every record that mentions it, and both backends agree on what comes
        first. Every term is searched as a literal phrase: quotes, operators and wildcards a
        user types are text, never query syntax."""
        return self.search_many([(any_of, and_any_of)], limit).batches[0]

    def search_many(self, queries: Sequence[tuple[Iterable[str], Iterable[str]]], limit: int = 200,
                    *, version: str | None = None) -> Found:
        """Several searches (``any_of``, ``and_any_of``) at once, as :meth:`search` runs each;
        a record that more than one of them finds is read from its row once, and with the
        appraisal of ``version`` stored for it, if any (and its row has not changed since)."""
        ranked: list[list[tuple[int, float]]] = []
        with self._snapshot():  # what the searches find is what is read, whoever writes meanwhile
            for any_of, and_any_of in queries:
                first = [t for t in any_of if _has_token(t)]
                second = [t for t in and_any_of if _has_token(t)]
                if not first or limit <= 0:
                    ranked.append([])
                    continue
                found = self._ranked(first, second, limit, head=True)
                if len(found) < limit:
                    found += self._ranked(first, second, limit - len(found), head=False)
                ranked.append(found)
            read = self._read_rows(list(dict.fromkeys(rowid for found in ranked for rowid, _ in found)),
                                   version)
        return Found([[(read[rowid].record, score) for rowid, score in found] for found in ranked],
                     {s.record.key: s for s in read.values() if s.appraisal is not None})

    def _snapshot(self) -> contextlib.AbstractContextManager[None]:
        """A read-only transaction: every statement inside sees the corpus as it was at its start."""
        raise NotImplementedError

    def _read_rows(self, rowids: Sequence[int], version: str | None) -> dict[int, StoredAppraisal]:
        """Rowid -> the record of each row (read once, however many searches found it), with its
        content hash and its stored appraisal of ``version`` (None if there is none)."""
        join = ("LEFT JOIN appraisals a ON a.record_id = r.rowid AND a.version = ? "
                "AND a.content_hash = r.content_hash" if version is not None else "")
        data = "a.data" if version is not None else "NULL"
        out: dict[int, StoredAppraisal] = {}
        for i in range(0, len(rowids), 500):
            chunk = rowids[i:i + 500]
            params = ([version] if version is not None else []) + list(chunk)
            for row in self.conn.execute(
                    f"SELECT {_READ_COLUMNS_OF_R}, r.content_hash, {data} FROM records r {join} "
                    f"WHERE r.rowid IN ({','.join('?' * len(chunk))})", params):
                out[row[0]] = StoredAppraisal(row_to_record(row[:-2]), row[-2], _unpack(row[-1]))
        return out

    def _ranked(self, first: list[str], second: list[str], limit: int, *, head: bool
                ) -> list[tuple[int, float]]:
        """The rowids and scores of the best ``limit`` matches of (any of ``first``) and (any of
        ``second``, if given), best first: with ``head``, those naming a ``first`` term in the
        title, MeSH or keywords; without, the others."""
        raise NotImplementedError

    def _count_publication_types(self) -> list[tuple[str, int]]:
        raise NotImplementedError

    def fingerprint(self) -> str:
        """Changes whenever the corpus' records change (not when it is only read)."""
        raise NotImplementedError

    def _allocate_ids(self, n: int) -> Iterator[int]:
        """Ids for up to ``n`` new records of the batch being written (inside its transaction)."""
        raise NotImplementedError

    def _note_change(self, added: int) -> None:
        """Called inside a write transaction that changed records (for :meth:`fingerprint`),
        with how many records it added (negative: removed)."""

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------

    def write_batch(
        self,
        items: Sequence[Record | RecordRow | Deletion],
        *,
        progress: tuple[str, str, int, int] | None = None,
    ) -> BatchResult:
        """Apply records (as Records or as rows from :func:`record_row`) and deletions, in
        order, in one transaction.

        ``progress`` = (sha256, name, size, items_done) is stored in the same transaction,
        so an interrupted ingest can resume exactly after the last committed batch."""
        result = BatchResult()
        rows = [record_row(it) if isinstance(it, Record) else it for it in items]
        c = self.conn
        self._begin_write()
        try:
            existing = self._prefetch(rows)
            deleted = self._prefetch_deleted(rows)
            writes = _Writes(c, lambda: self._allocate_ids(len(rows)))
            for item in rows:
                if isinstance(item, Deletion):
                    writes.flush()  # a deletion sees every write before it
                    self._apply_deletion(item, existing, deleted, result)
                else:
                    self._apply_record(item, existing, deleted, result, writes)
            writes.flush()
            if result.inserted or result.updated or result.deleted:
                self._note_change(result.inserted - result.deleted)
            if progress is not None:
                sha, name, size, done = progress
                c.execute(
                    "INSERT INTO ingested_files VALUES (?, ?, ?, ?, 0, ?) "
                    "ON CONFLICT(sha256) DO UPDATE SET items_done=excluded.items_done, "
                    "name=excluded.name, updated=excluded.updated",
                    (sha, name, size, done, _now()),
                )
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return result

    def _prefetch(self, rows: Sequence[RecordRow | Deletion]) -> dict[str, tuple[Any, ...]]:
        """Existing rows for every identifier in the batch, by 'kind:value'."""
        pmids, dois, pmcids, keys = set(), set(), set(), set()
        for it in rows:
            if not isinstance(it, Deletion):
                keys.add(it[_KEY])
                if it[_PMID]:
                    pmids.add(it[_PMID])
                if it[_DOI]:
                    dois.add(it[_DOI].lower())
                if it[_PMCID]:
                    pmcids.add(it[_PMCID].upper())
        found: dict[str, tuple[Any, ...]] = {}
        for column, values in (
            ("key", keys),
            ("pmid", pmids),
            ("lower(doi)", dois),
            ("upper(pmcid)", pmcids),
        ):
            for row in self._lookup(column, values):
                self._index_row(found, row)
        return found

    def _lookup(self, column: str, values: Iterable[str]) -> Iterator[tuple[Any, ...]]:
        """Index rows (see :meth:`_index_row`) whose ``column`` is one of ``values``.

        Keys and PMIDs are unique. Many records may share a DOI or PMCID (errata, reprints),
        and only the earliest one is ever a merge candidate: for those, one row per value,
        never all of them."""
        shared = column in _NOT_NULL
        vals = list(values)
        for i in range(0, len(vals), 900):
            chunk = vals[i : i + 900]
            where = f"{_NOT_NULL.get(column, '')}{column} IN ({','.join('?' * len(chunk))})"
            q = (f"SELECT rowid, {_INDEX_COLUMNS} FROM records WHERE "
                 + (f"rowid IN (SELECT min(rowid) FROM records WHERE {where} GROUP BY {column})"
                    if shared else where))
            yield from self.conn.execute(q, chunk)

    @staticmethod
    def _index_row(found: dict[str, tuple[Any, ...]], row: tuple[Any, ...]) -> None:
        """Index a (rowid, key, pmid, ..., doi, pmcid) row. A DOI or PMCID shared by several
        records points at the earliest of them (lowest rowid), whatever the batch order."""
        found[f"key:{row[1]}"] = row
        if row[2]:
            found[f"pmid:{row[2]}"] = row
        for k in (f"doi:{row[6]}" if row[6] else "", f"pmcid:{row[7]}" if row[7] else ""):
            if k:
                cur = found.get(k)
                if cur is None or row[0] <= cur[0]:
                    found[k] = row

    @staticmethod
    def _unindex_row(found: dict[str, tuple[Any, ...]], row: tuple[Any, ...]) -> None:
        for k in (f"key:{row[1]}", f"pmid:{row[2]}", f"doi:{row[6]}", f"pmcid:{row[7]}"):
            if found.get(k) is row:
                del found[k]

    def _prefetch_deleted(self, rows: Sequence[RecordRow | Deletion]) -> set[str]:
        pmids = [it[_PMID] for it in rows if not isinstance(it, Deletion) and it[_PMID]]
        out: set[str] = set()
        for i in range(0, len(pmids), 900):
            chunk = pmids[i : i + 900]
            q = f"SELECT pmid FROM deleted WHERE pmid IN ({','.join('?' * len(chunk))})"
            out.update(r[0] for r in self.conn.execute(q, chunk))
        return out

    def _find_existing(
        self, row: RecordRow, existing: dict[str, tuple[Any, ...]]
    ) -> tuple[Any, ...] | None:
        pmid, doi, pmcid = row[_PMID], row[_DOI], row[_PMCID]
        found = existing.get(f"key:{row[_KEY]}")
        if found is None and pmid:
            found = existing.get(f"pmid:{pmid}")
        if found is None and doi:
            cand = existing.get(f"doi:{doi.lower()}")
            # Two different PMIDs sharing a DOI (errata, reprints) stay separate records.
            if cand is not None and not (cand[2] and pmid and cand[2] != pmid):
                found = cand
        if found is None and pmcid:
            cand = existing.get(f"pmcid:{pmcid.upper()}")
            if cand is not None and not (cand[2] and pmid and cand[2] != pmid):
                found = cand
        return found

    @staticmethod
    def _index_entry(rowid: int, values: RecordRow) -> tuple[Any, ...]:
        doi, pmcid = values[_DOI], values[_PMCID]
        return (rowid, values[_KEY], values[_PMID], values[_VERSION], values[_REVISED],
                values[_HASH], doi.lower() if doi else None, pmcid.upper() if pmcid else None)

    def _apply_record(
        self,
        values: RecordRow,
        existing: dict[str, tuple[Any, ...]],
        deleted: set[str],
        result: BatchResult,
        writes: _Writes,
    ) -> None:
        pmid = values[_PMID]
        if pmid and pmid in deleted:
            result.deleted_skipped += 1
            return
        old = self._find_existing(values, existing)
        if old is None:
            rowid = writes.new_id()
            writes.add(_INSERT, (rowid, *values))
            result.inserted += 1
            self._index_row(existing, self._index_entry(rowid, values))
            return
        rowid, _key, old_pmid, old_version, old_revised, old_hash = old[:6]
        if old_hash == values[_HASH]:
            result.unchanged += 1
            return
        if old_pmid and not pmid:
            # The PubMed record is the authority; a PMID-less copy never replaces it.
            result.older_skipped += 1
            return
        if (values[_VERSION], values[_REVISED]) < (old_version, old_revised) and (
            not old_pmid or old_pmid == pmid
        ):
            result.older_skipped += 1
            return
        writes.add(_UPDATE, (*values, rowid))
        result.updated += 1
        self._unindex_row(existing, old)
        self._index_row(existing, self._index_entry(rowid, values))

    def _apply_deletion(
        self,
        deletion: Deletion,
        existing: dict[str, tuple[Any, ...]],
        deleted: set[str],
        result: BatchResult,
    ) -> None:
        c = self.conn
        for pmid in deletion.pmids:
            cur = c.execute("DELETE FROM records WHERE pmid = ?", (pmid,))
            result.deleted += cur.rowcount
            c.execute("INSERT INTO deleted(pmid) VALUES (?) ON CONFLICT DO NOTHING", (pmid,))
            deleted.add(pmid)
            row = existing.get(f"pmid:{pmid}")
            if row is not None:
                self._unindex_row(existing, row)
                self._refill_shared(existing, row)

    def _refill_shared(self, found: dict[str, tuple[Any, ...]], gone: tuple[Any, ...]) -> None:
        """After ``gone`` left the corpus, point its DOI/PMCID at the earliest record that
        still has it (the prefetch read only one row per shared DOI or PMCID)."""
        for kind, column, value in (("doi", "lower(doi)", gone[6]), ("pmcid", "upper(pmcid)", gone[7])):
            if value and f"{kind}:{value}" not in found:
                for row in self._lookup(column, (value,)):
                    self._index_row(found, row)

    def file_status(self, sha256: str) -> tuple[int, bool] | None:
        """(items already applied, complete?) for a file seen before, else None."""
        row = self.conn.execute(
            "SELECT items_done, complete FROM ingested_files WHERE sha256 = ?", (sha256,)
        ).fetchone()
        return (int(row[0]), bool(row[1])) if row else None

    def mark_file_complete(self, sha256: str, name: str, size: int, items: int) -> None:
        self.conn.execute(
            "INSERT INTO ingested_files VALUES (?, ?, ?, ?, 1, ?) "
            "ON CONFLICT(sha256) DO UPDATE SET items_done=excluded.items_done, complete=1, "
            "name=excluded.name, updated=excluded.updated",
            (sha256, name, size, items, _now()),
        )

    # -- reading -------------------------------------------------------------------------

    def get(self, key: str) -> Record | None:
        """The record with this key ('pmid:123', 'doi:…', 'id:…'), or a bare PMID."""
        if ":" not in key:
            key = f"pmid:{key}"
        row = self.conn.execute(
            f"SELECT {_READ_COLUMNS} FROM records WHERE key = ?", (key,)
        ).fetchone()
        return row_to_record(row) if row else None

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM records").fetchone()[0])

    def stats(self) -> dict[str, Any]:
        """Counts: records, deletions, files, and records by year, publication type and source."""
        c = self.conn
        by_year = [
            (y, n)
            for y, n in c.execute(
                "SELECT year, count(*) FROM records GROUP BY year ORDER BY year IS NULL, year"
            )
        ]
        by_type = self._count_publication_types()
        by_source = list(
            c.execute("SELECT source, count(*) FROM records GROUP BY source ORDER BY count(*) DESC")
        )
        files = list(
            c.execute(
                "SELECT name, items_done, complete, updated FROM ingested_files ORDER BY updated"
            )
        )
        return {
            "path": self.name,
            "records": self.count(),
            "deleted_pmids": int(c.execute("SELECT count(*) FROM deleted").fetchone()[0]),
            "by_year": by_year,
            "by_publication_type": by_type,
            "by_source": by_source,
            "files": files,
        }

    # -- precomputed appraisals ---------------------------------------------------------------

    def records_to_appraise(self, version: str, batch: int = 500) -> Iterator[list[tuple[int, str, Record]]]:
        """Batches of (record id, content hash, record) without a current appraisal of
        ``version``, in record order; each batch is read after the previous one was stored."""
        last = 0
        while True:
            rows = self.conn.execute(
                f"SELECT r.content_hash, {_READ_COLUMNS_OF_R} "
                "FROM records r LEFT JOIN appraisals a ON a.record_id = r.rowid "
                "AND a.version = ? AND a.content_hash = r.content_hash "
                "WHERE a.record_id IS NULL AND r.rowid > ? ORDER BY r.rowid LIMIT ?",
                (version, last, batch),
            ).fetchall()
            if not rows:
                return
            last = rows[-1][1]
            yield [(int(row[1]), str(row[0]), row_to_record(row[1:])) for row in rows]

    def count_to_appraise(self, version: str) -> int:
        return int(self.conn.execute(
            "SELECT count(*) FROM records r LEFT JOIN appraisals a ON a.record_id = r.rowid "
            "AND a.version = ? AND a.content_hash = r.content_hash WHERE a.record_id IS NULL",
            (version,)).fetchone()[0])

    def store_appraisals(self, rows: Sequence[tuple[int, str, str, str | bytes]]) -> None:
        """(record id, content hash, version, data) rows, in one transaction. The JSON is stored
        zlib-compressed (less than half its size); bytes are taken as compressed already."""
        packed = [(rid, h, v, d if isinstance(d, bytes) else pack(d)) for rid, h, v, d in rows]
        c = self.conn
        self._begin_write()
        try:
            # a record deleted or replaced meanwhile keeps no appraisal (nor a stale one)
            c.executemany(
                "INSERT INTO appraisals(record_id, content_hash, version, data) "
                "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM records WHERE rowid = ? "
                "AND content_hash = ?) "
                "ON CONFLICT(record_id) DO UPDATE SET content_hash=excluded.content_hash, "
                "version=excluded.version, data=excluded.data",
                [(rid, h, v, d, rid, h) for rid, h, v, d in packed])
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def iter_records(self) -> Iterator[Record]:
        for row in self.conn.execute(f"SELECT {_READ_COLUMNS} FROM records ORDER BY rowid"):
            yield row_to_record(row)


class SqliteCorpus(Corpus):
    """A scisays corpus in one SQLite file."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        super().__init__(str(path), conn)
        self.path = path
        self.sqlite = conn

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open_file(cls, path: str | os.PathLike[str], *, create: bool = False) -> SqliteCorpus:
        """Open the corpus at ``path``; with ``create``, make it (and its folder) if missing.

        Raises CorpusError when the file does not exist (and create is False), is not a
        SQLite database, or is a SQLite database that is not a scisays corpus."""
        p = Path(path).expanduser()
        if p.is_dir():
            raise CorpusError(f"{p} is a folder, not a corpus file; give a file path with --db.")
        exists = p.exists() and p.stat().st_size > 0
        if not exists and not create:
            raise CorpusError(
                f"No corpus at {p} yet; create one with `scisays corpus ingest FILE` "
                "(or point --db / SCISAYS_DB at an existing corpus)."
            )
        if not exists:
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise CorpusError(f"Cannot create the folder for {p} ({e.strerror}).") from None
        try:
            conn = sqlite3.connect(p, isolation_level=None, timeout=30.0, check_same_thread=False)
        except sqlite3.Error as e:
            raise CorpusError(f"Cannot open {p} as a database ({e}); check the path.") from None
        corpus = cls(p, conn)
        try:
            corpus._check_or_init(create)
        except sqlite3.DatabaseError as e:
            conn.close()
            raise CorpusError(
                f"{p} is not a scisays corpus (SQLite says: {e}); choose another file with --db."
            ) from None
        except CorpusError:
            conn.close()
            raise
        return corpus

    def _check_or_init(self, create: bool) -> None:
        c = self.sqlite
        app_id = c.execute("PRAGMA application_id").fetchone()[0]
        if app_id == APPLICATION_ID:
            version = c.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise CorpusError(
                    f"{self.path} was made by a newer scisays (schema {version}); upgrade scisays."
                )
            self._configure()
            if version < SCHEMA_VERSION:
                self._migrate(version)
            return
        tables = c.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables or not create:
            raise CorpusError(
                f"{self.path} is a SQLite database but not a scisays corpus; "
                "choose another file with --db."
            )
        self._init_schema()

    def _init_schema(self) -> None:
        c = self.sqlite
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _split_sql(_SCHEMA):
                c.execute(stmt)
            c.execute("INSERT INTO meta VALUES ('created_by', 'scisays')")
            c.execute(f"PRAGMA application_id={APPLICATION_ID}")
            c.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        self._configure()

    def _migrate(self, version: int) -> None:
        """Bring a corpus of an older schema up to date, in one transaction (schema 2 adds the
        table of precomputed appraisals)."""
        c = self.sqlite
        try:
            c.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise CorpusError(f"{self.path} needs a one-time upgrade to schema {SCHEMA_VERSION} but "
                              f"cannot be written ({e}); open it once with write access.") from None
        try:
            if version < 2:
                c.execute(next(st for st in _split_sql(_SCHEMA) if st.startswith("CREATE TABLE appraisals")))
            c.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def _configure(self) -> None:
        c = self.sqlite
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=NORMAL")  # in WAL mode: safe against a killed process
        c.execute("PRAGMA foreign_keys=ON")
        c.execute("PRAGMA cache_size=-65536")

    def close(self) -> None:
        self.sqlite.close()

    def _begin_write(self) -> None:
        self.sqlite.execute("BEGIN IMMEDIATE")

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[None]:
        self.sqlite.execute("BEGIN")  # deferred: the first read fixes what the transaction sees
        try:
            yield
        finally:
            self.sqlite.execute("COMMIT")

    def _ranked(self, first: list[str], second: list[str], limit: int, *, head: bool
                ) -> list[tuple[int, float]]:
        """FTS5, best BM25 first (title weighs 10, MeSH and keywords 3, the abstract 1)."""
        about = "(" + " OR ".join(fts_phrase(t) for t in first) + ")"
        query = about
        if second:
            query += " AND (" + " OR ".join(fts_phrase(t) for t in second) + ")"
        in_head = f"{{title mesh keywords}}: {about}"
        query = f"{in_head} AND ({query})" if head else f"({query}) NOT ({in_head})"
        sql = ("SELECT rowid, bm25(records_fts, 10.0, 1.0, 3.0, 3.0) AS score FROM records_fts "
               "WHERE records_fts MATCH ? ORDER BY score, rowid LIMIT ?")
        try:
            rows = self.sqlite.execute(sql, (query, limit)).fetchall()
        except sqlite3.OperationalError as e:  # pragma: no cover - phrases cannot be invalid
            raise CorpusError(f"The corpus search failed ({e}); report this as a bug.") from None
        return [(rowid, -float(score)) for rowid, score in rows]

    def _allocate_ids(self, n: int) -> Iterator[int]:
        """After the highest id in use: the write transaction (BEGIN IMMEDIATE) excludes other
        writers, so no one else takes them."""
        start = int(self.sqlite.execute("SELECT coalesce(max(rowid), 0) FROM records").fetchone()[0]) + 1
        return iter(range(start, start + n))

    def _count_publication_types(self) -> list[tuple[str, int]]:
        return [(t, n) for t, n in self.sqlite.execute(
            "SELECT j.value, count(*) FROM records, json_each(records.publication_types) j "
            "GROUP BY j.value ORDER BY count(*) DESC, j.value")]

    def fingerprint(self) -> str:
        return file_fingerprint(self.path)


def file_fingerprint(path: Path) -> str:
    """A SQLite corpus' state without opening it: size and modification time of the file and of
    a non-empty write-ahead log (reading the corpus leaves them as they are)."""
    parts = []
    for suffix in ("", "-wal"):
        try:
            st = os.stat(f"{path}{suffix}")
        except FileNotFoundError:
            continue
        if suffix and not st.st_size:
            continue
        parts.append(f"{st.st_mtime_ns}:{st.st_size}")
    return "/".join(parts)


def pack(data: str) -> bytes:
    """A stored appraisal's JSON as the corpus keeps it (zlib)."""
    return zlib.compress(data.encode("utf-8"), 6)


def _unpack(data: bytes | str | None) -> str | None:
    """A stored appraisal's JSON from what the corpus keeps (zlib bytes, or text)."""
    return zlib.decompress(data).decode("utf-8") if isinstance(data, bytes) else data


def _split_sql(script: str) -> list[str]:
    """Split the schema into statements (triggers contain ';' inside BEGIN…END)."""
    out, buf = [], []
    for line in script.strip().splitlines():
        buf.append(line)
        joined = "\n".join(buf).strip()
        if joined.endswith(";") and (
            not joined.upper().startswith("CREATE TRIGGER") or joined.upper().endswith("END;")
        ):
            out.append(joined)
            buf = []
    return out

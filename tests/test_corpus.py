"""The corpus store and ingest: idempotency, updates, deletions, resumption, bad input."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

import pytest

from scisays.config import DbLocation
from scisays.corpus import Corpus, ingest_file
from scisays.corpus.store import fts_phrase, record_row
from scisays.errors import CorpusError, InputFileError
from scisays.model import Deletion, Record

from conftest import DATA, KRATOM_DEV, PUBMED_FIXTURES, pubmed_samples


def snapshot(corpus: Corpus) -> list[tuple]:
    return list(corpus.conn.execute("SELECT key, content_hash FROM records ORDER BY key"))


def test_ingest_real_samples_and_jsonl(store: DbLocation):
    with Corpus.open(store, create=True) as c:
        for p in pubmed_samples():
            ingest_file(c, p)
        r = ingest_file(c, KRATOM_DEV)
        assert r.format == "jsonl" and r.changes.inserted == 9
        assert c.count() == 18
        k = c.get("id:k01")
        assert k is not None and k.pmid is None and k.year == 2020
        doi_rec = c.get("doi:10.3389/fphar.2022.765917")
        assert doi_rec is not None and doi_rec.title.startswith("Kratom dosing")
        rec = c.get("29768149")
        assert rec is not None and rec.sections[0].label == "BACKGROUND"


def test_ingest_twice_changes_nothing(store: DbLocation):
    with Corpus.open(store, create=True) as c:
        ingest_file(c, DATA / "update_v1.xml")
        before = snapshot(c)
        again = ingest_file(c, DATA / "update_v1.xml")
        assert again.already_ingested
        forced = ingest_file(c, DATA / "update_v1.xml", force=True)
        assert forced.changes.unchanged == 3 and forced.changes.inserted == 0
        assert snapshot(c) == before


def test_newer_version_replaces_and_deletion(store: DbLocation):
    with Corpus.open(store, create=True) as c:
        ingest_file(c, DATA / "update_v1.xml")
        r = ingest_file(c, DATA / "update_v2.xml")
        assert r.changes.updated == 1 and r.changes.deleted == 1
        rec = c.get("90000001")
        assert rec is not None and rec.title.endswith("(revised).")
        assert c.get("90000003") is None
        # Re-ingesting the older file does not bring back old text or the deleted record.
        old = ingest_file(c, DATA / "update_v1.xml", force=True)
        assert old.changes.older_skipped == 1 and old.changes.deleted_skipped == 1
        assert c.get("90000001").title.endswith("(revised).")
        assert c.get("90000003") is None
        assert not c.search(["kratom"])  # the FTS index forgot the deleted record too


def test_doi_record_merges_with_pubmed_record(store: DbLocation, tmp_path: Path):
    jsonl = tmp_path / "doi.jsonl"
    jsonl.write_text('{"doi": "10.9999/TEST.1", "title": "Preprint version", "abstract": "x"}\n')
    with Corpus.open(store, create=True) as c:
        ingest_file(c, jsonl)
        ingest_file(c, DATA / "update_v1.xml")
        assert c.count() == 3  # merged, not duplicated
        assert c.get("doi:10.9999/test.1") is None
        assert c.get("90000001").doi == "10.9999/test.1"

@pytest.mark.parametrize("batch_size", [1, 3, 2000])
def test_shared_doi_records_stay_separate_and_copies_merge_into_the_first(
    store: DbLocation, tmp_path: Path, batch_size: int
):
    """Several PubMed records may share a DOI (errata, reprints): each stays its own record,
    and a PMID-less copy with that DOI merges into the earliest one, whatever the batching."""
    lines = [f'{{"pmid": "{9100 + i}", "doi": "10.1/Shared", "title": "Paper {i}"}}' for i in range(5)]
    lines.append('{"doi": "10.1/shared", "title": "PMID-less copy", "abstract": "x"}')
    lines.append('{"pmid": "9200", "doi": "10.1/other", "title": "Other paper"}')
    src = tmp_path / "shared.jsonl"
    src.write_text("\n".join(lines) + "\n")
    with Corpus.open(store, create=True) as c:
        r = ingest_file(c, src, batch_size=batch_size)
        assert c.count() == 6
        assert r.changes.inserted == 6 and r.changes.older_skipped == 1
        assert c.get("doi:10.1/shared") is None
        assert [c.get(str(9100 + i)).title for i in range(5)] == [f"Paper {i}" for i in range(5)]
        again = ingest_file(c, src, batch_size=batch_size, force=True)
        assert again.changes.unchanged == 6 and again.changes.older_skipped == 1
        assert c.count() == 6



def test_jsonl_edge_cases(store: DbLocation):
    with Corpus.open(store, create=True) as c:
        r = ingest_file(c, DATA / "edge.jsonl")
        assert r.changes.inserted == 3
        assert c.get("id:e1").year == 2021
        assert c.get("90000009").title == "Numeric PMID is accepted"


def test_bad_jsonl_line_names_the_line_and_keeps_corpus_consistent(store: DbLocation):
    with Corpus.open(store, create=True) as c:
        with pytest.raises(InputFileError, match=r"bad\.jsonl line 2: not valid JSON"):
            ingest_file(c, DATA / "bad.jsonl", batch_size=1)
        assert c.count() == 1  # the batch before the bad line is committed, nothing half-written


def test_truncated_gzip(db: Path, tmp_path: Path):
    data = gzip.compress((PUBMED_FIXTURES / "pubmed4.xml").read_bytes())
    bad = tmp_path / "cut.xml.gz"
    bad.write_bytes(data[: len(data) // 2])
    with Corpus.open(db, create=True) as c, pytest.raises(InputFileError, match="truncated"):
        ingest_file(c, bad)


def test_corrupt_gzip(db: Path, tmp_path: Path):
    data = bytearray(gzip.compress((PUBMED_FIXTURES / "pubmed4.xml").read_bytes()))
    data[20:60] = b"\x00" * 40
    bad = tmp_path / "corrupt.xml.gz"
    bad.write_bytes(bytes(data))
    with Corpus.open(db, create=True) as c, pytest.raises(InputFileError, match="gzip"):
        ingest_file(c, bad)


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "worker"])
def test_resume_after_interruption(store: DbLocation, tmp_path: Path, parallel: bool):
    """A crash between batches: re-running skips what was committed and finishes, whether the
    file is parsed in this process or in the worker."""
    big = tmp_path / "big.jsonl"
    big.write_text("".join(f'{{"id": "r{i}", "title": "kratom record {i}"}}\n' for i in range(50)))
    with Corpus.open(store, create=True) as c:
        calls = {"n": 0}
        real = c.write_batch

        def crash_on_third(items, progress=None):
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt
            return real(items, progress=progress)

        c.write_batch = crash_on_third  # type: ignore[method-assign]
        with pytest.raises(KeyboardInterrupt):
            ingest_file(c, big, batch_size=10, parallel=parallel)
        assert c.count() == 20
        c.write_batch = real  # type: ignore[method-assign]
        r = ingest_file(c, big, batch_size=10, parallel=parallel)
        assert r.resumed_from == 20 and r.changes.inserted == 30 and c.count() == 50


def test_search_treats_user_text_as_terms(store: DbLocation):
    with Corpus.open(store, create=True) as c:
        ingest_file(c, KRATOM_DEV)
        for nasty in ['"kratom', "kratom)", "kratom AND", "NOT kratom", "kratom*", "-kratom",
                      "kratom OR (", "NEAR(kratom)", "ünïcödé kratom", "", "***", "^kratom"]:
            c.search([nasty], ["anxiety"])  # never raises
        assert len(c.search(["kratom*"])) == len(c.search(["kratom"])) == 8  # k09 says Mitragyna
        assert fts_phrase('a "b"') == '"a ""b"""'


def test_several_searches_at_once_read_each_record_once(store: DbLocation):
    with Corpus.open(store, create=True) as c:
        ingest_file(c, KRATOM_DEV)
        queries = [(["kratom"], ["anxiety"]), (["kratom"], ["depression"]), (["kratom"], []), ([], ["x"])]
        together, stored = c.search_many(queries, limit=5)
        assert stored == {}  # no version asked for, no stored appraisals read
        first = {r.key: r for r, _ in together[0]}
        shared = [r for r, _ in together[2] if r.key in first]
        assert shared and all(r is first[r.key] for r in shared)  # one Record per row
        assert together == [c.search(a, b, limit=5) for a, b in queries]


def test_a_search_reads_the_records_it_found_whoever_writes_meanwhile(
        store: DbLocation, monkeypatch: pytest.MonkeyPatch):
    """Searches rank row ids, then read the rows: all in one snapshot, so a record deleted by
    another writer in between is still read (the next search no longer finds it)."""
    with Corpus.open(store, create=True) as c:
        c.write_batch([Record(pmid=str(9100 + i), title=f"Kratom study {i}") for i in range(3)])
        real = type(c)._read_rows

        def read_after_a_deletion(self: Corpus, rowids: list[int], version: str | None) -> object:
            with Corpus.open(store) as other:  # another process, as far as the corpus can tell
                assert other.write_batch([Deletion(("9101",))]).deleted == 1
            return real(self, rowids, version)

        monkeypatch.setattr(type(c), "_read_rows", read_after_a_deletion)
        assert sorted(r.pmid for r, _ in c.search(["kratom"])) == ["9100", "9101", "9102"]
        monkeypatch.setattr(type(c), "_read_rows", real)
        assert sorted(r.pmid for r, _ in c.search(["kratom"])) == ["9100", "9102"]


def test_not_a_scisays_database(tmp_path: Path):
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(CorpusError, match="not a scisays corpus"):
        Corpus.open(other, create=True)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(CorpusError, match="not a scisays corpus"):
        Corpus.open(junk)


def test_missing_corpus_not_created(tmp_path: Path):
    p = tmp_path / "nope.sqlite"
    with pytest.raises(CorpusError, match="No corpus at"):
        Corpus.open(p)
    assert not p.exists()


def test_stats(store: DbLocation):
    with Corpus.open(store, create=True) as c:
        ingest_file(c, KRATOM_DEV)
        s = c.stats()
        assert s["records"] == 9
        assert dict(s["by_publication_type"])["Journal Article"] == 9
        assert dict(s["by_year"])[2020] == 2


# -- the parallel ingest (a worker process parses, this one writes) ------------------------


def _full_snapshot(corpus: Corpus) -> list[tuple]:
    return list(corpus.conn.execute("SELECT * FROM records ORDER BY key"))


def test_parallel_ingest_matches_in_process(tmp_path: Path):
    files = [*pubmed_samples(), DATA / "update_v1.xml", DATA / "update_v2.xml", KRATOM_DEV]
    snaps = []
    for parallel in (False, True):
        with Corpus.open(tmp_path / f"p{parallel}.sqlite", create=True) as c:
            results = [ingest_file(c, f, parallel=parallel, batch_size=2) for f in files]
            snaps.append((_full_snapshot(c), [r.changes for r in results]))
    assert snaps[0] == snaps[1]
    assert snaps[1][1][-2].deleted == 1  # update_v2's DeleteCitation went through the worker


def test_parallel_ingest_reports_bad_xml_and_keeps_earlier_batches(tmp_path: Path):
    good = b"".join(
        b"<PubmedArticle><MedlineCitation><PMID Version='1'>%d</PMID><Article>"
        b"<ArticleTitle>Kratom %d</ArticleTitle></Article></MedlineCitation></PubmedArticle>" % (i, i)
        for i in range(1, 8)
    )
    bad = tmp_path / "cut.xml"
    bad.write_bytes(b"<PubmedArticleSet>" + good + b"<PubmedArticle><MedlineCitation><PMI")
    with Corpus.open(tmp_path / "c.sqlite", create=True) as c:
        with pytest.raises(InputFileError, match=r"cut\.xml: malformed XML .*\(6 items before"):
            ingest_file(c, bad, parallel=True, batch_size=3)
        assert c.count() == 6
        assert c.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_prefetch_reads_one_row_per_shared_doi(store: DbLocation, tmp_path: Path):
    """Writing a batch looks up existing rows by DOI; a DOI shared by many records must cost
    one row, not all of them (that made memory and time grow with the corpus)."""
    src = tmp_path / "many.jsonl"
    src.write_text("".join(f'{{"pmid": "{7000 + i}", "doi": "10.1/same", "title": "t{i}"}}\n'
                           for i in range(200)))
    with Corpus.open(store, create=True) as c:
        ingest_file(c, src)
        found = c._prefetch([record_row(Record(pmid="9999", doi="10.1/same", title="x"))])
        assert len({row[0] for row in found.values()}) == 1
        assert found["doi:10.1/same"][2] == "7000"


def test_copy_after_deleting_the_first_of_a_shared_doi_merges_into_the_next(store: DbLocation):
    """In one batch: the earliest record of a shared DOI is deleted, then a PMID-less copy of
    that DOI arrives. It merges into the next record with the DOI, not into a new record."""
    with Corpus.open(store, create=True) as c:
        c.write_batch([Record(pmid=str(8000 + i), doi="10.1/dup", title=f"t{i}") for i in range(3)])
        r = c.write_batch([Deletion(("8000",)), Record(doi="10.1/dup", title="copy")])
        assert r.deleted == 1 and r.older_skipped == 1 and r.inserted == 0
        assert c.count() == 2 and c.get("doi:10.1/dup") is None


# -- PostgreSQL: what only a shared server database has to get right -----------------------------


def test_postgres_refuses_foreign_tables_and_newer_schemas(postgres_url):
    import psycopg

    with pytest.raises(CorpusError, match="No scisays corpus in the PostgreSQL database"):
        Corpus.open(postgres_url)
    with psycopg.connect(postgres_url.url, autocommit=True) as raw:
        raw.execute("CREATE TABLE records (x int)")
        with pytest.raises(CorpusError, match="not a scisays corpus"):
            Corpus.open(postgres_url, create=True)
        raw.execute("DROP TABLE records")
        Corpus.open(postgres_url, create=True).close()
        raw.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(CorpusError, match="newer scisays"):
        Corpus.open(postgres_url)


def test_both_backends_find_the_same_records(tmp_path: Path, postgres_url):
    """Every term is a literal phrase on both backends: the same records match (the order may
    differ: BM25 and ts_rank weigh alike, not identically)."""
    terms = [(["kratom"], []), (["Mitragyna speciosa"], ["anxiety", "depression"]),
             (["kratom*"], []), (['"kratom'], ["mental health"]), (["opioid use disorder"], []),
             (["withdrawal"], ["kratom"]), (["non-existent phrase kratom"], [])]
    found = []
    for where in (tmp_path / "c.sqlite", postgres_url):
        with Corpus.open(where, create=True) as c:
            for f in [*pubmed_samples(), KRATOM_DEV]:
                ingest_file(c, f)
            found.append([sorted(r.key for r, _ in c.search(a, b)) for a, b in terms])
            best = c.search(["Mitragyna speciosa"], ["anxiety"])
            assert best and all(score > 0 for _, score in best)
    assert found[0] == found[1]
    assert found[0][0] and not found[0][-1]


def test_postgres_fingerprint_changes_with_records_only(postgres_url):
    with Corpus.open(postgres_url, create=True) as c:
        first = c.fingerprint()
        ingest_file(c, KRATOM_DEV)
        second = c.fingerprint()
        c.search(["kratom"])
        ingest_file(c, KRATOM_DEV, force=True)  # unchanged records
        assert first != second == c.fingerprint()


def test_postgres_keeps_the_record_count_through_every_change(postgres_url):
    import psycopg

    def counted() -> int:
        with psycopg.connect(postgres_url.url) as raw:
            return int(raw.execute("SELECT count(*) FROM records").fetchone()[0])

    with Corpus.open(postgres_url, create=True) as c:
        assert c.count() == 0
        ingest_file(c, KRATOM_DEV)
        c.write_batch([Record(pmid=str(8000 + i), doi="10.1/dup", title=f"t{i}") for i in range(3)])
        c.write_batch([Record(pmid="8001", title="t1, revised", version=2)])  # an update: no new record
        c.write_batch([Deletion(("8000", "8002", "123456789"))])  # two deleted, one never there
        assert c.count() == counted() == 9 + 3 - 2
    with psycopg.connect(postgres_url.url, autocommit=True) as raw:  # a corpus from before the count
        raw.execute("DELETE FROM meta WHERE key = 'records'")
    with Corpus.open(postgres_url) as c:
        assert c.count() == counted()  # counted, as before
        c.write_batch([Record(pmid="8003", title="t3")])
        assert c.count() == counted() == 11  # kept again from the first write on


def test_concurrent_writers_on_postgres_end_as_one_writer_would(tmp_path: Path, postgres_url):
    """Two processes ingest at the same time into one PostgreSQL corpus, with records that merge
    across their files (PMID-less copies of DOIs the other file brings): the corpus ends as a
    sequential ingest leaves it."""
    import subprocess
    import sys

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("".join(f'{{"pmid": "{5000 + i}", "doi": "10.5/{i}", "title": "kratom trial {i}"}}\n'
                         for i in range(300)))
    b.write_text("".join(f'{{"doi": "10.5/{i}", "title": "copy of trial {i}", "abstract": "x"}}\n'
                         for i in range(0, 600, 2)))
    cmd = [sys.executable, "-m", "scisays.cli", "corpus", "ingest", "--db", postgres_url.url]
    Corpus.open(postgres_url, create=True).close()
    procs = [subprocess.Popen([*cmd, str(f)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for f in (a, b)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    with Corpus.open(postgres_url) as c:
        keys = [k for k, _ in snapshot(c)]
        assert c.count() == len(keys)  # the kept count, written by both writers
    # records 0..298 even: the copy merged into the PubMed record (or was skipped as older);
    # the copies 300..598 are records of their own
    assert len(keys) == 300 + 150 and len(set(keys)) == len(keys)
    assert sum(k.startswith("doi:") for k in keys) == 150


def test_postgres_connection_problems_are_one_sentence(postgres_base: str):
    from urllib.parse import urlsplit, urlunsplit

    from scisays.config import DatabaseUrl

    parts = urlsplit(postgres_base)
    missing = DatabaseUrl(urlunsplit(parts._replace(path="/no_such_db")))
    with pytest.raises(CorpusError, match=r"does not exist.*check that the database exists"):
        Corpus.open(missing)
    wrong_user = DatabaseUrl(urlunsplit(parts._replace(netloc=f"nobody:pw@{parts.hostname}:{parts.port}")))
    with pytest.raises(CorpusError, match=r"Cannot connect.*check the user name and password") as e:
        Corpus.open(wrong_user)
    assert ":pw@" not in str(e.value) and "nobody:***@" in str(e.value)


def test_records_about_the_term_rank_before_records_that_only_mention_it(store: DbLocation, tmp_path: Path):
    """A record naming the term in its title, MeSH or keywords comes before one naming it only in
    its abstract, however often; on both backends."""
    src = tmp_path / "rank.jsonl"
    src.write_text(
        '{"id": "abstract-only", "title": "A trial", "abstract": "Asthma asthma asthma; budesonide '
        'for asthma. Asthma again."}\n'
        '{"id": "in-title", "title": "Budesonide in asthma", "abstract": "Children were treated."}\n'
        '{"id": "in-mesh", "title": "A cohort", "abstract": "Budesonide was given.", '
        '"mesh": ["Asthma"]}\n'
        '{"id": "unrelated", "title": "Kratom", "abstract": "Nothing about it."}\n')
    with Corpus.open(store, create=True) as c:
        ingest_file(c, src)
        keys = [r.key for r, _ in c.search(["asthma"])]
        assert set(keys[:2]) == {"id:in-title", "id:in-mesh"} and keys[2:] == ["id:abstract-only"]
        assert next(r.key for r, _ in c.search(["asthma"], ["budesonide"], limit=1)) in (
            "id:in-title", "id:in-mesh")
        assert next(r.key for r, _ in c.search(["budesonide"], ["asthma"])) == "id:in-title"
        assert len(c.search(["asthma"], limit=2)) == 2 and c.search(["asthma"], limit=0) == []

"""Appraisal computed once: stored per record (appraiser version, content hash), reused by ask,
recomputed when the record or the appraiser changes; `corpus appraise` is resumable."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scisays import pipeline
from scisays.appraise import APPRAISAL_VERSION, DEFAULT_APPRAISER, Appraiser
from scisays.cli import app
from scisays.config import DbLocation
from scisays.corpus import Corpus, ingest_file
from scisays.corpus.appraise import appraise_corpus
from scisays.corpus.ingest import file_sha256
from scisays.pipeline import ask
from scisays.question import build_question

from conftest import KRATOM_DEV, pubmed_samples
from fakeserver import closed_ports

runner = CliRunner()


def _filled(db: DbLocation) -> DbLocation:
    with Corpus.open(db, create=True) as corpus:
        for f in (KRATOM_DEV, *pubmed_samples()):
            ingest_file(corpus, f)
    return db


@pytest.fixture
def corpus_path(store: DbLocation) -> DbLocation:
    """The kratom-dev records and the PubMed samples, in SQLite and in PostgreSQL."""
    return _filled(store)


@pytest.fixture
def sqlite_corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.sqlite"
    _filled(path)
    return path


def _report(db: DbLocation) -> dict:
    with Corpus.open(db) as corpus:
        d = ask(corpus, "kratom", ["anxiety", "depression"]).to_dict()
    d.pop("generator", None)
    return d


def test_ask_with_stored_appraisals_gives_the_same_report_without_recomputing(
        corpus_path: DbLocation, monkeypatch: pytest.MonkeyPatch):
    before = _report(corpus_path)
    with Corpus.open(corpus_path) as corpus:
        result = appraise_corpus(corpus, workers=1)
        assert result.appraised == corpus.count() and result.already == 0
    calls = []
    real = Appraiser.base
    monkeypatch.setattr(Appraiser, "base", lambda self, r: (calls.append(r.key), real(self, r))[1])
    assert _report(corpus_path) == before
    assert calls == []  # every hit's question-independent appraisal came from the corpus


def test_a_changed_record_or_a_new_version_is_recomputed(corpus_path: DbLocation, tmp_path: Path):
    with Corpus.open(corpus_path) as corpus:
        appraise_corpus(corpus, workers=1)
        assert corpus.count_to_appraise(APPRAISAL_VERSION) == 0
        assert corpus.count_to_appraise("another-version") == corpus.count()
        # the same record, revised: its stored appraisal no longer counts
        rec = json.loads(KRATOM_DEV.read_text().splitlines()[0])
        rec["abstract"] = rec["abstract"] + " Kratom relieved anxiety in a new analysis."
        changed = tmp_path / "changed.jsonl"
        changed.write_text(json.dumps(rec) + "\n")
        ingest_file(corpus, changed)
        assert corpus.count_to_appraise(APPRAISAL_VERSION) == 1
        key = f"id:{rec['id']}"
        found = corpus.search_many([(["kratom"], [])], version=APPRAISAL_VERSION)
        assert key in {r.key for r, _ in found.batches[0]} and key not in found.stored
        assert appraise_corpus(corpus, workers=1).appraised == 1


def test_a_swapped_step_never_uses_stored_appraisals(corpus_path: DbLocation):
    custom = Appraiser(species=lambda r: DEFAULT_APPRAISER.species(r))
    assert custom.version is None and DEFAULT_APPRAISER.version == APPRAISAL_VERSION
    with Corpus.open(corpus_path) as corpus:
        appraise_corpus(corpus, workers=1)
        question = build_question("kratom", ["anxiety"])
        assert pipeline.retrieve(corpus, question, version=custom.version).stored == {}
        assert pipeline.retrieve(corpus, question, version=DEFAULT_APPRAISER.version).stored


def test_a_stored_appraisal_serves_only_the_record_it_was_computed_for(corpus_path: DbLocation):
    with Corpus.open(corpus_path) as corpus:
        appraise_corpus(corpus, workers=1)
        hits, stored = pipeline.retrieve(corpus, build_question("kratom", ["anxiety"]),
                                         version=APPRAISAL_VERSION)
    record = hits[0][0]
    assert set(pipeline.stored_bases(stored, [record])) == {record.key}
    same = dataclasses.replace(record)  # an equal copy from another source: same content hash
    assert set(pipeline.stored_bases(stored, [same])) == {record.key}
    revised = dataclasses.replace(record, title=record.title + " (revised)")
    assert pipeline.stored_bases(stored, [revised]) == {}


def test_appraise_is_resumable_and_runs_in_worker_processes(corpus_path: DbLocation):
    with Corpus.open(corpus_path) as corpus:
        total = corpus.count()
        assert appraise_corpus(corpus, workers=1, limit=5, batch=2).appraised == 5
        seen = []
        r = appraise_corpus(corpus, workers=2, batch=3, progress=lambda d, t: seen.append((d, t)))
        assert (r.appraised, r.already) == (total - 5, 5) and seen[-1] == (total - 5, total - 5)
        assert corpus.count_to_appraise(APPRAISAL_VERSION) == 0


def test_a_schema_1_corpus_is_upgraded_in_place(sqlite_corpus: Path):
    corpus_path = sqlite_corpus
    conn = sqlite3.connect(corpus_path)
    conn.execute("DROP TABLE appraisals")
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    with Corpus.open(corpus_path) as corpus:
        assert corpus.conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert appraise_corpus(corpus, workers=1).appraised == corpus.count()


def test_cli_corpus_appraise_and_ingest_appraise(tmp_path: Path):
    db = tmp_path / "c.sqlite"
    r = runner.invoke(app, ["corpus", "ingest", str(KRATOM_DEV), "--db", str(db), "--appraise"])
    assert r.exit_code == 0 and "9 records appraised, 0 already current" in r.output, r.output
    r = runner.invoke(app, ["corpus", "appraise", "--db", str(db)])
    assert r.exit_code == 0 and "0 records appraised, 9 already current" in r.output, r.output
    r = runner.invoke(app, ["corpus", "appraise", "--db", str(tmp_path / "none.sqlite")])
    assert r.exit_code == 1 and "No corpus" in r.output


@pytest.mark.parametrize(("args", "env", "says"), [
    (["corpus", "stats", "--db", "mysql://db.example/x"], {}, "unknown scheme 'mysql'"),
    (["corpus", "stats"], {"SCISAYS_DB": "redis://db.example/0"}, "$SCISAYS_DB"),
    (["corpus", "stats", "--db", "postgresql://u:pw@127.0.0.1:5432"], {}, "names no database"),
])
def test_a_database_url_is_never_taken_for_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   args: list[str], env: dict[str, str], says: str):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, args, env=env)
    assert r.exit_code == 2 and says in " ".join(r.output.split()), r.output
    assert "pw" not in r.output
    assert list(tmp_path.iterdir()) == []  # no folder named "postgresql:" or the like


@pytest.mark.parametrize("args", [
    ["corpus", "ingest", str(KRATOM_DEV), "--db", "postgresql://u:secret@127.0.0.1:{port}/scisays"],
    ["ask", "kratom", "--db", "postgres://u:secret@127.0.0.1:{port}/x", "--source", "local"],
])
def test_an_unreachable_postgresql_is_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   args: list[str]):
    port = closed_ports(1)[0]
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, [a.format(port=port) for a in args])
    out = " ".join(r.output.split())
    assert r.exit_code == 1 and "Cannot connect to the PostgreSQL database" in out, r.output
    assert "secret" not in out and "u:***@" in out and "Traceback" not in out
    assert list(tmp_path.iterdir()) == []


def test_a_sqlite_url_is_a_file(tmp_path: Path):
    db = tmp_path / "c.sqlite"
    r = runner.invoke(app, ["corpus", "ingest", str(KRATOM_DEV), "--db", f"sqlite://{db}"])
    assert r.exit_code == 0 and db.exists(), r.output


# --- on a Dask cluster (the tests start a LocalCluster themselves) --------------------------------

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as c:
        yield c


def test_appraise_on_a_dask_cluster_stores_what_local_processes_store(sqlite_corpus: Path, tmp_path: Path,
                                                                       cluster):
    corpus_path = sqlite_corpus
    other = tmp_path / "other.sqlite"
    other.write_bytes(corpus_path.read_bytes())
    with Corpus.open(corpus_path) as a, Corpus.open(other) as b:
        ra = appraise_corpus(a, scheduler=cluster.scheduler_address, batch=4)
        rb = appraise_corpus(b, workers=1)
        assert ra.appraised == rb.appraised == a.count()
        stored = ("SELECT r.key, a.content_hash, a.data FROM records r JOIN appraisals a "
                  "ON a.record_id = r.rowid WHERE a.version = ? ORDER BY r.key")
        assert a.conn.execute(stored, (APPRAISAL_VERSION,)).fetchall() == \
            b.conn.execute(stored, (APPRAISAL_VERSION,)).fetchall()


@pytest.fixture(scope="module")
def doomed_cluster():
    """A cluster of its own for the test that takes a worker away (module scope: the cluster
    starts before the per-test network guard, as the shared one does)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as c:
        yield c


def test_a_worker_lost_mid_run_loses_nothing(corpus_path: DbLocation, doomed_cluster):
    c = doomed_cluster
    with Corpus.open(corpus_path) as corpus:
        lost: list[str] = []

        def progress(done: int, total: int) -> None:
            if done and not lost:  # after the first batch is stored, one worker goes away
                lost.append(next(iter(c.workers)))
                c.sync(c.workers[lost[0]].close)

        r = appraise_corpus(corpus, scheduler=c.scheduler_address, batch=3, progress=progress)
        assert lost and r.appraised == corpus.count()
        assert corpus.count_to_appraise(APPRAISAL_VERSION) == 0


def test_an_unreachable_scheduler_is_one_sentence(sqlite_corpus: Path):
    corpus_path = sqlite_corpus
    from scisays.corpus.appraise import ClusterError

    from fakeserver import closed_ports

    port = closed_ports(1)[0]
    with Corpus.open(corpus_path) as corpus, pytest.raises(ClusterError, match="Cannot reach the Dask"):
        appraise_corpus(corpus, scheduler=f"tcp://127.0.0.1:{port}", connect_timeout=1.0)
        assert corpus.count_to_appraise(APPRAISAL_VERSION) == corpus.count()


# --- ingest with the parsing on a Dask cluster ------------------------------------------------------


def _ingest_files() -> list[Path]:
    from conftest import DATA
    return [*pubmed_samples(), DATA / "update_v1.xml", DATA / "update_v2.xml", KRATOM_DEV]


def test_ingest_on_a_dask_cluster_ends_as_a_local_ingest(store: DbLocation, tmp_path: Path, cluster):
    from scisays.corpus.ingest import ingest_on_cluster

    files = _ingest_files()
    local = tmp_path / "local.sqlite"
    with Corpus.open(local, create=True) as c:
        for f in files:
            ingest_file(c, f, batch_size=3)
        want = sorted(c.conn.execute("SELECT key, content_hash FROM records"))
    with Corpus.open(store, create=True) as c:
        results = list(ingest_on_cluster(c, files, cluster.scheduler_address, batch_size=3))
        assert [r.path for r in results] == [str(f) for f in files]
        assert sorted(c.conn.execute("SELECT key, content_hash FROM records")) == want
        assert results[-2].changes.deleted == 1  # update_v2's DeleteCitation, parsed on a worker
        again = list(ingest_on_cluster(c, files, cluster.scheduler_address))
        assert all(r.already_ingested for r in again)


def test_a_bad_file_on_the_cluster_keeps_what_came_before(tmp_path: Path, cluster):
    from scisays.corpus.ingest import ingest_on_cluster
    from scisays.errors import InputFileError

    good = b"".join(
        b"<PubmedArticle><MedlineCitation><PMID Version='1'>%d</PMID><Article>"
        b"<ArticleTitle>Kratom %d</ArticleTitle></Article></MedlineCitation></PubmedArticle>" % (i, i)
        for i in range(1, 8))
    bad = tmp_path / "cut.xml"
    bad.write_bytes(b"<PubmedArticleSet>" + good + b"<PubmedArticle><MedlineCitation><PMI")
    with Corpus.open(tmp_path / "c.sqlite", create=True) as c:
        with pytest.raises(InputFileError, match=r"cut\.xml: malformed XML .*\(6 items before"):
            list(ingest_on_cluster(c, [KRATOM_DEV, bad], cluster.scheduler_address, batch_size=3))
        assert c.count() == 9 + 6


def test_cli_ingest_with_a_scheduler(tmp_path: Path, cluster):
    db = tmp_path / "c.sqlite"
    r = runner.invoke(app, ["corpus", "ingest", str(KRATOM_DEV), "--db", str(db), "--appraise",
                            "--scheduler", cluster.scheduler_address])
    assert r.exit_code == 0, r.output
    assert "9 items — 9 new" in r.output and "9 records appraised" in r.output


def test_ingest_with_an_unreachable_scheduler_writes_nothing(tmp_path: Path):
    from scisays.corpus.appraise import ClusterError
    from scisays.corpus.ingest import ingest_on_cluster

    port = closed_ports(1)[0]
    with Corpus.open(tmp_path / "c.sqlite", create=True) as c:
        with pytest.raises(ClusterError, match="Cannot reach the Dask scheduler"):
            list(ingest_on_cluster(c, [KRATOM_DEV], f"tcp://127.0.0.1:{port}", connect_timeout=1))
        assert c.count() == 0 and c.file_status(file_sha256(KRATOM_DEV)) is None


def test_doses_read_from_stored_amounts_are_the_doses_read_afresh():
    from scisays.appraise import Base
    from scisays.appraise.dose import find_doses
    from scisays.corpus.jsonl import iter_jsonl

    with KRATOM_DEV.open("rb") as f:
        records = list(iter_jsonl(f, KRATOM_DEV.name))
    found = 0
    for r in records:
        base = Base.from_json(DEFAULT_APPRAISER.base(r, readings=True).to_json())  # as stored
        assert base.amounts is not None
        for terms in (("kratom", "mitragynine"), ("naloxone",)):
            afresh = find_doses(base.sentences, terms)
            assert find_doses(base.sentences, terms, at=base.amounts) == afresh
            found += len(afresh)
    assert found > 0  # the kratom records state doses: the comparison is not vacuous

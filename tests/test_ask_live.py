"""`scisays ask` with live sources, end to end through the real CLI, against local fake
services on 127.0.0.1 (never the internet): merging with the local corpus, the response cache
(a repeated ask makes no request), --refresh, --offline, --source, and failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scisays.cli import app

from conftest import KRATOM_DEV, PUBMED_FIXTURES
from fake_eutils import FIRST_PMID, FakeEutils, article_xml, sample_articles

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def local_db(db: Path, tmp_path: Path) -> Path:
    """A corpus with the kratom-dev records, the real budesonide trial, and one record the fake
    PubMed also serves (same PMID): it must appear once in a report."""
    budesonide = next(a for a in sample_articles() if a.findtext("MedlineCitation/PMID") == "29768149")
    shared = tmp_path / "shared.xml"
    shared.write_bytes(b"<PubmedArticleSet>" + article_xml(budesonide, FIRST_PMID) + b"</PubmedArticleSet>")
    r = run("corpus", "ingest", str(KRATOM_DEV), str(PUBMED_FIXTURES / "pubmed-29768149.xml"),
            str(shared), "--db", str(db))
    assert r.exit_code == 0, r.output
    return db


@pytest.fixture
def eutils(monkeypatch: pytest.MonkeyPatch):
    with FakeEutils(hits=27) as fe:  # 27 = the 9 real samples three times: 3 budesonide records
        monkeypatch.setenv("SCISAYS_PUBMED_URL", fe.url)
        yield fe


def ask_json(*args: str) -> dict:
    r = run("ask", *args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_pubmed_merged_with_local_corpus(local_db: Path, eutils: FakeEutils):
    doc = ask_json("budesonide", "asthma", "--db", str(local_db), "--source", "pubmed,local")
    pmids = [s["record"]["pmid"] for s in doc["studies"]]
    assert len(pmids) == len(set(pmids))  # the shared PMID appears once
    assert str(FIRST_PMID) in pmids and "29768149" in pmids
    assert {str(FIRST_PMID + 9), str(FIRST_PMID + 18)} <= set(pmids)  # fetched from PubMed only
    status = {s["name"]: s for s in doc["source_status"]}
    assert status["PubMed"]["ok"] and status["PubMed"]["items"] == 27
    assert status["local corpus"]["ok"]
    assert eutils.count() == 2  # esearch + one efetch page


def test_repeat_ask_makes_no_request_refresh_does_offline_needs_none(local_db: Path, eutils: FakeEutils):
    first = ask_json("budesonide", "asthma", "--db", str(local_db), "-s", "pubmed", "-s", "local")
    sent = eutils.count()
    again = ask_json("budesonide", "asthma", "--db", str(local_db), "-s", "pubmed", "-s", "local")
    assert eutils.count() == sent  # zero requests within the TTL
    assert again["studies"] == first["studies"]
    assert {s["name"]: s for s in again["source_status"]}["PubMed"]["from_cache"] is True
    ask_json("budesonide", "asthma", "--db", str(local_db), "-s", "pubmed,local", "--refresh")
    assert eutils.count() == 2 * sent
    eutils.server.__exit__()  # the service goes away: offline still answers from the cache
    offline = ask_json("budesonide", "asthma", "--db", str(local_db), "-s", "pubmed,local", "--offline")
    assert offline["studies"] == first["studies"]
    assert offline["notes"][0].startswith("Offline: only cached answers")


def test_no_network_and_no_corpus_is_one_sentence():
    r = run("ask", "kratom", "anxiety")  # every service points at a closed local port
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    text = " ".join(r.output.split())  # rich wraps long lines
    assert text.startswith("Error: No source could answer: PubMed") and text.count("Error") == 1
    assert "is unreachable (connection refused)" in text or "are unreachable (connection refused)" in text
    assert text.endswith("use --offline for cached answers or --db for a local corpus.")


def test_no_network_with_a_corpus_still_reports(local_db: Path):
    r = run("ask", "kratom", "anxiety", "--db", str(local_db), "--format", "md")
    assert r.exit_code == 0, r.output
    assert "PubMed is unreachable (connection refused): results from local corpus only" in r.stdout
    assert "PubMed is unreachable" in r.stderr  # said on stderr too when the report goes elsewhere
    assert "### Anxiety: insufficient evidence" in r.stdout


def test_offline_with_nothing_cached_and_no_corpus():
    r = run("ask", "kratom", "anxiety", "--offline")
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    assert "no cached answer for this question (offline mode)" in text
    assert "run the question once online" in text


def test_default_corpus_missing_is_a_note_not_an_error(eutils: FakeEutils):
    doc = ask_json("budesonide", "asthma")
    assert "local corpus" not in {s["name"] for s in doc["source_status"]}
    assert any(n.startswith("No local corpus at ") and "live sources only" in n for n in doc["notes"])
    assert doc["studies"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "bogus"], "Unknown source 'bogus'"),
        (["--source", ","], "--source is empty"),
        (["--offline", "--refresh"], "contradict each other"),
    ],
)
def test_bad_source_flags(args: list[str], message: str):
    r = run("ask", "kratom", "anxiety", *args)
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output


def test_bad_config_is_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    cfg = tmp_path / "config.toml"
    cfg.write_text("cache_ttl = [\n")
    monkeypatch.setenv("SCISAYS_CONFIG", str(cfg))
    r = run("ask", "kratom", "anxiety")
    assert r.exit_code == 2 and "is not valid TOML" in r.output and "Traceback" not in r.output


def test_one_source_down_the_others_complete(local_db: Path, eutils: FakeEutils):
    """Default sources: PubMed answers (fake), Europe PMC, ClinicalTrials.gov and openFDA are
    unreachable (closed port). The report says so and still has PubMed's and the corpus' studies."""
    r = run("ask", "budesonide", "asthma", "--db", str(local_db), "--format", "md")
    assert r.exit_code == 0, r.output
    md = r.stdout
    assert "Europe PMC is unreachable (connection refused): results from PubMed and local corpus only" in md
    assert "ClinicalTrials.gov is unreachable (connection refused): registered trials are not shown" in md
    assert "openFDA is unreachable (connection refused): adverse-event report counts are not shown" in md
    assert "- PubMed: 27 records" in md
    assert f"PMID {FIRST_PMID + 9}" in md

"""The real CLI (Typer's CliRunner and a subprocess) against real temporary corpora."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scisays.cli import app

from conftest import DATA, KRATOM_DEV, pubmed_samples

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


@pytest.fixture
def kratom_db(db: Path) -> Path:
    r = run("corpus", "ingest", *map(str, pubmed_samples()), str(KRATOM_DEV), "--db", str(db))
    assert r.exit_code == 0, r.output
    return db


def test_help_everywhere():
    for args in ([], ["--help"], ["corpus", "--help"], ["corpus", "ingest", "--help"],
                 ["corpus", "stats", "--help"], ["ask", "--help"]):
        r = run(*args)
        assert r.exit_code in (0, 2) and "Usage" in r.output


def test_version():
    r = run("--version")
    assert r.exit_code == 0 and r.output.startswith("scisays ")


def test_ingest_stats_ask_end_to_end(kratom_db: Path, tmp_path: Path):
    r = run("corpus", "stats", "--db", str(kratom_db))
    assert r.exit_code == 0 and "18 records" in r.output and "Journal Article" in r.output
    r = run("ask", "kratom", "anxiety", "--db", str(kratom_db))
    assert r.exit_code == 0, r.output
    assert "insufficient evidence" in r.output and "id:k01" in r.output
    out = tmp_path / "kratom.md"
    r = run("ask", "kratom", "anxiety", "depression", "--format", "md", "-o", str(out),
            "--db", str(kratom_db))
    assert r.exit_code == 0, r.output
    md = out.read_text()
    assert md.startswith("# What does the science say about kratom for anxiety and depression?")
    assert "- **Depression: insufficient evidence** — certainty: **very low**" in md
    assert "## Safety\n" in md and "Liver injury" in md


def test_json_report_is_versioned(kratom_db: Path):
    r = run("ask", "kratom", "anxiety", "--format", "json", "--db", str(kratom_db), "--source", "local")
    assert r.exit_code == 0
    doc = json.loads(r.output)
    assert doc["schema"] == "scisays.report" and doc["schema_version"] == 1
    assert doc["question"]["substance"] == "kratom"
    assert "Mitragyna speciosa" in doc["question"]["substance_terms"]
    assert doc["verdicts"][0]["condition"] == "anxiety"
    cited = {s["citation"] for s in doc["studies"]}
    for reason in doc["verdicts"][0]["reasons"]:
        assert set(reason["citations"]) <= cited
    assert len(doc["studies"]) == 9


def test_env_var_sets_default_db(kratom_db: Path):
    r = run("corpus", "stats", env={"SCISAYS_DB": str(kratom_db)})
    assert r.exit_code == 0 and "18 records" in r.output


def test_no_matching_studies_is_a_report_not_an_error(kratom_db: Path):
    r = run("ask", "unobtainium", "anxiety", "--format", "md", "--db", str(kratom_db))
    assert r.exit_code == 0
    assert "No study in the searched sources mentions unobtainium" in r.output
    assert "insufficient evidence" in r.output


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["ask", "", "anxiety"], "substance is empty", 2),
        (["ask", "   ", "anxiety"], "substance is empty", 2),
        (["ask", "kratom", "x" * 10_000], "at most 200 characters", 2),
        (["ask", "kratom", "--format", "pdf"], "Unknown format 'pdf'", 2),
    ],
)
def test_bad_ask_input(kratom_db: Path, args, message, code):
    r = run(*args, "--db", str(kratom_db))
    assert r.exit_code == code
    assert message in r.output
    assert "Traceback" not in r.output


def test_corpus_that_does_not_exist(tmp_path: Path):
    missing = tmp_path / "missing.sqlite"
    r = run("ask", "kratom", "anxiety", "--db", str(missing))
    assert r.exit_code == 1 and "No corpus at" in r.output and "corpus ingest" in r.output
    assert not missing.exists()
    r = run("corpus", "stats", "--db", str(missing))
    assert r.exit_code == 1


def test_not_a_scisays_database(tmp_path: Path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello " * 1000)
    r = run("ask", "kratom", "anxiety", "--db", str(junk))
    assert r.exit_code == 1 and "not a scisays corpus" in r.output
    assert junk.read_text() == "hello " * 1000


def test_missing_file_and_wrong_format(db: Path, tmp_path: Path):
    r = run("corpus", "ingest", str(tmp_path / "nope.xml"), "--db", str(db))
    assert r.exit_code == 2 and "No such file" in r.output
    assert not db.exists()
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,2\n")
    r = run("corpus", "ingest", str(csv), "--db", str(db))
    assert r.exit_code == 1 and "neither PubMed XML nor JSON Lines" in r.output


def test_malformed_xml_via_cli(db: Path):
    r = run("corpus", "ingest", str(DATA / "malformed.xml"), "--db", str(db))
    assert r.exit_code == 1 and "malformed XML at line" in r.output and "Traceback" not in r.output


def test_output_not_half_written(kratom_db: Path, tmp_path: Path):
    r = run("ask", "kratom", "anxiety", "-o", str(tmp_path / "no" / "such" / "dir.md"),
            "--format", "md", "--db", str(kratom_db))
    assert r.exit_code == 2 and "does not exist" in r.output
    assert not list(tmp_path.glob("**/.dir.md.*"))


def test_terminal_output_treats_titles_as_text(db: Path):
    r = run("corpus", "ingest", str(DATA / "edge.jsonl"), "--db", str(db))
    assert r.exit_code == 0
    r = run("ask", "ashwagandha", "stress", "--db", str(db))
    assert r.exit_code == 0, r.output
    assert "<script>alert(1)</script>" in r.output  # printed literally, not interpreted


def test_markdown_escapes_third_party_text(db: Path):
    run("corpus", "ingest", str(DATA / "edge.jsonl"), "--db", str(db))
    r = run("ask", "ashwagandha", "stress", "--format", "md", "--db", str(db))
    assert "<script>" not in r.output and "&lt;script&gt;" in r.output
    assert "<img" not in r.output


def test_console_script_subprocess(kratom_db: Path):
    env = {**os.environ, "SCISAYS_DB": str(kratom_db)}
    p = subprocess.run(
        [sys.executable, "-m", "scisays.cli", "ask", "kratom", "depression", "--format", "json"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["verdicts"][0]["verdict"] == "insufficient evidence"


def test_cache_info_and_clear(tmp_path: Path):
    from scisays.sources.http import ResponseCache

    path = tmp_path / "http.sqlite"
    env = {"SCISAYS_CACHE": str(path)}
    r = run("cache", "info", "--json", env=env)
    assert r.exit_code == 0 and json.loads(r.stdout)["entries"] == 0
    assert not path.exists()  # looking does not create a cache
    assert "nothing to clear" in run("cache", "clear", env=env).stdout

    import time

    old = ResponseCache(path, now=lambda: time.time() - 10 * 86400)
    old.put("a", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esearch.fcgi?term=x", 200, b"<x/>")
    old.close()
    new = ResponseCache(path)
    new.put("b", "https://www.ebi.ac.uk/europepmc/webservices/rest/search?query=x", 200, b"{}")
    new.put("c", "https://www.ebi.ac.uk/europepmc/webservices/rest/search?query=y", 200, b"{}")
    assert new.clear(older_than=5 * 86400) == 1  # only the 10-day-old answer
    new.close()

    info = json.loads(run("cache", "info", "--json", env=env).stdout)
    assert info["entries"] == 2 and info["by_host"] == {"www.ebi.ac.uk": 2}
    text = run("cache", "info", env=env).stdout
    assert "2 answers" in text and "www.ebi.ac.uk" in text
    r = run("cache", "clear", env=env)
    assert r.exit_code == 0 and "Deleted 2 cached answers" in r.stdout
    assert json.loads(run("cache", "info", "--json", env=env).stdout)["entries"] == 0
    bad = run("cache", "clear", "--older-than", "-1", env=env)
    assert bad.exit_code == 2

"""Shared fixtures: paths to ../shared (real recorded data) and helpers for temp corpora."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from scisays.corpus import Corpus, ingest_file
from scisays.model import AdverseEvents, Report, SourceStatus, Trial
from scisays.pipeline import ask

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PUBMED_FIXTURES = SHARED / "fixtures" / "pubmed"
KRATOM_DEV = SHARED / "data" / "kratom-dev" / "records.jsonl"
DATA = Path(__file__).parent / "data"


def pubmed_samples() -> list[Path]:
    return sorted(PUBMED_FIXTURES.glob("pubmed*.xml"))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "corpus.sqlite"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Never touch the developer's real corpus.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SCISAYS_DB", raising=False)
    monkeypatch.setenv("COLUMNS", "120")


# --- reports for the HTML, schema and web tests ---------------------------------------------

XSS_TITLE = "<script>alert(1)</script>"
XSS_ATTR = '"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="session")
def kratom_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    db = tmp_path_factory.mktemp("kratom") / "corpus.sqlite"
    with Corpus.open(db, create=True) as corpus:
        ingest_file(corpus, KRATOM_DEV)
        return ask(corpus, "kratom", ["anxiety", "depression"])


@pytest.fixture(scope="session")
def edge_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    db = tmp_path_factory.mktemp("edge") / "corpus.sqlite"
    with Corpus.open(db, create=True) as corpus:
        ingest_file(corpus, DATA / "edge.jsonl")
        return ask(corpus, "ashwagandha", ["stress", "sleep"])


def with_live_data(report: Report, evil: str = XSS_TITLE) -> Report:
    """The report as live sources will fill it (trials, openFDA counts, source status),
    with hostile text in every third-party field."""
    return dataclasses.replace(
        report,
        trials=(
            Trial(nct_id="NCT01234567", title=f"Kratom trial {evil}", status="RECRUITING", phase="PHASE2",
                  enrollment=120, start_date="2024-01", conditions=(evil,), interventions=("kratom",)),
        ),
        adverse_events=(
            AdverseEvents(
                database="CAERS", query=f"kratom {evil}", total_reports=1234, serious_reports=900,
                hospitalisations=300, deaths=40,
                top_reactions=((f"Vomiting {XSS_ATTR}", 50), ("Seizure", 30)),
                outcomes=(("Hospitalization", 300), (f"Death {evil}", 40)),
                by_year=((2016, 10), (2018, 50), (2019, 80)),
                caveat="Reports are not incidence.",
            ),
        ),
        source_status=(
            SourceStatus(name="local corpus", ok=True, items=9),
            SourceStatus(name="openFDA", ok=False, message=f"unreachable {evil}"),
        ),
    )

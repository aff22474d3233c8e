"""Shared fixtures: paths to ../shared (real recorded data) and helpers for temp corpora."""

from __future__ import annotations

from pathlib import Path

import pytest

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

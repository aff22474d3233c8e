"""The local corpus: SQLite + FTS5 store, and ingest of PubMed XML and JSON Lines."""

from .ingest import IngestResult, ingest_file
from .store import Corpus

__all__ = ["Corpus", "IngestResult", "ingest_file"]

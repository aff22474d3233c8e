"""Live sources: PubMed, Europe PMC, ClinicalTrials.gov, openFDA (and MeSH/PubChem for
question expansion), all over one shared HTTP layer (:mod:`scisays.sources.http`)."""

from __future__ import annotations

from ..config import Settings
from .base import ProgressFn, Source, SourceResult
from .http import CacheMode, HttpClient, ResponseCache


def make_client(settings: Settings, mode: CacheMode = CacheMode.NORMAL) -> HttpClient:
    """The HTTP client the sources share, with the response cache the settings name."""
    return HttpClient(
        cache=ResponseCache(settings.cache_path),
        mode=mode,
        ttl=settings.cache_ttl,
        timeout=settings.timeout,
        retries=settings.retries,
        email=settings.email,
    )


__all__ = ["CacheMode", "HttpClient", "ProgressFn", "Source", "SourceResult", "make_client"]

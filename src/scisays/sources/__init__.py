"""Live sources: PubMed, Europe PMC, ClinicalTrials.gov, openFDA (and MeSH/PubChem for
question expansion), all over one shared HTTP layer (:mod:`scisays.sources.http`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..config import Settings
from ..model import Question
from .base import ProgressFn, Source, SourceResult
from .clinicaltrials import ClinicalTrials
from .europepmc import EuropePMC
from .http import CacheMode, HttpClient, ResponseCache
from .openfda import OpenFDA
from .pubmed import PubMed
from .synonyms import Expander

#: ``--source`` keys of the live sources, in the order they are listed and run
LIVE_SOURCES: tuple[str, ...] = ("pubmed", "europepmc", "clinicaltrials", "openfda")
SOURCE_ALIASES: dict[str, str] = {
    "pubmed": "pubmed",
    "europepmc": "europepmc",
    "epmc": "europepmc",
    "clinicaltrials": "clinicaltrials",
    "clinicaltrials.gov": "clinicaltrials",
    "ctgov": "clinicaltrials",
    "trials": "clinicaltrials",
    "openfda": "openfda",
    "fda": "openfda",
    "local": "local",
    "corpus": "local",
}

_FACTORIES: dict[str, Callable[[HttpClient, Settings], Source]] = {
    "pubmed": PubMed,
    "europepmc": EuropePMC,
    "clinicaltrials": ClinicalTrials,
    "openfda": OpenFDA,
}


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


def build_sources(keys: Sequence[str], client: HttpClient, settings: Settings) -> list[Source]:
    """The live sources named by ``keys`` (see LIVE_SOURCES), sharing ``client``."""
    return [_FACTORIES[k](client, settings) for k in LIVE_SOURCES if k in keys]


def make_expander(client: HttpClient, settings: Settings) -> Callable[[Question], tuple[Question, list[str]]]:
    """The question expander backed by MeSH and PubChem (after the curated table)."""
    return Expander(client, settings)


__all__ = [
    "LIVE_SOURCES",
    "SOURCE_ALIASES",
    "CacheMode",
    "HttpClient",
    "ProgressFn",
    "Source",
    "SourceResult",
    "build_sources",
    "make_client",
    "make_expander",
]

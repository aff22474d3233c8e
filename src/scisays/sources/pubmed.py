"""PubMed through NCBI E-utilities: one esearch on the history server, then efetch in pages.

NCBI's rules (https://www.ncbi.nlm.nih.gov/books/NBK25497/): at most 3 requests/second
without an API key, 10 with one (``NCBI_API_KEY``); ``tool`` and ``email`` on every request;
large result sets paged through the history server (``usehistory=y`` → ``WebEnv`` +
``query_key``) rather than long id lists. A question with N hits costs 1 + ceil(N / 500)
requests (capped at ``max_records``), and none at all when the answers are cached.

efetch answers are parsed by the same streaming parser as corpus ingest
(:func:`scisays.corpus.pubmed_xml.iter_pubmed_xml`): one PubMed XML parser in scisays.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass

from lxml import etree

from ..config import Settings
from ..corpus.pubmed_xml import iter_pubmed_xml
from ..errors import InputFileError, SourceError
from ..model import Question, Record
from ..text import clean
from .base import ProgressFn, SourceResult, any_substance_and_condition, no_progress
from .http import BadResponse, Codec, HttpClient, Service, looks_like_html

EFETCH_BATCH = 500  # records per efetch page: "a few hundred per request at most"
TOOL = "scisays"
HISTORY_LOST = "lost the search history"


@dataclass(frozen=True, slots=True)
class SearchSummary:
    """What esearch said: how many hits, where they wait on the history server, and how
    PubMed understood the query."""

    count: int
    webenv: str
    query_key: str
    translation: str = ""
    warnings: tuple[str, ...] = ()


def pubmed_term(question: Question) -> str:
    """The esearch term: any substance term in title/abstract, AND any condition term when
    the question names conditions. Every term is a quoted phrase, so nothing a user types
    becomes PubMed query syntax."""
    return any_substance_and_condition(question, lambda p: f'"{p}"[tiab]')


def _xml_root(content: bytes, what: str) -> etree._Element:
    if looks_like_html(content):
        raise BadResponse(f"returned an HTML page instead of {what} XML")
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        return etree.fromstring(content, parser)
    except etree.XMLSyntaxError as e:
        raise BadResponse(f"returned malformed {what} XML ({clean(str(e))[:120]})") from None


def parse_esearch(content: bytes, status: int = 200) -> SearchSummary:
    """Parse an esearch answer (``eSearchResult``). BadResponse for anything else, and
    (not retried) for an answer that reports an error instead of a count."""
    root = _xml_root(content, "esearch")
    if root.tag != "eSearchResult":
        raise BadResponse(f"returned <{str(root.tag)[:60]}> instead of an esearch result")
    error = clean(root.findtext("ERROR"))
    if error:
        raise BadResponse(f"rejected the search ({error[:200]})", retry=False)
    count_text = (root.findtext("Count") or "").strip()
    if not (count_text.isascii() and count_text.isdigit()):  # not '²', which int() refuses
        raise BadResponse("returned an esearch result without a Count")
    count = int(count_text)
    webenv = (root.findtext("WebEnv") or "").strip()
    query_key = (root.findtext("QueryKey") or "").strip()
    if count and not (webenv and query_key):
        raise BadResponse("returned an esearch result without WebEnv/QueryKey (history server)")
    warnings = tuple(
        clean(f"{el.tag}: {el.text or ''}")
        for el in (*root.iterfind("ErrorList/*"), *root.iterfind("WarningList/*"))
        if el.text
    )
    return SearchSummary(count, webenv, query_key, clean(root.findtext("QueryTranslation")), warnings)


def parse_efetch(content: bytes, status: int = 200) -> list[Record]:
    """Records from an efetch answer, through the corpus' PubMed XML parser."""
    if looks_like_html(content):
        raise BadResponse("returned an HTML page instead of PubMed XML")
    head = content[:4096]
    if b"<eFetchResult" in head:
        root = _xml_root(content, "efetch")
        msg = clean(root.findtext("ERROR")) or "no records"
        raise BadResponse(f"{HISTORY_LOST} ({msg[:150]})", retry=False)
    try:
        return [r for r in iter_pubmed_xml(io.BytesIO(content), "efetch answer") if isinstance(r, Record)]
    except InputFileError as e:
        raise BadResponse(f"returned damaged PubMed XML: {e}") from None


def _encode_records(records: list[Record]) -> bytes:
    return json.dumps([r.to_dict() for r in records], ensure_ascii=False).encode("utf-8")


def _decode_records(content: bytes) -> list[Record]:
    return [Record.from_dict(d) for d in json.loads(content)]


#: efetch pages are cached as parsed records: reading them back is ~50x faster than the XML
RECORDS_CODEC: Codec[list[Record]] = Codec("records-v1", _encode_records, _decode_records)


class PubMed:
    """The PubMed source (``--source pubmed``)."""

    key = "pubmed"
    name = "PubMed"

    def __init__(self, client: HttpClient, settings: Settings) -> None:
        params = {"tool": TOOL}
        if settings.email:
            params["email"] = settings.email
        if settings.ncbi_api_key:
            params["api_key"] = settings.ncbi_api_key
        rate = 10.0 if settings.ncbi_api_key else 3.0
        self.service = Service(self.name, settings.url("pubmed"), rate=rate, params=params)
        self.client = client
        self.max_records = settings.max_records

    def esearch(self, term: str, *, fresh: bool = False) -> tuple[SearchSummary, bool]:
        got = self.client.fetch(
            self.service,
            "esearch.fcgi",
            {"db": "pubmed", "term": term, "usehistory": "y", "retmax": 0, "sort": "relevance"},
            parse=parse_esearch,
            fresh=fresh,
        )
        return got.value, got.from_cache

    def efetch_page(self, summary: SearchSummary, start: int, size: int) -> tuple[list[Record], bool]:
        got = self.client.fetch(
            self.service,
            "efetch.fcgi",
            {
                "db": "pubmed",
                "query_key": summary.query_key,
                "WebEnv": summary.webenv,
                "retstart": start,
                "retmax": size,
                "retmode": "xml",
            },
            parse=parse_efetch,
            codec=RECORDS_CODEC,
        )
        return got.value, got.from_cache

    def run(self, question: Question, progress: ProgressFn = no_progress) -> SourceResult:
        """The most relevant ``max_records`` PubMed records for the question."""
        term = pubmed_term(question)
        summary, cached = self.esearch(term)
        try:
            return self._fetch_all(question, term, summary, cached, progress)
        except SourceError as e:
            # The history server forgets searches after a while; a cached esearch can outlive
            # its WebEnv. Search again (fresh) once and fetch with the new one.
            if HISTORY_LOST not in e.problem:
                raise
            summary, cached = self.esearch(term, fresh=True)
            return self._fetch_all(question, term, summary, cached, progress)

    def _fetch_all(
        self, question: Question, term: str, summary: SearchSummary, cached: bool, progress: ProgressFn
    ) -> SourceResult:
        wanted = min(summary.count, self.max_records)
        progress(0, wanted)
        records: list[Record] = []
        all_cached = cached
        for page in range(math.ceil(wanted / EFETCH_BATCH)):
            start = page * EFETCH_BATCH
            batch, from_cache = self.efetch_page(summary, start, min(EFETCH_BATCH, wanted - start))
            records.extend(batch)
            all_cached = all_cached and from_cache
            progress(len(records), wanted)
        notes = []
        if summary.count > wanted:
            notes.append(
                f"PubMed found {summary.count:,} articles; the {wanted:,} most relevant were read "
                "(raise max_records / SCISAYS_MAX_RECORDS to read more)."
            )
        if summary.count == 0:
            notes.append(f"PubMed found no article for {term}.")
        return SourceResult(records=tuple(records), hits=summary.count, notes=tuple(notes),
                            from_cache=all_cached)

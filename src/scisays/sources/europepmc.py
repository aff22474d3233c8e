"""Europe PMC REST search (``resultType=core``): adds preprints and records PubMed lacks.

``GET search?query=…&format=json&resultType=core&pageSize=…&cursorMark=*``, paged with
``nextCursorMark`` (https://europepmc.org/RestfulWebService). No rate limit is published;
scisays stays at a polite 3 requests/second. Records carry PMID, PMCID and DOI where Europe
PMC knows them, so the pipeline merges them with PubMed's and the corpus' (one study each).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from ..config import Settings
from ..model import Question, Record, Section
from ..text import clean
from .base import ProgressFn, SourceResult, any_substance_and_condition, no_progress
from .http import BadResponse, HttpClient, Service, each_readable, parse_json

MAX_PAGE = 1000
_TAG = re.compile(r"<[^>]*>")
_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.IGNORECASE | re.DOTALL)
_SOURCE_NAMES = {"PPR": "Preprint"}


def epmc_query(question: Question) -> str:
    """Any substance term in title or abstract, AND any condition term when there are some.
    Every term is a quoted phrase: nothing a user types becomes query syntax."""
    return any_substance_and_condition(question, lambda p: f'TITLE_ABS:"{p}"')


def _text(value: object) -> str:
    """Plain text from Europe PMC's (possibly HTML-marked-up) strings."""
    return clean(html.unescape(_TAG.sub(" ", str(value)))) if value else ""


def abstract_sections(abstract: str) -> tuple[Section, ...]:
    """Sections of an abstract whose parts are headed ``<h4>Background</h4>…``; one
    unlabelled section otherwise."""
    if not abstract:
        return ()
    parts = _HEADING.split(abstract)
    if len(parts) == 1:
        text = _text(abstract)
        return (Section(text=text),) if text else ()
    out = []
    lead = _text(parts[0])
    if lead:
        out.append(Section(text=lead))
    for i in range(1, len(parts) - 1, 2):
        label, body = _text(parts[i]).rstrip(":"), _text(parts[i + 1])
        if body:
            out.append(Section(text=body, label=label))
    return tuple(out)


def _names(container: object, list_key: str, item_key: str | None = None) -> tuple[str, ...]:
    if not isinstance(container, Mapping):
        return ()
    items = container.get(list_key) or []
    out = []
    for item in items if isinstance(items, list) else []:
        value = item.get(item_key) if item_key and isinstance(item, Mapping) else item
        text = _text(value)
        if text:
            out.append(text)
    return tuple(out)


def record_from_result(r: Mapping[str, Any]) -> Record | None:
    """A Record from one ``resultList.result[]`` element; None without a title or abstract, or
    without any identifier (id, PMID, PMCID or DOI: a Record must have a key)."""
    title = _text(r.get("title")).rstrip()
    sections = abstract_sections(str(r.get("abstractText") or ""))
    if not title and not sections:
        return None
    if not any(str(r.get(k) or "").strip() for k in ("id", "pmid", "pmcid", "doi")):
        return None
    source = str(r.get("source") or "")
    pmid = str(r.get("pmid") or "").strip() or None
    if pmid and not pmid.isdigit():
        pmid = None
    pubtypes = list(_names(r.get("pubTypeList"), "pubType"))
    notices = (r.get("commentCorrectionList") or {}).get("commentCorrection") or []
    if any(isinstance(c, Mapping) and str(c.get("type", "")).lower() == "retraction in"
           for c in notices) and "Retracted Publication" not in pubtypes:
        pubtypes.append("Retracted Publication")  # Europe PMC's retraction notice
    if source in _SOURCE_NAMES and _SOURCE_NAMES[source] not in pubtypes:
        pubtypes.append(_SOURCE_NAMES[source])
    journal = r.get("journalInfo") or {}
    journal_title = _text((journal.get("journal") or {}).get("title")) if isinstance(journal, Mapping) else ""
    year = str(r.get("pubYear") or "")
    language = _text(r.get("language"))
    return Record(
        title=title,
        sections=sections,
        pmid=pmid,
        doi=str(r.get("doi") or "").strip() or None,
        pmcid=str(r.get("pmcid") or "").strip().upper() or None,
        local_id=f"europepmc:{source}:{r.get('id')}" if r.get("id") else None,
        journal=journal_title or None,
        year=int(year) if year.isascii() and year.isdigit() else None,
        publication_types=tuple(pubtypes),
        mesh_headings=_names(r.get("meshHeadingList"), "meshHeading", "descriptorName"),
        keywords=_names(r.get("keywordList"), "keyword"),
        languages=(language,) if language else (),
        source="europepmc",
    )


def parse_search(content: bytes, status: int = 200) -> tuple[list[Record], int, str]:
    """(records, hitCount, nextCursorMark) from a search answer."""
    doc = parse_json(content)
    if not isinstance(doc, dict) or not isinstance(doc.get("hitCount"), int):
        raise BadResponse("returned JSON without a hitCount")
    results = (doc.get("resultList") or {}).get("result") or []
    if not isinstance(results, list):
        raise BadResponse("returned a resultList that is not a list")
    records = each_readable(results, record_from_result)
    return records, doc["hitCount"], str(doc.get("nextCursorMark") or "")


class EuropePMC:
    """The Europe PMC source (``--source europepmc``)."""

    key = "europepmc"
    name = "Europe PMC"

    def __init__(self, client: HttpClient, settings: Settings) -> None:
        params = {"email": settings.email} if settings.email else {}
        self.service = Service(self.name, settings.url("europepmc"), rate=3.0, params=params)
        self.client = client
        self.max_records = settings.max_records

    def run(self, question: Question, progress: ProgressFn = no_progress) -> SourceResult:
        """The first ``max_records`` Europe PMC results for the question (relevance order)."""
        query = epmc_query(question)
        page_size = min(MAX_PAGE, self.max_records)
        records: list[Record] = []
        cursor, hits, all_cached = "*", 0, True
        while True:
            got = self.client.fetch(
                self.service,
                "search",
                {"query": query, "format": "json", "resultType": "core", "pageSize": page_size,
                 "cursorMark": cursor},
                parse=parse_search,
            )
            batch, hits, next_cursor = got.value
            all_cached = all_cached and got.from_cache
            records.extend(batch[: self.max_records - len(records)])
            wanted = min(hits, self.max_records)
            progress(len(records), wanted)
            if not batch or not next_cursor or next_cursor == cursor or len(records) >= wanted:
                break
            cursor = next_cursor
        notes = []
        if hits > len(records):
            notes.append(f"Europe PMC found {hits:,} records; the {len(records):,} most relevant were read.")
        return SourceResult(records=tuple(records), hits=hits, notes=tuple(notes), from_cache=all_cached)

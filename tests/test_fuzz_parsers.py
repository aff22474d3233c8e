"""Property-based (hypothesis) tests of every parser of outside input, on mutated REAL data.

The property for each parser: it returns its value or raises the error scisays documents for
bad input, whose message is one sentence (a :class:`~scisays.errors.ScisaysError`, or for a live
source's parser a ``BadResponse`` that the HTTP layer turns into a ``SourceError``), never a
traceback. Ingest also never leaves a half-written corpus: after a bad item the corpus holds
exactly the committed batches before it, the error names the place, and a re-run is consistent.

Profiles: ``ci`` (the default: deterministic, a few examples per test, the whole file in well
under a minute) and ``long`` (``SCISAYS_FUZZ_PROFILE=long``: LONG_FACTOR times the examples, new
random seeds each run; a failure prints a reproduction blob).
"""

from __future__ import annotations

import codecs
import copy
import dataclasses
import gzip
import json
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scisays.audit.article import Article, decode, read_article
from scisays.audit.hygiene import assess
from scisays.audit.load import load_article
from scisays.corpus import Corpus, ingest_file
from scisays.corpus.ingest import detect_format, file_sha256, iter_file
from scisays.errors import InputFileError, ScisaysError, SourceError, UsageError
from scisays.model import Deletion, Question, Record, Trial
from scisays.question import MAX_TERM_LENGTH, build_question
from scisays.sources import clinicaltrials, europepmc, openfda, synonyms
from scisays.sources.http import BadResponse, _parse
from scisays.sources.pubmed import RECORDS_CODEC, SearchSummary, parse_efetch, parse_esearch

from conftest import KRATOM_DEV, PUBMED_FIXTURES, SHARED

# -- profiles: the example counts, in one place ----------------------------------------------

#: Examples per property test (per parameter, for parametrized ones) in the ``ci`` profile.
CI_EXAMPLES: dict[str, int] = {
    "efetch": 400,
    "esearch": 200,
    "xml_ingest": 80,
    "xml_ingest_worker": 3,
    "xml_entities": 15,
    "xml_huge": 2,
    "jsonl_records": 40,
    "jsonl_values": 40,
    "jsonl_bytes": 25,
    "json_tree": 100,
    "json_bytes": 50,
    "question": 200,
    "decode": 300,
    "html": 60,
    "markdown": 100,
    "article_text": 100,
    "article_real": 30,
    "article_file": 30,
}
#: The ``long`` profile runs this many times the ``ci`` examples.
LONG_FACTOR = 20
PROFILE = os.environ.get("SCISAYS_FUZZ_PROFILE", "ci")
if PROFILE not in ("ci", "long"):
    raise ValueError(f"SCISAYS_FUZZ_PROFILE must be 'ci' or 'long', not {PROFILE!r}")

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
            HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture]
settings.register_profile("ci", deadline=None, derandomize=True, database=None,
                          suppress_health_check=_SLOW_OK, print_blob=False)
settings.register_profile("long", deadline=None, derandomize=False, database=None,
                          suppress_health_check=_SLOW_OK, print_blob=True)


def fuzz(name: str) -> settings:
    """The selected profile's settings, with the example count of test ``name``."""
    factor = LONG_FACTOR if PROFILE == "long" else 1
    return settings(settings.get_profile(PROFILE), max_examples=CI_EXAMPLES[name] * factor)


# -- the real data the mutations start from --------------------------------------------------

REAL = SHARED / "fixtures" / "real"
ARTICLES = SHARED / "articles"
if not (REAL.is_dir() and PUBMED_FIXTURES.is_dir() and KRATOM_DEV.is_file()):
    pytest.skip("the shared recorded data (../shared) is not here", allow_module_level=True)


def _unique(paths: Sequence[Path]) -> list[tuple[str, bytes]]:
    """(name, bytes) of each file, one per distinct content, in a stable order."""
    seen: set[bytes] = set()
    out = []
    for p in sorted(paths):
        data = p.read_bytes()
        if data not in seen:
            seen.add(data)
            out.append((p.name, data))
    return out


EFETCH_XML = _unique([*PUBMED_FIXTURES.glob("pubmed*.xml"), *(REAL / "eutils").glob("*pubmed*.xml"),
                      *(REAL / "eutils").glob("*PubMedFetch*.xml")])
ESEARCH_XML = _unique([*PUBMED_FIXTURES.glob("esearch*.xml"), *(REAL / "eutils").glob("*esearch*.xml"),
                       *(REAL / "eutils").glob("*PubMedSearch*.xml")])
OTHER_XML = _unique([PUBMED_FIXTURES / "efetch_pmc.xml", PUBMED_FIXTURES / "esummary1.xml",
                     PUBMED_FIXTURES / "einfo1.xml", REAL / "europepmc" / "pyeuropepmc_search_cancer.xml"])
KRATOM_LINES = [line for line in KRATOM_DEV.read_bytes().splitlines() if line.strip()]
ARTICLE_TEXTS = _unique(list(ARTICLES.glob("*")))


def _json_files(folder: str, pattern: str = "*.json") -> list[tuple[str, bytes]]:
    return _unique(list((REAL / folder).glob(pattern)))


_CT_SINGLE = json.loads((REAL / "clinicaltrials" / "gowthamrao_NCT04267848.json").read_bytes())
_PUBCHEM = json.loads((REAL / "pubchem" / "HANDMADE_apievangelist_get-compound-synonyms.json").read_bytes())
_FDA_FOOD = json.loads((REAL / "openfda" / "HANDMADE_openfda-docs_food_event_examples.json").read_bytes())
_FDA_DRUG = json.loads((REAL / "openfda" / "HANDMADE_openfda-docs_drug_event_examples.json").read_bytes())
#: (service as users read it, parser, the real answers its mutations start from)
JSON_PARSERS: list[tuple[str, Callable[[bytes, int], Any], list[tuple[str, bytes]]]] = [
    ("Europe PMC", europepmc.parse_search, _json_files("europepmc")),
    ("ClinicalTrials.gov", clinicaltrials.parse_studies, [
        *_json_files("clinicaltrials"),
        # the real single-study answer as the one study of a search page
        ("NCT04267848-as-page", json.dumps({"studies": [_CT_SINGLE], "totalCount": 1}).encode()),
    ]),
    ("openFDA", openfda.parse_openfda, [
        *_json_files("openfda"),
        # the count= answers inside the FDA's documentation examples, as answers of their own
        ("food-event-count", json.dumps(_FDA_FOOD["count"]).encode()),
        ("drug-event-count", json.dumps({"meta": _FDA_FOOD["count"]["meta"],
                                         "results": _FDA_DRUG["count"]["results"]}).encode()),
    ]),
    ("MeSH", synonyms.parse_descriptor_lookup, _json_files("mesh", "*lookup*.json")),
    # No real lookup/details answer exists (see SOURCE.md): the documented shape, filled with
    # the real D017209 record's label.
    ("MeSH", synonyms.parse_descriptor_details, [
        ("details-D017209", json.dumps({"descriptor": "http://id.nlm.nih.gov/mesh/D017209", "terms": [
            {"label": "Apoptosis", "preferred": True}, {"label": "Cell Death, Programmed"},
            {"label": "Programmed Cell Death, Type I", "preferred": False}]}).encode()),
        *_json_files("mesh", "*D017209*.json"),
    ]),
    ("PubChem", synonyms.parse_pubchem_synonyms, [
        ("pubchem-body", json.dumps(_PUBCHEM["response"]["body"]).encode()),
        ("pubchem-404", b'{"Fault": {"Code": "PUGREST.NotFound", "Message": "No CID found"}}'),
    ]),
]
ALL_ANSWERS = [d for _s, _p, docs in JSON_PARSERS for d in docs] + EFETCH_XML[:2] + ESEARCH_XML[:2]

STATUSES = st.sampled_from([200, 200, 200, 404, 400, 403, 429, 500, 502, 503, 204, 301])
HTML_ERROR_PAGES = [
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
    b"Gateway</h1></center><hr><center>nginx</center></body></html>",
    b"\r\n<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body></body></html>",
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">'
    b"<head><title>NCBI - WWW Error 500 Diagnostic</title></head><body>Error</body></html>",
    b"<h1>Too Many Requests</h1><p>API rate limit exceeded</p>",
    b'<HTML><HEAD><META HTTP-EQUIV="refresh" CONTENT="0;URL=/maintenance"></HEAD></HTML>',
]

# -- what every outcome must look like -------------------------------------------------------

MAX_MESSAGE = 400


def assert_one_sentence(err: BaseException) -> None:
    """A user-facing error: a non-empty single line, short, with no traceback in it."""
    msg = str(err)
    assert msg.strip(), f"empty message from {type(err).__name__}"
    assert "\n" not in msg and "\r" not in msg, f"multi-line message: {msg!r}"
    assert "Traceback" not in msg and 'File "' not in msg, f"traceback text in the message: {msg!r}"
    assert len(msg) < MAX_MESSAGE, f"message of {len(msg)} characters: {msg[:200]!r}..."


def assert_utf8(value: Any) -> None:
    """The value can be written out (reports, the corpus, the response cache): every string in it
    is valid Unicode (no lone surrogate)."""
    json.dumps(value, ensure_ascii=False, default=_plain).encode("utf-8")


def _plain(obj: Any) -> Any:
    if isinstance(obj, Record):
        return obj.to_dict()  # needs an identifier: Record.key raises without one
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    raise TypeError(type(obj).__name__)


def run_source_parser(service: str, parser: Callable[[bytes, int], Any], body: bytes, status: int,
                      *, strict: bool = False) -> Any:
    """``parser`` as the HTTP layer runs it (``_parse``, whose safety net turns a KeyError or
    TypeError into a bad answer), or by itself when ``strict``: its value, or None after checking
    that the BadResponse becomes a one-sentence SourceError."""
    try:
        value = parser(body, status) if strict else _parse(parser, body, status)
    except BadResponse as e:
        assert isinstance(e.retry, bool)
        assert_one_sentence(SourceError(service, e.problem))
        return None
    assert_utf8(value)
    return value


def check_records(records: Any) -> None:
    assert isinstance(records, list)
    for r in records:
        assert isinstance(r, Record)
        assert r.key  # every record has an identifier
        assert isinstance(r.title, str) and all(s.text for s in r.sections)
        assert r.year is None or isinstance(r.year, int)


# -- byte-level mutations (shared by XML, JSON and articles) ---------------------------------


@st.composite
def damaged_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` truncated, with bytes flipped, inserted or deleted (1-3 of these)."""
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        i = draw(st.integers(0, len(data)))
        if op == "truncate":
            data = data[:i]
        elif op == "flip" and data:
            i = min(i, len(data) - 1)
            data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1:]
        elif op == "insert":
            data = data[:i] + draw(st.binary(min_size=1, max_size=16)) + data[i:]
        else:
            data = data[:i] + data[i + draw(st.integers(1, 64)):]
    return data


# -- PubMed XML ------------------------------------------------------------------------------

XML_TAGS = [
    "PubmedArticleSet", "PubmedArticle", "MedlineCitation", "PubmedData", "PMID", "Article",
    "ArticleTitle", "VernacularTitle", "Abstract", "AbstractText", "Journal", "JournalIssue", "Title",
    "PubDate", "Year", "Month", "Day", "MedlineDate", "ArticleDate", "DateRevised", "DeleteCitation",
    "PubmedBookArticle", "ArticleIdList", "ArticleId", "ELocationID", "MeshHeadingList", "MeshHeading",
    "DescriptorName", "KeywordList", "Keyword", "Language", "PublicationTypeList", "PublicationType",
    "DataBankList", "DataBank", "AccessionNumberList", "AccessionNumber", "CommentsCorrectionsList",
    "CommentsCorrections", "eSearchResult", "eFetchResult", "Count", "WebEnv", "QueryKey", "ERROR",
    "ErrorList", "WarningList", "PhraseNotFound", "QueryTranslation", "IdList", "Id",
]
XML_NAMES = st.one_of(
    st.sampled_from(XML_TAGS),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,20}", fullmatch=True),
    st.integers(300, 3000).map(lambda n: "Q" * n),  # a name too long to quote in a message
)
#: what a field (Year, PMID, Version ...) may hold instead of its usual value
ODD_VALUES = st.one_of(
    st.sampled_from(["", " ", "0", "-1", "²", "2020²", "١٩٩٩", "１９９９", "9" * 25, "1e5", "NaN",
                     "Spring", "2019 Mar-Apr", "x" * 500, "\u00a0", "D017209"]),
    st.text(max_size=30),
)


ODD_NUMBERS = st.sampled_from(["²", "2020²", "١٩٩٩", "１９９９", "9" * 25, "9" * 19, "0", "-1", "", " 7 ",
                               "1e5", "00000000000000000000000001", "Mar", "Spring", "0x10", "٣"])


def _xml_escape(text: str, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


@st.composite
def xml_snippet(draw: st.DrawFn) -> bytes:
    """Something to insert into an XML document: an (unknown or misplaced) element, a stray tag,
    a comment, CDATA, a processing instruction, an entity reference, a DOCTYPE or text."""
    name = draw(XML_NAMES)
    text = draw(ODD_VALUES)
    escaped = _xml_escape(text) if draw(st.booleans()) else text
    forms = [
        f"<{name}>{escaped}</{name}>",
        f'<{name} Label="{_xml_escape(text, True)}" Version="{_xml_escape(text, True)}"/>',
        f"<{name}>", f"</{name}>",
        f"<!--{text.replace('--', '')}-->",
        f"<![CDATA[{text.replace(']]>', '')}]]>",
        f"<?{name} {text.replace('?>', '')}?>",
        f"&{name};", "&#0;", "&#xD800;", "&#1114112;", "&amp;",
        f'<{name} xmlns="urn:x:{_xml_escape(text, True)}">{escaped}</{name}>',
        f"<!DOCTYPE {name}>",
        escaped,
        f"<PubmedArticle><MedlineCitation><PMID>{escaped}</PMID><Article><ArticleTitle>{escaped}"
        "</ArticleTitle></Article></MedlineCitation></PubmedArticle>",
        f"<DeleteCitation><PMID>{escaped}</PMID></DeleteCitation>",
    ]
    return draw(st.sampled_from(forms)).encode("utf-8", "surrogatepass")


_FIELD = re.compile(
    rb"<(Year|Month|Day|PMID|MedlineDate|ArticleTitle|AbstractText|Language|ELocationID|ArticleId|"
    rb"AccessionNumber|Title|Keyword|DescriptorName|PublicationType|Count|WebEnv|QueryKey|"
    rb"QueryTranslation|ERROR)\b([^>]*)>([^<]*)</\1>"
)
_NUMBER = re.compile(rb'<(?:Year|Month|Day|Count|QueryKey|RetMax|RetStart)>([^<]*)<|\bVersion="([^"]*)"')
_ATTR = re.compile(rb'\b(Version|Label|NlmCategory|IdType|EIdType|RefType|UI|MajorTopicYN)="([^"]*)"')
_ROOT = re.compile(rb"<([A-Za-z_][A-Za-z0-9_.:-]*)")
_DECL = re.compile(rb"^\s*<\?xml[^>]*\?>")
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[[^\]]*\])?\s*>")
ENCODINGS = ["latin-1", "cp1252", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "shift_jis", "cp500",
             "utf-8"]
DECLARED = ["UTF-8", "ISO-8859-1", "UTF-16", "US-ASCII", "Shift_JIS", "windows-1252", "UTF-32",
            "EBCDIC-US", "bogus-enc", ""]


def _pick(draw: st.DrawFn, matches: list[re.Match[bytes]]) -> re.Match[bytes] | None:
    return matches[draw(st.integers(0, len(matches) - 1))] if matches else None


@st.composite
def xml_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    op = draw(st.sampled_from(["damage", "snippet", "snippet", "field", "field", "number", "number", "attr",
                               "reencode", "root", "drop"]))
    if op == "damage":
        return draw(damaged_bytes(data))
    if op == "snippet":
        cuts = [0, len(data), *(m.end() for m in re.finditer(rb">", data))]
        i = cuts[draw(st.integers(0, len(cuts) - 1))]
        return data[:i] + draw(xml_snippet()) + data[i:]
    if op == "field":
        m = _pick(draw, list(_FIELD.finditer(data)))
        if m is None:
            return data
        value = draw(ODD_VALUES)
        raw = (_xml_escape(value) if draw(st.booleans()) else value).encode("utf-8", "surrogatepass")
        return data[:m.start(3)] + raw + data[m.end(3):]
    if op == "number":  # a year, month, day, count or version that is not a plain number
        m = _pick(draw, list(_NUMBER.finditer(data)))
        if m is None:
            return data
        g = 1 if m.group(1) is not None else 2
        return data[:m.start(g)] + draw(ODD_NUMBERS).encode() + data[m.end(g):]
    if op == "attr":
        m = _pick(draw, list(_ATTR.finditer(data)))
        if m is None:
            return data
        return data[:m.start(2)] + _xml_escape(draw(ODD_VALUES), True).encode("utf-8", "surrogatepass") + \
            data[m.end(2):]
    if op == "reencode":
        body = _DECL.sub(b"", data).decode("utf-8", "replace")
        enc = draw(st.sampled_from(ENCODINGS))
        declared = draw(st.sampled_from([*DECLARED, enc]))  # often a wrong declaration
        decl = f'<?xml version="1.0" encoding="{declared}"?>' if declared else '<?xml version="1.0"?>'
        out = ((decl if draw(st.booleans()) else "") + body).encode(enc, "replace")
        return (codecs.BOM_UTF8 + out) if draw(st.booleans()) and enc == "utf-8" else out
    if op == "root":
        prolog_end = max([0, *(m.end() for m in (_DECL.match(data), _DOCTYPE.search(data)) if m)])
        m = _ROOT.search(data, prolog_end)
        if m is None:
            return data
        new = draw(XML_NAMES).encode()
        old = m.group(1)
        closing = data.rfind(b"</" + old + b">")
        if closing > m.start():
            data = data[:closing] + b"</" + new + b">" + data[closing + len(old) + 3:]
        return data[:m.start(1)] + new + data[m.end(1):]
    # drop: a whole element, a well-formed cut
    m = _pick(draw, list(_FIELD.finditer(data)))
    return data if m is None else data[:m.start()] + data[m.end():]


@st.composite
def mutated_xml(draw: st.DrawFn, docs: list[tuple[str, bytes]]) -> bytes:
    _name, data = draw(st.sampled_from(docs))
    for _ in range(draw(st.integers(1, 3))):
        data = draw(xml_mutation(data))
    return data


def _efetch_result(body: bytes, status: int) -> None:
    # strict: efetch answers go through the corpus' PubMed XML parser, which ingest runs without
    # the HTTP layer's safety net (and one odd field must not cost a whole page of 500 records)
    records = run_source_parser("PubMed", parse_efetch, body, status, strict=True)
    if records is not None:
        check_records(records)
        assert RECORDS_CODEC.decode(RECORDS_CODEC.encode(records)) == records  # the response cache


@fuzz("efetch")
@given(body=st.one_of(mutated_xml(EFETCH_XML), mutated_xml(ESEARCH_XML + OTHER_XML),
                      st.sampled_from(HTML_ERROR_PAGES), st.binary(max_size=64)),
       status=STATUSES)
def test_parse_efetch_on_mutated_real_answers(body: bytes, status: int) -> None:
    _efetch_result(body, status)


@fuzz("esearch")
@given(body=st.one_of(mutated_xml(ESEARCH_XML), mutated_xml(EFETCH_XML[:3] + OTHER_XML),
                      st.sampled_from(HTML_ERROR_PAGES), st.binary(max_size=64)),
       status=STATUSES)
def test_parse_esearch_on_mutated_real_answers(body: bytes, status: int) -> None:
    summary = run_source_parser("PubMed", parse_esearch, body, status, strict=True)
    if summary is not None:
        assert isinstance(summary, SearchSummary)
        assert summary.count >= 0 and (summary.count == 0 or (summary.webenv and summary.query_key))


# -- corpus ingest: PubMed XML and JSON Lines files ------------------------------------------


def _reference_items(path: Path) -> tuple[list[Record | Deletion], InputFileError | None]:
    """Every item the file's parser yields before it stops, and the error it stops with."""
    items: list[Record | Deletion] = []
    try:
        detect_format(path)
        stream, raw, _fmt = iter_file(path)
        try:
            items.extend(stream)
        finally:
            raw.close()
    except InputFileError as e:
        return items, e
    return items, None


def _snapshot(corpus: Corpus) -> list[str]:
    return sorted(json.dumps(r.to_dict(), sort_keys=True, ensure_ascii=False) for r in corpus.iter_records())


def _expected(folder: Path, items: Sequence[Record | Deletion]) -> list[str]:
    """The corpus that one batch of ``items`` makes (batching does not change the outcome)."""
    db = folder / f"ref-{len(list(folder.iterdir()))}.sqlite"
    with Corpus.open(db, create=True) as ref:
        if items:
            ref.write_batch(list(items))
        return _snapshot(ref)


@dataclasses.dataclass
class Ingested:
    error: InputFileError | None
    committed: list[Record | Deletion]  # the items the corpus holds (every item, without error)


def check_ingest(folder: Path, path: Path, batch_size: int, *, parallel: bool = False) -> Ingested:
    """Ingest ``path`` into a new corpus: it succeeds with every item stored, or stops with one
    InputFileError sentence and the corpus holds exactly the committed batches before the
    problem; a re-run is consistent (the same error and corpus, or nothing to do)."""
    items, parse_error = _reference_items(path)
    committed = items if parse_error is None else items[: len(items) // batch_size * batch_size]
    with Corpus.open(folder / "corpus.sqlite", create=True) as corpus:
        try:
            result = ingest_file(corpus, path, batch_size=batch_size, parallel=parallel)
        except InputFileError as e:
            assert_one_sentence(e)
            assert parse_error is not None, f"ingest failed where the parser does not: {e}"
            assert str(parse_error) in str(e)
            assert _snapshot(corpus) == _expected(folder, committed)
            try:
                ingest_file(corpus, path, batch_size=batch_size, parallel=parallel)
            except InputFileError as again:
                assert str(again) == str(e)  # the same problem, at the same place
            else:
                raise AssertionError("a re-run of a failed ingest succeeded")
            assert _snapshot(corpus) == _expected(folder, committed)
            status = corpus.file_status(file_sha256(path)) or (0, False)
            assert status == (len(committed), False)  # where a re-run resumes
            return Ingested(e, committed)
        assert parse_error is None, f"ingest succeeded where the parser fails: {parse_error}"
        assert result.items == len(items)
        before = _snapshot(corpus)
        assert before == _expected(folder, items)
        assert ingest_file(corpus, path, batch_size=batch_size).already_ingested
        assert _snapshot(corpus) == before
    return Ingested(None, items)


@st.composite
def container(draw: st.DrawFn, data: bytes) -> bytes:
    """The file as written to disk: plain, gzipped, or gzipped and then damaged."""
    kind = draw(st.sampled_from(["plain", "plain", "gzip", "gzip-damaged"]))
    if kind == "plain":
        return data
    gz = gzip.compress(data, mtime=0)
    return gz if kind == "gzip" else draw(damaged_bytes(gz))


@fuzz("xml_ingest")
@given(data=st.data(), batch_size=st.integers(1, 3))
def test_ingest_of_mutated_pubmed_xml(data: st.DataObject, batch_size: int) -> None:
    body = data.draw(container(data.draw(mutated_xml(EFETCH_XML))))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "pubmed.xml"
        path.write_bytes(body)
        check_ingest(Path(d), path, batch_size)


@fuzz("xml_ingest_worker")
@given(body=mutated_xml(EFETCH_XML))
def test_parallel_ingest_of_mutated_pubmed_xml(body: bytes) -> None:
    # the worker-process path reports the same problems as the in-process one
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "pubmed.xml"
        path.write_bytes(body)
        check_ingest(Path(d), path, 1, parallel=True)


SECRET = "scisays-secret-3f7a9c"
_ENTITY_ATTACKS = {
    "passwd": '<!DOCTYPE PubmedArticleSet [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    "secret-file": '<!DOCTYPE PubmedArticleSet [<!ENTITY x SYSTEM "file://{secret}">]>',
    "parameter": '<!DOCTYPE PubmedArticleSet [<!ENTITY % p SYSTEM "file://{secret}"> %p; '
                 '<!ENTITY x "y">]>',
    "network-dtd": '<!DOCTYPE PubmedArticleSet SYSTEM "http://127.0.0.1:9/pubmed.dtd">',
    "network-entity": '<!DOCTYPE PubmedArticleSet [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>',
    "billion-laughs": "<!DOCTYPE PubmedArticleSet [<!ENTITY l0 \"lol\">"
                      + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
                      + '<!ENTITY x "&l9;">]>',
    "quadratic": f'<!DOCTYPE PubmedArticleSet [<!ENTITY x "{"A" * 50_000}">]>',
}


@fuzz("xml_entities")
@given(doc=st.sampled_from(EFETCH_XML), attack=st.sampled_from(sorted(_ENTITY_ATTACKS)),
       field=st.sampled_from(["ArticleTitle", "AbstractText", "Title", "Keyword", "PMID"]),
       copies=st.integers(1, 20))
def test_xml_entities_are_never_expanded(
    doc: tuple[str, bytes], attack: str, field: str, copies: int,
) -> None:
    with tempfile.TemporaryDirectory() as d:
        secret = Path(d) / "secret.txt"
        secret.write_text(f"{SECRET}\n")
        doctype = _ENTITY_ATTACKS[attack].format(secret=secret)
        body = _DOCTYPE.sub(b"", doc[1], count=1)
        decl = _DECL.match(body)
        at = decl.end() if decl else 0
        body = body[:at] + doctype.encode() + body[at:]
        body = re.sub(rb"(<" + field.encode() + rb"\b[^>]*>)", rb"\1" + b"&x;" * copies, body, count=1)
        etc_passwd = Path("/etc/passwd")
        passwd = etc_passwd.read_text(errors="replace").splitlines()[:1] if etc_passwd.is_file() else []
        for records in _entity_outcomes(Path(d), body):
            dumped = json.dumps([r.to_dict() for r in records], ensure_ascii=False)
            assert SECRET not in dumped
            assert not any(line and line in dumped for line in passwd)
            assert "lollol" not in dumped and "A" * 1000 not in dumped
            assert len(dumped) < 2 * len(doc[1]) + 10_000  # nothing was expanded


def _entity_outcomes(folder: Path, body: bytes) -> list[list[Record]]:
    out = []
    records = run_source_parser("PubMed", parse_efetch, body, 200, strict=True)
    if records is not None:
        out.append(records)
    path = folder / "entities.xml"
    path.write_bytes(body)
    if check_ingest(folder, path, 2).error is None:
        with Corpus.open(folder / "corpus.sqlite") as corpus:
            out.append(list(corpus.iter_records()))
    return out


@fuzz("xml_huge")
@given(doc=st.sampled_from(EFETCH_XML), megabytes=st.integers(2, 4))
def test_huge_abstract_text(doc: tuple[str, bytes], megabytes: int) -> None:
    words = ("kratom anxiety trial placebo " * (megabytes * 40_000)).encode()
    m = re.search(rb"<AbstractText\b[^>]*>", doc[1]) or re.search(rb"<ArticleTitle\b[^>]*>", doc[1])
    assert m is not None
    body = doc[1][:m.end()] + words + doc[1][m.end():]
    records = run_source_parser("PubMed", parse_efetch, body, 200, strict=True)
    assert records  # and the huge text is read whole
    assert any(len(t) >= len(words) - 10 for r in records for t in (r.title, *(s.text for s in r.sections)))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "huge.xml"
        path.write_bytes(body)
        assert check_ingest(Path(d), path, 2).error is None


# -- JSON trees: mutations of real answers and records ---------------------------------------

JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20))
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=10,
)
EDGE_VALUES: st.SearchStrategy[Any] = st.sampled_from([
    None, True, False, 0, -1, 1.5, 2**63, -(2**63) - 1, 10**30, float("inf"), float("-inf"), float("nan"),
    "", " ", "NaN", "²", "١٢", "\x00", "\ud800", "\udfff x", "<h4>x</h4>y", "NCT", "NCTx", "D1",
    "http://id.nlm.nih.gov/mesh/D017209", [], {}, [[]], {"": None}, ["\ud800"],
]).map(copy.deepcopy)  # a fresh copy: later mutations must not change the constants
#: what a number (or a string of digits) may become: too big for SQLite, infinity, not a number
NUMBER_EDGES: st.SearchStrategy[Any] = st.sampled_from([
    2**63, -(2**63) - 1, 10**30, float("inf"), float("-inf"), float("nan"), 1e300, -1, 0, 0.5, True,
    "²", "2020²", "9" * 25, "١٩٩٩", "", " 12 ", "1e999",
])
ID_KEYS = frozenset({"id", "pmid", "pmcid", "doi", "nct_id", "nctId", "resource", "CID", "identifier",
                     "safetyreportid", "report_number"})
DEEP = "@@scisays-deep@@"


@st.composite
def _retype(draw: st.DrawFn, node: Any) -> Any:
    """The node as a value of another JSON type."""
    if isinstance(node, str):
        return draw(st.sampled_from([[node], {"value": node}, len(node), None]))
    if isinstance(node, list):
        return draw(st.sampled_from([{str(i): v for i, v in enumerate(node)}, json.dumps(node)[:50],
                                     node[0] if node else 0]))
    if isinstance(node, dict):
        return draw(st.sampled_from([list(node.values()), list(node), json.dumps(node)[:50]]))
    return draw(st.sampled_from([str(node), [node], {"value": node}]))


@st.composite
def mutated_tree(
    draw: st.DrawFn, doc: Any, *, depths: Sequence[int] = (64, 900, 980, 5000, 200_000),
) -> tuple[Any, int]:
    """``doc`` with 1-3 of: a subtree replaced by a random value or one of another type, a key
    or item deleted, null, a huge string, deep nesting. Returns (doc, nesting depth for DEEP)."""
    depth = 0
    for _ in range(draw(st.integers(1, 3))):
        parent: Any = None
        key: Any = None
        node = doc
        # a random walk down from the root: upper levels (where parsers look) are hit most
        while isinstance(node, dict | list) and node and draw(st.integers(0, 4)) > 0:
            key = draw(st.sampled_from(list(node))) if isinstance(node, dict) else \
                draw(st.integers(0, len(node) - 1))
            parent, node = node, node[key]
        op = draw(st.sampled_from(["replace", "edge", "retype", "delete", "null", "huge", "deep", "number",
                                   "subset", "anonymous"]))
        if op == "number" or (op == "edge" and isinstance(node, int | float)):
            new = draw(NUMBER_EDGES)
        elif op == "anonymous":  # every identifier gone: what do the parsers key a result by?
            new = {k: v for k, v in node.items() if k not in ID_KEYS} if isinstance(node, dict) else node
        elif op == "subset":  # many keys or items gone at once (say every identifier)
            keep = draw(st.lists(st.booleans(), min_size=len(node), max_size=len(node))) \
                if isinstance(node, dict | list) else []
            if isinstance(node, dict):
                new = {k: v for (k, v), kept in zip(node.items(), keep, strict=True) if kept}
            elif isinstance(node, list):
                new = [v for v, kept in zip(node, keep, strict=True) if kept]
            else:
                new = None
        elif op == "replace":
            new = draw(JSON_VALUES)
        elif op == "edge":
            new = draw(EDGE_VALUES)
        elif op == "retype":
            new = draw(_retype(node))
        elif op == "null":
            new = None
        elif op == "huge":
            unit = draw(st.sampled_from(["A", "word ", "<h4>B</h4>"]))
            new = unit * draw(st.sampled_from([100_000, 1_000_000]))
        elif op == "deep":
            new, depth = DEEP, draw(st.sampled_from(depths))
        else:
            new = {} if parent is None else None
        if parent is None:
            doc = new
        elif op == "delete":
            del parent[key]
        else:
            parent[key] = new
    return doc, depth


def dump_tree(doc: Any, depth: int, ascii_only: bool) -> bytes:
    text = json.dumps(doc, ensure_ascii=ascii_only)
    if depth:
        text = text.replace(json.dumps(DEEP), "[" * depth + "]" * depth)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def mutated_answer(draw: st.DrawFn, docs: list[tuple[str, bytes]]) -> bytes:
    _name, raw = draw(st.sampled_from(docs))
    doc, depth = draw(mutated_tree(json.loads(raw)))
    return dump_tree(doc, depth, draw(st.booleans()))


@st.composite
def damaged_answer(draw: st.DrawFn, docs: list[tuple[str, bytes]]) -> bytes:
    """Raw bytes: a real answer (or another service's) damaged, re-encoded, wrapped, or no JSON."""
    _name, raw = draw(st.sampled_from(docs + ALL_ANSWERS[:: max(1, len(ALL_ANSWERS) // 6)]))
    kind = draw(st.sampled_from(["damaged", "damaged", "utf-16", "bom", "jsonp", "two", "html",
                                 "empty", "binary", "text"]))
    if kind == "damaged":
        return draw(damaged_bytes(raw))
    if kind == "utf-16":
        return raw.decode("utf-8", "replace").encode(draw(st.sampled_from(["utf-16", "utf-32", "utf-16-le"])))
    if kind == "bom":
        return codecs.BOM_UTF8 + raw
    if kind == "jsonp":
        return b"callback(" + raw + b");"
    if kind == "two":
        return raw + b"\n" + raw
    if kind == "html":
        return draw(st.sampled_from(HTML_ERROR_PAGES))
    if kind == "empty":
        return draw(st.sampled_from([b"", b" ", b"\n\n", b"null", b"[]", b"{}", b'""', b"0"]))
    if kind == "binary":
        return draw(st.binary(max_size=100))
    return draw(st.text(max_size=100)).encode("utf-8")


def check_json_value(parser: Callable[[bytes, int], Any], value: Any) -> None:
    """The parsed value has the documented shape."""
    if parser is europepmc.parse_search:
        records, hits, cursor = value
        check_records(records)
        assert isinstance(hits, int) and isinstance(cursor, str)
    elif parser is clinicaltrials.parse_studies:
        trials, token, total = value
        assert all(isinstance(t, Trial) and t.nct_id.startswith("NCT") for t in trials)
        assert isinstance(token, str) and (total is None or isinstance(total, int))
    elif parser is openfda.parse_openfda:
        assert isinstance(value.total, int)
        assert all(isinstance(t, str) and isinstance(n, int) for t, n in value.counts)
    elif parser is synonyms.parse_descriptor_lookup:
        assert all(re.fullmatch(r"D\d+", ui) and isinstance(label, str) for ui, label in value)
    else:
        assert all(isinstance(t, str) for t in value)


_PARSER_IDS = [f"{p.__module__.rsplit('.', 1)[-1]}.{p.__name__}" for _s, p, _d in JSON_PARSERS]


@pytest.mark.parametrize(("service", "parser", "docs"), JSON_PARSERS, ids=_PARSER_IDS)
@fuzz("json_tree")
@given(data=st.data(), status=STATUSES)
def test_json_parser_on_mutated_real_answers(
    service: str, parser: Callable[[bytes, int], Any], docs: list[tuple[str, bytes]],
    data: st.DataObject, status: int,
) -> None:
    value = run_source_parser(service, parser, data.draw(mutated_answer(docs)), status)
    if value is not None:
        check_json_value(parser, value)


@pytest.mark.parametrize(("service", "parser", "docs"), JSON_PARSERS, ids=_PARSER_IDS)
@fuzz("json_bytes")
@given(data=st.data(), status=STATUSES)
def test_json_parser_on_damaged_bytes(
    service: str, parser: Callable[[bytes, int], Any], docs: list[tuple[str, bytes]],
    data: st.DataObject, status: int,
) -> None:
    value = run_source_parser(service, parser, data.draw(damaged_answer(docs)), status)
    if value is not None:
        check_json_value(parser, value)


@pytest.mark.parametrize(("service", "parser", "docs"), JSON_PARSERS, ids=_PARSER_IDS)
def test_json_parser_reads_its_real_answers(
    service: str, parser: Callable[[bytes, int], Any], docs: list[tuple[str, bytes]],
) -> None:
    # the starting points: real answers are read (none is rejected because of the property checks)
    values = [run_source_parser(service, parser, raw, 404 if "404" in name else 200) for name, raw in docs]
    assert any(v is not None for v in values)
    for v in values:
        if v is not None:
            check_json_value(parser, v)


# -- JSON Lines ingest ----------------------------------------------------------------------


def _jsonl_file(lines: Sequence[bytes], crlf: bool, final_newline: bool) -> bytes:
    sep = b"\r\n" if crlf else b"\n"
    return sep.join(lines) + (sep if final_newline else b"")


def check_jsonl_ingest(lines: Sequence[bytes], bad: set[int], batch_size: int, crlf: bool,
                       final_newline: bool) -> None:
    """Ingest a JSON Lines file (``bad``: indexes of lines that may be invalid; the others are
    real records). A failure names the line where the parser stopped, and once the bad lines
    are removed the file ingests completely into the same corpus."""
    body = _jsonl_file(lines, crlf, final_newline)
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        path = folder / "records.jsonl"
        path.write_bytes(body)
        items, _error = _reference_items(path)
        outcome = check_ingest(folder, path, batch_size)
        error = outcome.error
        if error is None:
            return
        try:
            fmt = detect_format(path)
        except InputFileError:
            fmt = ""
        nonblank = [i + 1 for i, line in enumerate(body.split(b"\n"))
                    if line.decode("utf-8", "replace").strip()]
        if fmt == "jsonl":
            assert f"line {nonblank[len(items)]}:" in str(error), (str(error), len(items))
        # fix the file (drop the lines that may be bad) and ingest it again, into the same corpus
        good = [line for i, line in enumerate(lines) if i not in bad]
        path.write_bytes(_jsonl_file(good, crlf, final_newline))
        fixed, fixed_error = _reference_items(path)
        if fixed_error is not None:  # nothing but blank lines is left
            assert not fixed
            return
        with Corpus.open(folder / "corpus.sqlite") as corpus:
            result = ingest_file(corpus, path, batch_size=batch_size)
            assert result.items == len(fixed) and not result.already_ingested
            assert _snapshot(corpus) == _expected(folder, outcome.committed + fixed)


@st.composite
def mutated_record_line(draw: st.DrawFn) -> bytes:
    record = json.loads(draw(st.sampled_from(KRATOM_LINES)))
    doc, depth = draw(mutated_tree(record, depths=(64, 980, 5000)))
    return dump_tree(doc, depth, draw(st.booleans()))


@st.composite
def jsonl_lines(draw: st.DrawFn, bad_line: st.SearchStrategy[bytes]) -> tuple[list[bytes], set[int]]:
    """0-3 real records, a line that may be bad, 0-2 real records, blank lines here and there."""
    real = st.sampled_from(KRATOM_LINES)
    before = draw(st.lists(real, max_size=3))
    after = draw(st.lists(real, max_size=2))
    lines = [*before, draw(bad_line), *after]
    bad = {len(before)}
    if draw(st.booleans()):
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, draw(st.sampled_from([b"", b"   ", b"\t"])))
        bad = {i + (1 if i >= at else 0) for i in bad}
    return lines, bad


@fuzz("jsonl_records")
@given(case=jsonl_lines(mutated_record_line()), batch_size=st.integers(1, 3), crlf=st.booleans(),
       final_newline=st.booleans())
def test_ingest_of_mutated_jsonl_records(case: tuple[list[bytes], set[int]], batch_size: int,
                                        crlf: bool, final_newline: bool) -> None:
    check_jsonl_ingest(case[0], case[1], batch_size, crlf, final_newline)


@st.composite
def json_value_line(draw: st.DrawFn) -> bytes:
    value = draw(st.one_of(
        JSON_VALUES,
        st.dictionaries(st.sampled_from(["id", "pmid", "doi", "pmcid", "nct_id", "title", "abstract",
                                         "sections", "year", "version", "journal", "keywords", "mesh",
                                         "revised", "source", "languages", "publication_types"]),
                        st.one_of(JSON_VALUES, EDGE_VALUES), max_size=8),
    ))
    return json.dumps(value, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


@fuzz("jsonl_values")
@given(case=jsonl_lines(json_value_line()), batch_size=st.integers(1, 3), crlf=st.booleans(),
       final_newline=st.booleans())
def test_ingest_of_arbitrary_json_values(case: tuple[list[bytes], set[int]], batch_size: int,
                                        crlf: bool, final_newline: bool) -> None:
    check_jsonl_ingest(case[0], case[1], batch_size, crlf, final_newline)


@fuzz("jsonl_bytes")
@given(case=jsonl_lines(st.sampled_from(KRATOM_LINES).flatmap(damaged_bytes)), batch_size=st.integers(1, 3))
def test_ingest_of_damaged_jsonl_bytes(case: tuple[list[bytes], set[int]], batch_size: int) -> None:
    # a damaged line may hold a newline: the lines after it may then be bad too
    lines, bad = case
    bad = bad | {i for i, line in enumerate(lines) if line not in KRATOM_LINES}
    check_jsonl_ingest(lines, bad | set(range(min(bad), len(lines))), batch_size, False, True)


# -- the question ----------------------------------------------------------------------------

ANY_TEXT = st.one_of(
    st.text(),
    st.text(st.characters(codec=None, categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Mn"]), max_size=20),
    st.text(max_size=3).map(lambda s: s * 50_000),
    st.sampled_from(["kratom", "St John's wort", "St John’s wort", "5-HTP", "A&B", "sumatriptan/naproxen",
                     '"kratom" OR 1=1', "kratom[tiab]", "x" * MAX_TERM_LENGTH, "x" * (MAX_TERM_LENGTH + 1)]),
)


@fuzz("question")
@given(substance=ANY_TEXT, conditions=st.lists(ANY_TEXT, max_size=4))
def test_build_question_on_any_text(substance: str, conditions: list[str]) -> None:
    try:
        q = build_question(substance, conditions)
    except UsageError as e:
        assert_one_sentence(e)
        return
    assert isinstance(q, Question)
    assert 0 < len(q.substance) <= MAX_TERM_LENGTH and q.substance_terms[0] == q.substance
    assert len(set(q.conditions)) == len(q.conditions)
    assert all(0 < len(c) <= MAX_TERM_LENGTH for c in q.conditions)
    assert all(q.terms_for(c) for c in q.conditions)


# -- the audit's article loader --------------------------------------------------------------

CHARSETS = st.one_of(
    st.none(),
    st.sampled_from(["utf-8", "UTF-8", "latin-1", "iso-8859-1", "windows-1252", "utf-16", "utf-16-le",
                     "utf-32", "shift_jis", "gb2312", "koi8-r", "cp500", "ascii", "utf-7", "idna", "punycode",
                     "unicode_escape", "raw_unicode_escape", "utf-8-sig", "rot13", "base64", "zlib", "hex",
                     "undefined", "mbcs", "x-user-defined", "bogus", "", " ", "utf\x00-8", "utf-8\n"]),
    st.text(max_size=12),
)
ARTICLE_HINTS = st.one_of(
    st.sampled_from(["", "html", "htm", "text/html", "application/xhtml+xml", "md", "markdown",
                     "text/markdown", "txt", "text/plain", "pdf", "application/json", "TEXT/HTML"]),
    st.text(max_size=12),
)
BASE_URLS = st.sampled_from(["", "https://example.org/health/kratom.html", "http://[::1]/a/", "http://[bad",
                             "https://ex.org/a?b#c", "file:///etc/passwd", "javascript:alert(1)", "//host/x",
                             "not a url", "https://\u0435xample.org/"])
WORDS = st.sampled_from(["kratom", "anxiety", "depression", "study", "participants", "reported", "the",
                         "placebo", "trial", "Kratom relieves anxiety.", "of", "and", "PMID 12345", "doi"])
HREFS = st.one_of(
    st.sampled_from(["https://pubmed.ncbi.nlm.nih.gov/12345/", "/relative/path", "../up", "#frag",
                     "javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>x</script>",
                     "mailto:a@b.c", "http://[::1", "http://[bad]/", "https://[::1]:99999/", "http://a b",
                     "https://doi.org/10.1/x", "//cdn.example.org/x.js", "", "  ", "http://" + "a" * 5000,
                     "https://exa\u0000mple.org/", "vbscript:msgbox", "https://ex.org/%zz", "http://[v1.x]/"]),
    st.text(max_size=40),
)
_HTML_TAGS = ["p", "div", "span", "a", "script", "style", "iframe", "article", "main", "nav", "header",
              "footer", "h1", "h2", "ul", "li", "table", "tr", "td", "img", "br", "form", "noscript",
              "template", "svg", "math", "object", "base", "meta", "title", "body", "head", "html",
              "textarea", "xmp", "plaintext", "frameset", "blockquote", "section"]


@st.composite
def html_leaf(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["words", "words", "words", "text", "comment", "cdata", "broken", "entity"]))
    if kind == "words":
        return " ".join(draw(st.lists(WORDS, min_size=1, max_size=12)))
    if kind == "text":
        return draw(st.text(max_size=30))
    if kind == "comment":
        return f"<!-- {draw(st.text(max_size=20))} -->" if draw(st.booleans()) else "<!-- unclosed"
    if kind == "cdata":
        return f"<![CDATA[{draw(st.text(max_size=20))}]]>"
    if kind == "entity":
        return draw(st.sampled_from(["&amp;", "&#0;", "&#xD800;", "&#1114112;", "&nbsp;", "&bogus;",
                                     "&#x1F600;"]))
    return draw(st.sampled_from(["<p", "<a href=", "</div></div>", "<", ">", "<<>>", "<p <p>", "<!DOCTYPE",
                                 "<?xml version='1.0'?>", "</html>", "<a href='x'", "<//>", "<\x00p>"]))


@st.composite
def html_attrs(draw: st.DrawFn) -> str:
    attrs = []
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(["href", "src", "onerror", "onclick", "style", "class", "id", "srcdoc",
                                     "data-x", "lang", "charset", "content", "http-equiv"]))
        value = draw(st.one_of(HREFS, st.integers(2000, 50_000).map(lambda n: "x" * n)))
        quote = draw(st.sampled_from(['"', "'", ""]))
        attrs.append(f" {name}={quote}{value.replace(quote, '') if quote else value}{quote}")
    return "".join(attrs)


def _element(draw: st.DrawFn, children: list[str]) -> str:
    tag = draw(st.sampled_from(_HTML_TAGS))
    close = draw(st.sampled_from([f"</{tag}>", f"</{tag}>", "", "</p>"]))
    return f"<{tag}{draw(html_attrs())}>{''.join(children)}{close}"


@st.composite
def html_element(draw: st.DrawFn, kids: st.SearchStrategy[str]) -> str:
    return _element(draw, draw(st.lists(kids, max_size=4)))


HTML_TREES = st.recursive(html_leaf(), html_element, max_leaves=12)


@st.composite
def html_documents(draw: st.DrawFn) -> str:
    body = draw(HTML_TREES)
    doctype = draw(st.sampled_from(["<!DOCTYPE html>", "",
                                    "<!doctype HTML PUBLIC '-//W3C//DTD HTML 4.01//EN'>"]))
    if draw(st.booleans()):
        title = draw(st.one_of(WORDS, st.text(max_size=20)))
        body = f"<html><head><title>{title}</title></head><body><article>{body}</article></body></html>"
    return doctype + body


def check_article(result: Callable[[], Article]) -> None:
    try:
        article = result()
    except InputFileError as e:
        assert_one_sentence(e)
        return
    assert isinstance(article, Article) and article.text.strip()
    assert article.kind in ("html", "markdown", "text")
    for link in article.links:
        assert isinstance(link.url, str) and isinstance(link.anchor, str)
        urlsplit(link.url)  # the audit takes every link apart (hygiene: shop links, scholarly hosts)
        assert link.position == -1 or 0 <= link.position <= len(article.text)
        if not link.in_text:  # page links are http(s) only
            assert urlsplit(link.url).scheme in ("http", "https")
    assert_utf8(article.to_dict())
    assert_utf8([article.text, article.title, article.author, article.date])
    assess(article, ())  # what the audit reads from the article alone


#: byte strings that trip decoders (a dictionary for the fuzzer): escapes of lone surrogates, BOMs,
#: truncated multi-byte sequences, NULs, a PDF header
TRICKY_BYTES = st.sampled_from([
    b"kratom study \\ud800 anxiety trial", b"\\U0010ffff x", b"\\x", b"\xef\xbb\xbf", b"\xff\xfe\x00",
    b"\xfe\xff\xd8\x00", b"caf\xc3", b"\x00text", b"%PDF-1.7", b"+2D8A-", b"\x1b$B", b"a" * 10 + b"\r\n",
])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # 'unicode_escape' of b"\\q"
@fuzz("decode")
@given(data=st.one_of(st.binary(max_size=200), st.text(max_size=100).map(lambda t: t.encode("utf-8")),
                      st.tuples(TRICKY_BYTES, st.binary(max_size=20)).map(lambda t: t[0] + t[1])),
       charset=CHARSETS)
def test_decode_any_bytes(data: bytes, charset: str | None) -> None:
    try:
        text = decode(data, charset)
    except InputFileError as e:
        assert_one_sentence(e)
        return
    assert isinstance(text, str)
    assert_utf8(text)


@fuzz("html")
@given(html=html_documents(), hint=st.sampled_from(["", "html", "text/html", "txt"]), base_url=BASE_URLS)
def test_read_article_on_random_html(html: str, hint: str, base_url: str) -> None:
    check_article(lambda: read_article(html, hint=hint, source="page.html", base_url=base_url))


@st.composite
def markdown_documents(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["words", "link", "link", "bare", "heading", "text", "nested"]))
        if kind == "words":
            parts.append(" ".join(draw(st.lists(WORDS, min_size=1, max_size=10))))
        elif kind == "link":
            title = draw(st.sampled_from(["", ' "a title"', ' "unclosed']))
            parts.append(f"[{draw(st.one_of(WORDS, st.text(max_size=20)))}]({draw(HREFS)}{title})")
        elif kind == "bare":
            parts.append(draw(st.sampled_from(["https://pubmed.ncbi.nlm.nih.gov/1/.", "http://[::1",
                                               "https://a.b/c)", "http://x.org/" + "y" * 3000])))
        elif kind == "heading":
            parts.append("#" * draw(st.integers(1, 7)) + " " + draw(WORDS))
        elif kind == "nested":
            parts.append("[[a](b)](c) [](https://x) [x]() ![img](http://[bad)")
        else:
            parts.append(draw(st.text(max_size=30)))
    sep = draw(st.sampled_from([" ", "\n", "\n\n", "\r\n"]))
    return sep.join(parts)


@fuzz("markdown")
@given(text=markdown_documents(), hint=st.sampled_from(["", "md", "txt", "text/markdown"]),
       base_url=BASE_URLS)
def test_read_article_on_markdown_with_links(text: str, hint: str, base_url: str) -> None:
    check_article(lambda: read_article(text, hint=hint, source="post.md", base_url=base_url))


@fuzz("article_text")
@given(text=st.one_of(st.text(), st.text(max_size=4).map(lambda s: s * 20_000)), hint=ARTICLE_HINTS,
       source=st.text(max_size=30), base_url=BASE_URLS)
def test_read_article_on_any_text(text: str, hint: str, source: str, base_url: str) -> None:
    check_article(lambda: read_article(text, hint=hint, source=source, base_url=base_url))


@st.composite
def mutated_article(draw: st.DrawFn) -> bytes:
    _name, data = draw(st.sampled_from(ARTICLE_TEXTS))
    kind = draw(st.sampled_from(["damaged", "html", "markdown", "encoded"]))
    if kind == "damaged":
        return draw(damaged_bytes(data))
    text = data.decode("utf-8", "replace")
    if kind == "html":
        paragraphs = "".join(f"<p>{p}</p>{draw(html_leaf())}" for p in text.split("\n\n")[:8])
        return f"<html><head><title>t</title><script>var a='</p>'</script></head><body>{paragraphs}" \
               f"{draw(HTML_TREES)}</body></html>".encode("utf-8", "surrogatepass")
    if kind == "markdown":
        return (draw(markdown_documents()) + "\n\n" + text).encode("utf-8", "surrogatepass")
    encoding = draw(st.sampled_from(["utf-16", "latin-1", "cp1252", "utf-32", "shift_jis"]))
    return text.encode(encoding, "replace")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@fuzz("article_real")
@given(data=mutated_article(), charset=CHARSETS, hint=ARTICLE_HINTS, base_url=BASE_URLS)
def test_read_real_article_mutated(data: bytes, charset: str | None, hint: str, base_url: str) -> None:
    check_article(lambda: read_article(decode(data, charset), hint=hint, source="article", base_url=base_url))


@fuzz("article_file")
@given(data=st.one_of(mutated_article(), st.binary(max_size=200)),
       suffix=st.sampled_from([".txt", ".md", ".html", ".htm", ".pdf", "", ".json", ".TXT"]))
def test_load_article_from_a_file(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"article{suffix}"
        path.write_bytes(data)
        try:
            article = load_article(str(path))
        except (InputFileError, UsageError) as e:
            assert_one_sentence(e)
            return
        check_article(lambda: article)


def test_every_error_here_is_a_scisays_error() -> None:
    # the documented errors the properties accept are all ScisaysErrors (no traceback in the CLI)
    assert issubclass(InputFileError, ScisaysError) and issubclass(UsageError, ScisaysError)
    assert issubclass(SourceError, ScisaysError)


# -- regressions: the minimal inputs of the crashes these properties found -----------------------


def _bad_response(parser: Callable[[bytes, int], Any], body: bytes, status: int = 200) -> str:
    """The problem ``parser`` itself reports for ``body`` (a BadResponse, nothing else)."""
    with pytest.raises(BadResponse) as info:
        parser(body, status)
    problem = info.value.problem
    assert_one_sentence(SourceError("Service", problem))
    return problem


def test_regression_xml_messages_shorten_a_long_element_name() -> None:
    # a 500-character root or mismatched tag name was quoted whole (a message of 500+ characters)
    long_name = b"Q" * 500
    _bad_response(parse_efetch, b"<" + long_name + b"/>")
    _bad_response(parse_efetch, b"<PubmedArticleSet><" + long_name + b"></PubmedArticleSet>")
    _bad_response(parse_esearch, b"<" + long_name + b"/>")


@pytest.mark.parametrize(("service", "parser", "docs"), JSON_PARSERS, ids=_PARSER_IDS)
def test_regression_deeply_nested_json_is_a_bad_answer(
    service: str, parser: Callable[[bytes, int], Any], docs: list[tuple[str, bytes]],
) -> None:
    # json.loads raised RecursionError, which nothing caught (a traceback)
    assert "nested too deeply" in _bad_response(parser, b"[" * 100_000 + b"]" * 100_000)


def test_regression_openfda_count_of_infinity() -> None:
    # 1e999 is valid JSON that Python reads as inf: int(inf) raised OverflowError past _parse
    body = b'{"meta": {"results": {"total": 1}}, "results": [{"term": "NAUSEA", "count": 1e999}]}'
    assert "not a number" in _bad_response(openfda.parse_openfda, body)


def test_regression_clinicaltrials_enrollment_of_infinity() -> None:
    # int(inf) raised OverflowError past _parse; now the trial is kept, without an enrollment
    study = {"protocolSection": {"identificationModule": {"nctId": "NCT01234567", "briefTitle": "T"},
                                 "designModule": {"enrollmentInfo": {"count": "@"}}}}
    body = json.dumps({"studies": [study]}).encode().replace(b'"@"', b"1e999")
    (trial,), _token, _total = clinicaltrials.parse_studies(body)
    assert trial.nct_id == "NCT01234567" and trial.enrollment is None


def test_regression_europepmc_superscript_year() -> None:
    # "²".isdigit() is True but int("²") raises: the whole page was rejected for one record
    body = json.dumps({"hitCount": 1, "resultList": {"result": [
        {"id": "1", "source": "MED", "pmid": "1", "title": "A study", "pubYear": "²"}]}}).encode()
    (record,), hits, _cursor = europepmc.parse_search(body)
    assert record.year is None and hits == 1


def test_regression_europepmc_result_without_an_identifier() -> None:
    # a titled result with no id, PMID, PMCID or DOI became a Record without a key: Record.key
    # raised ValueError in the pipeline's merge
    body = b'{"hitCount": 1, "resultList": {"result": [{"title": "Kratom and anxiety"}]}}'
    records, hits, _cursor = europepmc.parse_search(body)
    assert records == [] and hits == 1


def test_regression_json_lone_surrogate_escape() -> None:
    # "\ud800" is valid JSON but no character: the record could not be written out as UTF-8
    body = b'{"hitCount": 1, "resultList": {"result": [{"id": "1", "title": "Kratom \\ud800 study"}]}}'
    (record,), _hits, _cursor = europepmc.parse_search(body)
    assert record.title == "Kratom \ufffd study"
    record.title.encode("utf-8")
    pair = b'{"hitCount": 1, "resultList": {"result": [{"id": "1", "title": "\\ud83d\\ude00"}]}}'
    assert europepmc.parse_search(pair)[0][0].title == "\U0001f600"  # a valid pair is untouched


def test_regression_esearch_superscript_count() -> None:
    # "²".isdigit() is True but int("²") raised ValueError
    body = "<eSearchResult><Count>²</Count></eSearchResult>".encode()
    assert "without a Count" in _bad_response(parse_esearch, body)


def test_regression_json_surrogate_bytes() -> None:
    # json.loads reads bytes with 'surrogatepass': b"\xed\xa0\x80" (a UTF-8-encoded surrogate) became
    # a lone surrogate that could not be written out (found by the long profile)
    body = b'{"InformationList": {"Information": [{"CID": 2244, "Synonym": ["\xed\xa0\x80 aspirin"]}]}}'
    assert synonyms.parse_pubchem_synonyms(body) == ["\ufffd aspirin"]


_PUBMED_ONE = (PUBMED_FIXTURES / "pubmed-29768149.xml").read_bytes()


def _ingest_error(tmp_path: Path, name: str, body: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(body)
    with Corpus.open(tmp_path / "corpus.sqlite", create=True) as corpus:
        with pytest.raises(InputFileError) as info:
            ingest_file(corpus, path)
        assert corpus.count() == 0
    assert_one_sentence(info.value)
    return str(info.value)


@pytest.mark.parametrize(("pattern", "value"), [
    (rb"(<PubDate>\s*<Year>)\d+", "²"),  # int("²") raised ValueError
    (rb"(<PubDate>\s*<Year>)\d+", "9" * 25),  # too large for SQLite: OverflowError in the writer
    (rb'(<PMID Version=")\d+', "9" * 25),
    (rb'(<PMID Version=")\d+', "²"),
    (rb"(<DateRevised>\s*<Year>\d+</Year>\s*<Month>)\d+", "²"),
])
def test_regression_pubmed_xml_odd_numbers(tmp_path: Path, pattern: bytes, value: str) -> None:
    body = re.sub(pattern, rb"\g<1>" + value.encode(), _PUBMED_ONE, count=1)
    assert body != _PUBMED_ONE
    path = tmp_path / "pubmed.xml"
    path.write_bytes(body)
    with Corpus.open(tmp_path / "corpus.sqlite", create=True) as corpus:
        assert ingest_file(corpus, path).items == 1
        (record,) = corpus.iter_records()
    assert record.pmid == "29768149" and record.year in (None, 2018) and record.version == 1


_KRATOM = json.loads(KRATOM_LINES[0])


@pytest.mark.parametrize(("line", "problem"), [
    (json.dumps({**_KRATOM, "year": 10**20}).encode(), "field 'year'"),  # OverflowError in the writer
    (json.dumps({**_KRATOM, "year": "²020"}).encode(), "field 'year'"),  # int("²020"): ValueError
    (json.dumps({**_KRATOM, "version": 10**20}).encode(), "field 'version'"),  # OverflowError
    (json.dumps({**_KRATOM, "title": "Kratom \ud800"}).encode(), "surrogate"),  # UnicodeEncodeError
    (json.dumps({**_KRATOM, "x": "@"}).encode().replace(b'"@"', b"1" * 5000), "too long"),  # ValueError
    (json.dumps({**_KRATOM, "x": "@"}).encode().replace(b'"@"', b"[" * 5000 + b"]" * 5000), "nested"),
])
def test_regression_jsonl_line_the_corpus_cannot_hold(tmp_path: Path, line: bytes, problem: str) -> None:
    message = _ingest_error(tmp_path, "records.jsonl", KRATOM_LINES[1] + b"\n" + line + b"\n")
    assert "line 2:" in message and problem in message


def test_regression_decode_charsets_that_are_not_text() -> None:
    # ValueError ('embedded null character'), UnicodeError ('undefined') and a lone surrogate
    # from 'unicode_escape' got out of decode()
    assert decode(b"kratom", "utf\x00-8") == "kratom"
    assert decode(b"kratom", "undefined") == "kratom"
    assert decode(b"kratom \\ud800", "unicode_escape") == "kratom \\ud800"


@pytest.mark.parametrize("html", [
    '<p>Kratom eases anxiety in some users, a small survey says.</p><a href="http://[x">x</a>',
    '<p>Kratom eases anxiety in some users, a small survey says.</p><a href="http://[bad]/">x</a>',
])
def test_regression_page_link_that_is_no_url(html: str) -> None:
    # urlsplit('http://[x') raises ValueError (an unclosed IPv6 address)
    article = read_article(html, hint="html", base_url="https://example.org/")
    assert all("[" not in x.url for x in article.links)


def test_regression_markdown_and_bare_links_that_are_no_url() -> None:
    text = "Kratom eases anxiety in some users [a survey](http://[x) says; see http://[::1 too."
    article = read_article(text, hint="md", base_url="https://example.org/")  # urljoin raised
    assert article.links == ()
    assess(read_article(text, hint="md"), ())  # the audit's urlsplit() raised on the bare URL


def test_regression_link_positions_with_crlf_line_ends() -> None:
    # positions were found before CRLF became LF: they pointed past the text
    text = "Kratom and anxiety\r\n\r\nA survey says kratom eases anxiety [source](https://doi.org/10.1/x)."
    article = read_article(text, hint="md")
    (link,) = article.links
    assert article.text[link.position:link.position + len(link.anchor)] == "source"


def test_regression_html_that_trips_the_date_extractor() -> None:
    # htmldate (called by trafilatura for the date) failed an assertion in lxml's drop_tree()
    # (found by the long profile)
    doctype = "<!doctype HTML PUBLIC '-//W3C//DTD HTML 4.01//EN'>"
    with pytest.raises(InputFileError):
        read_article(doctype + "<svg></svg>")
    article = read_article(doctype + "<svg></svg><p>Kratom eases anxiety in some users, a survey says.</p>")
    assert article.text == "Kratom eases anxiety in some users, a survey says."


def test_regression_pmid_version_zero_reads_the_same_from_the_cache() -> None:
    # Version="0" gave version 0, the response cache (Record.from_dict) version 1: a record read
    # again from the cache differed from the one first parsed (found by the long profile)
    body = _PUBMED_ONE.replace(b'<PMID Version="1">', b'<PMID Version="0">', 1)
    records = parse_efetch(body)
    assert records[0].version == 1
    assert RECORDS_CODEC.decode(RECORDS_CODEC.encode(records)) == records

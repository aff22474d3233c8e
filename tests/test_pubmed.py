"""PubMed via E-utilities: esearch/efetch parsers on REAL recorded answers
(../shared/fixtures/pubmed/), and the client against a local fake E-utilities that counts
requests (history server paging, request count, cache, lost history)."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest

from scisays.corpus.pubmed_xml import iter_pubmed_xml
from scisays.errors import SourceError
from scisays.model import Question, Record
from scisays.question import build_question
from scisays.sources import make_client, pubmed
from scisays.sources.http import BadResponse
from scisays.sources.pubmed import EFETCH_BATCH, PubMed, parse_efetch, parse_esearch, pubmed_term

from conftest import PUBMED_FIXTURES, pubmed_samples, settings_for
from fake_eutils import FakeEutils
from fakeserver import FakeServer, Reply


def test_parse_real_esearch_with_history():
    s = parse_esearch((PUBMED_FIXTURES / "esearch2.xml").read_bytes())
    assert s.count == 42249 and s.query_key == "1" and s.webenv == "MCID_6927d6e7fee3e90f880ec190"
    assert s.translation.startswith('("cancer s"[All Fields]')


def test_parse_real_zero_hit_esearch():
    s = parse_esearch((PUBMED_FIXTURES / "esearch8.xml").read_bytes())
    assert s.count == 0 and s.webenv == ""
    assert "PhraseNotFound: abcXYZ" in s.warnings and "OutputMessage: No items found." in s.warnings


def test_esearch_without_history_is_rejected():
    # esearch1.xml is a real answer to a search made without usehistory=y.
    with pytest.raises(BadResponse, match="WebEnv"):
        parse_esearch((PUBMED_FIXTURES / "esearch1.xml").read_bytes())


@pytest.mark.parametrize("name", ["einfo1.xml", "espell.xml", "esummary1.xml"])
def test_other_real_eutils_answers_are_not_esearch(name: str):
    with pytest.raises(BadResponse, match="instead of an esearch result"):
        parse_esearch((PUBMED_FIXTURES / name).read_bytes())


def test_efetch_uses_the_corpus_parser():
    for p in pubmed_samples():
        content = p.read_bytes()
        expected = [r for r in iter_pubmed_xml(io.BytesIO(content), p.name) if isinstance(r, Record)]
        assert parse_efetch(content) == expected and expected


@pytest.mark.parametrize(
    ("body", "message", "retry"),
    [
        (b"<!DOCTYPE html><html><body>Backend failure</body></html>", "HTML page", True),
        (b"<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>",
         "lost the search history", False),
        ((PUBMED_FIXTURES / "pubmed1.xml").read_bytes()[:3000], "damaged PubMed XML", True),
        ((PUBMED_FIXTURES / "efetch_pmc.xml").read_bytes(), "damaged PubMed XML", True),
    ],
)
def test_bad_efetch_answers(body: bytes, message: str, retry: bool):
    with pytest.raises(BadResponse, match=message) as e:
        parse_efetch(body)
    assert e.value.retry is retry


def test_term_quotes_every_phrase():
    q = Question("x", ("anxiety",), ('St John\'s "wort"[mh] OR', "kratom"), {"anxiety": ("anxiety", "angst")})
    assert pubmed_term(q) == (
        '("St John\'s wort mh OR"[tiab] OR "kratom"[tiab]) AND ("anxiety"[tiab] OR "angst"[tiab])'
    )
    assert pubmed_term(Question("kratom", (), ("kratom",), {})) == '("kratom"[tiab])'


def test_identification_and_rate(tmp_path: Path):
    s = settings_for(tmp_path)
    assert PubMed(make_client(s), s).service.rate == 3.0
    keyed = dataclasses.replace(s, ncbi_api_key="K", email="me@example.org")
    svc = PubMed(make_client(keyed), keyed).service
    assert svc.rate == 10.0 and svc.params == {"tool": "scisays", "email": "me@example.org", "api_key": "K"}


def question() -> Question:
    return build_question("ashwagandha", ["stress"])


def test_hits_take_the_minimum_requests_and_none_when_cached(tmp_path: Path):
    # benchmarks/requests.py does the same with 2,000 hits; 1,100 keeps the suite fast.
    with FakeEutils(hits=1100) as fe:
        s = dataclasses.replace(settings_for(tmp_path, pubmed=fe.url), ncbi_api_key="test-key")
        pages = []
        result = PubMed(make_client(s), s).run(question(), lambda d, t: pages.append((d, t)))
        assert len(result.records) == 1100 and result.hits == 1100 and not result.from_cache
        assert len({r.pmid for r in result.records}) == 1100
        assert fe.count("/esearch.fcgi") == 1 and fe.count("/efetch.fcgi") == 3 == -(-1100 // EFETCH_BATCH)
        assert pages[-1] == (1100, 1100)
        assert all(r.query.get("api_key") == "test-key" for r in fe.server.requests)
        again = PubMed(make_client(s), s).run(question())
        assert again.from_cache and again.records == result.records
        assert fe.count() == 1 + 3


def test_max_records_caps_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(pubmed, "EFETCH_BATCH", 50)
    with FakeEutils(hits=1234) as fe:
        s = dataclasses.replace(settings_for(tmp_path, pubmed=fe.url), max_records=60)
        result = PubMed(make_client(s), s).run(question())
        assert len(result.records) == 60 and fe.count("/efetch.fcgi") == 2
        assert "PubMed found 1,234 articles; the 60 most relevant were read" in result.notes[0]


def test_zero_hits_is_one_request(tmp_path: Path):
    with FakeEutils(hits=0) as fe:
        s = settings_for(tmp_path, pubmed=fe.url)
        result = PubMed(make_client(s), s).run(question())
        assert result.records == () and fe.count() == 1
        assert result.notes[0].startswith("PubMed found no article for")


def test_lost_history_searches_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(pubmed, "EFETCH_BATCH", 50)
    with FakeEutils(hits=1000) as fe:
        s = dataclasses.replace(settings_for(tmp_path, pubmed=fe.url), max_records=50, ncbi_api_key="k")
        PubMed(make_client(s), s).run(question())
        fe.webenv = "MCID_after_restart"  # the cached WebEnv is no longer known to the server
        s = dataclasses.replace(s, max_records=100)
        result = PubMed(make_client(s), s).run(question())
        assert len(result.records) == 100 and len({r.pmid for r in result.records}) == 100
        # esearch, efetch | efetch (lost), esearch again, efetch, efetch
        assert fe.count("/esearch.fcgi") == 2 and fe.count("/efetch.fcgi") == 4


def test_real_esearch_error_answer(tmp_path: Path):
    body = b"<eSearchResult><ERROR>Invalid query</ERROR></eSearchResult>"  # hand-made, documented form
    with FakeServer({"/esearch.fcgi": lambda r: Reply(200, body)}) as srv:
        s = settings_for(tmp_path, pubmed=srv.url)
        with pytest.raises(SourceError, match=r"PubMed rejected the search \(Invalid query\)"):
            PubMed(make_client(s), s).run(question())
        assert srv.count() == 1


def test_malformed_efetch_xml_over_http_is_retried_and_not_cached(tmp_path: Path):
    esearch = (b"<eSearchResult><Count>3</Count><RetMax>0</RetMax><RetStart>0</RetStart>"
               b"<QueryKey>1</QueryKey><WebEnv>W</WebEnv><IdList/></eSearchResult>")
    broken = (PUBMED_FIXTURES / "pubmed1.xml").read_bytes()[:2500]  # complete HTTP body, cut XML
    with FakeServer({"/esearch.fcgi": lambda r: Reply(200, esearch),
                     "/efetch.fcgi": lambda r: Reply(200, broken)}) as srv:
        s = settings_for(tmp_path, pubmed=srv.url)
        client = make_client(s)
        with pytest.raises(SourceError, match="PubMed returned damaged PubMed XML"):
            PubMed(client, s).run(question())
        assert srv.count("/efetch.fcgi") == 2 and len(client.cache) == 1  # only the esearch answer

"""Europe PMC REST search client and its merge with PubMed and the local corpus.

Most answers here are HAND-MADE following the documented format (API_NOTES.md: hitCount, nextCursorMark,
resultList.result[] with id, source, pmid, pmcid, doi, title, abstractText with HTML markup,
pubYear, journalInfo, pubTypeList, meshHeadingList, keywordList); real recorded answers are in
../shared/fixtures/real/europepmc (the malformed-result test, tests/test_fuzz_parsers.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scisays.cli import app
from scisays.question import build_question
from scisays.sources import make_client
from scisays.sources.europepmc import EuropePMC, epmc_query, parse_search, record_from_result
from scisays.sources.http import BadResponse

from conftest import SHARED, settings_for
from fake_eutils import FIRST_PMID, FakeEutils
from fakeserver import FakeServer, Reply, Request

MED = {  # HAND-MADE: a MEDLINE record Europe PMC also has (same PMID as the fake PubMed's first)
    "id": str(FIRST_PMID), "source": "MED", "pmid": str(FIRST_PMID),
    "title": "Budesonide-formoterol as needed in mild asthma (Europe PMC copy).",
    "abstractText": "Budesonide in asthma.", "pubYear": "2018",
}
PREPRINT = {  # HAND-MADE: a preprint PubMed does not index
    "id": "PPR123456", "source": "PPR", "doi": "10.1101/2024.01.01.123456",
    "title": "Inhaled <i>budesonide</i> for asthma exacerbations: a randomised trial",
    "authorString": "Doe J, Roe R.", "pubYear": "2024",
    "abstractText": "<h4>Background</h4>Asthma attacks are common.<h4>Methods</h4>We randomised 120 "
                    "adults with asthma to budesonide or placebo.<h4>Results</h4>Budesonide reduced "
                    "exacerbations (p&lt;0.05).<h4>Conclusions</h4>Budesonide improved asthma control.",
    "pubTypeList": {"pubType": ["preprint"]},
    "journalInfo": {"journal": {"title": "medRxiv"}},
}
PMC_ONLY = {  # HAND-MADE: a full-text record in PMC with no PMID
    "id": "PMC9999999", "source": "PMC", "pmcid": "PMC9999999",
    "title": "Budesonide use in a cohort of adults with asthma",
    "abstractText": "A cohort study of budesonide in asthma.", "pubYear": "2023",
    "pubTypeList": {"pubType": ["research-article"]},
    "meshHeadingList": {"meshHeading": [{"majorTopic_YN": "N", "descriptorName": "Asthma"}]},
    "keywordList": {"keyword": ["budesonide", "asthma"]},
}


def page(results: list, hits: int, cursor: str) -> bytes:
    return json.dumps({"version": "6.9", "hitCount": hits, "nextCursorMark": cursor,
                       "request": {}, "resultList": {"result": results}}).encode()


def test_record_from_a_preprint():
    r = record_from_result(PREPRINT)
    assert r is not None and r.pmid is None and r.doi == "10.1101/2024.01.01.123456"
    assert r.title == "Inhaled budesonide for asthma exacerbations: a randomised trial"
    assert [s.label for s in r.sections] == ["Background", "Methods", "Results", "Conclusions"]
    assert r.sections[2].text == "Budesonide reduced exacerbations (p<0.05)."
    assert r.publication_types == ("preprint", "Preprint") and r.journal == "medRxiv" and r.year == 2024
    assert r.key == "doi:10.1101/2024.01.01.123456" and r.source == "europepmc"


def test_pmc_only_record():
    r = record_from_result(PMC_ONLY)
    assert r is not None and r.key == "pmcid:PMC9999999"
    assert r.mesh_headings == ("Asthma",) and r.keywords == ("budesonide", "asthma")


def test_bad_answers():
    with pytest.raises(BadResponse, match="hitCount"):
        parse_search(b'{"errMsg": "x"}')
    with pytest.raises(BadResponse, match="HTML page"):
        parse_search(b"<html><body>EBI maintenance</body></html>")


def test_query_quotes_terms():
    q = build_question("kratom", ["anxiety"])
    assert epmc_query(q).startswith('(TITLE_ABS:"kratom" OR TITLE_ABS:"Mitragyna speciosa"')
    assert ') AND (TITLE_ABS:"anxiety"' in epmc_query(q)


def test_cursor_paging(tmp_path: Path):
    def handler(req: Request) -> Reply:
        assert req.query["resultType"] == "core" and req.query["format"] == "json"
        if req.query["cursorMark"] == "*":
            return Reply(200, page([MED, PREPRINT], 3, "AoE1"))
        assert req.query["cursorMark"] == "AoE1"
        return Reply(200, page([PMC_ONLY], 3, "AoE1"))

    with FakeServer({"/search": handler}) as srv:
        s = settings_for(tmp_path, europepmc=srv.url)
        s = dataclasses.replace(s, max_records=2)
        result = EuropePMC(make_client(s), s).run(build_question("budesonide", ["asthma"]))
        assert len(result.records) == 2 and srv.count() == 1 and result.hits == 3
        assert "Europe PMC found 3 records; the 2 most relevant were read." in result.notes


def test_merged_with_pubmed_and_local_never_duplicated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def handler(req: Request) -> Reply:
        if req.query["cursorMark"] == "*":
            return Reply(200, page([MED, PREPRINT, PMC_ONLY], 3, "AoE1"))
        return Reply(200, page([], 3, "AoE1"))

    with FakeEutils(hits=9) as fe, FakeServer({"/search": handler}) as epmc:
        monkeypatch.setenv("SCISAYS_PUBMED_URL", fe.url)
        monkeypatch.setenv("SCISAYS_EUROPEPMC_URL", epmc.url)
        r = CliRunner().invoke(app, ["ask", "budesonide", "asthma", "--source", "pubmed,europepmc",
                                     "--format", "json"])
        assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    keys = [s["record"]["key"] for s in doc["studies"]]
    assert len(keys) == len(set(keys)) == 3
    by_key = {s["record"]["key"]: s["record"] for s in doc["studies"]}
    assert by_key[f"pmid:{FIRST_PMID}"]["source"] == "pubmed"  # the MEDLINE record won
    assert "Preprint" in by_key["doi:10.1101/2024.01.01.123456"]["publication_types"]
    assert "pmcid:PMC9999999" in by_key
    status = {s["name"]: s for s in doc["source_status"]}
    assert status["Europe PMC"]["ok"] and status["PubMed"]["ok"]


def test_not_in_follows_the_corpus_merge_rule():
    from scisays.model import Record
    from scisays.pipeline import not_in

    pubmed = [Record("a", pmid="1", doi="10.1/A"), Record("b", pmid="2", pmcid="PMC2")]
    epmc = [
        Record("a copy", pmid="1"),  # same PMID: a copy
        Record("preprint of a", doi="10.1/a"),  # no PMID, same DOI (any case): a copy
        Record("b in PMC", pmcid="pmc2"),  # no PMID, same PMCID: a copy
        Record("erratum of a", pmid="3", doi="10.1/A"),  # another PMID sharing a DOI: kept
        Record("new", doi="10.1/new"),
    ]
    assert [r.title for r in not_in(epmc, pubmed)] == ["erratum of a", "new"]


def test_one_malformed_result_does_not_cost_the_page_its_others():
    """Found by the parser fuzz: ``"journalInfo": {"journal": "x"}`` in one result made the whole
    page unreadable; now that result is left out and the others are read."""
    real = SHARED / "fixtures/real/europepmc/pyeuropepmc_search_cancer_core.json"
    doc = json.loads(real.read_text("utf-8"))
    results = doc["resultList"]["result"]
    results[0]["journalInfo"] = {"journal": "x"}
    records, hits, _ = parse_search(json.dumps(doc).encode())
    assert len(records) == len(results) - 1 and hits == doc["hitCount"]

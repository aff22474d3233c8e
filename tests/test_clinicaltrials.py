"""ClinicalTrials.gov API v2 client. Most answers below are HAND-MADE, following the documented
v2 format (API_NOTES.md: studies[].protocolSection.*Module, hasResults, totalCount,
nextPageToken); real recorded answers are in ../shared/fixtures/real/clinicaltrials (the
malformed-study test, tests/test_fuzz_parsers.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scisays.errors import SourceError
from scisays.question import build_question
from scisays.report import build_report, render_markdown
from scisays.report.build import trial_gap
from scisays.sources import make_client
from scisays.sources.clinicaltrials import ClinicalTrials, parse_studies
from scisays.sources.http import BadResponse

from conftest import SHARED, settings_for
from fakeserver import FakeServer, Reply, Request


def study(nct: str, status: str, *, results: bool = False, phases=("PHASE2",), n=60, start="2023-01"):
    """HAND-MADE study in the documented v2 shape."""
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct, "briefTitle": f"Ashwagandha for stress ({nct})"},
            "statusModule": {
                "overallStatus": status,
                "startDateStruct": {"date": start},
                "completionDateStruct": {"date": "2024-06-30", "type": "ACTUAL"},
            },
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "phases": list(phases),
                "enrollmentInfo": {"count": n, "type": "ACTUAL"},
                "designInfo": {"allocation": "RANDOMIZED"},
            },
            "conditionsModule": {"conditions": ["Stress", "Anxiety"]},
            "armsInterventionsModule": {
                "interventions": [{"type": "DIETARY_SUPPLEMENT", "name": "Ashwagandha root extract"}]
            },
        },
        "hasResults": results,
    }


PAGE1 = {"totalCount": 3, "nextPageToken": "tok2", "studies": [
    study("NCT00000001", "COMPLETED", results=True, phases=("PHASE2", "PHASE3")),
    study("NCT00000002", "RECRUITING", start="2025-02"),
]}
PAGE2 = {"totalCount": 3, "studies": [study("NCT00000003", "COMPLETED", phases=(), n=None)]}


def test_parse_hand_made_page():
    trials, token, total = parse_studies(__import__("json").dumps(PAGE1).encode())
    assert token == "tok2" and total == 3
    t = trials[0]
    assert (t.nct_id, t.status, t.phase, t.enrollment, t.has_results) == (
        "NCT00000001", "COMPLETED", "PHASE2/PHASE3", 60, True)
    assert t.start_date == "2023-01" and t.completion_date == "2024-06-30"
    assert t.interventions == ("Ashwagandha root extract",) and t.conditions == ("Stress", "Anxiety")


def test_not_a_studies_answer():
    with pytest.raises(BadResponse, match="'studies'"):
        parse_studies(b'{"error": "x"}')


def test_pages_and_report(tmp_path: Path):
    def handler(req: Request) -> Reply:
        return Reply(200, PAGE2 if req.query.get("pageToken") == "tok2" else PAGE1)

    with FakeServer({"/studies": handler}) as srv:
        s = settings_for(tmp_path, clinicaltrials=srv.url)
        q = build_question("ashwagandha", ["stress"])
        result = ClinicalTrials(make_client(s), s).run(q)
        assert [t.nct_id for t in result.trials] == ["NCT00000001", "NCT00000002", "NCT00000003"]
        first = srv.requests[0].query
        assert first["query.intr"].startswith('"ashwagandha" OR "Withania somnifera"')
        assert first["query.cond"].startswith('"stress"') and first["countTotal"] == "true"
        assert "HasResults" in first["fields"] and srv.count() == 2
        again = ClinicalTrials(make_client(s), s).run(q)
        assert again.from_cache and srv.count() == 2

    report = build_report(q, [], sources=[], trials=result.trials)
    assert [t.nct_id for t in report.trials] == ["NCT00000002", "NCT00000003", "NCT00000001"]
    assert [trial_gap(t) for t in report.trials] == ["ongoing", "completed, no results posted", ""]
    md = render_markdown(report)
    assert "## Registered trials (3, ClinicalTrials.gov)" in md
    assert "**recruiting (ongoing)**" in md and "**completed (completed, no results posted)**" in md
    assert "gaps in the evidence" in md


def test_zero_trials(tmp_path: Path):
    with FakeServer({"/studies": lambda r: Reply(200, {"totalCount": 0, "studies": []})}) as srv:
        s = settings_for(tmp_path, clinicaltrials=srv.url)
        result = ClinicalTrials(make_client(s), s).run(build_question("unobtainium", ["stress"]))
        assert result.trials == () and result.hits == 0


def test_bad_request_is_not_retried(tmp_path: Path):
    # HAND-MADE: v2 answers a malformed query with 400 and a plain-text message.
    with FakeServer({"/studies": lambda r: Reply(400, b"Invalid query.cond value")}) as srv:
        s = settings_for(tmp_path, clinicaltrials=srv.url)
        with pytest.raises(SourceError, match=r"ClinicalTrials.gov refused the request \(HTTP 400"):
            ClinicalTrials(make_client(s), s).run(build_question("kratom", ["pain"]))
        assert srv.count() == 1


def test_one_malformed_study_does_not_cost_the_page_its_others():
    """Found by the parser fuzz: a study of an unexpected shape made the whole page unreadable."""
    real = SHARED / "fixtures/real/clinicaltrials/biomcp_trials_NCT04280705_search_page.json"
    doc = json.loads(real.read_text("utf-8"))
    good = len(parse_studies(json.dumps(doc).encode())[0])
    doc["studies"].insert(0, {"protocolSection": "x"})
    assert len(parse_studies(json.dumps(doc).encode())[0]) == good >= 1

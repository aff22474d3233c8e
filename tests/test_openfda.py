"""openFDA CAERS (food/event) and FAERS (drug/event) counts.

No recorded openFDA envelope exists in ../shared/fixtures (SOURCES.md), so the envelopes here
are HAND-MADE following API_NOTES.md (meta + results; count answers as term/count or
time/count; no match = 404 NOT_FOUND). The REAL FAERS record event.postannotation.json is
served inside a hand-made search envelope, and the REAL CAERS/FAERS schemas check that every
field scisays queries exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scisays.errors import SourceError
from scisays.question import build_question
from scisays.report import build_report, render_markdown
from scisays.sources import make_client
from scisays.sources.http import BadResponse
from scisays.sources.openfda import CAVEAT, OpenFDA, by_year, parse_openfda

from conftest import SHARED, settings_for
from fakeserver import FakeServer, Reply, Request

OPENFDA = SHARED / "fixtures" / "openfda"
META = {"disclaimer": "Do not rely on openFDA to make decisions regarding medical care.",
        "terms": "https://open.fda.gov/terms/", "license": "https://open.fda.gov/license/",
        "last_updated": "2025-10-01"}
NOT_FOUND = Reply(404, {"error": {"code": "NOT_FOUND", "message": "No matches found!"}})


def envelope(results: list, total: int | None = None) -> dict:
    meta = dict(META)
    if total is not None:
        meta["results"] = {"skip": 0, "limit": 1, "total": total}
    return {"meta": meta, "results": results}


def test_search_envelope_with_the_real_faers_record():
    record = json.loads((OPENFDA / "event.postannotation.json").read_text())
    got = parse_openfda(json.dumps(envelope([record], total=4321)).encode())
    assert got.total == 4321 and got.counts == ()


def test_count_envelopes_and_not_found():
    terms = parse_openfda(json.dumps(envelope([{"term": "NAUSEA", "count": 12}])).encode())
    assert terms.counts == (("NAUSEA", 12),)
    times = parse_openfda(json.dumps(envelope(
        [{"time": "20190102", "count": 2}, {"time": "20191231", "count": 3}, {"time": "20200101", "count": 1}]
    )).encode())
    assert by_year(times.counts) == ((2019, 5), (2020, 1))
    assert parse_openfda(NOT_FOUND.payload(), 404).total == 0
    with pytest.raises(BadResponse, match="NOT_FOUND") as e:
        parse_openfda(b'{"error": {"code": "OTHER"}}', 404)
    assert not e.value.retry
    with pytest.raises(BadResponse, match="meta and results"):
        parse_openfda(b'{"results": []}')


def _fields(schema: dict, prefix: str = "") -> set[str]:
    out = set()
    for name, spec in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        out.add(path)
        inner = spec.get("items", spec) if isinstance(spec, dict) else {}
        out |= _fields(inner, path + ".")
    return out


def test_queried_fields_exist_in_the_real_schemas():
    food = _fields(json.loads((OPENFDA / "foodevent_schema.json").read_text()))
    drug = _fields(json.loads((OPENFDA / "drugevent_schema.json").read_text()))
    assert {"products.name_brand", "outcomes", "reactions", "date_created"} <= food
    assert {"patient.drug.medicinalproduct", "serious", "seriousnessdeath",
            "seriousnesshospitalization", "receivedate", "patient.reaction.reactionmeddrapt"} <= drug


def fake_openfda(req: Request) -> Reply:
    q = req.query
    assert "ashwagandha" in q["search"].lower()
    if req.path == "/food/event.json":
        assert q["search"].startswith('products.name_brand:"ashwagandha" products.name_brand:"Withania')
        count = q.get("count")
        if count is None:
            return Reply(200, envelope([{"report_number": "1"}], total=57))
        if count == "outcomes.exact":
            return Reply(200, envelope([
                {"term": "Visited an ER", "count": 20},
                {"term": "Hospitalization", "count": 11},
                {"term": "Death", "count": 1},
            ]))
        if count == "reactions.exact":
            return Reply(200, envelope([{"term": "NAUSEA", "count": 9},
                                        {"term": "LIVER INJURY", "count": 5}]))
        if count == "date_created":
            return Reply(200, envelope([{"time": "20220105", "count": 30},
                                        {"time": "20230301", "count": 27}]))
    if req.path == "/drug/event.json":
        return NOT_FOUND
    return Reply(400, {"error": {"message": "unexpected"}})


def test_counts_and_report(tmp_path: Path):
    with FakeServer({"/food/event.json": fake_openfda, "/drug/event.json": fake_openfda}) as srv:
        s = settings_for(tmp_path, openfda=srv.url)
        q = build_question("ashwagandha", ["stress"])
        result = OpenFDA(make_client(s), s).run(q)
        caers, faers = result.adverse_events
        assert (caers.database, caers.total_reports) == ("CAERS", 57)
        assert (caers.hospitalisations, caers.deaths) == (11, 1)
        assert caers.serious_reports is None and caers.top_reactions[0] == ("NAUSEA", 9)
        assert caers.by_year == ((2022, 30), (2023, 27)) and caers.caveat == CAVEAT
        assert faers.total_reports == 0 and faers.top_reactions == ()
        assert srv.count("/food/event.json") == 4 and srv.count("/drug/event.json") == 1
        again = OpenFDA(make_client(s), s).run(q)
        assert again.from_cache and srv.count() == 5  # the 404 is cached too
    md = render_markdown(build_report(q, [], sources=[], adverse_events=result.adverse_events))
    assert "## Adverse-event reports: CAERS (openFDA)" in md
    assert "57 reports naming ashwagandha" in md and "with hospitalisation: 11" in md
    assert "not a measure of risk" in md and "no denominator" in md


def test_faers_serious_deaths_hospitalisations(tmp_path: Path):
    def drug(req: Request) -> Reply:
        count = req.query.get("count")
        return Reply(200, envelope({
            "serious": [{"term": 1, "count": 40}, {"term": 2, "count": 60}],
            "seriousnessdeath": [{"term": 1, "count": 4}],
            "seriousnesshospitalization": [{"term": 1, "count": 17}],
            "patient.reaction.reactionmeddrapt.exact": [{"term": "SEIZURE", "count": 8}],
            "receivedate": [{"time": "20210101", "count": 100}],
        }[count]))

    with FakeServer({"/food/event.json": lambda r: NOT_FOUND, "/drug/event.json": drug}) as srv:
        s = settings_for(tmp_path, openfda=srv.url)
        caers, faers = OpenFDA(make_client(s), s).run(build_question("kratom")).adverse_events
        assert caers.total_reports == 0 and srv.count("/food/event.json") == 1
        assert (faers.total_reports, faers.serious_reports, faers.deaths, faers.hospitalisations) == (
            100, 40, 4, 17)
        assert faers.by_year == ((2021, 100),) and faers.top_reactions == (("SEIZURE", 8),)


def test_html_maintenance_page_is_an_error(tmp_path: Path):
    page = Reply(200, b"<html><body>openFDA is down for maintenance</body></html>")
    with FakeServer({"/food/event.json": lambda r: page}) as srv:
        s = settings_for(tmp_path, openfda=srv.url)
        with pytest.raises(SourceError, match="openFDA returned an HTML page instead of JSON"):
            OpenFDA(make_client(s), s).run(build_question("kratom"))

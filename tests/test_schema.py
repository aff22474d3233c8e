"""The published JSON Schema describes real reports, and the JSON reads back into the same Report."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from scisays.model import Report
from scisays.report.load import ReportFormatError, report_from_dict, report_schema

from conftest import with_live_data

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "src" / "scisays" / "schemas" / "report.schema.json"


def validator() -> jsonschema.Draft202012Validator:
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_schema_file_is_the_published_one():
    assert json.loads(SCHEMA_FILE.read_text("utf-8")) == report_schema()
    assert report_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("name", ["kratom_report", "edge_report", "live"])
def test_real_reports_validate_and_round_trip(name: str, request: pytest.FixtureRequest):
    report: Report = request.getfixturevalue("kratom_report" if name == "live" else name)
    if name == "live":
        report = with_live_data(report)
    doc = json.loads(json.dumps(report.to_dict()))
    validator().validate(doc)
    again = report_from_dict(doc)
    assert again.to_dict() == doc


def _broken(doc: dict) -> list[tuple[str, dict]]:
    cases = []
    d = copy.deepcopy(doc)
    del d["verdicts"]
    cases.append(("missing verdicts", d))
    d = copy.deepcopy(doc)
    d["verdicts"][0]["verdict"] = "works great"
    cases.append(("unknown verdict label", d))
    d = copy.deepcopy(doc)
    d["studies"][0]["appraisal"]["findings"][0]["direction"] = "cures"
    cases.append(("unknown direction", d))
    d = copy.deepcopy(doc)
    d["schema_version"] = 2
    cases.append(("other schema version", d))
    d = copy.deepcopy(doc)
    d["surprise"] = True
    cases.append(("undeclared field", d))
    d = copy.deepcopy(doc)
    d["studies"][0]["record"]["year"] = "2020"
    cases.append(("year as a string", d))
    d = copy.deepcopy(doc)
    d["studies"][0]["url"] = "javascript:alert(1)"
    cases.append(("non-https url", d))
    return cases


def test_broken_documents_fail(kratom_report: Report):
    doc = json.loads(json.dumps(kratom_report.to_dict()))
    v = validator()
    for what, broken in _broken(doc):
        assert not v.is_valid(broken), what


def test_reader_rejects_other_documents(kratom_report: Report):
    with pytest.raises(ReportFormatError, match="schema version 1"):
        report_from_dict({"schema": "something else"})
    doc = kratom_report.to_dict()
    del doc["question"]
    with pytest.raises(ReportFormatError, match="incomplete or malformed"):
        report_from_dict(doc)

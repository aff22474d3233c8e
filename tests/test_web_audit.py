"""The article audit in the web app and the API, in process (TestClient) on the kratom-dev corpus."""

from __future__ import annotations

import json

import jsonschema
import pytest
from fastapi.testclient import TestClient

from scisays.corpus import Corpus, ingest_file
from scisays.web import create_app

from conftest import KRATOM_DEV, SHARED

SEED = (SHARED / "articles" / "kratom-anxiety-depression.txt").read_text("utf-8")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    db = tmp_path_factory.mktemp("webaudit") / "corpus.sqlite"
    with Corpus.open(db, create=True) as corpus:
        ingest_file(corpus, KRATOM_DEV)
    return TestClient(create_app(db, None))


def test_api_audit_of_pasted_text_validates_against_its_schema(client: TestClient):
    r = client.post("/api/v1/audit", json={"text": SEED})
    assert r.status_code == 200, r.text
    doc = r.json()
    schema = client.get("/api/v1/audit/schema").json()
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert doc["schema"] == "scisays.audit" and doc["substance"] == "kratom"
    assert doc["summary"]["overstated"] >= 1
    assert any(f["kind"] == "call-to-action" for f in doc["hygiene"]["flags"])


@pytest.mark.parametrize(("body", "status", "says"), [
    ({}, 422, "either the article's text or its URL"),
    ({"text": "x", "url": "https://example.org/"}, 422, "not both"),
    ({"url": "http://127.0.0.1:8000/admin"}, 422, "loopback"),
    ({"url": "http://10.0.0.1/"}, 422, "private"),
    ({"url": "http://[::1]/"}, 422, "loopback"),
    ({"url": "file:///etc/passwd"}, 422, "Only http and https"),
    ({"text": "<nav>Home</nav>"}, 422, "No article text"),
    ({"text": 5}, 422, "must be strings"),
    ({"text": "Kratom relieves anxiety.", "substance": [1]}, 422, "substance must be"),
])
def test_api_audit_refusals_are_one_sentence_json(client: TestClient, body: dict, status: int, says: str):
    r = client.post("/api/v1/audit", json=body)
    assert r.status_code == status and says in r.json()["error"]["message"], r.text


def test_api_audit_refuses_non_json_and_oversized_bodies(client: TestClient):
    r = client.post("/api/v1/audit", content=b"text=hello", headers={"content-type": "text/plain"})
    assert r.status_code == 422 and "not JSON" in r.json()["error"]["message"]
    r = client.post("/api/v1/audit", content=json.dumps({"text": "a" * (3 * 1024 * 1024)}).encode())
    assert r.status_code == 413 and "MB" in r.json()["error"]["message"]


def test_audit_page_form_and_result(client: TestClient):
    r = client.get("/audit")
    assert r.status_code == 200 and 'action="/audit"' in r.text and "<textarea" in r.text
    r = client.post("/audit", data={"text": SEED + " <script>alert(1)</script>"})
    assert r.status_code == 200 and "Audit: Kratom Powder" in r.text
    assert "<script>alert(1)" not in r.text and "overstated" in r.text
    r = client.post("/audit", data={"url": "http://169.254.169.254/latest/"})
    assert r.status_code == 422 and "link-local" in r.text
    assert 'value="http://169.254.169.254/latest/"' in r.text  # the user's input is kept

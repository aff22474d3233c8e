"""The article audit in the web app and the API, in process (TestClient) on the kratom-dev corpus."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from scisays.audit.article import READABLE_PATTERN, readable
from scisays.audit.fetch import URL, URL_PATTERN, check_url
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


def test_pasted_text_with_a_nul_is_audited(client: TestClient):
    """Found by schemathesis: pasted text is text, not a file; a stray NUL is no "binary data"."""
    r = client.post("/api/v1/audit", json={"text": "Kratom relieves anxiety,\u0000 users say."})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(("body", "status", "says"), [
    ({}, 422, "either the article's text or its URL"),
    ({"text": "x", "url": "https://example.org/"}, 422, "not both"),
    ({"url": "http://localhost:8000/admin"}, 422, "loopback"),  # a name: resolved, then refused
    ({"url": "http://127.0.0.1:8000/admin"}, 422, "not an IP address"),
    ({"url": "http://10.0.0.1/"}, 422, "not an IP address"),
    ({"url": "http://[::1]/"}, 422, "not an IP address"),
    ({"url": "http://example.org:99999/"}, 422, "port up to 65535"),
    ({"url": "file:///etc/passwd"}, 422, "http:// or https://"),
    ({"url": "http://user@example.org/"}, 422, "not an IP address or a user name"),
    ({"url": ""}, 422, "http:// or https://"),
    ({"text": "Kratom relieves anxiety, users say.", "url": ""}, 422, "not both"),
    ({"text": None}, 422, "must be strings"),
    ({"text": "<nav>Home</nav>"}, 422, "fewer than 5 words"),
    ({"text": "0"}, 422, "fewer than 5 words"),
    ({"text": '<html><body><script>var a = "kratom relieves anxiety users say";</script></body></html>'},
     422, "No article text"),  # words, but none a reader sees
    ({"text": 5}, 422, "must be strings"),
    ({"text": "Kratom relieves anxiety, users say.", "substance": [1]}, 422, "substance must be"),
    ({"text": "Kratom relieves anxiety, users say.", "substance": "!!"}, 422, "no letter or digit"),
    ({"text": "Kratom relieves anxiety, users say.", "condition": ["x"] * 11}, 422, "at most 10"),
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


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab Z1-<>.\n\u00e9"), max_size=40))
def test_the_documented_text_pattern_is_the_servers_rule(text: str):
    """The OpenAPI document's pattern for an article's text matches exactly the texts the server
    finds words enough in (a linear count: the pattern itself backtracks on long words)."""
    assert bool(re.search(READABLE_PATTERN, text)) == readable(text)


@pytest.mark.parametrize("url", [
    "https://example.org/page?x=1#f", "HTTP://Example.ORG", "http://a.com:65535/", "https://0.com",
    "http://xn--p1ai.xn--p1ai/", "http://a.com/Kr\u00e4uter",
])
def test_an_address_the_api_takes_is_one_fetch_can_check(url: str):
    """What the documented URL pattern accepts, fetch's own checks accept too (a public name)."""
    assert URL.fullmatch(url)
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    assert jsonschema_rs.is_valid({"type": "string", "pattern": URL_PATTERN}, url)
    check_url(url, resolve=lambda host, port: ["93.184.215.14"])


@pytest.mark.parametrize("url", [
    "http://0", "http://10.0.0.1/", "http://[::1]/", "http://a@b.com", "http://a.com:65536/",
    "http://a .com/", "http://a.1/", "ftp://a.com/", "http://a.com/\x85", "http://-a.com/",
    "http://a.com/\n", "http://a.com/\ufeff", "http://a.com/\u3000",
])
def test_addresses_the_api_refuses(url: str):
    """Refused by the server (Python) and by a client's validator (ECMA-262, jsonschema-rs) alike."""
    assert not URL.fullmatch(url)
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    assert not jsonschema_rs.is_valid({"type": "string", "pattern": URL_PATTERN}, url)
